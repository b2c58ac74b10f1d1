import { END_REASON_LABELS } from '@flightdeck/core/plain';
import { SESSION_STATUSES, type SessionStatus } from '@flightdeck/shared-types';
import { cleanup, fireEvent, render, screen } from '@solidjs/testing-library';
import { createRoot } from 'solid-js';
import { afterEach, describe, expect, it } from 'vitest';
import { SessionCard } from '../src/components/SessionCard.js';
import type { LiveSession } from '../src/data/types.js';
import { setNow } from '../src/lib/clock.js';
import { activityLine, endReasonLabel } from '../src/lib/status.js';
import { type BoardView, defaultView, viewFromQuery, viewToQuery } from '../src/store/board.js';
import { bindBoardToUrl, createBoardState } from '../src/store/boardState.js';
import { createSessionStore } from '../src/store/sessions.js';
import { Board } from '../src/views/Board.js';
import { SessionDetailView } from '../src/views/Detail.js';
import { makeLive, makeSession } from './factory.js';

afterEach(() => {
  cleanup();
  window.history.replaceState(null, '', '#/');
});

const T0 = 1_700_000_000_000;
const reason = (status: SessionStatus, at: number) => ({
  status,
  cause: 'event' as const,
  trigger: 'x',
  detail: `${status} detail`,
  at,
});
const live = (sessionId: string, status: SessionStatus, extra: Partial<LiveSession> = {}) =>
  makeLive({ sessionId, status, statusReason: reason(status, T0), ...extra });

function setup(sessions: LiveSession[], onArchive?: (ids: string[]) => void) {
  const store = createSessionStore({ schedule: (fn) => fn() });
  const board = createRoot(() => createBoardState(store));
  const utils = render(() => (
    <Board store={store} board={board} onOpen={() => undefined} onArchive={onArchive} />
  ));
  store.apply({ type: 'snapshot', seq: 1, teams: [], sessions });
  return { store, board, ...utils };
}
const tick = () => new Promise((r) => setTimeout(r, 0));
/** The ended section's collapse button (the status chip "Ended" is another button). */
const endedToggle = (c: HTMLElement) => {
  const el = c.querySelector<HTMLButtonElement>('.board__group--ended button[aria-expanded]');
  if (!el) throw new Error('no ended section toggle');
  return el;
};
/** Cards and the ended section's header, in the order the board lays them out (top, then left). */
function boardOrder(c: HTMLElement): string[] {
  const items = [...c.querySelectorAll<HTMLElement>('.board__cell, .board__group')].map((el) => {
    const m = /translate(?:Y)?\(([-\d.]+)px(?:, ([-\d.]+)px)?\)/.exec(el.style.transform);
    const [x, y] = m?.[2] !== undefined ? [Number(m[1]), Number(m[2])] : [0, Number(m?.[1] ?? 0)];
    const id =
      el.querySelector('article')?.dataset.sessionId ??
      `[${el.textContent?.replace(/[▾▸]/g, '').trim().split(/\s+/)[0]}]`;
    return { id, x, y };
  });
  return items.sort((a, b) => a.y - b.y || a.x - b.x).map((i) => i.id);
}

