import type { HookMeta, TerminalSource } from '@flightdeck/shared-types';
import { describe, expect, it } from 'vitest';
import { detectHookSource, keysOf, rehydrate } from '../src/index.js';
import { Harness, hook } from './helpers.js';

const start = (id: string, source: string, cwd = '/home/dev/p', meta: HookMeta = {}) =>
  hook('claude', { session_id: id, hook_event_name: 'SessionStart', source, cwd }, meta);
const prompt = (id: string, cwd = '/home/dev/p', meta: HookMeta = {}) =>
  hook('claude', { session_id: id, hook_event_name: 'UserPromptSubmit', prompt: 'hello', cwd }, meta);
const end = (id: string, reason = 'other', meta: HookMeta = {}) =>
  hook('claude', { session_id: id, hook_event_name: 'SessionEnd', reason, cwd: '/home/dev/p' }, meta);

/** A harness with one ended session A in /home/dev/p that had a prompt. */
function withEnded(meta: HookMeta = {}): Harness {
  const h = new Harness();
  h.send(start('A', 'startup', '/home/dev/p', meta));
  h.send(prompt('A', '/home/dev/p', meta));
  h.advance(1000);
  h.send(end('A', 'other', meta));
  h.advance(1000);
  return h;
}

function ids(h: Harness): string[] {
  return keysOf(h.state.sessions).sort();
}

