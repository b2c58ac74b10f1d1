import { cleanup, fireEvent, render, screen, waitFor } from '@solidjs/testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { TerminalPanel } from '../src/components/TerminalPanel.js';
import { WhereItRuns } from '../src/components/WhereItRuns.js';
import type { TerminalInfo, TerminalOutputMessage } from '../src/data/terminals.js';
import { hrefOf, parseHash } from '../src/lib/router.js';
import { createInputQueue, exitWords, INPUT_PIECE_CHARS, TerminalFeed } from '../src/lib/terminal-feed.js';
import type { Screen } from '../src/lib/xterm-screen.js';
import { TerminalsView } from '../src/views/Terminals.js';
import { testApi } from './api.js';

afterEach(cleanup);

const T0 = 1_700_000_000_000;

function info(p: Partial<TerminalInfo> = {}): TerminalInfo {
  return {
    id: 'term-a',
    kind: 'local',
    title: 'bash',
    cwd: '/home/dev/src/app',
    command: null,
    tmuxTarget: null,
    host: null,
    pid: 4242,
    cols: 80,
    rows: 24,
    createdAt: T0,
    exit: null,
    writer: null,
    viewers: 1,
    sessionId: null,
    ...p,
  };
}

/** Replays a stream of tracked messages through a feed onto a text "screen". */
function play(
  feed: TerminalFeed,
  screenText: { text: string },
  msgs: Array<[string, TerminalOutputMessage]>,
) {
  for (const [id, msg] of msgs) {
    const a = feed.push(msg, id);
    if (a.type === 'reset') screenText.text = '';
    if (a.type === 'write') screenText.text += a.data;
  }
}

describe('TerminalFeed', () => {
  it('writes the replay then live data, and after a resumed reconnect drops what it already wrote', () => {
    const feed = new TerminalFeed();
    const out = { text: '' };
    play(feed, out, [
      ['0', { type: 'hello', viewerId: 'v1', resumed: false, info: info() }],
      ['3', { type: 'data', data: '$ echo a\r\na\r\n' }],
      ['4', { type: 'data', data: '$ ' }],
    ]);
    expect(out.text).toBe('$ echo a\r\na\r\n$ ');
    // The socket dropped after seq 4; the server resumes after it but a chunk at 4 comes again (sent before the
    // drop was seen): it is not written twice.
    play(feed, out, [
      ['4', { type: 'hello', viewerId: 'v1', resumed: true, info: info() }],
      ['4', { type: 'data', data: '$ ' }],
      ['5', { type: 'data', data: 'ls' }],
    ]);
    expect(out.text).toBe('$ echo a\r\na\r\n$ ls');
  });

  it('resets the screen when the server could not resume (a fresh hello), then writes its whole replay', () => {
    const feed = new TerminalFeed();
    const out = { text: '' };
    play(feed, out, [
      ['0', { type: 'hello', viewerId: 'v1', resumed: false, info: info() }],
      ['7', { type: 'data', data: 'old' }],
      ['40', { type: 'data', data: ' lines' }],
    ]);
    // A resync: the screen becomes the server's buffer (replayed from its own seqs, lower ones included).
    play(feed, out, [
      ['0', { type: 'hello', viewerId: 'v1', resumed: false, info: info() }],
      ['7', { type: 'data', data: 'old' }],
      ['40', { type: 'data', data: ' lines' }],
      ['41', { type: 'data', data: ', new' }],
    ]);
    expect(out.text).toBe('old lines, new');
    // A terminal the server numbers afresh (seqs below what was written): every chunk of its replay is shown.
    play(feed, out, [
      ['0', { type: 'hello', viewerId: 'v1', resumed: false, info: info() }],
      ['2', { type: 'data', data: 'fresh' }],
    ]);
    expect(out.text).toBe('fresh');
  });

  it('keeps the exit and says it in words', () => {
    const feed = new TerminalFeed();
    feed.push({ type: 'exit', code: 3, signal: null }, '12');
    expect(exitWords(feed.exit)).toBe('exited (code 3)');
    expect(exitWords({ code: null, signal: 9 })).toBe('exited (signal 9)');
    expect(exitWords(null)).toBeNull();
  });
});

