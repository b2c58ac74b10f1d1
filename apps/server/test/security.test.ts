/**
 * Auth on every procedure, over the real wire: HTTP for queries and mutations, WebSocket for subscriptions;
 * Origin and Host checks on HTTP and on WebSocket upgrades.
 */

import { createTRPCClient, createWSClient, httpBatchLink, splitLink, wsLink } from '@trpc/client';
import type { AnyTRPCProcedure } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type AppRouter, appRouter, PUBLIC_PROCEDURES } from '../src/router/index.js';
import type { RunningServer } from '../src/server.js';
import { createCallerFactory } from '../src/trpc.js';
import { sessionStart, startTestServer } from './helpers.js';

const PASSWORD = 'open sesame';

function allProcedures(): Array<{ path: string; type: 'query' | 'mutation' | 'subscription' }> {
  const record = appRouter._def.procedures as unknown as Record<string, AnyTRPCProcedure>;
  return Object.entries(record).map(([path, proc]) => ({ path, type: proc._def.type }));
}

function wsOpen(
  url: string,
  headers: Record<string, string>,
): Promise<{ opened: boolean; status: number | null }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve({ opened: true, status: 101 });
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve({ opened: false, status: res.statusCode ?? null });
      ws.terminate();
    });
    ws.on('error', () => resolve({ opened: false, status: null }));
  });
}

