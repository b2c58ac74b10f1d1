/**
 * The real `flightdeck` command as a child process, for tests that use it as a user would: a throwaway HOME (so
 * neither the real ~/.claude nor ~/.npmrc is involved), no FLIGHTDECK_DATA_DIR/PORT from the test's environment.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../bin/flightdeck.mjs', import.meta.url));

/** Environment of a user whose home is `home` (`flightdeck start` builds nothing: FLIGHTDECK_NO_BUILD). */
export function userEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, FLIGHTDECK_NO_BUILD: '1', ...extra };
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `flightdeck <args>` to completion. */
export function runFlightdeck(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `flightdeck start … --no-open` until it prints FLIGHTDECK_READY. */
export function startFlightdeck(
  args: string[],
  env: NodeJS.ProcessEnv,
  children: ChildProcess[],
): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [BIN, 'start', '--no-open', ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 60_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /FLIGHTDECK_READY (\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve({ child, url: m[1], output: () => out });
      }
    });
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
}

/** Stops a child started by `startFlightdeck` and waits for it. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** The hook command Claude Code would run for `event`, as registered in `<home>/.claude/settings.json`. */
export function registeredHookCommand(home: string, event = 'UserPromptSubmit'): string {
  const settings = JSON.parse(readFileSync(join(home, '.claude', 'settings.json'), 'utf8')) as {
    hooks: Record<string, Array<{ hooks: Array<{ command: string }> }>>;
  };
  const command = settings.hooks[event]?.[0]?.hooks[0]?.command;
  if (!command) throw new Error(`no hook registered for ${event}`);
  return command;
}

/** Runs a registered hook command the way Claude Code does (`sh -c <command>`, payload on stdin). */
export function fireHook(
  command: string,
  payload: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], { env, stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('close', (code) => resolve(code));
    child.stdin.end(JSON.stringify(payload));
  });
}

/** A tRPC query over HTTP (no transformer): its `result.data`. */
export async function trpcQuery<T>(url: string, path: string, input?: unknown): Promise<T> {
  const q = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  const res = await fetch(`${url}/trpc/${path}${q}`);
  const body = (await res.json()) as { result?: { data: T }; error?: unknown };
  if (!res.ok || !body.result) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body.result.data;
}

/** A tRPC mutation over HTTP: its `result.data`. */
export async function trpcMutation<T>(url: string, path: string, input: unknown): Promise<T> {
  const res = await fetch(`${url}/trpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { result?: { data: T }; error?: unknown };
  if (!res.ok || !body.result) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body.result.data;
}