describe('createInputQueue', () => {
  it('sends keystrokes in order, one call at a time, what was typed meanwhile together', async () => {
    const calls: string[] = [];
    const releases: Array<() => void> = [];
    const send = createInputQueue(
      (data) => {
        calls.push(data);
        return new Promise<void>((r) => releases.push(r));
      },
      () => undefined,
    );
    send('e');
    send('c');
    send('h');
    expect(calls).toEqual(['e']);
    releases.shift()?.();
    await waitFor(() => expect(calls).toEqual(['e', 'ch']));
    send('o');
    releases.shift()?.();
    await waitFor(() => expect(calls).toEqual(['e', 'ch', 'o']));
  });

  it('sends a long paste in pieces that fit one WebSocket message, in order, never splitting a character', async () => {
    const calls: string[] = [];
    const send = createInputQueue(
      async (data) => {
        calls.push(data);
      },
      () => undefined,
    );
    // An emoji (a surrogate pair) straddles the first piece's end.
    const paste = `${'a'.repeat(INPUT_PIECE_CHARS - 1)}😀${'b'.repeat(2 * INPUT_PIECE_CHARS)}`;
    send(paste);
    await waitFor(() => expect(calls.join('')).toBe(paste));
    expect(calls.length).toBe(4);
    for (const piece of calls) {
      expect(piece.length).toBeLessThanOrEqual(INPUT_PIECE_CHARS);
      expect(piece).not.toMatch(/^[\udc00-\udfff]|[\ud800-\udbff]$/);
    }
  });

  it('reports a refused call and drops what was queued behind it', async () => {
    const calls: string[] = [];
    const errors: string[] = [];
    let fail: (e: Error) => void = () => undefined;
    const send = createInputQueue(
      (data) => {
        calls.push(data);
        return calls.length === 1 ? new Promise<void>((_, rej) => (fail = rej)) : Promise.resolve();
      },
      (e) => errors.push(String(e)),
    );
    send('x');
    send('y');
    fail(new Error('another viewer is typing: take over first'));
    await waitFor(() => expect(errors).toEqual(['Error: another viewer is typing: take over first']));
    expect(calls).toEqual(['x']);
  });
});

/** A stand-in for xterm.js: the text written, the handlers the panel registered. */
function fakeScreen() {
  const s = {
    text: '',
    cols: 80,
    rows: 24,
    readOnly: false,
    selection: '',
    pasted: [] as string[],
    type: (_data: string): void => undefined,
    resize: (_cols: number, _rows: number): void => undefined,
  };
  const screenImpl: Screen = {
    write(d) {
      s.text += d;
    },
    reset() {
      s.text = '';
    },
    onData(fn) {
      s.type = fn;
    },
    onResize(fn) {
      s.resize = (c, r) => {
        s.cols = c;
        s.rows = r;
        fn(c, r);
      };
    },
    fit: () => undefined,
    resizeTo(c, r) {
      s.resize(c, r);
    },
    get cols() {
      return s.cols;
    },
    get rows() {
      return s.rows;
    },
    getSelection: () => s.selection,
    paste(t) {
      s.pasted.push(t);
    },
    setReadOnly(v) {
      s.readOnly = v;
    },
    focus: () => undefined,
    dispose: () => undefined,
  };
  return { s, factory: () => screenImpl };
}

/** An api whose `terminalOutput` the test drives. */
function panelApi(over: Parameters<typeof testApi>[0] = {}) {
  const calls = { input: [] as string[], takeover: 0, resize: [] as Array<[number, number]>, closed: 0 };
  let emit: (msg: TerminalOutputMessage, id: string) => void = () => undefined;
  let setState: (state: 'live' | 'reconnecting') => void = () => undefined;
  let unsubscribed = false;
  const api = testApi({
    terminalOutput: (_id, _viewer, h) => {
      emit = h.onMessage;
      setState = h.onState ?? setState;
      return () => {
        unsubscribed = true;
      };
    },
    terminalInput: async (_id, _v, data) => {
      calls.input.push(data);
      return { ok: true };
    },
    takeoverTerminal: async () => void calls.takeover++,
    resizeTerminal: async (_id, c, r) => void calls.resize.push([c, r]),
    closeTerminal: async () => void calls.closed++,
    ...over,
  });
  return {
    api,
    calls,
    emit: (m: TerminalOutputMessage, id: string) => emit(m, id),
    state: (st: 'live' | 'reconnecting') => setState(st),
    unsubscribed: () => unsubscribed,
  };
}

