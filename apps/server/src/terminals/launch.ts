/**
 * Agents launched and resumed from the dashboard (issue 16). The agent CLI is resolved on the terminal's PATH and
 * run from argv (never a shell string); the first prompt is one argv element after `--` (Claude, Codex) or the
 * value of `--prompt-interactive=` (Gemini). With `tmux`, the agent runs in a new tmux session on its own tmux
 * server (socket `-L fd-<terminal id>`, started with the terminal's environment, so FLIGHTDECK_TERMINAL_ID and API
 * keys reach the agent and never a command line) and the terminal is a tmux client attached to it: the agent keeps
 * running when the terminal is closed (`tmux -L fd-<id> attach` gets back to it).
 *
 * The card: a launch is announced to the core (`terminal-created`: a `connecting` card the agent's first hook event,
 * carrying the terminal id, adopts — matcher priority 1); a resume is announced before the spawn
 * (`resume-requested`: the resumed session's card takes the new terminal and its first event re-keys that card,
 * lineage kept — matcher priority 0).
 */
import {
  AGENT_CLIS,
  type AgentCli,
  CLAUDE_SESSION_ID,
  type Session,
  type TerminalInfo,
  type TerminalLaunchInput,
  type TerminalResumeInput,
  terminalCwdSchema,
} from '@flightdeck/shared-types';
import type { SshService } from '../ssh/service.js';
import {
  bad,
  type Launch,
  type OpenSpec,
  resolveCwd,
  resolveProgram,
  type TerminalManager,
} from './manager.js';
import { TerminalError } from './terminal.js';

/** Configured agent CLI paths (config `terminals.cli`); a CLI not named here is found on the terminal's PATH. */
export type CliPaths = Partial<Record<AgentCli, string>>;

/** Whether an agent CLI can be launched on this machine (`terminals.clis`), and from where. */
export interface AgentCliStatus {
  cli: AgentCli;
  found: boolean;
  /** The executable a launch would run (null when not found). */
  path: string | null;
  /** Set in config `terminals.cli` (else looked up on PATH). */
  configured: boolean;
}

/** Each agent CLI as `terminals.launch` would resolve it (the configured path, else the first one on PATH). */
export function agentCliStatus(cliPaths: CliPaths, env: NodeJS.ProcessEnv): AgentCliStatus[] {
  return AGENT_CLIS.map((cli) => {
    const configured = cliPaths[cli];
    const path = resolveProgram(configured ?? cli, env);
    return { cli, found: path !== null, path, configured: configured !== undefined };
  });
}

/** The tmux session name inside a launch's own tmux server. */
export const LAUNCH_TMUX_SESSION = 'agent';

/** The tmux socket name (`-L`) of a launch in tmux. */
export function launchTmuxSocket(terminalId: string): string {
  return `fd-${terminalId}`;
}

/** The agent CLI's argv (without the program) for a first prompt and a permission mode. */
export function agentArgs(
  cli: AgentCli,
  opts: { prompt?: string; permissionMode?: string; resume?: string },
): string[] {
  const args: string[] = [];
  if (cli === 'claude') {
    if (opts.resume !== undefined) args.push('--resume', opts.resume);
    if (opts.permissionMode !== undefined) args.push('--permission-mode', opts.permissionMode);
    if (opts.prompt !== undefined) args.push('--', opts.prompt);
  } else if (cli === 'codex') {
    if (opts.prompt !== undefined) args.push('--', opts.prompt);
  } else if (opts.prompt !== undefined) {
    args.push(`--prompt-interactive=${opts.prompt}`);
  }
  return args;
}

/** Plans `cli args` in `cwd`, directly or in a new tmux session of its own tmux server. */
function planAgent(
  cli: AgentCli,
  args: string[],
  cwd: string,
  tmux: boolean,
  title: string,
  id: string,
  env: Record<string, string>,
  announce: boolean,
  cliPaths: CliPaths,
): Launch {
  const configured = cliPaths[cli];
  const file = configured !== undefined ? resolveProgram(configured, env) : resolveProgram(cli, env);
  if (!file)
    throw bad(
      configured !== undefined
        ? `cli: ${cli} is not at ${configured} (config terminals.cli.${cli}): not an executable file`
        : `cli: ${cli} is not installed (not found on PATH; set config terminals.cli.${cli})`,
    );
  const launch = { cwd, title, cli: announce ? cli : null };
  if (!tmux) return { ...launch, file, args };
  const tmuxBin = resolveProgram('tmux', env);
  if (!tmuxBin) throw bad('tmux: tmux is not installed on this machine');
  // `new-session` with the command as several arguments runs it without a shell (tmux ≥ 3.0).
  return {
    ...launch,
    file: tmuxBin,
    args: [
      '-L',
      launchTmuxSocket(id),
      'new-session',
      '-s',
      LAUNCH_TMUX_SESSION,
      '-c',
      cwd,
      '--',
      file,
      ...args,
    ],
  };
}

function tmuxTarget(tmux: boolean | undefined) {
  return (id: string) => (tmux ? `${launchTmuxSocket(id)}#${LAUNCH_TMUX_SESSION}` : null);
}

