import type { LineageLink, Session, StatusReason } from '@flightdeck/shared-types';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@solidjs/testing-library';
import { createSignal } from 'solid-js';
import { afterEach, describe, expect, it } from 'vitest';
import { setNow } from '../src/lib/clock.js';
import { causeLabel, codeWords, terminalLabel } from '../src/lib/words.js';
import { createSessionStore } from '../src/store/sessions.js';
import { DetailPage, SessionDetailView } from '../src/views/Detail.js';
import { testApi } from './api.js';
import { liveOf, makeSession } from './factory.js';

afterEach(cleanup);

const T0 = 1_700_000_000_000;

function reason(p: Partial<StatusReason> & Pick<StatusReason, 'status' | 'at'>): StatusReason {
  return { cause: 'event', trigger: 'PreToolUse', detail: `${p.status} detail`, ...p };
}

/** Text a person sees: what the page renders, without the (hidden) data attributes. */
const visible = (el: Element) => el.textContent ?? '';

describe('the Why panel names the current reason', () => {
  it('says the detail, its source in words, how long in the status and when the reason was updated', () => {
    setNow(T0 + 125_000);
    const s = makeSession({
      sessionId: 'w1',
      status: 'working',
      statusReason: {
        status: 'working',
        cause: 'event',
        trigger: 'PreToolUse',
        detail: 'Bash: npm run build',
        at: T0,
        reasonAt: T0 + 113_000,
      },
    });
    render(() => <SessionDetailView session={s} />);
    const why = screen.getByTestId('status-reason');
    expect(why.querySelector('h2')!.textContent).toBe('Why “Working” for 2m 05s · reason updated 12s ago');
    expect(why.querySelector('.why__detail')!.textContent).toBe('Bash: npm run build');
    expect(screen.getByTestId('reason-source').textContent).toBe('hook event “Tool started”');
    const updated = within(screen.getByTestId('reason-updated')).getByText('12s ago');
    expect(updated.tagName).toBe('TIME');
    expect(updated.getAttribute('datetime')).toBe(new Date(T0 + 113_000).toISOString());
    // No code: neither the hook event's name nor the cause's.
    expect(visible(why)).not.toContain('PreToolUse');
  });

  it('says nothing about an update when the reason is as old as the status', () => {
    setNow(T0 + 5_000);
    for (const reasonAt of [undefined, T0]) {
      const s = makeSession({
        sessionId: 'w2',
        status: 'waiting',
        statusReason: {
          status: 'waiting',
          cause: 'event',
          trigger: 'Stop',
          detail: 'Turn done',
          at: T0,
          reasonAt,
        },
      });
      render(() => <SessionDetailView session={s} />);
      expect(screen.getByTestId('status-reason').querySelector('h2')!.textContent).toBe(
        'Why “Done, waiting” for 5s',
      );
      expect(screen.queryByTestId('reason-updated')).toBeNull();
      cleanup();
    }
  });

  it('names every source in plain words', () => {
    const cases: Array<[Pick<StatusReason, 'cause' | 'trigger'>, string]> = [
      [{ cause: 'event', trigger: 'PermissionRequest' }, 'hook event “Permission request”'],
      [{ cause: 'event', trigger: 'UserPromptSubmit' }, 'hook event “Prompt submitted”'],
      [{ cause: 'transcript', trigger: 'interrupt' }, 'transcript (interrupt)'],
      [{ cause: 'transcript', trigger: 'api-error' }, 'transcript (api error)'],
      [{ cause: 'timer', trigger: 'auto-idle' }, 'timer (auto-idle)'],
      [{ cause: 'timer', trigger: 'approval-heuristic' }, 'timer (no answer within the timeout)'],
      [{ cause: 'pid', trigger: 'pid-dead' }, 'process check'],
      [{ cause: 'user', trigger: 'kill' }, 'your action'],
      [{ cause: 'restore', trigger: 'restore' }, 'server restart'],
    ];
    for (const [r, words] of cases) expect(causeLabel(r)).toBe(words);
    for (const [r, words] of cases) {
      const s = makeSession({
        sessionId: `c-${r.cause}-${r.trigger}`,
        status: 'idle',
        statusReason: { status: 'idle', ...r, detail: 'x', at: T0 },
      });
      render(() => <SessionDetailView session={s} />);
      expect(screen.getByTestId('reason-source').textContent).toBe(words);
      cleanup();
    }
  });
});

