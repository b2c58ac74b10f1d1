import { cleanup, render, screen } from '@solidjs/testing-library';
import { createRoot } from 'solid-js';
import { afterEach, describe, expect, it } from 'vitest';
import { SessionCard } from '../src/components/SessionCard.js';
import { setNow } from '../src/lib/clock.js';
import { createBoardState } from '../src/store/boardState.js';
import { createSessionStore } from '../src/store/sessions.js';
import { Board } from '../src/views/Board.js';
import { SessionDetailView } from '../src/views/Detail.js';
import { defaultHistoryQuery, HistoryResults } from '../src/views/History.js';
import { makeLive, makeSession, summaryOf } from './factory.js';

const T0 = 1_700_000_000_000;

afterEach(cleanup);

describe('the host a session runs on', () => {
  it('the card shows it, small, with its name in the tooltip; nothing when no event said', () => {
    setNow(T0);
    render(() => <SessionCard session={makeLive({ sessionId: 'remote', host: 'build-box' })} />);
    const host = screen.getByTestId('host');
    expect(host.textContent).toContain('build-box');
    expect(host.title).toBe('Host: build-box');
    cleanup();
    render(() => <SessionCard session={makeLive({ sessionId: 'here', host: null })} />);
    expect(screen.queryByTestId('host')).toBeNull();
  });

  it('a live upsert that sets the host updates the card in place', () => {
    setNow(T0);
    const store = createSessionStore({ schedule: (fn) => fn() });
    const board = createRoot(() => createBoardState(store));
    const { container } = render(() => <Board store={store} board={board} onOpen={() => {}} />);
    store.apply(
      { type: 'snapshot', seq: 1, teams: [], sessions: [makeLive({ sessionId: 'a', host: null })] },
      'e:1',
    );
    const card = container.querySelector<HTMLElement>('article[data-session-id="a"]');
    expect(card?.querySelector('[data-testid="host"]')).toBeNull();
    store.apply({ type: 'session-upsert', session: makeLive({ sessionId: 'a', host: 'gpu-1' }) }, 'e:2');
    expect(store.session('a')?.host).toBe('gpu-1');
    const same = container.querySelector<HTMLElement>('article[data-session-id="a"]');
    expect(same).toBe(card);
    expect(same?.querySelector('[data-testid="host"]')?.textContent).toContain('gpu-1');
  });

  it('the detail page names it with the terminal', () => {
    setNow(T0);
    const { container } = render(() => (
      <SessionDetailView session={makeSession({ sessionId: 'd1', host: 'build-box', source: 'tmux' })} />
    ));
    expect(container.textContent).toContain('pid 4242 · on build-box');
  });

  it('History lists it with the session', () => {
    const row = summaryOf(makeSession({ sessionId: 'h1', title: 'On the build box', host: 'build-box' }));
    render(() => (
      <HistoryResults
        page={{ rows: [row], total: 1, page: 1, pageSize: 25 }}
        query={defaultHistoryQuery()}
        onOpen={() => {}}
        onPage={() => {}}
      />
    ));
    expect(document.querySelector('.history-row__host')?.textContent).toBe(' · on build-box');
  });
});
