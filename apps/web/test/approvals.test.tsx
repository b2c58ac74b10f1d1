import { cleanup, fireEvent, render, screen, waitFor, within } from '@solidjs/testing-library';
import { createRoot } from 'solid-js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from '../src/App.js';
import { ApprovalItem } from '../src/components/Approval.js';
import { ApprovalTray, ApprovalTrayButton } from '../src/components/ApprovalTray.js';
import { SessionCard } from '../src/components/SessionCard.js';
import type {
  ApprovalDecision,
  ApprovalLiveMessage,
  ApprovalView,
  DecideResult,
  FiredAlert,
  LiveMessage,
} from '../src/data/types.js';
import { alertOnApproval } from '../src/lib/alerts.js';
import { setNow } from '../src/lib/clock.js';
import { setPrefs } from '../src/lib/prefs.js';
import { createApprovalsStore } from '../src/store/approvals.js';
import { SessionDetailView } from '../src/views/Detail.js';
import { testApi } from './api.js';
import { liveOf, makeLive, makeSession } from './factory.js';

const T0 = 1_700_000_000_000;

function approval(over: Partial<ApprovalView> & { id: string }): ApprovalView {
  return {
    sessionId: 's1',
    cli: 'claude',
    project: 'x',
    sessionTitle: 'Release the package',
    tool: 'Bash',
    kind: 'approval',
    agentId: null,
    rendering: { kind: 'command', title: 'Bash wants to run', text: 'npm publish' },
    toolInput: { command: 'npm publish' },
    suggestions: [],
    since: T0,
    decidable: true,
    notDecidableReason: null,
    ...over,
  };
}

/** A fake `decideApproval`: records each call; answers with `result` (or waits for `release()`). */
function fakeDecide(result: DecideResult = { ok: true, outcome: 'allowed' }) {
  const calls: Array<{ id: string; decision: ApprovalDecision }> = [];
  let release: (() => void) | null = null;
  let hold = false;
  return {
    calls,
    holdNext() {
      hold = true;
    },
    release() {
      release?.();
    },
    decideApproval: (id: string, decision: ApprovalDecision): Promise<DecideResult> => {
      calls.push({ id, decision });
      if (!hold) return Promise.resolve(result);
      hold = false;
      return new Promise((r) => {
        release = () => r(result);
      });
    },
  };
}

function setup(approvals: ApprovalView[], decide = fakeDecide()) {
  const notices: string[] = [];
  const store = createRoot(() => createApprovalsStore(decide, { onNotice: (t) => notices.push(t) }));
  store.push({ type: 'snapshot', approvals });
  return { store, decide, notices };
}

afterEach(() => {
  cleanup();
  setPrefs({ notifications: false, sound: false });
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});
beforeEach(() => {
  setNow(T0 + 65_000);
  // jsdom has no window.focus (a notification's click calls it)
  vi.spyOn(window, 'focus').mockImplementation(() => undefined);
});

describe('approvals store', () => {
  it('lists pending approvals oldest first and applies opened / closed', () => {
    const { store } = setup([approval({ id: 'b', since: T0 + 10 }), approval({ id: 'a', since: T0 })]);
    expect(store.pending().map((a) => a.id)).toEqual(['a', 'b']);
    store.push({ type: 'opened', approval: approval({ id: 'c', since: T0 - 5, sessionId: 's2' }) });
    expect(store.pending().map((a) => a.id)).toEqual(['c', 'a', 'b']);
    expect(store.forSession('s2')?.id).toBe('c');
    store.push({ type: 'closed', id: 'a', sessionId: 's1', outcome: 'terminal' });
    expect(store.pending().map((a) => a.id)).toEqual(['c', 'b']);
  });

  it('announces approvals that open after the first snapshot, once each (also those a resumed stream brings)', () => {
    const { store } = setup([approval({ id: 'old' })]);
    const seen: string[] = [];
    store.onOpened((a) => seen.push(a.id));
    store.push({ type: 'opened', approval: approval({ id: 'new' }) });
    store.push({ type: 'opened', approval: approval({ id: 'new' }) });
    store.push({ type: 'snapshot', approvals: [approval({ id: 'new' }), approval({ id: 'meanwhile' })] });
    expect(seen).toEqual(['new', 'meanwhile']);
  });
});