describe('the status timeline', () => {
  const history: StatusReason[] = [
    reason({ status: 'prompting', at: T0, trigger: 'UserPromptSubmit', detail: 'Prompt: fix the build' }),
    reason({ status: 'working', at: T0 + 4_000, trigger: 'PreToolUse', detail: 'Bash: npm run build' }),
    reason({
      status: 'approval',
      at: T0 + 64_000,
      trigger: 'PermissionRequest',
      detail: 'PermissionRequest for Bash: rm -rf dist',
    }),
    reason({
      status: 'idle',
      at: T0 + 70_000,
      cause: 'transcript',
      trigger: 'interrupt',
      detail: 'Interrupted by you',
    }),
  ];

  it('lists the status changes newest first, each with its badge, time, duration, source and detail', () => {
    setNow(T0 + 100_000);
    const s = makeSession({
      sessionId: 't1',
      status: 'idle',
      statusHistory: history,
      statusReason: history[3]!,
    });
    render(() => <SessionDetailView session={s} />);
    const section = screen.getByRole('region', { name: 'Status timeline' });
    const items = within(section).getAllByRole('listitem');
    expect(items.map((li) => li.getAttribute('data-status'))).toEqual([
      'idle',
      'approval',
      'working',
      'prompting',
    ]);
    expect(items[0]!.getAttribute('aria-current')).toBe('true');
    expect(items.slice(1).every((li) => li.getAttribute('aria-current') === null)).toBe(true);
    // Each has a time element with a machine-readable instant.
    expect(items.map((li) => li.querySelector('time')!.getAttribute('datetime'))).toEqual(
      [70_000, 64_000, 4_000, 0].map((d) => new Date(T0 + d).toISOString()),
    );
    expect(items.map((li) => li.querySelector('.badge__label')!.textContent)).toEqual([
      'Idle',
      'Needs approval',
      'Working',
      'Thinking',
    ]);
    expect(items.map((li) => li.querySelector('.statuses__for')!.textContent)).toEqual([
      'for 30s so far',
      'for 6s',
      'for 1m 00s',
      'for 4s',
    ]);
    expect(items.map((li) => li.querySelector('.statuses__source')!.textContent)).toEqual([
      'transcript (interrupt)',
      'hook event “Permission request”',
      'hook event “Tool started”',
      'hook event “Prompt submitted”',
    ]);
    expect(items[1]!.querySelector('.statuses__detail')!.textContent).toBe(
      'PermissionRequest for Bash: rm -rf dist',
    );
  });

  it('ends with the current status even when the loaded history does not have it yet', () => {
    setNow(T0 + 100_000);
    const current = reason({
      status: 'working',
      at: T0 + 90_000,
      trigger: 'UserPromptSubmit',
      detail: 'again',
    });
    const s = makeSession({
      sessionId: 't2',
      status: 'working',
      statusHistory: history,
      statusReason: current,
    });
    render(() => <SessionDetailView session={s} />);
    const items = within(screen.getByRole('region', { name: 'Status timeline' })).getAllByRole('listitem');
    expect(items.map((li) => li.getAttribute('data-status'))).toEqual([
      'working',
      'idle',
      'approval',
      'working',
      'prompting',
    ]);
    expect(items[1]!.querySelector('.statuses__for')!.textContent).toBe('for 20s');
  });

  it('a session stored before the timeline existed (no statusHistory) shows its current status', () => {
    setNow(T0 + 10_000);
    const { statusHistory: _h, lineage: _l, ...old } = makeSession({ sessionId: 't3', status: 'waiting' });
    render(() => <SessionDetailView session={old as Session} />);
    const items = within(screen.getByRole('region', { name: 'Status timeline' })).getAllByRole('listitem');
    expect(items.map((li) => li.getAttribute('data-status'))).toEqual(['waiting']);
    expect(screen.queryByRole('navigation', { name: 'Related sessions' })).toBeNull();
  });

  it('shows the latest eight, and all of them on request', () => {
    const long = Array.from({ length: 12 }, (_, i) =>
      reason({ status: i % 2 ? 'working' : 'prompting', at: T0 + i * 1000 }),
    );
    const s = makeSession({
      sessionId: 't4',
      status: 'working',
      statusHistory: long,
      statusReason: long[11]!,
    });
    render(() => <SessionDetailView session={s} />);
    const region = screen.getByRole('region', { name: 'Status timeline' });
    expect(within(region).getAllByRole('listitem').length).toBe(8);
    fireEvent.click(within(region).getByRole('button', { name: 'Show all 12' }));
    expect(within(region).getAllByRole('listitem').length).toBe(12);
  });
});