describe('board order: what needs you first, then working, then idle; ended below', () => {
  const sessions = [
    live('idle1', 'idle', { startedAt: T0 - 1 }),
    live('ended1', 'ended', { endedAt: T0 + 5, endReason: 'prompt_input_exit' }),
    live('work1', 'working', { startedAt: T0 - 5 }),
    live('wait1', 'waiting', { startedAt: T0 - 2 }),
    live('appr1', 'approval', { statusReason: reason('approval', T0 + 20) }),
    live('think1', 'prompting', { startedAt: T0 - 3 }),
    live('input1', 'input', { statusReason: reason('input', T0 + 10) }),
    live('ended2', 'ended', { endedAt: T0 + 9, endReason: 'clear' }),
    live('work2', 'working', { startedAt: T0 - 4 }),
  ];

  const LIVE_ORDER = ['input1', 'appr1', 'think1', 'work2', 'work1', 'wait1', 'idle1'];

  it('orders the ids: needs you (longest waiting first), working, done, idle, then the ended section', () => {
    const { board } = setup(sessions);
    expect(board.orderedIds()).toEqual([...LIVE_ORDER, 'ended2', 'ended1']);
    expect(board.groups().map((g) => g.kind ?? g.key)).toEqual(['all', 'ended']);
  });

  it('draws the ended section below the live cards, with a header, whatever the sort', async () => {
    const { board, container } = setup(sessions);
    await tick();
    expect(boardOrder(container)).toEqual([...LIVE_ORDER, '[Ended]', 'ended2', 'ended1']);
    board.setSort('recent');
    await tick();
    expect(boardOrder(container).slice(-3)).toEqual(['[Ended]', 'ended2', 'ended1']);
    board.setGroup('status');
    expect(board.groups().map((g) => g.label)).toEqual([
      'Needs approval',
      'Needs input',
      'Working',
      'Thinking',
      'Done, waiting',
      'Idle',
      'Ended',
    ]);
    expect(board.groups().at(-1)).toMatchObject({ kind: 'ended', ids: ['ended2', 'ended1'] });
    board.setGroup('project');
    expect(board.groups().at(-1)).toMatchObject({ kind: 'ended', ids: ['ended2', 'ended1'] });
    expect(board.groups().filter((g) => g.kind === 'ended')).toHaveLength(1);
  });

  it('the ended section collapses and expands; collapsed, its cards are gone and keyboard moves skip them', async () => {
    const { board, container } = setup(sessions);
    await tick();
    const toggle = endedToggle(container);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    fireEvent.click(toggle);
    await tick();
    expect(endedToggle(container).getAttribute('aria-expanded')).toBe('false');
    expect(container.querySelector('article[data-session-id="ended1"]')).toBeNull();
    expect(container.querySelector('article[data-session-id="ended2"]')).toBeNull();
    expect(endedToggle(container).textContent).toContain('2');
    expect(board.orderedIds()).not.toContain('ended1');
    board.setSelected('idle1');
    expect(board.move(1)).toBe('idle1');
    fireEvent.click(endedToggle(container));
    await tick();
    expect(container.querySelector('article[data-session-id="ended1"]')).not.toBeNull();
  });

  it('a board of ended sessions only, collapsed, still shows the section (not "no session matches")', async () => {
    const { board, container } = setup([live('e1', 'ended'), live('e2', 'ended')]);
    board.setEndedCollapsed(true);
    await tick();
    expect(endedToggle(container).getAttribute('aria-expanded')).toBe('false');
    expect(screen.queryByText('No session matches these filters.')).toBeNull();
  });

  it('"Clear ended" archives the ended sessions the filters show, and says what it does', async () => {
    const archived: string[][] = [];
    const { store, board } = setup(
      [
        live('w', 'working'),
        live('e1', 'ended', { cli: 'claude' }),
        live('e2', 'ended', { cli: 'codex' }),
        live('e3', 'ended', { cli: 'claude', archived: true }),
      ],
      (ids) => {
        archived.push(ids);
      },
    );
    await tick();
    const btn = screen.getByRole('button', { name: 'Clear ended' });
    expect(btn.getAttribute('title')).toMatch(
      /Archive these ended sessions: they leave the board and stay in History/,
    );
    board.patchFilter({ cli: 'claude' });
    await tick();
    fireEvent.click(screen.getByRole('button', { name: 'Clear ended' }));
    expect(archived).toEqual([['e1']]);
    // once archived (the server's upsert), they leave the board
    store.apply({ type: 'session-upsert', session: live('e1', 'ended', { cli: 'claude', archived: true }) });
    await tick();
    expect(screen.queryByRole('button', { name: 'Clear ended' })).toBeNull();
    expect(board.orderedIds()).toEqual(['w']);
  });

  it('no "Clear ended" button without an archive action', async () => {
    setup([live('e1', 'ended')]);
    await tick();
    expect(screen.queryByRole('button', { name: 'Clear ended' })).toBeNull();
  });
});

