/**
 * The real Claude Code CLI in interactive mode, driven through tmux as a user would drive it: a throwaway HOME
 * and config dir (onboarding done, the project trusted, the test API key approved), Flightdeck's hooks
 * installed by `flightdeck hooks install --cli claude` into a given data dir, `claude` started in a private tmux
 * server (its own socket, no user config) in a wide pane, keys sent, the screen read until it shows what the
 * test waits for.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readProcStat } from '@flightdeck/hook-ingest';
import { runHooksCli } from '../src/hooks-admin.js';

const run = promisify(execFile);

export const CLAUDE_BIN = fileURLToPath(
  new URL('../../../packages/hook-ingest/node_modules/.bin/claude', import.meta.url),
);
/** The CLI's own binary behind the package manager's shim (which would run it as a child, not exec it). */
const CLAUDE_EXE = fileURLToPath(
  new URL(
    '../../../packages/hook-ingest/node_modules/@anthropic-ai/claude-code/bin/claude.exe',
    import.meta.url,
  ),
);
export const API_KEY = 'sk-ant-test-dummy';

/** `flightdeck hooks install --cli claude` into the CLI config that `env` names; throws with its stderr on failure. */
export async function installClaudeHooks(
  env: Record<string, string>,
  dataDir: string,
  density: 'high' | 'medium' | 'low' = 'high',
): Promise<void> {
  let err = '';
  const code = await runHooksCli(['install', '--cli', 'claude', '--density', density], {
    stdout: { write: () => true } as unknown as NodeJS.WritableStream,
    stderr: {
      write: (s: string) => {
        err += s;
        return true;
      },
    } as unknown as NodeJS.WritableStream,
    env,
    dataDir,
  });
  if (code !== 0) throw new Error(`hooks install failed (${code}): ${err}`);
}

export interface ClaudeHome {
  home: string;
  configDir: string;
  project: string;
  dataDir: string;
  /** The environment `claude` runs with (no variable of the test's own environment but PATH). */
  env: Record<string, string>;
}

/**
 * Creates `<root>/{home,claude-config,project}`, writes the CLI's global config (onboarding done, project
 * trusted, API key approved) and installs Flightdeck's hooks for Claude Code into `dataDir`.
 */
export async function prepareClaudeHome(opts: {
  root: string;
  dataDir: string;
  apiUrl: string;
  /** Extra keys for `$CLAUDE_CONFIG_DIR/settings.json` (merged after the hooks install), e.g. permissions. */
  settings?: Record<string, unknown>;
  density?: 'high' | 'medium' | 'low';
}): Promise<ClaudeHome> {
  const home = join(opts.root, 'home');
  const configDir = join(opts.root, 'claude-config');
  const project = join(opts.root, 'project');
  for (const d of [home, configDir, project, opts.dataDir]) mkdirSync(d, { recursive: true });
  const global = {
    hasCompletedOnboarding: true,
    lastOnboardingVersion: '2.1.328',
    numStartups: 1,
    theme: 'dark',
    autoUpdates: false,
    hasSeenTasksHint: true,
    bypassPermissionsModeAccepted: false,
    customApiKeyResponses: { approved: [API_KEY.slice(-20)], rejected: [] },
    projects: {
      [project]: {
        allowedTools: [],
        hasTrustDialogAccepted: true,
        hasCompletedProjectOnboarding: true,
        projectOnboardingSeenCount: 1,
      },
    },
  };
  // With CLAUDE_CONFIG_DIR set, 2.1.328 reads and updates `$CLAUDE_CONFIG_DIR/.claude.json` and leaves
  // `$HOME/.claude.json` alone; the latter is written too for versions that look there.
  for (const f of [join(configDir, '.claude.json'), join(home, '.claude.json')]) {
    writeFileSync(f, `${JSON.stringify(global, null, 2)}\n`);
  }
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    CLAUDE_CONFIG_DIR: configDir,
    TERM: 'xterm-256color',
    LANG: 'C.UTF-8',
    ANTHROPIC_BASE_URL: opts.apiUrl,
    ANTHROPIC_API_KEY: API_KEY,
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    CLAUDE_CODE_DISABLE_TERMINAL_TITLE: '1',
  };
  await installClaudeHooks(env, opts.dataDir, opts.density ?? 'high');
  if (opts.settings) {
    const file = join(configDir, 'settings.json');
    const current = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as object) : {};
    writeFileSync(file, `${JSON.stringify({ ...current, ...opts.settings }, null, 2)}\n`);
  }
  return { home, configDir, project, dataDir: opts.dataDir, env };
}

let sockets = 0;