describe('TerminalPanel', () => {
  it('shows the replay, types through terminals.input, and resizes the terminal to its box', async () => {
    const { s, factory } = fakeScreen();
    const p = panelApi();
    const { unmount } = render(() => (
      <TerminalPanel api={p.api} terminalId="term-a" viewerId="v-me" createScreen={factory} />
    ));
    p.emit({ type: 'hello', viewerId: 'v-me', resumed: false, info: info() }, '0');
    p.emit({ type: 'data', data: '$ ' }, '2');
    expect(s.text).toBe('$ ');
    expect(screen.getByTestId('terminal-writer').textContent).toContain('Nobody is typing');
    s.type('echo hello\r');
    await waitFor(() => expect(p.calls.input).toEqual(['echo hello\r']));
    s.resize(120, 40);
    await waitFor(() => expect(p.calls.resize).toEqual([[120, 40]]));
    unmount();
    expect(p.unsubscribed()).toBe(true);
  });

  it('offers "Take over" while another viewer types, and says why a keystroke was refused', async () => {
    const { s, factory } = fakeScreen();
    const p = panelApi({
      terminalInput: async () => ({ ok: false, conflict: 'another viewer is typing: take over first' }),
    });
    render(() => <TerminalPanel api={p.api} terminalId="term-a" viewerId="v-me" createScreen={factory} />);
    p.emit(
      { type: 'hello', viewerId: 'v-me', resumed: false, info: info({ writer: 'v-other', viewers: 2 }) },
      '0',
    );
    expect(screen.getByTestId('terminal-writer').textContent).toBe('Another viewer is typing · 2 viewers');
    s.type('x');
    expect((await screen.findByRole('alert')).textContent).toBe('another viewer is typing: take over first');
    // Watching only, it draws the PTY's grid and does not resize the terminal of the one typing.
    expect([s.cols, s.rows]).toEqual([80, 24]);
    s.resize(50, 60);
    await new Promise((r) => setTimeout(r, 300));
    expect(p.calls.resize).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'Take over' }));
    await waitFor(() => expect(p.calls.takeover).toBe(1));
    p.emit({ type: 'info', info: info({ writer: 'v-me', viewers: 2 }) }, '3');
    expect(screen.getByTestId('terminal-writer').textContent).toContain('You are typing');
    expect(screen.queryByRole('button', { name: 'Take over' })).toBeNull();
    // The writer's box sets the size now.
    await waitFor(() => expect(p.calls.resize).toEqual([[50, 60]]));
  });

  it('shows "exited (code N)" and stops sending keystrokes once the process ended', async () => {
    const { s, factory } = fakeScreen();
    const p = panelApi();
    render(() => <TerminalPanel api={p.api} terminalId="term-a" viewerId="v-me" createScreen={factory} />);
    p.emit({ type: 'hello', viewerId: 'v-me', resumed: false, info: info() }, '0');
    p.emit({ type: 'data', data: 'bye\r\n' }, '1');
    p.emit({ type: 'exit', code: 3, signal: null }, '2');
    expect(screen.getByTestId('terminal-exit').textContent).toBe('exited (code 3)');
    expect(s.readOnly).toBe(true);
    s.type('ls\r');
    await Promise.resolve();
    expect(p.calls.input).toEqual([]);
    expect(s.text).toBe('bye\r\n');
  });

  it('sends nothing typed while the socket is down, and says so', async () => {
    const { s, factory } = fakeScreen();
    const p = panelApi();
    render(() => <TerminalPanel api={p.api} terminalId="term-a" viewerId="v-me" createScreen={factory} />);
    p.emit({ type: 'hello', viewerId: 'v-me', resumed: false, info: info() }, '0');
    p.state('reconnecting');
    s.type('rm -rf build\r');
    expect((await screen.findByRole('alert')).textContent).toMatch(/^Reconnecting/);
    expect(screen.getByText('reconnecting…')).toBeTruthy();
    p.state('live');
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
    s.type('ls\r');
    await waitFor(() => expect(p.calls.input).toEqual(['ls\r']));
  });

  it('copies the selection and pastes through the screen', async () => {
    const { s, factory } = fakeScreen();
    const p = panelApi();
    let clip = '';
    Object.defineProperty(navigator, 'clipboard', {
      configurable: true,
      value: {
        writeText: async (t: string) => {
          clip = t;
        },
        readText: async () => 'pasted text',
      },
    });
    render(() => <TerminalPanel api={p.api} terminalId="term-a" viewerId="v-me" createScreen={factory} />);
    s.selection = 'selected words';
    fireEvent.click(screen.getByRole('button', { name: 'Copy' }));
    await waitFor(() => expect(clip).toBe('selected words'));
    fireEvent.click(screen.getByRole('button', { name: 'Paste' }));
    await waitFor(() => expect(s.pasted).toEqual(['pasted text']));
  });
});

