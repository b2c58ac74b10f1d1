/**
 * The terminals of this server (issue 16): create (validated again here: the directory exists, the program is on
 * PATH, the tmux target exists), list, close, resize, input, takeover, and `closeAll` on shutdown. Programs are
 * spawned from argv arrays, never from a shell string. An agent started in a terminal is announced to the core
 * (`terminal-created`) so its first hook events, which carry FLIGHTDECK_TERMINAL_ID, attach to that terminal's card.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import {
  AGENT_CLIS,
  type AgentCli,
  commandArgv,
  parseTmuxTarget,
  type TerminalCreateInput,
  type TerminalInfo,
  tmuxSocketArgs,
} from '@flightdeck/shared-types';
import * as pty from 'node-pty';
import { waitForShellReady } from '../ssh/ready.js';
import type { SshService } from '../ssh/service.js';
import { Terminal, TerminalError, type TerminalLimits } from './terminal.js';

export interface TerminalManagerOptions {
  /** Open terminals at most (spec §8.7: 10; config `terminals.max`), read at each create. */
  max: () => number;
  /** Ring buffer bytes per terminal (config `terminals.bufferBytes`). */
  bufferBytes: () => number;
  /** A viewer's queue bound (default 1 MiB): past it, that viewer gets a resync. */
  viewerQueueBytes?: number;
  /** How long viewers that are all behind may pause the PTY (default 2 s). */
  maxPauseMs?: number;
  /** SIGHUP → SIGKILL grace on close. */
  closeGraceMs?: number;
  /** Told when a terminal starts an agent CLI (the core's `terminal-created`). */
  onAgentTerminal?: (t: { terminalId: string; workDir: string; cli: AgentCli }) => Promise<void> | void;
  /** The agent session linked to a terminal, when known. */
  sessionOf?: (terminalId: string) => string | null;
  /** SSH hosts (`kind: 'ssh'`); absent: SSH terminals are refused. */
  ssh?: SshService;
  /** Warnings (a remote shell that showed no prompt in time). Never given env values. */
  warn?: (fields: Record<string, unknown>, message: string) => void;
  now?: () => number;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1']);

export function bad(message: string): TerminalError {
  return new TerminalError('BAD_REQUEST', message);
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The program's path: as given when it has a `/`, else the first executable on PATH. */
export function resolveProgram(program: string, env: NodeJS.ProcessEnv): string | null {
  if (program.includes('/')) return isExecutable(program) ? program : null;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, program))) return join(dir, program);
  }
  return null;
}

export function resolveCwd(cwd: string | undefined): string {
  const dir = cwd === undefined ? homedir() : cwd.replace(/^~(?=$|\/)/, homedir());
  let ok = false;
  try {
    ok = statSync(dir).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok) throw bad(`cwd: not a directory: ${dir}`);
  // The real path: the agent's hooks report it, and the core links a terminal to its agent by it (spec §8.5).
  return realpathSync(dir);
}

function run(file: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 5000 }, (err) => resolve(!err));
  });
}

/** The environment a terminal starts with: the server's, minus tmux's own markers, plus `extra`, TERM and the id. */
function terminalEnv(id: string, extra: Record<string, string> | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && k !== 'TMUX' && k !== 'TMUX_PANE') env[k] = v;
  }
  Object.assign(env, extra ?? {});
  env.TERM = 'xterm-256color';
  env.FLIGHTDECK_TERMINAL_ID = id;
  return env;
}

/** What a terminal runs: a program and its argv (never a shell string), where, and the agent CLI it is, if any. */
export interface Launch {
  file: string;
  args: string[];
  cwd: string;
  title: string;
  /** Announced to the core (`terminal-created`) once spawned; null for no agent or one announced otherwise. */
  cli: AgentCli | null;
  /** Where the process starts when `cwd` is not on this machine (an SSH host's directory). */
  spawnCwd?: string;
  /** Typed once the shell shows a prompt (spec §8.3), or anyway after `timeoutMs` with a warning. */
  typeWhenReady?: { line: string; timeoutMs: number } | null;
}

