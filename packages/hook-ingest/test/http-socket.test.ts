/**
 * `POST /api/hooks` (`hookIngestRoutes`) over a real socket: what a hook sender sees on the wire, connection
 * handling included (chunked and oversized bodies, keep-alive after a refusal).
 */
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { HookEnvelope } from '@flightdeck/shared-types';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createRateLimiter, type HookIngestContext, hookIngestRoutes } from '../src/index.js';

const payload = {
  session_id: 'c9c7f7bc-be3d-4fec-a871-5d943fafe0e1',
  transcript_path: '/home/dev/.claude/projects/x.jsonl',
  cwd: '/home/dev/work/demo',
  hook_event_name: 'UserPromptSubmit',
  prompt: 'hello',
};
const envelope = { cli: 'claude', payload, meta: { sentAt: 1_700_000_000_000 } };

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request on a fresh connection; `body` as is (string) or chunks written one by one (no content-length). */
function send(
  port: number,
  opts: { method?: string; path?: string; type?: string | null; body: string | string[]; agent?: Agent },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {};
    if (opts.type !== null) headers['content-type'] = opts.type ?? 'application/json';
    if (typeof opts.body === 'string') headers['content-length'] = Buffer.byteLength(opts.body);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: opts.method ?? 'POST',
        path: opts.path ?? '/api/hooks',
        headers,
        ...(opts.agent ? { agent: opts.agent } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    if (typeof opts.body === 'string') req.end(opts.body);
    else {
      for (const chunk of opts.body) req.write(chunk);
      req.end();
    }
  });
}

interface Harness {
  port: number;
  app: FastifyInstance;
  received: Array<{ envelope: HookEnvelope; context: HookIngestContext }>;
  errors: unknown[];
}

let server: FastifyInstance | null = null;
afterEach(async () => {
  const s = server;
  server = null;
  await s?.close();
});