describe('the approvals tray', () => {
  function renderTray(s: ReturnType<typeof setup>) {
    return render(() => (
      <>
        <ApprovalTrayButton store={s.store} />
        <ApprovalTray store={s.store} onOpenSession={() => undefined} />
      </>
    ));
  }

  it('has a header button with the count that opens every pending approval, oldest first, with who asks', () => {
    const s = setup([
      approval({ id: 'b', since: T0 + 1000, project: 'web', sessionTitle: 'Fix login', tool: 'WebFetch' }),
      approval({ id: 'a', since: T0 }),
    ]);
    renderTray(s);
    const button = screen.getByTestId('tray-button');
    expect(screen.getByTestId('tray-count').textContent).toBe('2');
    expect(button.getAttribute('aria-label')).toBe('Approvals: 2 waiting');
    expect(screen.queryByTestId('tray')).toBeNull();
    fireEvent.click(button);
    const items = screen.getByTestId('tray').querySelectorAll('[data-approval-id]');
    expect([...items].map((i) => i.getAttribute('data-approval-id'))).toEqual(['a', 'b']);
    expect(items[0]!.textContent).toContain('Bash wants to run `npm publish`');
    expect(items[0]!.textContent).toContain('project x · Release the package');
    expect(items[0]!.textContent).toContain('1m 05s');
    expect(items[1]!.textContent).toContain('project web · Fix login');
  });

  it('allows once: the buttons are disabled while the decision is in flight, a second click sends nothing', async () => {
    const s = setup([approval({ id: 'a' })]);
    s.decide.holdNext();
    s.store.setTrayOpen(true);
    renderTray(s);
    const allow = screen.getByRole('button', { name: 'Allow' });
    fireEvent.click(allow);
    expect(s.decide.calls).toEqual([{ id: 'a', decision: { behavior: 'allow' } }]);
    expect((allow as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByRole('button', { name: 'Deny' }) as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByRole('button', { name: 'Allow for session' }) as HTMLButtonElement).disabled).toBe(
      true,
    );
    fireEvent.click(allow);
    await s.store.decide('a', { behavior: 'deny' });
    expect(s.decide.calls).toHaveLength(1);
    s.decide.release();
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Allow' })).toBeNull());
    expect(s.store.pending()).toEqual([]);
  });

  it('denies with the typed message, and allows for the session', async () => {
    const s = setup([approval({ id: 'a' }), approval({ id: 'b', since: T0 + 1 })]);
    s.store.setTrayOpen(true);
    renderTray(s);
    const first = within(screen.getByTestId('tray').querySelector('[data-approval-id="a"]') as HTMLElement);
    fireEvent.input(first.getByLabelText('Message to the agent (with Deny)'), {
      target: { value: 'Not on a Friday' },
    });
    fireEvent.click(first.getByRole('button', { name: 'Deny' }));
    const second = within(screen.getByTestId('tray').querySelector('[data-approval-id="b"]') as HTMLElement);
    fireEvent.click(second.getByRole('button', { name: 'Allow for session' }));
    await waitFor(() => expect(s.decide.calls).toHaveLength(2));
    expect(s.decide.calls).toEqual([
      { id: 'a', decision: { behavior: 'deny', message: 'Not on a Friday' } },
      { id: 'b', decision: { behavior: 'allow', remember: 'session' } },
    ]);
  });

  it('shows a late click’s refusal in the server’s words and never leaves the stale buttons', async () => {
    const s = setup(
      [approval({ id: 'a' })],
      fakeDecide({ ok: false, conflict: 'already answered in the terminal' }),
    );
    s.store.setTrayOpen(true);
    renderTray(s);
    fireEvent.click(screen.getByRole('button', { name: 'Allow' }));
    const notice = await screen.findByTestId('approval-notice');
    expect(notice.getAttribute('role')).toBe('alert');
    expect(notice.textContent).toContain('Already answered in the terminal');
    expect(notice.textContent).toContain('Bash wants to run `npm publish`');
    expect(s.notices).toEqual(['Already answered in the terminal']);
    expect(screen.queryByRole('button', { name: 'Allow' })).toBeNull();
    expect(s.decide.calls).toHaveLength(1);
    fireEvent.click(within(notice).getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByTestId('approval-notice')).toBeNull();
  });

  it('offers no "Allow for session" for Codex (it fails closed on a session rule from a hook)', () => {
    const s = setup([approval({ id: 'c', cli: 'codex' }), approval({ id: 'k', since: T0 + 1 })]);
    s.store.setTrayOpen(true);
    renderTray(s);
    const item = (id: string) =>
      within(screen.getByTestId('tray').querySelector(`[data-approval-id="${id}"]`) as HTMLElement);
    expect(item('c').getByRole('button', { name: 'Allow' })).toBeTruthy();
    expect(item('c').queryByRole('button', { name: 'Allow for session' })).toBeNull();
    expect(item('k').getByRole('button', { name: 'Allow for session' })).toBeTruthy();
  });

  it('says where to answer an approval that cannot be answered from here, with no buttons', () => {
    const reason = 'Gemini CLI has no permission hook: answer in the terminal';
    const s = setup([approval({ id: 'g', cli: 'gemini', decidable: false, notDecidableReason: reason })]);
    s.store.setTrayOpen(true);
    renderTray(s);
    expect(screen.getByTestId('not-decidable').textContent).toBe(reason);
    expect(screen.queryByRole('button', { name: 'Allow' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Deny' })).toBeNull();
  });
});

describe('readable renderings', () => {
  const one = (a: ApprovalView) => {
    const s = setup([a]);
    return { ...render(() => <ApprovalItem approval={a} store={s.store} />), s };
  };

  it('an Edit as a line diff', () => {
    const { container } = one(
      approval({
        id: 'e',
        tool: 'Edit',
        rendering: {
          kind: 'diff',
          title: 'Edit src/a.ts',
          text: '',
          diff: { path: 'src/a.ts', before: 'one\ntwo\nthree', after: 'one\n2\nthree\nfour' },
        },
      }),
    );
    const lines = [...container.querySelectorAll('.diff__line')].map(
      (l) =>
        `${l.getAttribute('data-kind')}:${l.querySelector('.diff__text')?.textContent?.replace(/^(added|removed): /, '')}`,
    );
    expect(lines).toEqual(['same:one', 'del:two', 'add:2', 'same:three', 'add:four']);
    expect(container.querySelector('figcaption')?.textContent).toContain('src/a.ts');
    expect(container.querySelector('h3')?.textContent).toBe('Edit src/a.ts');
  });

  it('a URL, a plan and JSON as text', () => {
    const url = one(
      approval({
        id: 'u',
        tool: 'WebFetch',
        rendering: { kind: 'url', title: 'WebFetch', text: 'https://example.com/a?b=1' },
      }),
    );
    expect(url.container.querySelector('.approval__url')?.textContent).toBe('https://example.com/a?b=1');
    cleanup();
    const plan = one(
      approval({
        id: 'p',
        tool: 'ExitPlanMode',
        rendering: { kind: 'plan', title: 'Plan', text: '# Plan\n\n1. Do <b>it</b>' },
      }),
    );
    // Shown as text (markdown source, line breaks kept): never as HTML.
    expect(plan.getByTestId('approval-plan').textContent).toBe('# Plan\n\n1. Do <b>it</b>');
    expect(plan.container.querySelector('.approval__plan b')).toBeNull();
  });

  it('questions with their options: Answer sends the chosen labels, and waits for every question', async () => {
    const a = approval({
      id: 'q',
      tool: 'AskUserQuestion',
      kind: 'input',
      rendering: {
        kind: 'question',
        title: 'Claude asks',
        text: '',
        questions: [
          {
            question: 'Which database?',
            header: 'DB',
            options: [{ label: 'SQLite', description: 'a file' }, { label: 'Postgres' }],
          },
          { question: 'Which extras?', multiSelect: true, options: [{ label: 'Auth' }, { label: 'Search' }] },
        ],
      },
    });
    const { getByRole, getByLabelText, s } = one(a);
    const answer = getByRole('button', { name: 'Answer' }) as HTMLButtonElement;
    expect(answer.disabled).toBe(true);
    expect(getByRole('button', { name: 'Deny' })).toBeTruthy();
    expect(() => getByRole('button', { name: 'Allow for session' })).toThrow();
    fireEvent.click(getByLabelText(/Postgres/));
    expect(answer.disabled).toBe(true);
    fireEvent.click(getByLabelText(/Auth/));
    fireEvent.click(getByLabelText(/Search/));
    expect(answer.disabled).toBe(false);
    fireEvent.click(answer);
    await waitFor(() => expect(s.decide.calls).toHaveLength(1));
    expect(s.decide.calls[0]).toEqual({
      id: 'q',
      decision: {
        behavior: 'allow',
        answers: { 'Which database?': 'Postgres', 'Which extras?': 'Auth, Search' },
      },
    });
  });
});

describe('the approval history of a session', () => {
  it('says how each approval closed, who decided from where, and the message', () => {
    const base = { sessionId: 's1', tool: 'Bash', openedAt: T0, closedAt: T0 + 5000, remember: null };
    render(() => (
      <SessionDetailView
        session={makeSession({ sessionId: 's1' })}
        approvalHistory={[
          {
            ...base,
            id: 'h2',
            summary: 'Bash: rm -rf build',
            outcome: 'denied',
            message: 'Not that',
            by: { address: '127.0.0.1', authenticated: true },
            via: 'push',
          },
          {
            ...base,
            id: 'h1',
            summary: 'Bash: npm test',
            outcome: 'terminal',
            message: null,
            by: null,
            via: null,
          },
        ]}
      />
    ));
    fireEvent.click(screen.getByRole('tab', { name: 'Approvals (2)' }));
    const items = [...document.querySelectorAll('.approval-history li')].map((li) => li.textContent);
    expect(items[0]).toContain('Denied');
    expect(items[0]).toContain(
      'Bash: rm -rf build — from a push notification (127.0.0.1, logged in) · “Not that”',
    );
    expect(items[1]).toContain('Answered in the terminal');
    expect(items[1]).toContain('Bash: npm test');
  });
});

describe('a card waiting on an approval', () => {
  it('answers it from the board when it can be answered here, and shows no buttons otherwise', async () => {
    const s = setup([approval({ id: 'ap1', sessionId: 'c1' })]);
    const pending = (id: string | null, decidable: boolean) => ({
      tool: 'Bash',
      toolInput: { command: 'npm publish' },
      toolUseId: null,
      detail: 'Approve Bash: npm publish',
      since: T0,
      source: 'permission_request' as const,
      kind: 'approval' as const,
      agentId: null,
      suggestions: [],
      id,
      decidable,
    });
    const opened: string[] = [];
    const card = makeLive({ sessionId: 'c1', status: 'approval', pendingApproval: pending('ap1', true) });
    render(() => <SessionCard session={card} approvals={s.store} onOpen={(id) => opened.push(id)} />);
    const actions = screen.getByTestId('card-approval');
    fireEvent.dblClick(within(actions).getByRole('button', { name: 'Deny' }));
    expect(opened).toEqual([]);
    fireEvent.click(within(actions).getByRole('button', { name: 'Allow' }));
    await waitFor(() => expect(s.decide.calls).toEqual([{ id: 'ap1', decision: { behavior: 'allow' } }]));
    cleanup();

    const heuristic = makeLive({
      sessionId: 'c2',
      status: 'approval',
      pendingApproval: pending(null, false),
    });
    render(() => <SessionCard session={heuristic} approvals={s.store} />);
    expect(screen.queryByTestId('card-approval')).toBeNull();
    expect(screen.getByTestId('activity').textContent).toBe('Approve Bash: npm publish');
  });
});

/** A Notification stand-in recording what the page shows (jsdom has none). */
function stubNotifications() {
  const shown: Array<{ title: string; options: NotificationOptions; n: { onclick: (() => void) | null } }> =
    [];
  class FakeNotification {
    static permission: NotificationPermission = 'granted';
    static requestPermission = async () => 'granted' as const;
    onclick: (() => void) | null = null;
    constructor(title: string, options: NotificationOptions = {}) {
      shown.push({ title, options, n: this });
    }
    close() {}
  }
  vi.stubGlobal('Notification', FakeNotification);
  return shown;
}

describe('notifications', () => {
  it('say which session asks and what it needs, and only when enabled', () => {
    const shown = stubNotifications();
    alertOnApproval(approval({ id: 'a' }), () => undefined);
    expect(shown).toHaveLength(0);
    setPrefs({ notifications: true });
    let clicked = 0;
    alertOnApproval(approval({ id: 'a' }), () => clicked++);
    expect(shown).toHaveLength(1);
    expect(shown[0]!.title).toBe('Bash wants to run `npm publish` — x');
    expect(shown[0]!.options.body).toContain('project x · Release the package');
    expect(shown[0]!.options.tag).toBe('flightdeck-s1');
    shown[0]!.n.onclick?.();
    expect(clicked).toBe(1);
  });
});

describe('the dashboard with approvals', () => {
  function dashboard(decide = fakeDecide()) {
    let pushApproval: (m: ApprovalLiveMessage) => void = () => undefined;
    let pushLive: (m: LiveMessage) => void = () => undefined;
    let pushAlert: (a: FiredAlert) => void = () => undefined;
    const session = makeSession({ sessionId: 's1', status: 'approval' });
    const api = testApi({
      authStatus: async () => ({ passwordRequired: false, authenticated: true }),
      live: (h) => {
        pushLive = (m) => h.onMessage(m, null);
        h.onState('live');
        return () => undefined;
      },
      approvalsLive: (onMessage) => {
        pushApproval = onMessage;
        return () => undefined;
      },
      alertsLive: (onAlert) => {
        pushAlert = onAlert;
        return () => undefined;
      },
      deliveryStatus: async () => null,
      getSession: async () => session,
      listNotes: async () => [],
      decideApproval: decide.decideApproval,
    });
    render(() => <App api={api} />);
    return {
      decide,
      approvals: (m: ApprovalLiveMessage) => pushApproval(m),
      live: (m: LiveMessage) => pushLive(m),
      alert: (a: FiredAlert) => pushAlert(a),
      session,
    };
  }

  beforeEach(() => {
    window.location.hash = '#/';
  });

  it('a / d / s act on the focused approval of the tray, never from a text field', async () => {
    const d = dashboard();
    await screen.findByTestId('tray-button');
    d.approvals({
      type: 'snapshot',
      approvals: [
        approval({ id: 'a1' }),
        approval({ id: 'a2', since: T0 + 5 }),
        approval({ id: 'a3', since: T0 + 9 }),
      ],
    });
    fireEvent.click(screen.getByTestId('tray-button'));
    await waitFor(() => expect(document.activeElement?.getAttribute('data-approval-id')).toBe('a1'));
    // typing in the deny message field is typing
    const field = within(document.activeElement as HTMLElement).getByLabelText(
      'Message to the agent (with Deny)',
    );
    field.focus();
    fireEvent.keyDown(field, { key: 'a' });
    fireEvent.keyDown(field, { key: 'd' });
    expect(d.decide.calls).toEqual([]);
    fireEvent.keyDown(window, { key: 'j' });
    await waitFor(() => expect(document.activeElement?.getAttribute('data-approval-id')).toBe('a2'));
    fireEvent.keyDown(document.activeElement!, { key: 's' });
    await waitFor(() => expect(d.decide.calls).toHaveLength(1));
    expect(d.decide.calls[0]).toEqual({ id: 'a2', decision: { behavior: 'allow', remember: 'session' } });
    d.approvals({ type: 'closed', id: 'a2', sessionId: 's1', outcome: 'allowed' });
    (screen.getByTestId('tray').querySelector('[data-approval-id="a3"]') as HTMLElement).focus();
    fireEvent.keyDown(document.activeElement!, { key: 'd' });
    fireEvent.keyDown(document.activeElement!, { key: 'a' });
    await waitFor(() => expect(d.decide.calls).toHaveLength(2));
    expect(d.decide.calls[1]).toEqual({ id: 'a3', decision: { behavior: 'deny' } });
    // the help lists the keys
    fireEvent.keyDown(window, { key: 'Escape' });
    expect(screen.queryByTestId('tray')).toBeNull();
    fireEvent.keyDown(window, { key: '?' });
    expect(screen.getByRole('dialog').textContent).toContain('Allow · Deny · Allow for this session');
  });

  it('on a session page: the readable approval, and `a` allows it', async () => {
    const d = dashboard();
    await screen.findByTestId('tray-button');
    d.live({ type: 'snapshot', sessions: [liveOf(d.session)], teams: [], seq: 1 });
    d.approvals({ type: 'snapshot', approvals: [approval({ id: 'a1', sessionId: 's1' })] });
    window.location.hash = '#/session/s1';
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    const item = await waitFor(() => {
      const el = document.querySelector('.detail [data-approval-id="a1"]');
      if (!el) throw new Error('no approval on the detail page');
      return el as HTMLElement;
    });
    expect(item.textContent).toContain('npm publish');
    fireEvent.keyDown(window, { key: 'a' });
    await waitFor(() => expect(d.decide.calls).toEqual([{ id: 'a1', decision: { behavior: 'allow' } }]));
  });

  it('raises a system notification for an approval that opens (not for those already pending); a click shows it', async () => {
    const shown = stubNotifications();
    setPrefs({ notifications: true });
    const d = dashboard();
    await screen.findByTestId('tray-button');
    d.approvals({ type: 'snapshot', approvals: [approval({ id: 'old' })] });
    expect(shown).toHaveLength(0);
    d.approvals({
      type: 'opened',
      approval: approval({ id: 'new', sessionId: 's9', project: 'shop', since: T0 + 50 }),
    });
    expect(shown.map((n) => n.title)).toEqual(['Bash wants to run `npm publish` — shop']);
    expect(screen.queryByTestId('tray')).toBeNull();
    shown[0]!.n.onclick?.();
    await waitFor(() => expect(document.activeElement?.getAttribute('data-approval-id')).toBe('new'));
    expect(screen.getByTestId('tray')).toBeTruthy();
  });

  it('shows the alerts its rules fire for the page: in-app in the page, browser as a notification', async () => {
    const shown = stubNotifications();
    setPrefs({ notifications: true });
    const d = dashboard();
    await screen.findByTestId('tray-button');
    const base = { ruleId: 'r1', sessionId: 's1', dedupeKey: 'r1:s1:1', approvalId: null, at: 1 };
    d.alert({
      ...base,
      condition: 'idle',
      title: 'Idle for 10 minutes',
      body: 'shop · Release the package',
      channels: ['in-app', 'browser'],
    });
    expect(await screen.findByText('Idle for 10 minutes — shop · Release the package')).toBeTruthy();
    expect(shown.map((n) => [n.title, n.options.body])).toEqual([
      ['Idle for 10 minutes', 'shop · Release the package'],
    ]);
    // the approval-opened rule is the approvals stream's (which says what is asked, and shows it on a click)
    d.alert({
      ...base,
      dedupeKey: 'r2',
      condition: 'approval-opened',
      title: 'Approval',
      body: 'x',
      channels: ['browser'],
    });
    expect(shown).toHaveLength(1);
  });
});