/** A terminal to open: its recorded fields, how to plan the launch once its id and env exist, and a last step before the spawn. */
export interface OpenSpec {
  kind: TerminalInfo['kind'];
  cols: number;
  rows: number;
  env: Record<string, string> | undefined;
  command: string | null;
  tmuxTarget: (id: string) => string | null;
  host: string | null;
  plan: (id: string, env: Record<string, string>) => Promise<Launch>;
  /** Awaited right before the spawn (e.g. the core's `resume-requested`); a throw starts nothing. */
  beforeSpawn?: (id: string, launch: Launch) => Promise<void>;
}

async function planLaunch(
  input: TerminalCreateInput,
  env: Record<string, string>,
  ssh: SshService | undefined,
): Promise<Launch> {
  if (input.kind === 'ssh') {
    if (!ssh) throw new TerminalError('PRECONDITION_FAILED', 'SSH terminals are not enabled on this server');
    return ssh.planTerminal(input, env);
  }
  if (input.host !== undefined && !LOCAL_HOSTS.has(input.host))
    throw bad(`host: ${input.host} is not this machine (use kind: 'ssh' with a configured SSH host)`);
  if (input.kind === 'tmux') {
    const parts = parseTmuxTarget(input.tmuxTarget ?? '');
    if (!parts) throw bad('tmuxTarget: invalid');
    const tmux = resolveProgram('tmux', env);
    if (!tmux) throw bad('tmuxTarget: tmux is not installed on this machine');
    const socket = tmuxSocketArgs(parts);
    if (!(await run(tmux, [...socket, 'has-session', '-t', parts.target])))
      throw bad(`tmuxTarget: no tmux session or pane ${input.tmuxTarget}`);
    return {
      file: tmux,
      args: [...socket, 'attach-session', '-t', parts.target],
      cwd: resolveCwd(input.cwd),
      title: input.title ?? `tmux ${parts.target}`,
      cli: null,
    };
  }
  const cwd = resolveCwd(input.cwd);
  if (input.command !== undefined) {
    const [program, ...args] = (commandArgv(input.command) ?? []) as [string, ...string[]];
    const file = resolveProgram(program, env);
    if (!file) throw bad(`command: program not found: ${program}`);
    const name = basename(program);
    const cli = (AGENT_CLIS as readonly string[]).includes(name) ? (name as AgentCli) : null;
    return { file, args, cwd, title: input.title ?? input.command, cli };
  }
  const shell = env.SHELL?.startsWith('/') && isExecutable(env.SHELL) ? env.SHELL : '/bin/sh';
  return { file: shell, args: ['-l'], cwd, title: input.title ?? basename(shell), cli: null };
}

export class TerminalManager {
  private readonly terminals = new Map<string, Terminal>();
  private pending = 0;
  private shuttingDown = false;
  private readonly now: () => number;

  constructor(private readonly opts: TerminalManagerOptions) {
    this.now = opts.now ?? Date.now;
  }

  private limits(): TerminalLimits {
    const viewerQueueBytes = this.opts.viewerQueueBytes ?? 1024 * 1024;
    return {
      bufferBytes: this.opts.bufferBytes(),
      viewerQueueBytes,
      pauseAboveBytes: viewerQueueBytes / 4,
      maxPauseMs: this.opts.maxPauseMs ?? 2000,
    };
  }

  /** The terminal `id`, or why there is none (for the system writer: queued prompts). */
  find(id: string): Terminal | string {
    return this.terminals.get(id) ?? `terminal ${id} is not open on this server`;
  }

  get(id: string): Terminal {
    const t = this.terminals.get(id);
    if (!t) throw new TerminalError('NOT_FOUND', `terminal not found: ${id}`);
    return t;
  }