describe('spec §5 matcher priorities', () => {
  it('0: pending resume + terminal id re-keys the resumed session', () => {
    const h = withEnded();
    h.send({ type: 'resume-requested', sessionId: 'A', terminalId: 'T1' });
    expect(h.session('A').terminalId).toBe('T1');
    h.advance(500);
    const eff = h.send(start('B', 'resume', '/elsewhere', { terminalId: 'T1' }));
    expect(ids(h)).toEqual(['B']);
    const b = h.session('B');
    expect(b.previousSessionIds).toEqual(['A']);
    expect(b.resumeCount).toBe(1);
    expect(b.status).toBe('idle');
    expect(b.promptHistory).toHaveLength(1); // history kept
    expect(b.terminalId).toBe('T1');
    expect(eff).toContainEqual({ type: 'session-rekeyed', oldId: 'A', newId: 'B' });
    expect(eff).toContainEqual({ type: 'session-removed', sessionId: 'A' });
    expect(b.events.some((e) => e.type === 'resumed' && e.detail.includes('pending-resume-terminal'))).toBe(
      true,
    );
    expect(h.state.pendingResumes).toEqual([]);
  });

  it('0 fallback: pending resume + single matching workDir', () => {
    const h = withEnded();
    h.send({ type: 'resume-requested', sessionId: 'A', terminalId: 'T1' });
    h.send(prompt('B', '/home/dev/p'));
    expect(ids(h)).toEqual(['B']);
    expect(h.session('B').events.some((e) => e.detail.includes('pending-resume-workdir'))).toBe(true);
  });

  it('0 fallback never takes a fresh start or another terminal in the same workDir', () => {
    const h = withEnded();
    h.send({ type: 'resume-requested', sessionId: 'A', terminalId: 'T1' });
    h.send(start('C', 'startup', '/home/dev/p'));
    h.send(prompt('D', '/home/dev/p', { terminalId: 'T9' }));
    expect(ids(h)).toEqual(['A', 'C', 'D']);
    expect(h.session('A').terminalId).toBe('T1');
    expect(h.state.pendingResumes).toHaveLength(1);
    h.send(start('B', 'resume', '/home/dev/p'));
    expect(ids(h)).toEqual(['B', 'C', 'D']);
    expect(h.session('B').previousSessionIds).toEqual(['A']);
  });

  it('0 fallback is skipped when two pending resumes share the workDir', () => {
    const h = withEnded();
    h.send(start('A2', 'startup'));
    h.send(end('A2'));
    h.send({ type: 'resume-requested', sessionId: 'A', terminalId: 'T1' });
    h.send({ type: 'resume-requested', sessionId: 'A2', terminalId: 'T2' });
    h.send(prompt('B', '/home/dev/p'));
    expect(ids(h)).toEqual(['A', 'A2', 'B']);
  });

  it('the same-id resume requested from the dashboard revives the card', () => {
    const h = withEnded();
    h.send({ type: 'resume-requested', sessionId: 'A', terminalId: 'T1' });
    h.send(start('A', 'resume', '/home/dev/p', { terminalId: 'T1' }));
    expect(ids(h)).toEqual(['A']);
    expect(h.session('A')).toMatchObject({ status: 'idle', resumeCount: 1, terminalId: 'T1', endedAt: null });
    expect(h.state.pendingResumes).toEqual([]);
  });

  it('0.5: a snapshot-restored ended session in the same cwd, within 30 min of the restart', () => {
    const h = withEnded();
    // restart: the shell reloads the state, runs rehydrate's effects (the `restored` marker fires at once)
    const effects = rehydrate(h.state, h.now);
    for (const e of effects) if (e.type === 'arm-timer') h.send(e.input);
    expect(h.state.lastRestoreAt).toBe(h.now);
    h.advance(29 * 60_000);
    h.send(prompt('B'));
    expect(ids(h)).toEqual(['B']);
    expect(h.session('B').previousSessionIds).toEqual(['A']);
  });

  it('0.5 does not apply after 30 min or to a fresh startup', () => {
    const h = withEnded();
    for (const e of rehydrate(h.state, h.now)) if (e.type === 'arm-timer') h.send(e.input);
    h.send(start('C', 'startup'));
    expect(ids(h)).toEqual(['A', 'C']);
    h.advance(31 * 60_000);
    h.send(prompt('B'));
    expect(ids(h)).toEqual(['A', 'B', 'C']);
  });

  it('1: meta.terminalId adopts the connecting card of that terminal', () => {
    const h = new Harness();
    h.send({ type: 'terminal-created', terminalId: 'T1', workDir: '/home/dev/p', cli: 'claude' });
    expect(h.session('T1')).toMatchObject({ status: 'connecting', source: 'flightdeck', terminalId: 'T1' });
    const eff = h.send(start('B', 'startup', '/somewhere/else', { terminalId: 'T1' }));
    expect(ids(h)).toEqual(['B']);
    expect(h.session('B')).toMatchObject({
      status: 'idle',
      terminalId: 'T1',
      source: 'flightdeck',
      previousSessionIds: [],
    });
    expect(eff).toContainEqual({ type: 'session-rekeyed', oldId: 'T1', newId: 'B' });
    expect(h.session('B').events.some((e) => e.detail.includes('terminal-id'))).toBe(true);
  });

  it('1: a resume in the same Flightdeck terminal after the old session ended keeps one card', () => {
    const h = withEnded({ terminalId: 'T1' });
    h.send(start('B', 'resume', '/home/dev/p', { terminalId: 'T1' }));
    expect(ids(h)).toEqual(['B']);
    expect(h.session('B').previousSessionIds).toEqual(['A']);
  });

  it('2: a pending terminal link by cwd (expires after 60 s)', () => {
    const h = new Harness();
    h.send({ type: 'terminal-created', terminalId: 'T1', workDir: '/home/dev/p', cli: 'claude' });
    h.send(start('B', 'startup'));
    expect(ids(h)).toEqual(['B']);
    expect(h.session('B').events.some((e) => e.detail.includes('pending-link'))).toBe(true);

    // link without a placeholder card (deleted by the user): the new card still gets the terminal
    const h2 = new Harness();
    h2.send({ type: 'terminal-created', terminalId: 'T2', workDir: '/home/dev/p', cli: 'claude' });
    h2.send({ type: 'user', action: { type: 'delete', sessionId: 'T2' } });
    h2.send(start('C', 'startup'));
    expect(h2.session('C')).toMatchObject({ terminalId: 'T2', source: 'flightdeck' });

    const h3 = new Harness();
    h3.send({ type: 'terminal-created', terminalId: 'T3', workDir: '/home/dev/p', cli: 'claude' });
    h3.send({ type: 'user', action: { type: 'delete', sessionId: 'T3' } });
    h3.advance(60_001);
    h3.send(start('D', 'startup'));
    expect(h3.session('D')).toMatchObject({ terminalId: null, source: 'unknown' });
  });

  it('3: exactly one connecting card with the same path', () => {
    const h = new Harness();
    h.send({ type: 'terminal-created', terminalId: 'T1', workDir: '/home/dev/p', cli: 'claude' });
    h.advance(61_000); // link expired, card still connecting
    h.send(start('B', 'startup'));
    expect(ids(h)).toEqual(['B']);
    expect(h.session('B').events.some((e) => e.detail.includes('connecting-path'))).toBe(true);

    const h2 = new Harness();
    h2.send({ type: 'terminal-created', terminalId: 'T1', workDir: '/home/dev/p', cli: 'claude' });
    h2.send({ type: 'terminal-created', terminalId: 'T2', workDir: '/home/dev/p', cli: 'claude' });
    h2.advance(61_000);
    h2.send(start('B', 'startup'));
    expect(ids(h2)).toEqual(['B', 'T1', 'T2']); // ambiguous: display-only card
  });

  it('else: a display-only card with the detected source', () => {
    const h = new Harness();
    h.send(start('B', 'startup', '/home/dev/p', { termProgram: 'iTerm.app', pid: 99 }));
    expect(h.session('B')).toMatchObject({ source: 'iterm', terminalId: null, pid: 99, projectName: 'p' });
    expect(h.effects).toContainEqual({ type: 'watch-pid', sessionId: 'B', pid: 99, at: h.now });
  });

  it('a resume whose terminal already has a placeholder card drops the placeholder', () => {
    const h = withEnded();
    h.send({ type: 'terminal-created', terminalId: 'T1', workDir: '/home/dev/p', cli: 'claude' });
    const eff = h.send({ type: 'resume-requested', sessionId: 'A', terminalId: 'T1' });
    expect(eff).toContainEqual({ type: 'session-removed', sessionId: 'T1' });
    h.send(start('B', 'resume', '/home/dev/p', { terminalId: 'T1' }));
    expect(ids(h)).toEqual(['B']);
    // and a terminal created for a pending resume makes no placeholder
    const h2 = withEnded();
    h2.send({ type: 'resume-requested', sessionId: 'A', terminalId: 'T9' });
    h2.send({ type: 'terminal-created', terminalId: 'T9', workDir: '/home/dev/p', cli: 'claude' });
    expect(ids(h2)).toEqual(['A']);
  });
});

