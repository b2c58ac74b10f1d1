/**
 * End-to-end harness: a real Flightdeck server (the CLI as a child process, own data dir and port), real hook
 * events over HTTP, and real headless Chromium driven by playwright-core. Never downloads a browser.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const webRoot = resolve(here, '..');
export const repoRoot = resolve(webRoot, '../..');
export const outputDir = join(webRoot, 'test-output');

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
];

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

/** Builds the web app once (dist/) unless it is already newer than the sources. */
export function ensureWebBuild(): void {
  if (process.env.FLIGHTDECK_SKIP_WEB_BUILD === '1' && existsSync(join(webRoot, 'dist/index.html'))) return;
  execFileSync(
    process.execPath,
    [join(webRoot, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'],
    {
      cwd: webRoot,
      stdio: 'inherit',
    },
  );
}

export interface TestServer {
  url: string;
  port: number;
  dataDir: string;
  readonly proc: ChildProcess;
  /**
   * POST a raw Claude hook payload to /api/hooks?cli=claude; with `meta` (the enrichment the hook script adds:
   * pid, tty, …), as a hook envelope `{cli, payload, meta}` to /api/hooks.
   */
  hook(payload: Record<string, unknown>, meta?: Record<string, unknown>): Promise<void>;
  trpc<T>(path: string, input?: unknown, opts?: { method?: 'GET' | 'POST'; cookie?: string }): Promise<T>;
  /** Stops the server process but keeps its data directory. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and data directory. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function spawnServer(port: number, dataDir: string): Promise<{ proc: ChildProcess; url: string }> {
  const bin = join(repoRoot, 'apps/server/bin/flightdeck.mjs');
  const proc = spawn(
    process.execPath,
    [bin, 'start', '--port', String(port), '--data-dir', dataDir, '--no-open'],
    {
      env: { ...process.env, HOME: dataDir, FLIGHTDECK_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let log = '';
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`server did not start in 30 s:\n${log}`)), 30_000);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      const m = /FLIGHTDECK_READY (\S+)/.exec(log);
      if (m?.[1]) {
        clearTimeout(timer);
        proc.stdout?.off('data', onData);
        proc.stdout?.resume();
        proc.stderr?.resume();
        res({ proc, url: m[1] });
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', (c: Buffer) => {
      log += c.toString();
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`server exited with ${code}:\n${log}`));
    });
  });
}

async function killProc(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.kill('SIGTERM');
  const t = setTimeout(() => proc.kill('SIGKILL'), 6000);
  await exited;
  clearTimeout(t);
}

export async function startServer(): Promise<TestServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'flightdeck-e2e-'));
  let { proc, url } = await spawnServer(port, dataDir);

  const server: TestServer = {
    url,
    port,
    dataDir,
    get proc() {
      return proc;
    },
    async hook(payload, meta) {
      // With a password set, HTTP hook senders need the hook token (made by the server in the data dir).
      const token = existsSync(join(dataDir, 'hook-token'))
        ? readFileSync(join(dataDir, 'hook-token'), 'utf8').trim()
        : null;
      const r = await fetch(meta ? `${url}/api/hooks` : `${url}/api/hooks?cli=claude`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(
          meta ? { cli: 'claude', payload, meta: { sentAt: Date.now(), ...meta } } : payload,
        ),
      });
      if (!r.ok) throw new Error(`POST /api/hooks → ${r.status}: ${await r.text()}`);
    },
    async trpc<T>(path: string, input?: unknown, o: { method?: 'GET' | 'POST'; cookie?: string } = {}) {
      const method = o.method ?? 'GET';
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (o.cookie) headers.cookie = o.cookie;
      const target =
        method === 'GET'
          ? `${url}/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`
          : `${url}/trpc/${path}`;
      const r = await fetch(target, {
        method,
        headers,
        body: method === 'POST' ? JSON.stringify(input ?? {}) : undefined,
      });
      const body = (await r.json()) as { result?: { data: T }; error?: unknown };
      if (!r.ok || !body.result) throw new Error(`${path} → ${r.status}: ${JSON.stringify(body.error)}`);
      return body.result.data;
    },
    async kill() {
      await killProc(proc);
    },
    async restart() {
      await killProc(proc);
      ({ proc, url } = await spawnServer(port, dataDir));
    },
    async stop() {
      await killProc(proc);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}

export function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}; run node scripts/ensure-chromium.mjs`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** Claude Code hook payloads, shaped like the real ones (fixtures/hook-samples.jsonl). */
export const claude = {
  sessionStart: (
    sessionId: string,
    cwd: string,
    model = 'claude-sonnet-4-6',
    source: 'startup' | 'resume' | 'clear' | 'compact' = 'startup',
  ) => ({
    session_id: sessionId,
    transcript_path: join(tmpdir(), `${sessionId}.jsonl`),
    cwd,
    hook_event_name: 'SessionStart',
    source,
    model,
  }),
  prompt: (sessionId: string, cwd: string, prompt: string) => ({
    session_id: sessionId,
    cwd,
    permission_mode: 'default',
    hook_event_name: 'UserPromptSubmit',
    prompt,
  }),
  preTool: (
    sessionId: string,
    cwd: string,
    tool: string,
    input: Record<string, unknown>,
    toolUseId: string,
  ) => ({
    session_id: sessionId,
    cwd,
    permission_mode: 'default',
    hook_event_name: 'PreToolUse',
    tool_name: tool,
    tool_input: input,
    tool_use_id: toolUseId,
  }),
  postTool: (
    sessionId: string,
    cwd: string,
    tool: string,
    input: Record<string, unknown>,
    toolUseId: string,
    response: unknown,
  ) => ({
    session_id: sessionId,
    cwd,
    permission_mode: 'default',
    hook_event_name: 'PostToolUse',
    tool_name: tool,
    tool_input: input,
    tool_response: response,
    tool_use_id: toolUseId,
    duration_ms: 42,
  }),
  permission: (sessionId: string, cwd: string, tool: string, input: Record<string, unknown>) => ({
    session_id: sessionId,
    cwd,
    permission_mode: 'default',
    hook_event_name: 'PermissionRequest',
    tool_name: tool,
    tool_input: input,
    permission_suggestions: [],
  }),
  sessionEnd: (sessionId: string, cwd: string, reason: string) => ({
    session_id: sessionId,
    cwd,
    hook_event_name: 'SessionEnd',
    reason,
  }),
  stop: (sessionId: string, cwd: string, message: string) => ({
    session_id: sessionId,
    cwd,
    permission_mode: 'default',
    hook_event_name: 'Stop',
    stop_hook_active: false,
    last_assistant_message: message,
  }),
};
