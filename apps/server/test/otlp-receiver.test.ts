/**
 * The OTLP receiver on a real server (127.0.0.1, port 0, real SQLite file where it matters): the recorded Claude
 * Code exports (http/json and http/protobuf) are posted to /v1/logs and /v1/metrics, and the session's cost is
 * found through `sessions.get`; sent again they double nothing; a restart keeps them. Refusals: content type,
 * encoding, size (wire and inflated), malformed bodies, the hook token once a password is set, Host/Origin.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { OtlpApiRequest } from '@flightdeck/shared-types';
import protobuf from 'protobufjs';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeOtlpLogs, OTLP_MAX_BYTES } from '../src/otlp/decode.js';
import type { RunningServer } from '../src/server.js';
import { caller, postHook, sessionStart, startTestServer, tmpDir } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../../fixtures/otlp/claude-code-2.1.328/', import.meta.url));
const JSON_TYPE = 'application/json';
const PROTO_TYPE = 'application/x-protobuf';
type Encoding = 'http-json' | 'http-protobuf';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function recording(dir: Encoding) {
  const [ext, contentType] = dir === 'http-json' ? ['json', JSON_TYPE] : ['pb', PROTO_TYPE];
  const logs = readFileSync(`${ROOT}${dir}/01-logs.${ext}`);
  const metrics = readFileSync(`${ROOT}${dir}/02-metrics.${ext}`);
  const decoded = decodeOtlpLogs({ contentType, body: logs });
  if (!decoded.ok) throw new Error(decoded.error);
  const calls = decoded.records.filter((r): r is OtlpApiRequest => r.kind === 'api-request');
  const sessionId = calls[0]?.sessionId as string;
  const sum = (f: (c: OtlpApiRequest) => number | null) => calls.reduce((s, c) => s + (f(c) ?? 0), 0);
  return {
    contentType,
    logs,
    metrics,
    sessionId,
    requests: calls.length,
    costUsd: sum((c) => c.costUsd),
    inputTokens: sum((c) => c.inputTokens),
    outputTokens: sum((c) => c.outputTokens),
  };
}

async function server(opts: Parameters<typeof startTestServer>[0] = {}): Promise<RunningServer> {
  const s = await startTestServer(opts);
  cleanups.push(() => s.close());
  return s;
}

async function post(
  s: RunningServer,
  path: string,
  body: Buffer | string,
  headers: Record<string, string>,
): Promise<{ status: number; type: string | null; body: Buffer }> {
  const res = await fetch(`${s.url}${path}`, { method: 'POST', headers, body });
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    body: Buffer.from(await res.arrayBuffer()),
  };
}

const text = (r: { body: Buffer }) => r.body.toString('utf8');

describe('OTLP receiver: recorded Claude Code exports reach the session', () => {
  for (const dir of ['http-json', 'http-protobuf'] as const) {
    it(`${dir}: the cost and tokens are on the session (sessions.get), once, and survive a restart`, async () => {
      const rec = recording(dir);
      expect(rec.requests).toBe(2);
      expect(rec.costUsd).toBeGreaterThan(0);
      const t = tmpDir('fd-otlp-');
      cleanups.push(t.remove);
      const dataDir = join(t.dir, 'data');
      const first = await startTestServer({ dataDir });
      let closed = false;
      cleanups.push(() => (closed ? undefined : first.close()));
      expect((await postHook(first.url as string, sessionStart(rec.sessionId))).status).toBe(202);

      const headers = { 'content-type': rec.contentType };
      const logs = await post(first, '/v1/logs', rec.logs, headers);
      expect(logs.status).toBe(200);
      expect(logs.type).toContain(rec.contentType);
      // an empty export response: `{}` in JSON, no bytes in protobuf
      expect(text(logs)).toBe(dir === 'http-json' ? '{}' : '');
      expect((await post(first, '/v1/metrics', rec.metrics, headers)).status).toBe(200);

      const expected = {
        inputTokens: rec.inputTokens,
        outputTokens: rec.outputTokens,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        costUsd: expect.closeTo(rec.costUsd, 12),
        requests: 2,
      };
      const s1 = await caller(first).sessions.get({ sessionId: rec.sessionId });
      expect(s1.usage.otel).toEqual(expected);
      // no transcript was read: OpenTelemetry's totals are the ones used
      expect(s1.usage).toMatchObject({
        source: 'otel',
        costUsd: expect.closeTo(rec.costUsd, 12),
        inputTokens: rec.inputTokens,
      });

      // the exporter sends the same batch again (a retry): nothing doubles; gzip is taken too
      const again = await post(first, '/v1/logs', gzipSync(rec.logs), {
        ...headers,
        'content-encoding': 'gzip',
      });
      expect(again.status).toBe(200);
      expect((await caller(first).sessions.get({ sessionId: rec.sessionId })).usage.otel).toEqual(expected);

      await first.close();
      closed = true;
      const second = await server({ dataDir });
      const s2 = await caller(second).sessions.get({ sessionId: rec.sessionId });
      expect(s2.usage.otel).toEqual(expected);
      expect(s2.usage.source).toBe('otel');
      // and what it counted before the restart is still counted once
      expect((await post(second, '/v1/logs', rec.logs, headers)).status).toBe(200);
      expect((await caller(second).sessions.get({ sessionId: rec.sessionId })).usage.otel).toEqual(expected);
    });
  }

  it('records of a session Flightdeck does not know are dropped and counted in partialSuccess', async () => {
    const s = await server();
    for (const dir of ['http-json', 'http-protobuf'] as const) {
      const rec = recording(dir);
      const r = await post(s, '/v1/logs', rec.logs, { 'content-type': rec.contentType });
      expect(r.status).toBe(200);
      if (dir === 'http-json') {
        const body = JSON.parse(text(r));
        expect(body.partialSuccess.rejectedLogRecords).toBe('2');
        expect(body.partialSuccess.errorMessage).toMatch(/^otel: api_request req_\w+ dropped: /);
        expect(body.partialSuccess.errorMessage).toContain(`session "${rec.sessionId}" is not known`);
      } else {
        const root = protobuf.Root.fromJSON({
          nested: {
            R: { fields: { p: { type: 'P', id: 1 } } },
            P: { fields: { n: { type: 'int64', id: 1 }, m: { type: 'string', id: 2 } } },
          },
        });
        const m = root.lookupType('R').toObject(root.lookupType('R').decode(r.body), { longs: Number });
        expect(m.p.n).toBe(2);
        expect(m.p.m).toContain('is not known');
      }
    }
    expect(await caller(s).sessions.list({})).toHaveLength(0);
    // counted, for system.info
    expect((await caller(s).system.info()).otlp).toEqual({
      exports: 2,
      refused: 0,
      apiRequests: 4,
      dropped: 4,
    });
  });

  it('/v1/traces is accepted and ignored', async () => {
    const s = await server();
    const r = await post(s, '/v1/traces', '{"resourceSpans":[]}', { 'content-type': JSON_TYPE });
    expect(r.status).toBe(200);
    expect(text(r)).toBe('{}');
    const p = await post(s, '/v1/traces', Buffer.alloc(0), { 'content-type': PROTO_TYPE });
    expect(p.status).toBe(200);
  });
});

describe('OTLP receiver refuses', () => {
  const logs = recording('http-json').logs;

  it('another content type (415), another encoding (415), malformed bodies (400 with a message)', async () => {
    const s = await server();
    const plain = await post(s, '/v1/logs', '{}', { 'content-type': 'text/plain' });
    expect(plain.status).toBe(415);
    expect(JSON.parse(text(plain)).message).toContain('expected application/json or application/x-protobuf');
    const br = await post(s, '/v1/logs', logs, { 'content-type': JSON_TYPE, 'content-encoding': 'br' });
    expect(br.status).toBe(415);
    expect(JSON.parse(text(br)).message).toContain('unsupported content-encoding "br"');
    const bad = await post(s, '/v1/logs', '{"resourceLogs": 5}', { 'content-type': JSON_TYPE });
    expect(bad.status).toBe(400);
    expect(JSON.parse(text(bad)).message).toMatch(/^invalid OTLP logs request at resourceLogs: /);
    const notGzip = await post(s, '/v1/metrics', logs, {
      'content-type': JSON_TYPE,
      'content-encoding': 'gzip',
    });
    expect(notGzip.status).toBe(400);
    expect(JSON.parse(text(notGzip)).message).toContain('not valid gzip');
    // protobuf refusals are a google.rpc.Status: code 3 (INVALID_ARGUMENT), the message
    const pb = await post(s, '/v1/logs', Buffer.from([0x0a, 0xff, 0xff]), { 'content-type': PROTO_TYPE });
    expect(pb.status).toBe(400);
    expect(pb.type).toContain(PROTO_TYPE);
    const status = protobuf.Root.fromJSON({
      nested: { S: { fields: { code: { type: 'int32', id: 1 }, message: { type: 'string', id: 2 } } } },
    }).lookupType('S');
    expect(status.toObject(status.decode(pb.body))).toEqual({
      code: 3,
      message: expect.stringMatching(/^malformed OTLP logs protobuf: /),
    });
  });

  it('a body over the cap on the wire, or inflating over it (a gzip bomb), is a 413', async () => {
    const s = await server();
    const big = Buffer.alloc(OTLP_MAX_BYTES + 1, 0x20);
    const wire = await post(s, '/v1/logs', big, { 'content-type': JSON_TYPE });
    expect(wire.status).toBe(413);
    // refused by the route's body limit, before the body is read whole
    expect(JSON.parse(text(wire)).message).toBe(`POST /v1/logs: body larger than ${OTLP_MAX_BYTES} bytes`);
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(OTLP_MAX_BYTES);
    const inflated = await post(s, '/v1/logs', bomb, {
      'content-type': JSON_TYPE,
      'content-encoding': 'gzip',
    });
    expect(inflated.status).toBe(413);
    expect(JSON.parse(text(inflated)).message).toContain(`more than the ${OTLP_MAX_BYTES}-byte limit`);
  });

  it('with a password set, the hook token is required (Authorization: Bearer)', async () => {
    const s = await server({ password: 'correct horse battery' });
    const rec = recording('http-json');
    const headers = { 'content-type': JSON_TYPE };
    const none = await post(s, '/v1/logs', rec.logs, headers);
    expect(none.status).toBe(401);
    expect(JSON.parse(text(none)).message).toMatch(/^hook token required/);
    const wrong = await post(s, '/v1/metrics', rec.metrics, { ...headers, authorization: 'Bearer 00' });
    expect(wrong.status).toBe(401);
    const token = s.services.auth.hookTokens.ensure();
    const auth = { authorization: `Bearer ${token}` };
    for (const path of ['/v1/logs', '/v1/metrics', '/v1/traces']) {
      expect(
        (await post(s, path, path === '/v1/metrics' ? rec.metrics : rec.logs, { ...headers, ...auth }))
          .status,
      ).toBe(200);
    }
  });

  it("a host's token is taken too, for its own host's sessions only; a revoked one is refused", async () => {
    const s = await server({ password: 'correct horse battery' });
    const login = await caller(s).auth.login({ password: 'correct horse battery' });
    const api = caller(s, login.token);
    const a = (await api.hosts.createToken({ name: 'host-a' })).token;
    const b = (await api.hosts.createToken({ name: 'host-b' })).token;
    const rec = recording('http-json');
    // The session runs on host-a (its forwarder posted it with host-a's token).
    const started = await postHook(s.url as string, sessionStart(rec.sessionId), {
      authorization: `Bearer ${a}`,
    });
    expect(started.status).toBe(202);
    const headers = { 'content-type': JSON_TYPE };
    // host-b's token: accepted as a sender, but its records for host-a's session are dropped, and say why.
    const fromB = await post(s, '/v1/logs', rec.logs, { ...headers, authorization: `Bearer ${b}` });
    expect(fromB.status).toBe(200);
    expect(JSON.parse(text(fromB)).partialSuccess).toMatchObject({
      rejectedLogRecords: '2', // an int64: a string in OTLP's JSON
      errorMessage: expect.stringContaining('is not on host "host-b"'),
    });
    expect((await api.sessions.get({ sessionId: rec.sessionId })).usage.otel).toBeUndefined();
    // host-a's token: counted.
    const fromA = await post(s, '/v1/logs', rec.logs, { ...headers, authorization: `Bearer ${a}` });
    expect(fromA.status).toBe(200);
    expect(text(fromA)).toBe('{}');
    expect((await api.sessions.get({ sessionId: rec.sessionId })).usage.otel?.requests).toBe(2);
    // Revoked: refused before the body is read.
    await api.hosts.revokeToken({ name: 'host-a' });
    const revoked = await post(s, '/v1/logs', rec.logs, { ...headers, authorization: `Bearer ${a}` });
    expect(revoked.status).toBe(401);
  });

  it('a foreign Host (DNS rebinding) or a cross-site Origin is refused like on every route', async () => {
    const s = await server();
    const port = new URL(s.url as string).port;
    const { request } = await import('node:http');
    const send = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/v1/logs',
            headers: { 'content-type': JSON_TYPE, ...headers },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end(logs);
      });
    expect(await send({ host: 'evil.example' })).toBe(403);
    expect(await send({ host: `127.0.0.1:${port}`, origin: 'https://evil.example' })).toBe(403);
    expect(await send({ host: `127.0.0.1:${port}` })).toBe(200);
  });
});