describe('counts respect the active filters', () => {
  const sessions = [
    live('a', 'approval', { cli: 'claude', projectName: 'pay' }),
    live('b', 'approval', { cli: 'codex', projectName: 'pay' }),
    live('c', 'working', { cli: 'claude', projectName: 'web' }),
    live('d', 'working', { cli: 'claude', projectName: 'pay', archived: true }),
    live('e', 'ended', { cli: 'codex', projectName: 'web' }),
  ];
  const chip = (label: RegExp) =>
    screen.getByRole('button', { name: label }).querySelector('.status-chip__count')?.textContent;

  it('status chips count what the CLI, project, search and archived filters let through', async () => {
    const { board } = setup(sessions);
    await tick();
    expect(board.counts()).toEqual({ approval: 2, working: 1, ended: 1 });
    board.patchFilter({ cli: 'claude' });
    await tick();
    expect(board.counts()).toEqual({ approval: 1, working: 1 });
    expect(chip(/Needs approval/)).toBe('1');
    expect(screen.queryByRole('button', { name: /^Ended/ })).toBeNull();
    board.patchFilter({ project: 'pay' });
    expect(board.counts()).toEqual({ approval: 1 });
    board.patchFilter({ showArchived: true });
    expect(board.counts()).toEqual({ approval: 1, working: 1 });
    board.patchFilter({ cli: null, project: null, showArchived: false, search: 'web' });
    expect(board.counts()).toEqual({ working: 1, ended: 1 });
  });

  it('a status chip keeps the counts of the other statuses (they say what clicking them would show)', () => {
    const { board } = setup(sessions);
    board.patchFilter({ statuses: ['working'] });
    expect(board.counts()).toEqual({ approval: 2, working: 1, ended: 1 });
    expect(board.orderedIds()).toEqual(['c']);
  });

  it('the "needs you" badge counts the whole board, not the filtered one', () => {
    const { board } = setup(sessions);
    board.patchFilter({ cli: 'codex', statuses: ['ended'] });
    expect(board.needsYouCount()).toBe(2);
  });
});

describe('hosts on the board', () => {
  const sessions = [
    live('a1', 'working', { host: 'laptop', startedAt: T0 - 1 }),
    live('b1', 'approval', { host: 'build-box', statusReason: reason('approval', T0 + 5) }),
    live('a2', 'idle', { host: 'laptop', startedAt: T0 - 2 }),
    live('n1', 'working', { host: null, startedAt: T0 - 3 }),
  ];

  it('groups by host (a session without one under "unknown host") and filters by host', async () => {
    const { board, container } = setup(sessions);
    board.setGroup('host');
    expect(board.groups().map((g) => [g.label, g.ids])).toEqual([
      ['build-box', ['b1']],
      ['laptop', ['a1', 'a2']],
      ['unknown host', ['n1']],
    ]);
    expect(board.hosts()).toEqual(['build-box', 'laptop', 'unknown host']);
    board.patchFilter({ host: 'laptop' });
    expect(board.orderedIds()).toEqual(['a1', 'a2']);
    board.patchFilter({ host: 'unknown host' });
    expect(board.orderedIds()).toEqual(['n1']);
    await tick();
    const select = container.querySelector<HTMLSelectElement>('select[aria-label="Host"]');
    expect([...(select?.options ?? [])].map((o) => o.value)).toEqual([
      '',
      'build-box',
      'laptop',
      'unknown host',
    ]);
    board.patchFilter({ host: null, search: 'build-box' });
    expect(board.orderedIds()).toEqual(['b1']);
  });
});