describe('security over the wire (password set)', () => {
  let server: RunningServer;
  let base: string;
  let wsBase: string;
  beforeAll(async () => {
    server = await startTestServer({ password: PASSWORD });
    base = server.url as string;
    wsBase = `${base.replace('http', 'ws')}/trpc`;
    await server.runtime.ingest(sessionStart('sec-1'), 'sec-id-1');
  });
  afterAll(async () => {
    await server.close();
  });

  it('the router has the expected namespaces and the public list is exactly auth.status and auth.login', () => {
    const paths = allProcedures().map((p) => p.path);
    expect(paths.length).toBeGreaterThan(35);
    for (const ns of [
      'sessions',
      'history',
      'notes',
      'analytics',
      'hooks',
      'teams',
      'auth',
      'system',
      'terminals',
    ]) {
      expect(paths.some((p) => p.startsWith(`${ns}.`))).toBe(true);
    }
    expect([...PUBLIC_PROCEDURES].sort()).toEqual(['auth.login', 'auth.status']);
  });

  it('every procedure except the public ones refuses a caller without a token (createCaller)', async () => {
    const caller = createCallerFactory(appRouter)({
      services: server.services,
      token: null,
      ip: '127.0.0.1',
      setHeader: null,
      bufferedAmount: () => 0,
    });
    let checked = 0;
    for (const { path } of allProcedures()) {
      if ((PUBLIC_PROCEDURES as readonly string[]).includes(path)) continue;
      const fn = path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], caller) as (
        input?: unknown,
      ) => Promise<unknown>;
      await expect(fn({}), path).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      checked += 1;
    }
    expect(checked).toBe(allProcedures().length - PUBLIC_PROCEDURES.length);
  });

  it('every query and mutation answers 401 over HTTP without a token; public ones work', async () => {
    for (const { path, type } of allProcedures()) {
      if (type === 'subscription') continue;
      const res =
        type === 'query'
          ? await fetch(`${base}/trpc/${path}?input=${encodeURIComponent('{}')}`)
          : await fetch(`${base}/trpc/${path}`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: '{}',
            });
      if ((PUBLIC_PROCEDURES as readonly string[]).includes(path)) {
        expect(res.status, path).not.toBe(401);
      } else {
        expect(res.status, path).toBe(401);
      }
    }
  });

  it('login sets an HttpOnly SameSite=Strict cookie; cookie and bearer both authenticate HTTP', async () => {
    const res = await fetch(`${base}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password: PASSWORD }),
    });
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^auth_token=[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=\//);
    const token = ((await res.json()) as { result: { data: { token: string } } }).result.data.token;
    const viaCookie = await fetch(`${base}/trpc/sessions.list`, {
      headers: { cookie: `auth_token=${token}` },
    });
    expect(viaCookie.status).toBe(200);
    const viaBearer = await fetch(`${base}/trpc/sessions.list`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(viaBearer.status).toBe(200);
    // a token in the URL is never accepted
    const viaUrl = await fetch(`${base}/trpc/sessions.list?token=${token}`);
    expect(viaUrl.status).toBe(401);
  });

  it('WebSocket: refused at upgrade without credentials; accepted with cookie/bearer; connectionParams checked', async () => {
    expect(await wsOpen(wsBase, {})).toEqual({ opened: false, status: 401 });
    const login = await createCallerFactory(appRouter)({
      services: server.services,
      token: null,
      ip: '10.9.9.9',
      setHeader: null,
      bufferedAmount: () => 0,
    }).auth.login({ password: PASSWORD });
    const token = login.token as string;
    expect((await wsOpen(wsBase, { cookie: `auth_token=${token}` })).opened).toBe(true);
    expect((await wsOpen(wsBase, { authorization: `Bearer ${token}` })).opened).toBe(true);
    expect(await wsOpen(`${wsBase}?token=${token}`, {})).toEqual({ opened: false, status: 401 });

    // Every subscription refuses a socket whose connectionParams carry a bad token, and works with a good one.
    const subs = allProcedures().filter((p) => p.type === 'subscription');
    expect(subs.map((s) => s.path).sort()).toEqual([
      'alerts.live',
      'approvals.live',
      'hooks.statsLive',
      'import.progress',
      'sessions.live',
      'sessions.liveSummary',
      'terminals.output',
    ]);
    // terminals.output has data (its hello) once a terminal exists
    const term = await server.services.terminals?.create({
      kind: 'local',
      command: 'cat',
      cols: 80,
      rows: 24,
    });
    for (const good of [false, true]) {
      const wsClient = createWSClient({
        url: wsBase,
        WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
        connectionParams: { token: good ? token : 'f'.repeat(64) },
        retryDelayMs: () => 60_000,
      });
      const client = createTRPCClient<AppRouter>({
        links: [
          splitLink({
            condition: () => true,
            true: wsLink({ client: wsClient }),
            false: httpBatchLink({ url: '' }),
          }),
        ],
      });
      for (const sub of subs) {
        const outcome = await new Promise<string>((resolve) => {
          const callbacks = {
            onData: () => {
              handle.unsubscribe();
              resolve('data');
            },
            onError: (err: { message: string }) => {
              handle.unsubscribe();
              resolve(`error:${err.message}`);
            },
          };
          // alerts.live has data once an alert is sent: a test alert, once the subscription started
          const alertOnStart = {
            ...callbacks,
            onStarted: () => void server.services.alerts?.test({ channels: ['in-app'] }),
          };
          const handle =
            sub.path === 'approvals.live'
              ? client.approvals.live.subscribe(undefined, callbacks)
              : sub.path === 'sessions.live'
                ? client.sessions.live.subscribe(undefined, callbacks)
                : sub.path === 'sessions.liveSummary'
                  ? client.sessions.liveSummary.subscribe(undefined, callbacks)
                  : sub.path === 'alerts.live'
                    ? client.alerts.live.subscribe(undefined, alertOnStart)
                    : sub.path === 'terminals.output'
                      ? client.terminals.output.subscribe({ id: term?.id ?? 'term-none' }, callbacks)
                      : sub.path === 'import.progress'
                        ? client.import.progress.subscribe(undefined, callbacks)
                        : client.hooks.statsLive.subscribe(undefined, callbacks);
          setTimeout(
            () => {
              handle.unsubscribe();
              resolve('timeout');
            },
            good ? 10_000 : 1500,
          );
        });
        if (good) expect(outcome, sub.path).toBe('data');
        else expect(outcome, sub.path).not.toBe('data');
      }
      await wsClient.close();
    }
  }, 60_000);

  it('login is rate limited per IP (5 per minute)', async () => {
    const caller = createCallerFactory(appRouter)({
      services: server.services,
      token: null,
      ip: '10.1.2.3',
      setHeader: null,
      bufferedAmount: () => 0,
    });
    for (let i = 0; i < 5; i++) {
      await expect(caller.auth.login({ password: 'wrong' })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    }
    await expect(caller.auth.login({ password: PASSWORD })).rejects.toMatchObject({
      code: 'TOO_MANY_REQUESTS',
    });
  });
});

describe('Origin and Host checks (no password)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('cross-origin HTTP requests and WebSocket upgrades are refused with 403', async () => {
    const base = server.url as string;
    const wsUrl = `${base.replace('http', 'ws')}/trpc`;
    const evil = await fetch(`${base}/trpc/sessions.list`, { headers: { origin: 'http://evil.example' } });
    expect(evil.status).toBe(403);
    const evilHook = await fetch(`${base}/api/hooks`, {
      method: 'POST',
      headers: { origin: 'http://evil.example', 'content-type': 'application/json' },
      body: JSON.stringify(sessionStart('evil')),
    });
    expect(evilHook.status).toBe(403);
    expect(await wsOpen(wsUrl, { origin: 'http://evil.example' })).toEqual({ opened: false, status: 403 });
    // same origin is fine
    expect((await wsOpen(wsUrl, { origin: base })).opened).toBe(true);
    const same = await fetch(`${base}/trpc/sessions.list`, { headers: { origin: base } });
    expect(same.status).toBe(200);
  });

  it('a Host header that is not loopback or configured is refused (DNS rebinding), for HTTP and WebSocket', async () => {
    const { port } = server;
    const http = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path: '/trpc/sessions.list',
          headers: { host: `attacker.example:${port}` },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
    const ws = await wsOpen(`ws://127.0.0.1:${port}/trpc`, { host: `attacker.example:${port}` });
    expect(ws).toEqual({ opened: false, status: 403 });
  });
});
