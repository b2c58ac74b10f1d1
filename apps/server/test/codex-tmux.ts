/**
 * The real Codex CLI in interactive mode (its TUI) in a private tmux server (own socket, no user config), with
 * exactly the environment of an AgentHome (agent-cli.ts) — hooks run without the TUI's trust review
 * (`--dangerously-bypass-hook-trust`, as in agent-cli.ts).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type AgentHome, CODEX_BIN } from './agent-cli.js';

const run = promisify(execFile);
const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
let sockets = 0;

export interface TmuxCodex {
  screen(): Promise<string>;
  /** Kills the tmux server (SIGHUP to Codex); safe to call twice. */
  stop(): Promise<void>;
}

/** Starts `codex <prompt>` in a 160×45 pane. */
export async function startCodexInTmux(h: AgentHome, prompt: string): Promise<TmuxCodex> {
  const socket = `fd-codex-${process.pid}-${++sockets}`;
  const tmux = (...a: string[]) => run('tmux', ['-L', socket, '-f', '/dev/null', ...a], { env: h.env });
  const envArgs = Object.entries(h.env).map(([k, v]) => `${k}=${shq(v)}`);
  const command = `cd ${shq(h.project)} && exec env -i ${envArgs.join(' ')} ${shq(CODEX_BIN)} --dangerously-bypass-hook-trust ${shq(prompt)}`;
  await tmux('new-session', '-d', '-s', 'main', '-x', '160', '-y', '45', command);
  let stopped = false;
  return {
    screen: async () => (await tmux('capture-pane', '-p', '-t', 'main:0.0')).stdout,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await tmux('kill-server').catch(() => undefined);
    },
  };
}