describe('filters and sort in the URL', () => {
  const views: Array<[string, BoardView, string]> = [
    ['defaults', defaultView(), ''],
    [
      'everything set',
      {
        filter: {
          statuses: ['working', 'approval'],
          cli: 'codex',
          project: 'my app & co',
          host: 'build-box',
          search: 'fix #12 ?',
          showArchived: true,
        },
        sort: 'recent',
        group: 'host',
        endedCollapsed: true,
      },
      'q=fix+%2312+%3F&status=working%2Capproval&cli=codex&project=my+app+%26+co&host=build-box&sort=recent&group=host&archived=1&ended=collapsed',
    ],
    [
      'one status, default sort',
      { ...defaultView(), filter: { ...defaultView().filter, statuses: ['ended'] } },
      'status=ended',
    ],
  ];
  it.each(views)('round trip: %s', (_name, view, query) => {
    expect(viewToQuery(view)).toBe(query);
    const back = viewFromQuery(query);
    expect(viewToQuery(back)).toBe(query);
    expect(back.filter.statuses).toEqual(SESSION_STATUSES.filter((s) => view.filter.statuses.includes(s)));
    expect(back).toMatchObject({ sort: view.sort, group: view.group, endedCollapsed: view.endedCollapsed });
  });

  it('unknown or malformed values fall back to the defaults', () => {
    expect(
      viewFromQuery('?status=approval,bogus,__proto__&cli=vim&sort=random&group=%00&archived=yes&ended=1'),
    ).toEqual({
      ...defaultView(),
      filter: { ...defaultView().filter, statuses: ['approval'] },
    });
  });

  it('the board reads its view from the URL and writes changes back (replacing the entry)', () => {
    window.history.replaceState(null, '', '#/?status=approval&cli=claude&sort=recent&ended=collapsed');
    const lengthBefore = window.history.length;
    const store = createSessionStore({ schedule: (fn) => fn() });
    const { board, dispose } = createRoot((dispose) => {
      const b = createBoardState(store);
      bindBoardToUrl(b);
      return { board: b, dispose };
    });
    expect(board.filter()).toMatchObject({ statuses: ['approval'], cli: 'claude' });
    expect(board.sort()).toBe('recent');
    expect(board.endedCollapsed()).toBe(true);
    board.patchFilter({ search: 'login' });
    board.setGroup('status');
    expect(window.location.hash).toBe(
      '#/?q=login&status=approval&cli=claude&sort=recent&group=status&ended=collapsed',
    );
    expect(window.history.length).toBe(lengthBefore);
    // Back / a link to another board address: the view follows the URL
    window.history.replaceState(null, '', '#/?sort=project');
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    expect(board.sort()).toBe('project');
    expect(board.filter()).toMatchObject({ statuses: [], cli: null, search: '' });
    // the detail page's address is left alone
    window.history.replaceState(null, '', '#/session/abc');
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    board.patchFilter({ search: 'x' });
    expect(window.location.hash).toBe('#/session/abc');
    dispose();
  });
});

