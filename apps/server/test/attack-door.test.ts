/**
 * DNS rebinding and cross-origin attacks over the real wire: a server on 127.0.0.1 port 0, requests with forged
 * Host and Origin headers through node:http and `ws`, on every kind of door: tRPC queries (GET) and mutations
 * (POST), hook events (POST /api/hooks) and WebSocket upgrades.
 */
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequestGuard, isLoopbackHostname } from '../src/auth.js';
import type { RunningServer } from '../src/server.js';
import { sessionStart, startTestServer } from './helpers.js';
import { expectErrorForm, rawRequest, wsUpgrade } from './wire.js';

/** Names a page of an attacker can be served from (or that are not plain loopback literals): all refused. */
const FORGED_HOSTS = [
  '127.attacker.example',
  '127.0.0.1.nip.io',
  '127.0.0.1.attacker.example',
  'localhost.attacker.example',
  'foo.localhost',
  'localhost.',
  '127.0.0.1.',
  '127.1',
  '127.0.1',
  '0x7f.0.0.1',
  '0x7f000001',
  '0177.0.0.1',
  '127.000.000.001',
  '2130706433',
  '127.0.0.256',
  '[::ffff:127.0.0.1]',
  '[::ffff:7f00:1]',
  '[0:0:0:0:0:0:0:1]',
  '[::1].attacker.example',
  'attacker.example',
  '0.0.0.0',
];

/** Loopback as a browser on this machine names it: all accepted. */
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', 'LOCALHOST', '[::1]', '127.0.0.2', '127.255.255.254'];

describe('the loopback notion is strict', () => {
  it('isLoopbackHostname: exact literals only', () => {
    for (const h of FORGED_HOSTS) expect(isLoopbackHostname(h), h).toBe(false);
    for (const h of [...LOOPBACK_HOSTS, '::1', '127.0.0.1:3333', '[::1]:3333', 'localhost:1']) {
      expect(isLoopbackHostname(h), h).toBe(true);
    }
    // A port that is not a port makes the whole header malformed.
    for (const h of ['127.0.0.1:', '127.0.0.1:x', '127.0.0.1:80:81', '127.0.0.1@evil', '127.0.0.1/x'])
      expect(isLoopbackHostname(h), h).toBe(false);
  });

  it('configured names and the bind host are accepted; loopback origins only with the same strict notion', () => {
    const guard = createRequestGuard({
      bindHost: '192.168.7.7',
      allowedHosts: ['box.local', 'Tablet.Home:8080'],
      allowedOrigins: ['https://dash.example'],
    });
    for (const host of ['192.168.7.7:3333', 'box.local', 'box.local:3333', 'tablet.home:3333'])
      expect(guard.check({ host }), host).toBeNull();
    for (const host of ['192.168.7.8:3333', 'evil.box.local', 'box.local.evil.example'])
      expect(guard.check({ host }), host).toMatch(/^Host header not allowed/);
    const host = '127.0.0.1:3333';
    expect(guard.check({ host, origin: 'http://127.0.0.1:3333' })).toBeNull();
    expect(guard.check({ host, origin: 'http://localhost:5173' })).toBeNull();
    expect(guard.check({ host, origin: 'https://dash.example' })).toBeNull();
    expect(guard.check({ host: 'box.local:3333', origin: 'http://box.local:3333' })).toBeNull();
    for (const origin of [
      'http://127.attacker.example:3333',
      'http://127.0.0.1.nip.io:3333',
      'http://foo.localhost:3333',
      'http://evil.example',
      'http://127.0.0.1:3333/path',
      'http://user@127.0.0.1:3333',
      'file://',
      'null',
    ]) {
      expect(guard.check({ host, origin }), origin).toMatch(/^Origin not allowed/);
    }
  });

  it("bound to a wildcard address: this machine's interface addresses are accepted, other addresses are not", () => {
    const guard = createRequestGuard({ bindHost: '0.0.0.0', allowedHosts: [], allowedOrigins: [] });
    const own = Object.values(networkInterfaces())
      .flatMap((list) => list ?? [])
      .map((a) => (a.family === 'IPv6' ? `[${a.address}]` : a.address));
    expect(own.length).toBeGreaterThan(0);
    for (const address of own) expect(guard.check({ host: `${address}:3333` }), address).toBeNull();
    for (const host of ['0.0.0.0:3333', '203.0.113.9:3333', '127.attacker.example:3333'])
      expect(guard.check({ host }), host).toMatch(/^Host header not allowed/);
  });
});