  /** The terminal with its linked session looked up again (not on the keystroke path). */
  refreshed(id: string): Terminal {
    const t = this.get(id);
    t.sessionId = this.opts.sessionOf?.(id) ?? t.sessionId;
    return t;
  }

  list(): TerminalInfo[] {
    return [...this.terminals.keys()].map((id) => this.refreshed(id).info());
  }

  async create(input: TerminalCreateInput): Promise<TerminalInfo> {
    return this.open({
      kind: input.kind,
      cols: input.cols,
      rows: input.rows,
      env: input.env,
      command: input.command ?? null,
      tmuxTarget: () => input.tmuxTarget ?? null,
      host: input.host ?? null,
      plan: (_id, env) => planLaunch(input, env, this.opts.ssh),
    });
  }

  /** Opens a terminal (limit §8.7, then plan, then spawn); `create`, `launch` and `resume` go through here. */
  async open(spec: OpenSpec): Promise<TerminalInfo> {
    if (this.shuttingDown) throw new TerminalError('CONFLICT', 'the server is shutting down');
    const max = this.opts.max();
    if (this.terminals.size + this.pending >= max)
      throw new TerminalError(
        'TOO_MANY_REQUESTS',
        `terminal limit reached: ${max} open (config terminals.max); close one first (exited ones count until closed)`,
      );
    this.pending += 1;
    try {
      const id = `term-${randomBytes(9).toString('base64url')}`;
      const env = terminalEnv(id, spec.env);
      const launch = await spec.plan(id, env);
      if (this.shuttingDown) throw new TerminalError('CONFLICT', 'the server is shutting down');
      await spec.beforeSpawn?.(id, launch);
      let proc: pty.IPty;
      try {
        proc = pty.spawn(launch.file, launch.args, {
          name: 'xterm-256color',
          cols: spec.cols,
          rows: spec.rows,
          cwd: launch.spawnCwd ?? launch.cwd,
          env,
        });
      } catch (err) {
        throw bad(`command: could not start: ${(err as Error).message}`);
      }
      const t = new Terminal(
        {
          id,
          kind: spec.kind,
          title: launch.title,
          cwd: launch.cwd,
          command: spec.command,
          tmuxTarget: spec.tmuxTarget(id),
          host: spec.host,
          cols: spec.cols,
          rows: spec.rows,
          createdAt: this.now(),
        },
        proc,
        this.limits(),
        this.now,
      );
      this.terminals.set(id, t);
      if (launch.typeWhenReady) this.typeWhenReady(t, launch.typeWhenReady);
      if (launch.cli)
        await this.opts.onAgentTerminal?.({ terminalId: id, workDir: launch.cwd, cli: launch.cli });
      return this.refreshed(id).info();
    } finally {
      this.pending -= 1;
    }
  }

  /** Types the launch line once the shell shows a prompt (spec §8.3); after the timeout, anyway, with a warning. */
  private typeWhenReady(t: Terminal, what: { line: string; timeoutMs: number }): void {
    void waitForShellReady(t, { timeoutMs: what.timeoutMs, initial: t.ring.text() }).then((ready) => {
      if (t.ended) return;
      if (!ready)
        this.opts.warn?.(
          { terminalId: t.id, host: t.spec.host, timeoutMs: what.timeoutMs },
          'no shell prompt seen in time: typing the command anyway',
        );
      t.send(what.line);
    });
  }

  /** SSH hosts, when enabled. */
  get ssh(): SshService | undefined {
    return this.opts.ssh;
  }

  async close(id: string): Promise<void> {
    const t = this.get(id);
    this.terminals.delete(id);
    await t.close(this.opts.closeGraceMs ?? 2000);
  }

  /** Ends every terminal (server shutdown); no new ones after. */
  async closeAll(): Promise<void> {
    this.shuttingDown = true;
    const all = [...this.terminals.values()];
    this.terminals.clear();
    await Promise.all(all.map((t) => t.close(this.opts.closeGraceMs ?? 2000)));
  }
}