describe('lineage', () => {
  const link = (p: Partial<LineageLink> & Pick<LineageLink, 'sessionId'>): LineageLink => ({
    relation: 'cleared',
    direction: 'predecessor',
    at: T0,
    ...p,
  });

  it('links the cards it continues and that continue it, named by title or short id, and opens them', () => {
    const opened: string[] = [];
    const s = makeSession({
      sessionId: 'mid',
      previousSessionIds: ['before-resume-1', 'pred-aaaa-bbbb'],
      lineage: [
        link({ sessionId: 'succ-cccc-dddd', direction: 'successor', at: T0 + 5000 }),
        link({ sessionId: 'pred-aaaa-bbbb', direction: 'predecessor', at: T0 }),
        link({ sessionId: 'resumed-eeee', relation: 'resumed', direction: 'successor', at: T0 + 9000 }),
        link({ sessionId: 'origin-ffff', relation: 'resumed', direction: 'predecessor', at: T0 - 9000 }),
      ],
    });
    const known = makeSession({
      sessionId: 'pred-aaaa-bbbb',
      status: 'ended',
      title: 'Set up the login page',
    });
    render(() => (
      <SessionDetailView
        session={s}
        lookup={(id) => (id === known.sessionId ? known : undefined)}
        actions={{ openSession: (id) => void opened.push(id) }}
      />
    ));
    const nav = screen.getByRole('navigation', { name: 'Related sessions' });
    const items = within(nav).getAllByRole('listitem');
    expect(
      items.map((li) => li.textContent!.split(' · ')[0]!.replace(/[↰↳]/g, '').replace(/\s+/g, ' ').trim()),
    ).toEqual([
      'Resumed from session origin-f',
      'Continues Ended Set up the login page (after /clear)',
      'Continued in session succ-ccc (after /clear)',
      'Resumed in session resumed-',
    ]);
    const links = within(nav).getAllByRole('link');
    expect(links.map((a) => a.getAttribute('href'))).toEqual([
      '#/session/origin-ffff',
      '#/session/pred-aaaa-bbbb',
      '#/session/succ-cccc-dddd',
      '#/session/resumed-eeee',
    ]);
    fireEvent.click(links[1]!);
    expect(opened).toEqual(['pred-aaaa-bbbb']);
    // Earlier ids of this same card; the predecessor card is a link above, not an earlier id.
    expect(screen.getByTestId('earlier-ids').textContent).toBe('before-resume-1');
  });

  it('without links or earlier ids, shows neither', () => {
    render(() => <SessionDetailView session={makeSession({ sessionId: 'lonely' })} />);
    expect(screen.queryByRole('navigation', { name: 'Related sessions' })).toBeNull();
    expect(screen.queryByTestId('earlier-ids')).toBeNull();
  });

  it('the detail page opens a linked session that has ended and is only in history, and comes back', async () => {
    const pred = makeSession({
      sessionId: 'old-1',
      status: 'ended',
      endReason: 'clear',
      title: 'First try',
      lineage: [link({ sessionId: 'new-2', direction: 'successor' })],
    });
    const next = makeSession({
      sessionId: 'new-2',
      status: 'prompting',
      title: 'Second try',
      lineage: [link({ sessionId: 'old-1' })],
    });
    const calls: string[] = [];
    const api = testApi({
      getSession: async (id) => {
        calls.push(id);
        return id === 'old-1' ? pred : id === 'new-2' ? next : null;
      },
      listNotes: async () => [],
    });
    // Only the new card is live; the old one is in history only.
    const store = createSessionStore({ schedule: (fn) => fn() });
    store.apply({ type: 'snapshot', seq: 1, teams: [], sessions: [liveOf(next)] });
    const [id, setId] = createSignal('new-2');
    const { container } = render(() => (
      <DetailPage
        sessionId={id()}
        api={api}
        store={store}
        onClose={() => undefined}
        onOpen={setId}
        onToast={(m) => {
          throw new Error(m);
        }}
      />
    ));
    await waitFor(() => expect(container.querySelector('.detail[data-session-id="new-2"]')).toBeTruthy());
    const nav = () => screen.getByRole('navigation', { name: 'Related sessions' });
    // The predecessor is named by its title, loaded from history.
    await waitFor(() => expect(nav().textContent).toContain('Continues Ended First try (after /clear)'));
    fireEvent.click(within(nav()).getByRole('link'));
    // The next load is coalesced (at most every 250 ms).
    await waitFor(() => expect(container.querySelector('.detail[data-session-id="old-1"]')).toBeTruthy());
    expect(screen.getByText('history')).toBeTruthy();
    expect(container.querySelector('.facts')!.textContent).toContain('(Cleared with /clear)');
    expect(nav().textContent).toContain('Continued in');
    expect(nav().textContent).toContain('Second try');
    fireEvent.click(within(nav()).getByRole('link'));
    await waitFor(() => expect(container.querySelector('.detail[data-session-id="new-2"]')).toBeTruthy());
    expect(calls.filter((c) => c === 'old-1').length).toBeGreaterThan(0);
  });
});

