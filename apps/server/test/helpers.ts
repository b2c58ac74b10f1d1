import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HookEnvelope, HostMetrics } from '@flightdeck/shared-types';
import { createTRPCClient, createWSClient, httpBatchLink, splitLink, wsLink } from '@trpc/client';
import WebSocket from 'ws';
import { hashPassword } from '../src/auth.js';
import { type ConfigFileInput, configFileSchema } from '../src/config.js';
import { type AppRouter, appRouter } from '../src/router/index.js';
import { type RunningServer, type StartOptions, startServer } from '../src/server.js';
import { createCallerFactory } from '../src/trpc.js';

export function tmpDir(prefix = 'fd-server-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What `startServer` takes as is; the rest is built here. */
type PassedThrough =
  | 'live'
  | 'authClock'
  | 'processes'
  | 'timeouts'
  | 'wsLimits'
  | 'transcripts'
  | 'alerts'
  | 'clock'
  | 'retentionIntervalMs'
  | 'logger'
  | 'ssh'
  | 'cluster';

export interface TestServerOptions extends Pick<StartOptions, PassedThrough> {
  dataDir?: string | null;
  password?: string;
  file?: Partial<ConfigFileInput>;
  listen?: boolean;
  /** The delivery check; off unless given (it would look at the real home directory). */
  delivery?: StartOptions['delivery'];
}

/** A real server on 127.0.0.1, port 0; in-memory DB unless `dataDir` is given. */
/** The SQLite connection of a server running on SQLite (tests that read its rows directly). */
export function sqliteOf(server: RunningServer) {
  if (server.database.dialect !== 'sqlite') throw new Error('this server does not run on SQLite');
  return server.database.sqlite;
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<RunningServer> {
  const { dataDir, password, file: fileOptions, listen, delivery, ...passedThrough } = opts;
  const file = configFileSchema.parse({
    hookRateLimitPerSecond: 100_000,
    ...fileOptions,
    ...(password ? { passwordHash: await hashPassword(password) } : {}),
  });
  return startServer({
    config: {
      port: 0,
      host: '127.0.0.1',
      debug: false,
      dataDir: dataDir ?? null,
      configPath: dataDir ? join(dataDir, 'config.json') : null,
      file,
    },
    logger: false,
    webDist: null,
    listen: listen ?? true,
    spoolPollMs: 50,
    delivery: delivery ?? false,
    ...passedThrough,
  });
}

let counter = 0;

export function claudeEvent(
  sessionId: string,
  event: string,
  extra: Record<string, unknown> = {},
  meta: HookEnvelope['meta'] = {},
): HookEnvelope {
  counter += 1;
  return {
    cli: 'claude',
    payload: {
      session_id: sessionId,
      transcript_path: `/tmp/${sessionId}.jsonl`,
      cwd: '/home/dev/project-x',
      hook_event_name: event,
      ...extra,
    },
    meta: { sentAt: Date.now(), ...meta },
  };
}

export function sessionStart(sessionId: string, meta: HookEnvelope['meta'] = {}): HookEnvelope {
  return claudeEvent(sessionId, 'SessionStart', { source: 'startup', model: 'claude-sonnet-4-6' }, meta);
}

export function prompt(sessionId: string, text: string, meta: HookEnvelope['meta'] = {}): HookEnvelope {
  return claudeEvent(sessionId, 'UserPromptSubmit', { prompt: text, prompt_id: `p-${counter}` }, meta);
}

export async function postHook(
  baseUrl: string,
  envelope: HookEnvelope,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${baseUrl}/api/hooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(envelope),
  });
  return { status: res.status, body: (await res.json()) as unknown };
}

export async function waitFor<T>(
  fn: () => T | Promise<T>,
  timeoutMs = 5000,
  stepMs = 20,
): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < until) {
    last = await fn();
    if (last) return last as NonNullable<T>;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(`waitFor timed out; last value: ${JSON.stringify(last)}`);
}

/** A tRPC client of a listening server: subscriptions over a WebSocket, the rest over HTTP; `close` ends the socket. */
export function trpcClient(serverUrl: string) {
  const wsClient = createWSClient({
    url: `${serverUrl.replace('http', 'ws')}/trpc`,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
  });
  const client = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: wsLink({ client: wsClient }),
        false: httpBatchLink({ url: `${serverUrl}/trpc` }),
      }),
    ],
  });
  return { client, close: () => wsClient.close() };
}

/** The router called in-process (no transport) as a dashboard client on 127.0.0.1 with `token`. */
export function caller(server: RunningServer, token: string | null = null) {
  return createCallerFactory(appRouter)({
    services: server.services,
    token,
    ip: '127.0.0.1',
    setHeader: null,
    bufferedAmount: () => 0,
  });
}

/** A host's metrics as a forwarder reports them: fixed figures but the CPU use, taken at `at`. */
export function hostMetrics(cpuPercent: number, at: number, cpuCount = 4): HostMetrics {
  return {
    at,
    cpuPercent,
    cpuCount,
    memory: { used: 1_000, total: 4_000 },
    swap: { used: 0, total: 2_000 },
    disk: { used: 10_000, total: 50_000 },
    load: [0.5, 0.25, 0.1],
  };
}