/** Quotes a string for `sh -c`. */
function shq(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

export interface TmuxClaude {
  socket: string;
  /** Sends tmux key names (`Escape`, `Enter`, `C-c`…). */
  keys(...names: string[]): Promise<void>;
  /** Types text literally (no Enter). */
  type(text: string): Promise<void>;
  /** Types a prompt, waits for it to show, and presses Enter. */
  submit(text: string): Promise<void>;
  /** The visible screen. */
  screen(): Promise<string>;
  /** Waits until the screen matches; returns the screen. Throws with the last screen on timeout. */
  waitForScreen(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
  /** The pid of `claude` (the pane's process), fixed at start. */
  pid: number;
  /** Kills the tmux server (SIGHUP to the pane's processes) and waits until they are gone. Idempotent. */
  stop(): Promise<void>;
}

/** Starts `claude <args>` in `home.project`, in a private tmux server; waits for the input prompt. */
export async function startClaudeInTmux(
  home: ClaudeHome,
  args: string[] = [],
  opts: { readyTimeoutMs?: number } = {},
): Promise<TmuxClaude> {
  const socket = `fd-claude-${process.pid}-${++sockets}`;
  const tmux = (...a: string[]) =>
    run('tmux', ['-L', socket, '-f', '/dev/null', ...a], { env: { ...home.env } });
  const envArgs = Object.entries(home.env).map(([k, v]) => `${k}=${shq(v)}`);
  // `exec env -i …` so that the pane's process is claude itself, with exactly the test's environment (plus the
  // pane's TMUX and TMUX_PANE, as in a user's tmux).
  const command = `cd ${shq(home.project)} && exec env -i TMUX="$TMUX" TMUX_PANE="$TMUX_PANE" ${envArgs.join(' ')} ${shq(existsSync(CLAUDE_EXE) ? CLAUDE_EXE : CLAUDE_BIN)} ${args.map(shq).join(' ')}`;
  await tmux('new-session', '-d', '-s', 'main', '-x', '200', '-y', '50', command);
  let stopped = false;
  const target = 'main:0.0';
  const screen = async () => {
    const { stdout } = await tmux('capture-pane', '-p', '-t', target);
    return stdout;
  };
  const waitForScreen = async (pattern: RegExp | string, timeoutMs = 30_000) => {
    const until = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < until) {
      try {
        last = await screen();
      } catch (e) {
        throw new Error(`tmux pane is gone while waiting for ${String(pattern)}: ${String(e)}\n${last}`);
      }
      if (typeof pattern === 'string' ? last.includes(pattern) : pattern.test(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`screen never showed ${String(pattern)} within ${timeoutMs} ms; last screen:\n${last}`);
  };
  const driver: TmuxClaude = {
    socket,
    keys: async (...names) => {
      await tmux('send-keys', '-t', target, ...names);
    },
    type: async (text) => {
      await tmux('send-keys', '-t', target, '-l', text);
    },
    submit: async (text) => {
      await tmux('send-keys', '-t', target, '-l', text);
      await waitForScreen(text.slice(0, 40), 10_000);
      await new Promise((r) => setTimeout(r, 150)); // settle: the input box takes the paste as typing
      await tmux('send-keys', '-t', target, 'Enter');
    },
    screen,
    waitForScreen,
    pid: 0,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      const tree = [driver.pid, ...descendantsOf(driver.pid)].filter((p) => p > 0);
      await tmux('kill-server').catch(() => undefined);
      const until = Date.now() + 10_000;
      while (tree.some(processAlive) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      for (const p of tree.filter(processAlive)) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
      // tmux leaves its socket file behind.
      const uid = process.getuid?.() ?? 0;
      rmSync(join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${uid}`, socket), { force: true });
    },
  };
  const { stdout } = await tmux('display-message', '-p', '-t', target, '#{pane_pid}');
  driver.pid = Number(stdout.trim());
  try {
    await waitForScreen(/\? for shortcuts|Try "|│ >|❯/, opts.readyTimeoutMs ?? 60_000);
  } catch (e) {
    await driver.stop();
    throw e;
  }
  return driver;
}

/** Whether process `pid` exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every process below `pid` (scanning /proc: tmux's pane process and whatever the CLI started). */
export function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const child = Number(name);
    if (!Number.isInteger(child)) continue;
    const stat = readProcStat(child);
    if (!stat) continue;
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), child]);
  }
  const out: number[] = [];
  const todo = [pid];
  while (todo.length > 0) {
    for (const c of children.get(todo.pop() as number) ?? []) {
      out.push(c);
      todo.push(c);
    }
  }
  return out;
}

/** The transcript file Claude Code writes for a session (`<config>/projects/<escaped cwd>/<id>.jsonl`). */
export function transcriptPathOf(home: ClaudeHome, sessionId: string): string {
  return join(home.configDir, 'projects', home.project.replace(/[^a-zA-Z0-9]/g, '-'), `${sessionId}.jsonl`);
}
