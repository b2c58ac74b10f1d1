/**
 * Every 4xx outside tRPC says what is wrong in one form, `{ statusCode, error, message }`, on every HTTP route:
 * Fastify's own errors (content type, body size, invalid JSON, unknown routes), the request guard, the hook route,
 * rate limits (with Retry-After), refusals of Node's HTTP parser. tRPC keeps its envelope.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server.js';
import { sessionStart, startTestServer } from './helpers.js';
import { expectErrorForm, openSocket, rawRequest, wsUpgrade } from './wire.js';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Writes `text` on a fresh connection and reads one answer (its head and a body of its content-length). */
async function exchange(port: number, text: string): Promise<Answer> {
  const s = await openSocket(port, text);
  const parse = (): Answer | null => {
    const raw = s.received();
    const end = raw.indexOf('\r\n\r\n');
    if (end < 0) return null;
    const [statusLine, ...lines] = raw.slice(0, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const body = raw.slice(end + 4);
    if (Buffer.byteLength(body, 'latin1') < Number(headers['content-length'] ?? 0)) return null;
    return {
      status: Number(statusLine?.split(' ')[1]),
      headers,
      body: Buffer.from(body, 'latin1').toString('utf8'),
    };
  };
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    const answer = parse();
    if (answer) {
      s.socket.destroy();
      return answer;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  s.socket.destroy();
  throw new Error(
    `no complete answer to ${JSON.stringify(text.slice(0, 80))}: ${JSON.stringify(s.received())}`,
  );
}

const json = { 'content-type': 'application/json' };
const envelope = JSON.stringify(sessionStart('errors-1'));

describe('one error form on every HTTP route', () => {
  let server: RunningServer;
  let limited: RunningServer;
  let port: number;
  beforeAll(async () => {
    server = await startTestServer();
    port = server.port as number;
    limited = await startTestServer({ password: 'open sesame', file: { hookRateLimitPerSecond: 2 } });
  });
  afterAll(async () => {
    await server.close();
    await limited.close();
  });

  type Row = {
    what: string;
    method?: string;
    path: string;
    headers?: Record<string, string>;
    body?: string;
    status: number;
    message: RegExp;
  };
  const rows: Row[] = [
    {
      what: 'batch route, text/plain',
      method: 'POST',
      path: '/api/hooks/batch',
      headers: { 'content-type': 'text/plain' },
      body: '{"envelopes":[]}',
      status: 415,
      message: /^POST \/api\/hooks\/batch takes application\/json, got text\/plain$/,
    },
    {
      what: 'batch route, a form',
      method: 'POST',
      path: '/api/hooks/batch',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=1',
      status: 415,
      message: /^POST \/api\/hooks\/batch takes application\/json, got application\/x-www-form-urlencoded$/,
    },
    {
      what: 'batch route, no content type',
      method: 'POST',
      path: '/api/hooks/batch',
      body: '{"envelopes":[]}',
      status: 415,
      message: /takes application\/json, got no content type$/,
    },
    {
      what: 'hook route, text/plain',
      method: 'POST',
      path: '/api/hooks',
      headers: { 'content-type': 'text/plain' },
      body: envelope,
      status: 415,
      message: /^POST \/api\/hooks takes application\/json, got text\/plain$/,
    },
    {
      what: 'hook route (raw payload), text/plain',
      method: 'POST',
      path: '/api/hooks?cli=claude',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
      status: 415,
      message: /takes application\/json, got text\/plain$/,
    },
    {
      what: 'tRPC, text/plain',
      method: 'POST',
      path: '/trpc/sessions.setTitle',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
      status: 415,
      message: /^POST \/trpc\/sessions\.setTitle takes application\/json, got text\/plain$/,
    },
    {
      what: 'hook route, invalid JSON',
      method: 'POST',
      path: '/api/hooks',
      headers: json,
      body: '{"cli": ',
      status: 400,
      message: /not valid JSON/,
    },
    {
      what: 'hook route (raw payload), invalid JSON',
      method: 'POST',
      path: '/api/hooks?cli=claude',
      headers: json,
      body: '{"cli": ',
      status: 400,
      message: /not valid JSON/,
    },
    {
      what: 'batch route, invalid JSON',
      method: 'POST',
      path: '/api/hooks/batch',
      headers: json,
      body: '{"envelopes": [',
      status: 400,
      message: /^POST \/api\/hooks\/batch: body is not valid JSON/,
    },
    {
      what: 'batch route, empty JSON body',
      method: 'POST',
      path: '/api/hooks/batch',
      headers: json,
      body: '',
      status: 400,
      message: /body is empty/,
    },
    {
      what: 'hook route, invalid envelope',
      method: 'POST',
      path: '/api/hooks',
      headers: json,
      body: JSON.stringify({ cli: 'vim', payload: {} }),
      status: 400,
      message: /^cli: /,
    },
    {
      what: 'hook route, body over 2 MB',
      method: 'POST',
      path: '/api/hooks',
      headers: json,
      body: JSON.stringify({ ...sessionStart('big'), pad: 'x'.repeat(2 * 1024 * 1024) }),
      status: 413,
      message: /larger than 2097152 bytes/,
    },
    {
      what: 'tRPC, body over 5 MB',
      method: 'POST',
      path: '/trpc/sessions.setTitle',
      headers: json,
      body: JSON.stringify({ sessionId: 'x', title: 'x'.repeat(5 * 1024 * 1024) }),
      status: 413,
      message: /^POST \/trpc\/sessions\.setTitle: body larger than 5242880 bytes$/,
    },
    { what: 'unknown API path', path: '/api/nope', status: 404, message: /^GET \/api\/nope not found$/ },
    {
      what: 'unknown method',
      method: 'DELETE',
      path: '/api/hooks',
      status: 404,
      message: /^DELETE \/api\/hooks not found$/,
    },
    { what: 'below tRPC', path: '/trpc/a/b', status: 404, message: /^GET \/trpc\/a\/b not found$/ },
    {
      what: 'forged Host',
      path: '/trpc/sessions.list',
      headers: { host: 'rebind.attacker.example' },
      status: 403,
      message: /^Host header not allowed: "rebind\.attacker\.example"/,
    },
    {
      what: 'foreign Origin on the batch route',
      method: 'POST',
      path: '/api/hooks/batch',
      headers: { ...json, origin: 'http://evil.example' },
      body: JSON.stringify({ envelopes: [] }),
      status: 403,
      message: /^Origin not allowed: "http:\/\/evil\.example"/,
    },
  ];

  it.each(rows)('$what: $status', async (row) => {
    const res = await rawRequest(port, {
      method: row.method ?? 'GET',
      path: row.path,
      headers: row.headers ?? {},
      ...(row.body !== undefined ? { body: row.body } : {}),
    });
    expect(res.status).toBe(row.status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expectErrorForm(row.status, res.body, row.message);
  });

  it('the batch route refuses a declared body over its 16 MB limit before reading it', async () => {
    const answer = await exchange(
      port,
      `POST /api/hooks/batch HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\ncontent-length: ${17 * 1024 * 1024}\r\n\r\n{"envelopes":[`,
    );
    expect(answer.status).toBe(413);
    expectErrorForm(413, answer.body, /^POST \/api\/hooks\/batch: body larger than 16777216 bytes$/);
  });

  it('rate limits answer 429 with Retry-After, for envelopes and raw payloads', async () => {
    const limitedPort = limited.port as number;
    for (const path of ['/api/hooks', '/api/hooks?cli=claude']) {
      let last = null as Awaited<ReturnType<typeof rawRequest>> | null;
      for (let i = 0; i < 4; i++) {
        last = await rawRequest(limitedPort, {
          method: 'POST',
          path,
          headers: json,
          body: path.includes('cli') ? JSON.stringify(sessionStart('rl').payload) : envelope,
        });
        if (last.status === 429) break;
      }
      expect(last?.status, path).toBe(429);
      expect(Number(last?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expectErrorForm(429, last?.body ?? '', /^rate limited: more than 2 hook requests per second$/);
      await new Promise((r) => setTimeout(r, 1100));
    }
  });

  it('a WebSocket upgrade without credentials is refused with 401 in the same form', async () => {
    const ws = await wsUpgrade(`ws://127.0.0.1:${limited.port}/trpc`, {});
    expect(ws.status).toBe(401);
    expectErrorForm(401, ws.body, /^login required$/);
  });

  it('requests refused by the HTTP parser are answered in the same form', async () => {
    const malformed = await exchange(port, 'GARBAGE\r\n\r\n');
    expect(malformed.status).toBe(400);
    expectErrorForm(400, malformed.body, /^malformed HTTP request/);
    const huge = await exchange(
      port,
      `GET /trpc/system.health HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nx-pad: ${'x'.repeat(20_000)}\r\n\r\n`,
    );
    expect(huge.status).toBe(431);
    expectErrorForm(431, huge.body, /headers larger than the server accepts/);
  });

  it('tRPC keeps its own envelope (its clients read it)', async () => {
    const res = await rawRequest(port, { path: '/trpc/no.such.procedure' });
    expect(res.status).toBe(404);
    const body = JSON.parse(res.body) as { error: { message: string; data: { code: string } } };
    expect(body.error.data.code).toBe('NOT_FOUND');
    expect(body.error.message).toMatch(/no\.such\.procedure/);
  });
});