describe('plain words on the detail page', () => {
  it('end reason, terminal, permission mode and timeline event types are words, not codes', () => {
    const s = makeSession({
      sessionId: 'p1',
      status: 'ended',
      endedAt: T0 + 1000,
      endReason: 'prompt_input_exit',
      source: 'vscode',
      permissionMode: 'acceptEdits',
      statusReason: {
        status: 'ended',
        cause: 'event',
        trigger: 'SessionEnd',
        detail: 'Exited',
        at: T0 + 1000,
      },
      events: [
        { type: 'PermissionRequest', detail: 'Bash: ls', timestamp: T0 + 1, seq: 1 },
        { type: 'auto-idle', detail: 'working → idle after 180 s', timestamp: T0 + 2, seq: 2 },
        { type: 'task-notification', detail: 'Explore finished', timestamp: T0 + 3, seq: 3 },
        { type: 'SessionEnd', detail: 'Exited', timestamp: T0 + 4, seq: 4 },
      ],
    });
    const { container } = render(() => <SessionDetailView session={s} />);
    const facts = container.querySelector('.facts')!;
    expect(facts.textContent).toContain('(Exited)');
    expect(facts.textContent).toContain('VS Code');
    expect(facts.textContent).toContain('accepts edits');
    fireEvent.click(screen.getByRole('tab', { name: /Timeline/ }));
    const types = [...container.querySelectorAll('.timeline__type')].map((e) => e.textContent);
    expect(types).toEqual(['Session ended', 'Task notification', 'Auto-idle', 'Permission request']);
    const page = visible(container);
    for (const code of [
      'prompt_input_exit',
      'vscode',
      'acceptEdits',
      'PermissionRequest',
      'task-notification',
      'SessionEnd',
    ]) {
      expect(page).not.toContain(code);
    }
    // Each timeline entry's time is a time element.
    expect(container.querySelectorAll('.timeline__item time[datetime]').length).toBe(4);
  });

  it('an undetected terminal is "not detected" with its tty, never "unknown"', () => {
    const s = makeSession({ sessionId: 'p2', source: 'unknown', tty: '/dev/pts/9' });
    const { container } = render(() => <SessionDetailView session={s} />);
    const facts = container.querySelector('.facts')!.textContent!;
    expect(facts).toContain('not detected · /dev/pts/9');
    expect(facts).not.toContain('unknown');
  });

  it('spells out codes it has no words for', () => {
    expect(codeWords('PermissionRequest')).toBe('Permission request');
    expect(codeWords('task-notification')).toBe('Task notification');
    expect(codeWords('auto-idle')).toBe('Auto-idle');
    expect(codeWords('SomeNewHookEvent')).toBe('Some new hook event');
    expect(codeWords('api_retry')).toBe('Api retry');
    expect(terminalLabel('iterm')).toBe('iTerm');
    expect(terminalLabel('ssh')).toBe('SSH');
    expect(terminalLabel('tmux')).toBe('tmux');
    expect(terminalLabel('unknown')).toBeNull();
  });
});