describe('resume / continue / clear', () => {
  it('claude --continue with a new session id: one card, previousSessionIds, rekeyed + removed', () => {
    const h = withEnded();
    const eff = h.send(start('B', 'resume'));
    expect(ids(h)).toEqual(['B']);
    expect(h.session('B')).toMatchObject({
      resumeCount: 1,
      previousSessionIds: ['A'],
      status: 'idle',
      title: 'hello',
    });
    expect(eff.filter((e) => e.type === 'session-rekeyed' || e.type === 'session-removed')).toEqual([
      { type: 'session-rekeyed', oldId: 'A', newId: 'B' },
      { type: 'session-removed', sessionId: 'A' },
    ]);
    // a late event with the old id lands on the same card
    h.send(
      hook('claude', {
        session_id: 'A',
        hook_event_name: 'Notification',
        notification_type: 'idle_prompt',
        message: 'm',
      }),
    );
    expect(ids(h)).toEqual(['B']);
    // and a second re-key keeps the lineage
    h.send(end('B'));
    h.send(start('C', 'resume'));
    expect(h.session('C').previousSessionIds).toEqual(['A', 'B']);
    expect(h.session('C').resumeCount).toBe(2);
    expect(h.state.aliases).toEqual({ A: 'C', B: 'C' });
  });

  it('resume prefers the session of the same TTY, else the most recently ended', () => {
    const h = new Harness();
    h.send(start('A', 'startup', '/home/dev/p', { tty: '/dev/pts/1' }));
    h.send(start('X', 'startup', '/home/dev/p', { tty: '/dev/pts/2' }));
    h.advance(10);
    h.send(end('A'));
    h.advance(10);
    h.send(end('X'));
    h.send(start('B', 'resume', '/home/dev/p', { tty: '/dev/pts/1' }));
    expect(h.session('B').previousSessionIds).toEqual(['A']);
    h.send(start('C', 'resume', '/home/dev/p'));
    expect(h.session('C').previousSessionIds).toEqual(['X']);
  });

  it('a live (not ended) session elsewhere is never taken over by another resume', () => {
    const h = new Harness();
    h.send(start('A', 'startup', '/home/dev/p', { tty: '/dev/pts/1' }));
    h.send(start('B', 'resume', '/home/dev/p', { tty: '/dev/pts/2' }));
    expect(ids(h)).toEqual(['A', 'B']);
  });

  it('a resume on the same TTY / tmux pane / Flightdeck terminal replaces a session that died without SessionEnd', () => {
    const h = new Harness();
    h.send(start('A', 'startup', '/home/dev/p', { tty: '/dev/pts/1', pid: 10 }));
    h.send(prompt('A', '/home/dev/p', { tty: '/dev/pts/1', pid: 10 }));
    h.send(start('B', 'resume', '/home/dev/p', { tty: '/dev/pts/1', pid: 11 }));
    expect(ids(h)).toEqual(['B']);
    expect(h.session('B')).toMatchObject({ previousSessionIds: ['A'], pid: 11, status: 'idle' });
    // the old process's death is then stale
    expect(h.send({ type: 'pid-dead', sessionId: 'B', pid: 10 })).toEqual([]);

    const t = new Harness();
    t.send(start('A', 'startup', '/home/dev/p', { tmuxPane: '%3' }));
    t.send(start('B', 'resume', '/home/dev/p', { tmuxPane: '%3' }));
    expect(ids(t)).toEqual(['B']);

    const f = new Harness();
    f.send(start('A', 'startup', '/home/dev/p', { terminalId: 'T1' }));
    f.send(start('B', 'resume', '/x', { terminalId: 'T1' }));
    expect(ids(f)).toEqual(['B']);
    expect(f.session('B').previousSessionIds).toEqual(['A']);
  });

  it('/clear: a new card linked to the cleared one, which stays as history', () => {
    const h = new Harness();
    h.send(start('A', 'startup', '/home/dev/p', { pid: 50 }));
    h.send({ type: 'user', action: { type: 'set-label', sessionId: 'A', label: 'api' } });
    h.send(end('A', 'clear', { pid: 50 }));
    const eff = h.send(start('B', 'clear', '/home/dev/p', { pid: 50 }));
    expect(ids(h)).toEqual(['A', 'B']);
    expect(h.session('A').status).toBe('ended');
    expect(h.session('B')).toMatchObject({
      // earlier ids of the same card only: A is another card, linked through the lineage
      previousSessionIds: [],
      resumeCount: 0,
      label: 'api',
      status: 'idle',
      lineage: [{ sessionId: 'A', relation: 'cleared', direction: 'predecessor' }],
    });
    expect(h.session('A').lineage).toMatchObject([
      { sessionId: 'B', relation: 'cleared', direction: 'successor' },
    ]);
    expect(eff.some((e) => e.type === 'session-rekeyed')).toBe(false);
  });

  it('/clear whose new SessionStart arrives before the old SessionEnd: the two cards are linked all the same', () => {
    const h = new Harness();
    h.send(start('A', 'startup', '/home/dev/p', { pid: 50 }));
    h.send(start('X', 'startup', '/home/dev/p', { pid: 51 })); // another agent in the same directory
    h.send(start('B', 'clear', '/home/dev/p', { pid: 50 }));
    h.send(end('A', 'clear', { pid: 50 }));
    expect(h.session('A')).toMatchObject({ status: 'ended', endReason: 'clear' });
    expect(h.session('B').lineage).toMatchObject([{ sessionId: 'A', direction: 'predecessor' }]);
    expect(h.session('A').lineage).toMatchObject([{ sessionId: 'B', direction: 'successor' }]);
    expect(h.session('X').lineage).toEqual([]);
  });

  it('SessionStart resume for a known id that never ended still counts a resume', () => {
    const h = new Harness();
    h.send(start('A', 'startup'));
    h.send(start('A', 'resume'));
    expect(h.session('A').resumeCount).toBe(1);
  });
});