describe('plain words', () => {
  // Every end reason the core knows (every SessionEnd reason of Claude Code, Gemini CLI and Copilot, and the
  // core's own `killed` and `process-exited`; the words themselves are table-tested in packages/core).
  const reasons = Object.entries(END_REASON_LABELS);
  it('covers the reasons named in the hooks reference and the kill', () => {
    for (const r of [
      'clear',
      'logout',
      'prompt_input_exit',
      'other',
      'bypass_permissions_disabled',
      'resume',
    ]) {
      expect(END_REASON_LABELS).toHaveProperty(r);
    }
    expect(END_REASON_LABELS.killed).toBe('Killed from Flightdeck');
    expect(END_REASON_LABELS.prompt_input_exit).toBe('Exited');
    expect(END_REASON_LABELS.clear).toBe('Cleared with /clear');
  });
  it.each(reasons)('an ended card with reason %s reads "%s"', (code, words) => {
    expect(endReasonLabel(code)).toBe(words);
    const { container } = render(() => (
      <SessionCard session={live('e', 'ended', { endReason: code, endedAt: T0 })} />
    ));
    expect(screen.getByTestId('activity').textContent).toBe(words);
    // the raw code appears nowhere on the card (unless it is itself the plain word)
    if (/[_-]/.test(code)) expect(container.textContent).not.toContain(code);
    expect(container.textContent).not.toContain('Ended:');
  });

  it('an unknown reason is spelled out, never shown raw', () => {
    expect(endReasonLabel('quota_exceeded')).toBe('Ended: quota exceeded');
    expect(endReasonLabel(null)).toBe('Ended');
  });

  it('the activity line shows the current tool and its target, else the latest text, never the prompt', () => {
    const base = live('s', 'working', { currentPrompt: 'make the tests pass', lastResponse: null });
    expect(activityLine({ ...base, currentTool: 'Bash', currentToolSummary: 'npm test' })).toBe(
      'Bash: npm test',
    );
    expect(activityLine({ ...base, currentTool: 'Edit', currentToolSummary: 'src/app.ts' })).toBe(
      'Edit src/app.ts',
    );
    expect(activityLine({ ...base, currentTool: 'WebSearch', currentToolSummary: null })).toBe('WebSearch');
    expect(activityLine({ ...base, lastResponse: 'Now running the linter.' })).toBe(
      'Now running the linter.',
    );
    expect(activityLine(base)).toBe('Working…');
    expect(activityLine({ ...base, status: 'prompting', lastResponse: null })).toBe('Thinking…');
    // text the agent wrote in this turn (read from the transcript as it goes) says more than "Thinking…"
    expect(activityLine({ ...base, status: 'prompting', lastResponse: 'Let me look at the tests.' })).toBe(
      'Let me look at the tests.',
    );
    expect(activityLine({ ...base, status: 'waiting', lastResponse: 'All tests pass.' })).toBe(
      'All tests pass.',
    );
    expect(activityLine({ ...base, status: 'idle' })).toBe('No activity yet');
    for (const status of ['working', 'prompting', 'waiting', 'idle', 'ended'] as const) {
      expect(activityLine({ ...base, status })).not.toContain('make the tests pass');
    }
  });

  it('the terminal is shown on the card only when it is known', () => {
    const { container, unmount } = render(() => (
      <SessionCard session={live('u', 'working', { source: 'unknown' })} />
    ));
    expect(container.querySelector('.card__source')).toBeNull();
    expect(container.textContent).not.toContain('unknown');
    unmount();
    render(() => <SessionCard session={live('k', 'working', { source: 'tmux' })} />);
    expect(screen.getByText('tmux')).toBeTruthy();
  });

  it('a task notification is a system line in the detail, never "You"', () => {
    setNow(T0 + 1000);
    const note =
      '<task-notification>\n<task-id>a1</task-id>\n<status>completed</status>\n<summary>Agent "Run subtask" finished</summary>\n<result>Done.</result>\n</task-notification>';
    const s = makeSession({
      sessionId: 'tn',
      status: 'waiting',
      promptHistory: [
        { text: 'build the thing', timestamp: T0, promptId: 'p1', seq: 1 },
        // recorded before the core told notifications apart
        { text: note, timestamp: T0 + 10, promptId: 'p2', seq: 2 },
      ],
      events: [
        { type: 'task-notification', detail: 'Agent "Second" finished: ok', timestamp: T0 + 20, seq: 3 },
      ],
      endReason: null,
    });
    render(() => <SessionDetailView session={s} />);
    fireEvent.click(screen.getByRole('tab', { name: /Conversation/ }));
    const items = [...document.querySelectorAll('.conversation li')].map((li) => [
      li.className,
      li.querySelector('.msg__meta')?.textContent?.split('·')[0]?.trim(),
      li.querySelector('.msg__text')?.textContent,
    ]);
    expect(items).toEqual([
      ['msg msg--prompt', 'You', 'build the thing'],
      ['msg msg--system', 'System', 'Agent "Run subtask" finished: Done.'],
      ['msg msg--system', 'System', 'Agent "Second" finished: ok'],
    ]);
    expect(document.body.textContent).not.toContain('<task-notification>');
  });

  it('the detail names the end reason in plain words', () => {
    setNow(T0 + 1000);
    render(() => (
      <SessionDetailView
        session={makeSession({
          sessionId: 'x',
          status: 'ended',
          endedAt: T0,
          endReason: 'prompt_input_exit',
        })}
      />
    ));
    expect(document.body.textContent).toContain('(Exited)');
    expect(document.body.textContent).not.toContain('prompt_input_exit');
  });
});
