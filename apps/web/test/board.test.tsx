import { cleanup, fireEvent, render, screen } from '@solidjs/testing-library';
import { createRoot } from 'solid-js';
import { afterEach, describe, expect, it } from 'vitest';
import { createBoardState } from '../src/store/boardState.js';
import { createSessionStore } from '../src/store/sessions.js';
import { Board } from '../src/views/Board.js';
import { makeLive } from './factory.js';

afterEach(cleanup);

const T0 = 1_700_000_000_000;
const at = (status: 'working' | 'approval' | 'input' | 'waiting' | 'idle', t: number) => ({
  status,
  cause: 'event' as const,
  trigger: 'x',
  detail: `${status} detail`,
  at: t,
});

function setup() {
  const store = createSessionStore({ schedule: (fn) => fn() });
  const board = createRoot(() => createBoardState(store));
  const opened: string[] = [];
  const utils = render(() => <Board store={store} board={board} onOpen={(id) => opened.push(id)} />);
  return { store, board, opened, ...utils };
}

const cardEl = (c: HTMLElement, id: string) =>
  c.querySelector<HTMLElement>(`article[data-session-id="${id}"]`);

describe('Board + live store', () => {
  it('renders a snapshot, updates one card in place and leaves the others untouched', async () => {
    const { store, container } = setup();
    store.apply(
      {
        type: 'snapshot',
        seq: 1,
        teams: [],
        sessions: [
          makeLive({
            sessionId: 'a',
            projectName: 'alpha',
            statusReason: at('working', T0),
            lastActivityAt: T0 + 3,
          }),
          makeLive({
            sessionId: 'b',
            projectName: 'beta',
            statusReason: at('working', T0),
            lastActivityAt: T0 + 2,
          }),
          makeLive({
            sessionId: 'c',
            projectName: 'gamma',
            statusReason: at('working', T0),
            lastActivityAt: T0 + 1,
          }),
        ],
      },
      'e:1',
    );
    await new Promise((r) => setTimeout(r, 0));
    expect(container.querySelectorAll('article.card').length).toBe(3);
    const a = cardEl(container, 'a')!;
    const b = cardEl(container, 'b')!;
    const mutations: MutationRecord[] = [];
    const mo = new MutationObserver((m) => mutations.push(...m));
    mo.observe(b, { subtree: true, childList: true, characterData: true, attributes: true });

    store.apply(
      {
        type: 'session-upsert',
        session: makeLive({
          sessionId: 'a',
          projectName: 'alpha',
          status: 'working',
          statusReason: at('working', T0),
          lastActivityAt: T0 + 3,
          totalToolCalls: 9,
        }),
      },
      'e:2',
    );
    await new Promise((r) => setTimeout(r, 0));
    expect(cardEl(container, 'a')).toBe(a);
    expect(a.textContent).toContain('9 tool calls');
    expect(cardEl(container, 'b')).toBe(b);
    expect(mutations).toEqual([]);
    mo.disconnect();
    expect(store.state.lastId).toBe('e:2');
  });

  it('puts sessions that need you first, and removes cards on session-removed', async () => {
    const { store, container } = setup();
    store.apply({
      type: 'snapshot',
      seq: 1,
      teams: [],
      sessions: [
        makeLive({ sessionId: 'w', statusReason: at('working', T0), lastActivityAt: T0 + 50 }),
        makeLive({ sessionId: 'q', status: 'input', statusReason: at('input', T0 + 5) }),
        makeLive({ sessionId: 'p', status: 'approval', statusReason: at('approval', T0 + 10) }),
      ],
    });
    await new Promise((r) => setTimeout(r, 0));
    const order = () =>
      [...container.querySelectorAll('article.card')].map((e) => e.getAttribute('data-session-id'));
    // longest-waiting first among those that need you, then the rest
    expect(order()).toEqual(['q', 'p', 'w']);
    store.apply({ type: 'session-removed', sessionId: 'q' });
    await new Promise((r) => setTimeout(r, 0));
    expect(order()).toEqual(['p', 'w']);
  });

  it('filters by search text, cli and status chip', async () => {
    const { store, container } = setup();
    store.apply({
      type: 'snapshot',
      seq: 1,
      teams: [],
      sessions: [
        makeLive({ sessionId: 'x1', projectName: 'payments', cli: 'claude' }),
        makeLive({ sessionId: 'x2', projectName: 'search', cli: 'codex', title: 'Fix ranking' }),
        makeLive({ sessionId: 'x3', projectName: 'search', cli: 'gemini', status: 'approval' }),
      ],
    });
    await new Promise((r) => setTimeout(r, 0));
    const ids = () =>
      [...container.querySelectorAll('article.card')].map((e) => e.getAttribute('data-session-id'));
    fireEvent.input(screen.getByLabelText('Search sessions'), { target: { value: 'ranking' } });
    expect(ids()).toEqual(['x2']);
    fireEvent.input(screen.getByLabelText('Search sessions'), { target: { value: '' } });
    fireEvent.change(screen.getByLabelText('Agent CLI'), { target: { value: 'gemini' } });
    expect(ids()).toEqual(['x3']);
    fireEvent.change(screen.getByLabelText('Agent CLI'), { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: /Needs approval/ }));
    expect(ids()).toEqual(['x3']);
  });

  it('keyboard model: move selects in board order, nextNeedsYou cycles through sessions that need you', () => {
    const store = createSessionStore({ schedule: (fn) => fn() });
    const board = createRoot(() => createBoardState(store));
    store.apply({
      type: 'snapshot',
      seq: 1,
      teams: [],
      sessions: [
        makeLive({ sessionId: 'w', statusReason: at('working', T0), lastActivityAt: T0 + 100 }),
        makeLive({ sessionId: 'a1', status: 'approval', statusReason: at('approval', T0 + 1) }),
        makeLive({ sessionId: 'i1', status: 'input', statusReason: at('input', T0 + 2) }),
      ],
    });
    expect(board.move(1)).toBe('a1');
    expect(board.move(1)).toBe('i1');
    expect(board.move(1)).toBe('w');
    expect(board.move(1)).toBe('w');
    expect(board.move(-1)).toBe('i1');
    board.setSelected(null);
    expect(board.nextNeedsYou()).toBe('a1');
    expect(board.nextNeedsYou()).toBe('i1');
    expect(board.nextNeedsYou()).toBe('a1');
    expect(board.needsYouCount()).toBe(2);
  });

  it('groups by status with headers', async () => {
    const { store, board, container } = setup();
    store.apply({
      type: 'snapshot',
      seq: 1,
      teams: [],
      sessions: [
        makeLive({ sessionId: 'g1', status: 'approval', statusReason: at('approval', T0) }),
        makeLive({ sessionId: 'g2' }),
        makeLive({ sessionId: 'g3' }),
      ],
    });
    board.setGroup('status');
    await new Promise((r) => setTimeout(r, 0));
    const headers = [...container.querySelectorAll('.board__group')].map((h) =>
      h.textContent?.replace(/\s+/g, ' ').trim(),
    );
    expect(headers).toEqual(['Needs approval 1', 'Working 2']);
  });
});