/**
 * The agent on a configured SSH host: ssh with the names of `env` forwarded (SendEnv: values only in the PTY's
 * environment), then `cd <cwd> && env FLIGHTDECK_TERMINAL_ID=<id> <cli> <args>` typed (quoted) once the remote
 * shell is ready; in tmux, `tmux -L fd-<id> new-session -s agent -- <cli> <args>` on the host.
 */
function launchOnHost(
  manager: TerminalManager,
  input: TerminalLaunchInput & { host: string },
  args: string[],
  ssh: SshService | undefined,
): Promise<TerminalInfo> {
  if (!ssh) throw new TerminalError('PRECONDITION_FAILED', 'SSH terminals are not enabled on this server');
  return manager.open({
    kind: 'ssh',
    cols: input.cols,
    rows: input.rows,
    env: input.env,
    command: input.cli,
    tmuxTarget: tmuxTarget(input.tmux),
    host: input.host,
    plan: async (id, env) => {
      const argv = input.tmux
        ? [
            'tmux',
            '-L',
            launchTmuxSocket(id),
            'new-session',
            '-s',
            LAUNCH_TMUX_SESSION,
            '--',
            input.cli,
            ...args,
          ]
        : [input.cli, ...args];
      const launch = await ssh.planAgent(input.host, {
        id,
        cwd: input.cwd,
        argv,
        env,
        envNames: Object.keys(input.env ?? {}),
        title: input.title ?? `${input.cli} on ${input.host} in ${input.cwd}`,
      });
      return { ...launch, cli: input.cli };
    },
  });
}

/** `terminals.launch`: the agent CLI in `cwd` with its first prompt; one card, linked to the terminal. */
export function launchAgent(
  manager: TerminalManager,
  input: TerminalLaunchInput,
  cliPaths: CliPaths = {},
  ssh?: SshService,
): Promise<TerminalInfo> {
  const args = agentArgs(input.cli, {
    ...(input.prompt !== undefined ? { prompt: input.prompt } : {}),
    ...(input.permissionMode !== undefined ? { permissionMode: input.permissionMode } : {}),
  });
  if (input.host !== undefined) return launchOnHost(manager, { ...input, host: input.host }, args, ssh);
  return manager.open({
    kind: input.tmux ? 'tmux' : 'local',
    cols: input.cols,
    rows: input.rows,
    env: input.env,
    command: input.cli,
    tmuxTarget: tmuxTarget(input.tmux),
    host: null,
    plan: async (id, env) => {
      const cwd = resolveCwd(input.cwd);
      return planAgent(
        input.cli,
        args,
        cwd,
        input.tmux === true,
        input.title ?? `${input.cli} in ${cwd}`,
        id,
        env,
        true,
        cliPaths,
      );
    },
  });
}

export interface ResumeDeps {
  getSession(id: string): Session | undefined;
  cliPaths?: CliPaths;
  /** The core's `resume-requested`; resolves with its refusals (empty when accepted). */
  requestResume(sessionId: string, terminalId: string): Promise<string[]>;
}

/** `terminals.resume`: `claude --resume <id>` in the session's directory; the same card takes the terminal. */
export function resumeAgent(
  manager: TerminalManager,
  input: TerminalResumeInput,
  deps: ResumeDeps,
): Promise<TerminalInfo> {
  const session = deps.getSession(input.sessionId);
  if (!session) throw new TerminalError('NOT_FOUND', `sessionId: no session ${input.sessionId}`);
  if (session.cli !== 'claude')
    throw bad(`sessionId: only Claude sessions can be resumed (this one is ${session.cli})`);
  if (!CLAUDE_SESSION_ID.test(session.sessionId))
    throw bad(`sessionId: ${session.sessionId} is not a Claude session id (the agent never started?)`);
  const running = manager.list().find((t) => t.id === session.terminalId && t.exit === null);
  if (running)
    throw new TerminalError(
      'CONFLICT',
      `sessionId: the session still runs in terminal ${running.id}: close it first (two processes must not share a session)`,
    );
  if (!terminalCwdSchema.safeParse(session.projectPath).success)
    throw bad('sessionId: the session has no usable working directory');
  const projectPath = session.projectPath;
  const spec: OpenSpec = {
    kind: input.tmux ? 'tmux' : 'local',
    cols: input.cols,
    rows: input.rows,
    env: input.env,
    command: `claude --resume ${session.sessionId}`,
    tmuxTarget: tmuxTarget(input.tmux),
    host: null,
    plan: async (id, env) => {
      const cwd = resolveCwd(projectPath);
      const args = agentArgs('claude', { resume: session.sessionId });
      return planAgent(
        'claude',
        args,
        cwd,
        input.tmux === true,
        input.title ?? `claude --resume in ${cwd}`,
        id,
        env,
        false,
        deps.cliPaths ?? {},
      );
    },
    beforeSpawn: async (id) => {
      const refused = await deps.requestResume(session.sessionId, id);
      if (refused.length > 0) throw new TerminalError('CONFLICT', `resume refused: ${refused.join('; ')}`);
    },
  };
  return manager.open(spec);
}