describe('TerminalsView', () => {
  it('lists running and exited terminals, closes one, and opens a new shell in a directory', async () => {
    const closed: string[] = [];
    const created: unknown[] = [];
    const opened: string[] = [];
    const api = testApi({
      terminals: async () => [
        info({ id: 'term-a', title: 'bash' }),
        info({ id: 'term-b', title: 'sh', command: 'sh -c exit', exit: { code: 2, signal: null, at: T0 } }),
      ],
      closeTerminal: async (id) => void closed.push(id),
      createTerminal: async (input) => {
        created.push(input);
        return info({ id: 'term-new' });
      },
    });
    render(() => (
      <TerminalsView api={api} onOpen={(id) => opened.push(id)} onOpenSession={() => undefined} />
    ));
    const exited = await screen.findByText('exited (code 2)');
    expect(exited.closest('li')?.getAttribute('data-terminal-id')).toBe('term-b');
    expect(screen.getByText('running').closest('li')?.getAttribute('data-terminal-id')).toBe('term-a');
    fireEvent.click(screen.getAllByRole('button', { name: 'Close' })[1] as HTMLElement);
    await waitFor(() => expect(closed).toEqual(['term-b']));
    fireEvent.input(screen.getByLabelText('Directory'), { target: { value: '/home/dev/src/app' } });
    fireEvent.click(screen.getByRole('button', { name: 'Open terminal' }));
    await waitFor(() => expect(opened).toEqual(['term-new']));
    expect(created).toEqual([{ kind: 'local', cwd: '/home/dev/src/app', cols: 100, rows: 30 }]);
  });

  it("says the server's refusal of a new terminal", async () => {
    const api = testApi({
      terminals: async () => [],
      createTerminal: async () => {
        throw new Error('cwd: shell metacharacters or control characters are not allowed');
      },
    });
    render(() => <TerminalsView api={api} onOpen={() => undefined} onOpenSession={() => undefined} />);
    await screen.findByText(/No terminal is open/);
    fireEvent.input(screen.getByLabelText('Directory'), { target: { value: '/tmp;rm' } });
    fireEvent.change(screen.getByLabelText('Run'), { target: { value: 'claude' } });
    fireEvent.click(screen.getByRole('button', { name: 'Open terminal' }));
    expect((await screen.findByRole('alert')).textContent).toContain('cwd: shell metacharacters');
  });
});

describe('WhereItRuns', () => {
  const base = {
    source: 'tmux',
    host: null,
    tty: '/dev/pts/4',
    pid: 77,
    tmuxPane: '%3',
    tmuxSocket: null,
    terminalId: null,
    status: 'working',
  };
  it('offers "Open terminal" for an agent in a tmux pane, attaching to that pane', () => {
    const panes: string[] = [];
    render(() => <WhereItRuns session={base} onAttachTmux={(p) => panes.push(p)} />);
    fireEvent.click(screen.getByRole('button', { name: 'Open terminal' }));
    expect(panes).toEqual(['%3']);
  });
  it('offers it when the hooks name the machine (they do for local sessions), not once the session ended', () => {
    const panes: string[] = [];
    render(() => <WhereItRuns session={{ ...base, host: 'devbox' }} onAttachTmux={(p) => panes.push(p)} />);
    fireEvent.click(screen.getByRole('button', { name: 'Open terminal' }));
    expect(panes).toEqual(['%3']);
    cleanup();
    render(() => (
      <WhereItRuns session={{ ...base, host: 'devbox', status: 'ended' }} onAttachTmux={() => undefined} />
    ));
    expect(screen.queryByRole('button', { name: 'Open terminal' })).toBeNull();
    expect(screen.getByTestId('where-it-runs').textContent).toContain('tmux attach -t %3 on devbox');
  });
  it('attaches to the pane on its own tmux server when the hooks named the socket (pane ids are per server)', () => {
    const targets: string[] = [];
    const session = { ...base, tmuxSocket: '/tmp/tmux-1000/work' };
    render(() => <WhereItRuns session={session} onAttachTmux={(t) => targets.push(t)} />);
    fireEvent.click(screen.getByRole('button', { name: 'Open terminal' }));
    expect(targets).toEqual(['/tmp/tmux-1000/work#%3']);
  });
  it('links a Flightdeck terminal and names any other terminal with its tty', () => {
    const shown: string[] = [];
    render(() => (
      <WhereItRuns
        session={{ ...base, source: 'flightdeck', tmuxPane: null, terminalId: 'term-x' }}
        onShowTerminal={(id) => shown.push(id)}
      />
    ));
    fireEvent.click(screen.getByRole('button', { name: 'Show terminal' }));
    expect(shown).toEqual(['term-x']);
    cleanup();
    render(() => <WhereItRuns session={{ ...base, source: 'vscode', tmuxPane: null }} />);
    expect(screen.getByTestId('where-it-runs').textContent).toMatch(
      /^Runs in VS Code \(tty \/dev\/pts\/4, pid 77\)\. Flightdeck cannot show that terminal/,
    );
  });
});

describe('routes', () => {
  it('#/terminals and #/terminals/<id>', () => {
    expect(parseHash('#/terminals')).toEqual({ name: 'terminals' });
    expect(parseHash('#/terminals/term-a1')).toEqual({ name: 'terminal', terminalId: 'term-a1' });
    expect(hrefOf({ name: 'terminal', terminalId: 'term-a1' })).toBe('#/terminals/term-a1');
    expect(hrefOf({ name: 'terminals' })).toBe('#/terminals');
  });
});