describe('spec §5 source detection table', () => {
  // biome-ignore format: table
  const rows: [HookMeta, TerminalSource][] = [
    [{ vscodePid: '123' }, 'vscode'],
    [{ termProgram: 'vscode' }, 'vscode'],
    [{ termProgram: 'JetBrains-JediTerm' }, 'jetbrains'],
    [{ termProgram: 'IntelliJ' }, 'jetbrains'],
    [{ termProgram: 'WebStorm' }, 'jetbrains'],
    [{ termProgram: 'iTerm.app' }, 'iterm'],
    [{ termProgram: 'WarpTerminal' }, 'warp'],
    [{ termProgram: 'kitty' }, 'kitty'],
    [{ termProgram: 'ghostty' }, 'ghostty'],
    [{ ghostty: true }, 'ghostty'],
    [{ termProgram: 'Alacritty' }, 'alacritty'],
    [{ termProgram: 'WezTerm' }, 'wezterm'],
    [{ weztermPane: '3' } as HookMeta, 'wezterm'],
    [{ termProgram: 'Hyper' }, 'hyper'],
    [{ termProgram: 'Apple_Terminal' }, 'terminal'],
    [{ tmux: '/tmp/tmux-1000/default,1234,0' }, 'tmux'],
    [{ termProgram: 'tmux', tmux: '/tmp/tmux' }, 'tmux'],
    [{}, 'unknown'],
    [{ termProgram: 'xterm-256color' }, 'unknown'],
    [{ ssh: true }, 'ssh'],
    [{ ssh: true, tty: '/dev/pts/3' }, 'ssh'],
    [{ ssh: true, tmux: '/tmp/tmux' }, 'tmux'],
    [{ tty: '/dev/pts/3', term: 'xterm-256color' }, 'terminal'],
    [{ terminalId: 'T1', termProgram: 'iTerm.app' }, 'flightdeck'],
  ];
  for (const [meta, source] of rows) {
    it(`${JSON.stringify(meta)} → ${source}`, () => {
      expect(detectHookSource(meta)).toBe(source);
    });
  }

  it('a card created without terminal details learns its source from a later event', () => {
    const h = new Harness();
    h.send(start('S', 'startup', '/home/dev/p'));
    expect(h.session('S').source).toBe('unknown');
    h.send(start('S', 'startup', '/home/dev/p', { tmux: '/tmp/tmux-0/default,1,0', tmuxPane: '%1' }));
    expect(h.session('S').source).toBe('tmux');
    // the pane and the server it belongs to (pane ids are unique per tmux server only)
    expect(h.session('S')).toMatchObject({ tmuxPane: '%1', tmuxSocket: '/tmp/tmux-0/default' });
    // a known source is not overwritten by a later, vaguer one
    h.send(start('S', 'startup', '/home/dev/p', { tty: '/dev/pts/1' }));
    expect(h.session('S').source).toBe('tmux');
  });
});