async function start(
  opts: { limit?: number; maxBodyBytes?: number; fail?: 'throw' | 'reject'; now?: () => number } = {},
): Promise<Harness> {
  const received: Harness['received'] = [];
  const errors: unknown[] = [];
  const app = Fastify();
  server = app;
  await app.register(hookIngestRoutes, {
    limiter: createRateLimiter(opts.limit ?? 1000, 1000),
    maxBodyBytes: opts.maxBodyBytes ?? 1024,
    ...(opts.now ? { now: opts.now } : {}),
    onEnvelope: (env, context) => {
      if (opts.fail === 'throw') throw new Error('db is down');
      if (opts.fail === 'reject') return Promise.reject(new Error('db is down'));
      return new Promise<void>((r) =>
        setTimeout(() => {
          received.push({ envelope: env, context });
          r();
        }, 2),
      );
    },
    onError: (err) => errors.push(err),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  return { port, app, received, errors };
}

describe('POST /api/hooks over a real socket', () => {
  it('accepts an envelope and answers 202 only once onEnvelope has resolved', async () => {
    const h = await start({ now: () => 42 });
    const res = await send(h.port, { body: JSON.stringify(envelope) });
    expect(res.status).toBe(202);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(res.body)).toEqual({ ok: true });
    // The answer came after the commit (onEnvelope resolves 2 ms later).
    expect(h.received).toHaveLength(1);
    expect(h.received[0]?.envelope.payload).toEqual(payload);
    expect(h.received[0]?.envelope.meta.sentAt).toBe(1_700_000_000_000);
    expect(h.received[0]?.context).toEqual({ receivedAt: 42, source: '127.0.0.1' });
  });

  it('takes a body that arrives in several chunks', async () => {
    const h = await start();
    const text = JSON.stringify(envelope);
    const res = await send(h.port, { body: [text.slice(0, 10), text.slice(10, 50), text.slice(50)] });
    expect(res.status).toBe(202);
    expect(h.received).toHaveLength(1);
  });

  it('takes application/json only (parameters and case do not matter) and POST only', async () => {
    const h = await start();
    const body = JSON.stringify(envelope);
    expect((await send(h.port, { method: 'GET', body: '' })).status).toBe(404);
    for (const type of ['text/plain', null, 'application/vnd.flightdeck+json']) {
      const res = await send(h.port, { type, body });
      expect(res.status, String(type)).toBe(415);
      expect(JSON.parse(res.body)).toMatchObject({ statusCode: 415, error: 'Unsupported Media Type' });
    }
    expect(h.received).toHaveLength(0);
    expect((await send(h.port, { type: 'Application/JSON; charset=utf-8', body })).status).toBe(202);
    expect(h.received).toHaveLength(1);
  });

  it('names what is wrong with the body', async () => {
    const h = await start();
    const bad = async (body: string) => {
      const res = await send(h.port, { body });
      const answer = JSON.parse(res.body) as { statusCode: number; error: string; message: string };
      expect(answer.statusCode).toBe(res.status);
      expect(answer.error).toBe('Bad Request');
      return { status: res.status, error: answer.message };
    };
    expect(await bad('')).toEqual({ status: 400, error: 'body: Required (empty JSON body)' });
    const notJson = await bad('{"cli": ');
    expect(notJson.status).toBe(400);
    expect(notJson.error).toMatch(/^body is not valid JSON/);
    expect(await bad(JSON.stringify({ ...envelope, cli: 'vim' }))).toMatchObject({ status: 400 });
    expect((await bad(JSON.stringify({ ...envelope, cli: 'vim' }))).error).toMatch(/^cli: /);
    expect((await bad(JSON.stringify({ cli: 'claude', meta: {} }))).error).toBe('payload: Required');
    expect((await bad(JSON.stringify({ ...envelope, payload: { prompt: 'x' } }))).error).toMatch(
      /^payload\.session_id: /,
    );
    expect(h.received).toHaveLength(0);
  });

  it('refuses a body over the limit, declared or streamed, and closes the connection', async () => {
    const h = await start({ maxBodyBytes: 100 });
    const big = JSON.stringify({ ...envelope, payload: { ...payload, prompt: 'x'.repeat(200) } });
    const declared = await send(h.port, { body: big });
    expect(declared.status).toBe(413);
    expect(declared.headers.connection).toBe('close');
    expect(JSON.parse(declared.body)).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: 'body larger than 100 bytes',
    });
    const streamed = await send(h.port, { body: [big.slice(0, 80), big.slice(80)] });
    expect(streamed.status).toBe(413);
    expect(h.received).toHaveLength(0);
  });

  it('counts against the shared rate limiter and says when to retry', async () => {
    const h = await start({ limit: 2 });
    const body = JSON.stringify(envelope);
    expect((await send(h.port, { body })).status).toBe(202);
    expect((await send(h.port, { body })).status).toBe(202);
    const limited = await send(h.port, { body });
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('1');
    expect(JSON.parse(limited.body)).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: 'rate limited: more than 2 hook requests per second',
    });
    expect(h.received).toHaveLength(2);
  });

  it('answers 500 when onEnvelope throws or rejects, and reports the error', async () => {
    for (const fail of ['throw', 'reject'] as const) {
      const h = await start({ fail });
      const res = await send(h.port, { body: JSON.stringify(envelope) });
      expect(res.status).toBe(500);
      expect(JSON.parse(res.body)).toEqual({
        statusCode: 500,
        error: 'Internal Server Error',
        message: 'internal error while ingesting the hook event',
      });
      expect(h.errors).toHaveLength(1);
      expect((h.errors[0] as Error).message).toBe('db is down');
      await server?.close();
      server = null;
    }
  });

  it('keeps the connection for the next request, after a refusal too', async () => {
    const h = await start();
    const body = JSON.stringify(envelope);
    const sockets = new Set<string>();
    h.app.server.on('connection', (socket) => sockets.add(`${socket.remotePort}`));
    // One keep-alive socket at most: a closed connection would show as a second one.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const statuses: number[] = [];
      for (const b of [body, body, '{', body, '', body])
        statuses.push((await send(h.port, { body: b, agent })).status);
      expect(statuses).toEqual([202, 202, 400, 202, 400, 202]);
      expect(sockets.size).toBe(1);
      expect(h.received).toHaveLength(4);
    } finally {
      agent.destroy();
    }
  });

  it('refuses bad bodies with 400 in the error form (prototype poisoning included)', async () => {
    const h = await start();
    const bodies = [
      '',
      '{"cli": ',
      'null',
      '[1, 2]',
      JSON.stringify({ ...envelope, cli: 'vim' }),
      JSON.stringify({ cli: 'claude', meta: {} }),
      JSON.stringify({ ...envelope, payload: { prompt: 'x' } }),
      JSON.stringify({ ...envelope, meta: { pid: -1 } }),
      `{"cli":"claude","payload":${JSON.stringify(payload).slice(0, -1)},"__proto__":{"polluted":true}},"meta":{}}`,
      `{"cli":"claude","payload":${JSON.stringify(payload)},"meta":{"constructor":{"prototype":{"polluted":true}}}}`,
    ];
    for (const body of bodies) {
      const res = await send(h.port, { body });
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(JSON.parse(res.body)).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    }
    const poisoned = await send(h.port, { body: bodies[8] as string });
    expect(JSON.parse(poisoned.body).message).toMatch(/prototype poisoning/);
    expect(h.received).toHaveLength(0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps the reply, not the parsed body, while the event waits for its commit', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const refs: Array<WeakRef<object>> = [];
    let release: () => void = () => {};
    const committed = new Promise<void>((r) => {
      release = r;
    });
    const app = Fastify();
    server = app;
    await app.register(hookIngestRoutes, {
      onEnvelope: (env) => {
        refs.push(new WeakRef(env), new WeakRef(env.payload));
        return committed;
      },
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as AddressInfo).port;
    const answer = send(port, { body: JSON.stringify(envelope) });
    while (refs.length === 0) await new Promise((r) => setTimeout(r, 5));
    // A WeakRef target lives until the end of the job that created it.
    await new Promise((r) => setTimeout(r, 0));
    gc();
    expect(refs.filter((r) => r.deref() !== undefined)).toHaveLength(0);
    release();
    expect((await answer).status).toBe(202);
  });
});
