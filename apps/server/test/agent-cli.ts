/**
 * The real Codex and Gemini CLIs, non-interactive (`codex exec …`, `gemini -p …`), driven like Claude Code in
 * claude-print.ts: a throwaway HOME, Flightdeck's hooks installed by the real `flightdeck hooks install --cli …`
 * code path into a given data dir, the CLI pointed at a scripted fake of its model API on 127.0.0.1
 * (packages/hook-ingest/test/support/fake-openai.ts, fake-gemini.ts). No variable of the test's own environment
 * reaches the CLI but PATH.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Density, InstallCli } from '@flightdeck/hook-ingest';
import { runHooksCli } from '../src/hooks-admin.js';

const bin = (name: string) =>
  fileURLToPath(new URL(`../../../packages/hook-ingest/node_modules/.bin/${name}`, import.meta.url));
export const CODEX_BIN = bin('codex');
export const GEMINI_BIN = bin('gemini');
export const CODEX_VERSION = '0.171.0';
export const GEMINI_VERSION = '0.61.0';

/** `flightdeck hooks install --cli <cli>` into the CLI config that `env` names; throws with its stderr on failure. */
export async function installCliHooks(
  cli: InstallCli,
  env: Record<string, string>,
  dataDir: string,
  density: Density = 'high',
): Promise<void> {
  let err = '';
  const sink = { write: () => true } as unknown as NodeJS.WritableStream;
  const stderr = {
    write: (s: string) => {
      err += s;
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  const code = await runHooksCli(['install', '--cli', cli, '--density', density], {
    stdout: sink,
    stderr,
    env,
    dataDir,
  });
  if (code !== 0) throw new Error(`hooks install --cli ${cli} failed (${code}): ${err}`);
}

export interface AgentHome {
  root: string;
  home: string;
  project: string;
  dataDir: string;
  /** The environment the CLI runs with. */
  env: Record<string, string>;
}

function makeHome(root: string, dataDir: string, extra: Record<string, string>): AgentHome {
  const home = join(root, 'home');
  const project = join(root, 'project');
  for (const d of [home, project, dataDir]) mkdirSync(d, { recursive: true });
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', ...extra };
  return { root, home, project, dataDir, env };
}

export const CODEX_API_KEY_VAR = 'FLIGHTDECK_FAKE_OPENAI_KEY';

/**
 * `<root>/home/.codex/config.toml`: a custom model provider whose base URL is the fake Responses API (no retries,
 * streaming), no sandbox and no approval prompts (unless `approvals` is given), the project trusted; then
 * Flightdeck's hooks for Codex. Hooks need no feature flag: 0.171.0 has `[features] hooks` on by default.
 */
export async function prepareCodexHome(opts: {
  root: string;
  dataDir: string;
  apiUrl: string;
  /** 0.171.0 refuses `untrusted` ("no longer supported"). */
  approvals?: { policy: 'on-request'; sandbox: 'read-only' | 'workspace-write' };
  density?: Density;
}): Promise<AgentHome> {
  const codexHome = join(opts.root, 'home', '.codex');
  const h = makeHome(opts.root, opts.dataDir, {
    CODEX_HOME: codexHome,
    [CODEX_API_KEY_VAR]: 'sk-test-dummy',
  });
  mkdirSync(codexHome, { recursive: true });
  const policy = opts.approvals?.policy ?? 'never';
  const sandbox = opts.approvals?.sandbox ?? 'danger-full-access';
  writeFileSync(
    join(codexHome, 'config.toml'),
    [
      'model = "gpt-fake"',
      'model_provider = "fake"',
      `approval_policy = "${policy}"`,
      `sandbox_mode = "${sandbox}"`,
      'check_for_update_on_startup = false',
      '',
      '[model_providers.fake]',
      'name = "Flightdeck fake"',
      `base_url = ${JSON.stringify(opts.apiUrl)}`,
      'wire_api = "responses"',
      `env_key = "${CODEX_API_KEY_VAR}"`,
      'request_max_retries = 0',
      'stream_max_retries = 0',
      '',
      '[analytics]',
      'enabled = false',
      '',
      `[projects.${JSON.stringify(h.project)}]`,
      'trust_level = "trusted"',
      '',
    ].join('\n'),
  );
  await installCliHooks('codex', h.env, opts.dataDir, opts.density);
  return h;
}

export interface RunResult {
  code: number | null;
  out: string;
}

/** Runs `file args` in `cwd` with exactly `env`, to completion (killed after `timeoutMs`). */
export function runChild(
  file: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  timeoutMs = 90_000,
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const add = (c: Buffer) => {
      out += c.toString();
    };
    child.stdout.on('data', add);
    child.stderr.on('data', add);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** `codex exec <prompt>` (or `codex exec resume --last <prompt>` for a second turn of the same session). */
export function runCodexExec(
  h: AgentHome,
  prompt: string,
  opts: { resume?: boolean } = {},
): Promise<RunResult> {
  const args = [
    'exec',
    '--dangerously-bypass-hook-trust',
    ...(opts.resume ? ['resume', '--last'] : []),
    '--skip-git-repo-check',
    prompt,
  ];
  return runChild(CODEX_BIN, args, h.project, h.env);
}

/** The model the Gemini runs ask for (the fake answers any). */
export const GEMINI_MODEL = 'gemini-2.5-flash';

/**
 * `<root>/home/.gemini/settings.json`: no telemetry, no update checks, folder trust off, auth by API key
 * (`GEMINI_API_KEY`; left unset, `GOOGLE_GEMINI_BASE_URL` alone selects the `gateway` auth type, which 0.61.0's
 * non-interactive mode refuses as "Invalid auth method selected."); the key auth honours `GOOGLE_GEMINI_BASE_URL`,
 * which points the CLI at the fake. Then Flightdeck's hooks for Gemini CLI.
 */
export async function prepareGeminiHome(opts: {
  root: string;
  dataDir: string;
  apiUrl: string;
  density?: Density;
}): Promise<AgentHome> {
  const h = makeHome(opts.root, opts.dataDir, {
    GOOGLE_GEMINI_BASE_URL: opts.apiUrl,
    GEMINI_API_KEY: 'test-dummy-key',
    GEMINI_CLI_NO_RELAUNCH: 'true',
    NO_COLOR: '1',
  });
  const dir = join(h.home, '.gemini');
  mkdirSync(dir, { recursive: true });
  const settings = {
    general: { disableAutoUpdate: true, disableUpdateNag: true },
    privacy: { usageStatisticsEnabled: false },
    telemetry: { enabled: false },
    security: { folderTrust: { enabled: false }, auth: { selectedType: 'gemini-api-key' } },
  };
  writeFileSync(join(dir, 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
  await installCliHooks('gemini', h.env, opts.dataDir, opts.density);
  return h;
}

/** `gemini -p <prompt>` in yolo mode (shell commands run without asking); `resume` continues the latest session. */
export function runGeminiPrompt(
  h: AgentHome,
  prompt: string,
  opts: { resume?: boolean } = {},
): Promise<RunResult> {
  const args = [
    '-m',
    GEMINI_MODEL,
    '--approval-mode',
    'yolo',
    ...(opts.resume ? ['--resume', 'latest'] : []),
    '-p',
    prompt,
  ];
  return runChild(GEMINI_BIN, args, h.project, h.env);
}
