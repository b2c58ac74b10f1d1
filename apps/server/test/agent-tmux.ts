/**
 * The real Codex and Gemini CLIs in interactive mode (their TUIs) in a private tmux server (own socket, no user
 * config), with exactly the environment of an AgentHome (agent-cli.ts) plus a terminal type. Codex runs hooks without
 * the TUI's trust review (`--dangerously-bypass-hook-trust`, as in agent-cli.ts).
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { type AgentHome, CODEX_BIN, GEMINI_BIN, GEMINI_MODEL } from './agent-cli.js';

const run = promisify(execFile);
const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
let sockets = 0;

export interface TmuxAgent {
  screen(): Promise<string>;
  /** `tmux send-keys` (key names such as `Enter`, `Escape`). */
  keys(...names: string[]): Promise<void>;
  /** Types `text` literally (`send-keys -l`), then Enter a moment later (a TUI takes a fast burst as a paste). */
  type(text: string): Promise<void>;
  /** Kills the tmux server (SIGHUP to the CLI) and removes its socket; safe to call twice. */
  stop(): Promise<void>;
}

async function startInTmux(h: AgentHome, bin: string, args: string[]): Promise<TmuxAgent> {
  const socket = `fd-agent-${process.pid}-${++sockets}`;
  const tmux = (...a: string[]) => run('tmux', ['-L', socket, '-f', '/dev/null', ...a], { env: h.env });
  const envArgs = Object.entries({ TERM: 'xterm-256color', ...h.env }).map(([k, v]) => `${k}=${shq(v)}`);
  const command = `cd ${shq(h.project)} && exec env -i ${envArgs.join(' ')} ${shq(bin)} ${args.map(shq).join(' ')}`;
  await tmux('new-session', '-d', '-s', 'main', '-x', '160', '-y', '45', command);
  const socketPath = (await tmux('display-message', '-p', '#{socket_path}')).stdout.trim();
  let stopped = false;
  return {
    screen: async () => (await tmux('capture-pane', '-p', '-t', 'main:0.0')).stdout,
    keys: async (...names) => {
      await tmux('send-keys', '-t', 'main:0.0', ...names);
    },
    type: async (text) => {
      await tmux('send-keys', '-t', 'main:0.0', '-l', text);
      await new Promise((r) => setTimeout(r, 500));
      await tmux('send-keys', '-t', 'main:0.0', 'Enter');
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await tmux('kill-server').catch(() => undefined);
      // tmux leaves its socket file behind
      if (socketPath !== '') rmSync(socketPath, { force: true });
    },
  };
}

/** `codex <prompt>` (its TUI, the prompt submitted at start; without one, the TUI waits for a typed prompt). */
export const startCodexInTmux = (h: AgentHome, prompt?: string): Promise<TmuxAgent> =>
  startInTmux(h, CODEX_BIN, ['--dangerously-bypass-hook-trust', ...(prompt === undefined ? [] : [prompt])]);

/**
 * `gemini -i <prompt>` (its TUI, the prompt submitted at start; default approval mode: it asks before a shell
 * command), or `gemini` waiting for a typed prompt; `yolo`: `--approval-mode yolo` (it never asks).
 */
export const startGeminiInTmux = (
  h: AgentHome,
  prompt?: string,
  opts: { yolo?: boolean } = {},
): Promise<TmuxAgent> =>
  startInTmux(h, GEMINI_BIN, [
    '-m',
    GEMINI_MODEL,
    ...(opts.yolo ? ['--approval-mode', 'yolo'] : []),
    ...(prompt === undefined ? [] : ['-i', prompt]),
  ]);
