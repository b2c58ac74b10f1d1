/**
 * Shell-ready detection (spec §8.3) with real PTYs: the launch line is typed once a prompt shows (ANSI stripped,
 * after 100 ms of silence), or after the timeout anyway with a warning.
 */
import * as pty from 'node-pty';
import { afterEach, describe, expect, it } from 'vitest';
import { looksLikePrompt, waitForShellReady } from '../src/ssh/ready.js';
import { TerminalManager } from '../src/terminals/manager.js';
import { waitFor } from './helpers.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanups.reverse()) await f();
  cleanups.length = 0;
});

function spawnSh(script: string) {
  const p = pty.spawn('/bin/sh', ['-c', script], { name: 'xterm-256color', cols: 80, rows: 24, cwd: '/' });
  let ended = false;
  p.onExit(() => {
    ended = true;
  });
  cleanups.push(() => {
    if (!ended) p.kill('SIGKILL');
  });
  return {
    p,
    src: {
      onOutput: (l: (d: string) => void) => {
        const d = p.onData(l);
        return () => d.dispose();
      },
      get ended() {
        return ended;
      },
    },
  };
}

describe('shell-ready detection', () => {
  it('knows a prompt: last non-empty line ending in # $ % >, ANSI stripped, under 200 characters', () => {
    expect(looksLikePrompt('Last login: today\r\n\x1b[1;32muser@box\x1b[0m:\x1b[34m~\x1b[0m$ ')).toBe(true);
    expect(looksLikePrompt('welcome\r\nroot@box:/srv# \r\n\r\n')).toBe(true);
    expect(looksLikePrompt('\x1b]0;title\x07% ')).toBe(true);
    expect(looksLikePrompt('loading modules...\r\n')).toBe(false);
    expect(looksLikePrompt(`${'x'.repeat(250)}$ `)).toBe(false);
    expect(looksLikePrompt('')).toBe(false);
  });

  it('resolves only after the prompt has shown and the output settled', async () => {
    const { p, src } = spawnSh(
      'printf "banner\\r\\n"; sleep 0.4; printf "\\033[32mme@h\\033[0m:~\\$ "; sleep 5',
    );
    let promptAt = 0;
    p.onData((d) => {
      if (d.includes('$ ')) promptAt = Date.now();
    });
    const ready = await waitForShellReady(src, { timeoutMs: 5000 });
    expect(ready).toBe(true);
    expect(promptAt).toBeGreaterThan(0);
  });

  it('gives up after the timeout when no prompt shows (false), whatever the output', async () => {
    const { src } = spawnSh('while :; do printf "loading\\n"; sleep 0.05; done');
    expect(await waitForShellReady(src, { timeoutMs: 400 })).toBe(false);
  });

  it('the manager types the launch line at the prompt, or after the timeout with a warning', async () => {
    const warnings: Array<Record<string, unknown>> = [];
    const manager = new TerminalManager({
      max: () => 10,
      bufferBytes: () => 64 * 1024,
      warn: (fields) => warnings.push(fields),
      closeGraceMs: 200,
    });
    cleanups.push(() => manager.closeAll());
    const open = (script: string, timeoutMs: number) =>
      manager.open({
        kind: 'local',
        cols: 80,
        rows: 24,
        env: undefined,
        command: null,
        tmuxTarget: () => null,
        host: null,
        plan: async () => ({
          file: '/bin/sh',
          args: ['-c', script],
          cwd: '/',
          title: 't',
          cli: null,
          typeWhenReady: { line: 'hello\r', timeoutMs },
        }),
      });
    // A line typed before this program's prompt is eaten (by `cat`): only a line typed at the prompt is read.
    const flushing =
      'sleep 0.3; timeout --foreground 0.3 cat >/dev/null; printf "$ "; read x; echo "typed:$x"; sleep 5';
    const atPrompt = await open(flushing, 10_000);
    await waitFor(() => manager.get(atPrompt.id).ring.text().includes('typed:hello'), 8000);
    expect(warnings).toEqual([]);

    const silent = await open('read x; echo "typed:$x"; sleep 5', 300);
    await waitFor(() => manager.get(silent.id).ring.text().includes('typed:hello'), 5000);
    expect(warnings).toEqual([{ terminalId: silent.id, host: null, timeoutMs: 300 }]);
  });
});