describe('DNS rebinding and cross-origin requests over the wire', () => {
  let server: RunningServer;
  let port: number;
  beforeAll(async () => {
    server = await startTestServer();
    port = server.port as number;
  });
  afterAll(async () => {
    await server.close();
  });

  const queryAs = (headers: Record<string, string>) =>
    rawRequest(port, { path: '/trpc/sessions.list', headers });
  const mutateAs = (headers: Record<string, string>, sessionId: string) =>
    rawRequest(port, {
      method: 'POST',
      path: '/trpc/sessions.setTitle',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ sessionId, title: 'owned' }),
    });
  const hookAs = (headers: Record<string, string>, sessionId: string) =>
    rawRequest(port, {
      method: 'POST',
      path: '/api/hooks',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(sessionStart(sessionId)),
    });
  const wsAs = (headers: Record<string, string>) => wsUpgrade(`ws://127.0.0.1:${port}/trpc`, headers);

  it('a forged Host is refused with 403 on queries, mutations, hook events and WebSocket upgrades', async () => {
    await server.runtime.ingest(sessionStart('victim'), 'victim-1');
    for (const name of FORGED_HOSTS) {
      for (const host of [`${name}:${port}`, name]) {
        const headers = { host };
        const q = await queryAs(headers);
        expect(q.status, `GET ${host}`).toBe(403);
        expectErrorForm(403, q.body, /^Host header not allowed/);
        const m = await mutateAs(headers, 'victim');
        expect(m.status, `mutation ${host}`).toBe(403);
        const h = await hookAs(headers, `rebound-${name}`);
        expect(h.status, `hook ${host}`).toBe(403);
        expectErrorForm(403, h.body, /^Host header not allowed/);
        const ws = await wsAs(headers);
        expect(ws, `ws ${host}`).toMatchObject({ opened: false, status: 403 });
        expectErrorForm(403, ws.body, /^Host header not allowed/);
      }
    }
    // Nothing got in: no title changed, no session created.
    expect(server.runtime.getSession('victim')?.title).not.toBe('owned');
    expect(server.runtime.listSessions().map((s) => s.sessionId)).toEqual(['victim']);
  }, 60_000);

  it('loopback literals and localhost pass, on every door', async () => {
    for (const name of LOOPBACK_HOSTS) {
      const headers = { host: `${name}:${port}` };
      expect((await queryAs(headers)).status, name).toBe(200);
      expect((await mutateAs(headers, 'victim')).status, name).toBe(200);
      expect((await hookAs(headers, `local-${name}`)).status, name).toBe(202);
      expect((await wsAs(headers)).opened, name).toBe(true);
    }
    expect(server.runtime.getSession('local-127.0.0.1')).toBeDefined();
  });

  it('a page on another origin cannot post events, call mutations or open the WebSocket', async () => {
    const host = `127.0.0.1:${port}`;
    const hostile = [
      'http://evil.example',
      `http://127.attacker.example:${port}`,
      `http://127.0.0.1.nip.io:${port}`,
      `http://foo.localhost:${port}`,
      'null',
    ];
    for (const origin of hostile) {
      const headers = { host, origin };
      const m = await mutateAs(headers, 'victim');
      expect(m.status, origin).toBe(403);
      expectErrorForm(403, m.body, /^Origin not allowed/);
      const h = await hookAs(headers, 'cross-origin');
      expect(h.status, origin).toBe(403);
      expectErrorForm(403, h.body, /^Origin not allowed/);
      expect((await queryAs(headers)).status, origin).toBe(403);
      const ws = await wsAs(headers);
      expect(ws, origin).toMatchObject({ opened: false, status: 403 });
    }
    expect(server.runtime.getSession('cross-origin')).toBeUndefined();
    // The server's own origin and a local dev server's are fine.
    for (const origin of [`http://127.0.0.1:${port}`, 'http://localhost:5173', 'http://[::1]:5173']) {
      expect((await mutateAs({ host, origin }, 'victim')).status, origin).toBe(200);
      expect((await wsAs({ host, origin })).opened, origin).toBe(true);
    }
  });
});
