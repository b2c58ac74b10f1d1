import type { HookEnvelope } from '@flightdeck/shared-types';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { type HookIngestContext, hookIngestRoutes } from '../src/index.js';

const claudePayload = {
  session_id: 'c9c7f7bc-be3d-4fec-a871-5d943fafe0e1',
  transcript_path: '/home/dev/.claude/projects/x.jsonl',
  cwd: '/home/dev/work/demo',
  hook_event_name: 'PreToolUse',
  tool_name: 'Bash',
  tool_input: { command: 'ls' },
  tool_use_id: 'toolu_1',
};

interface Received {
  envelope: HookEnvelope;
  context: HookIngestContext;
}

async function makeApp(
  opts: { rateLimitPerSecond?: number; maxBodyBytes?: number; fail?: boolean; now?: () => number } = {},
): Promise<{ app: FastifyInstance; received: Received[] }> {
  const received: Received[] = [];
  const app = Fastify();
  await app.register(hookIngestRoutes, {
    onEnvelope: async (envelope, context) => {
      if (opts.fail) throw new Error('db is down');
      await new Promise((r) => setTimeout(r, 1));
      received.push({ envelope, context });
    },
    ...(opts.rateLimitPerSecond !== undefined ? { rateLimitPerSecond: opts.rateLimitPerSecond } : {}),
    ...(opts.maxBodyBytes !== undefined ? { maxBodyBytes: opts.maxBodyBytes } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
  await app.ready();
  return { app, received };
}

describe('POST /api/hooks', () => {
  let app: FastifyInstance | null = null;
  afterEach(async () => {
    await app?.close();
    app = null;
  });

  it('accepts a HookEnvelope and answers 202 after onEnvelope committed', async () => {
    const made = await makeApp();
    app = made.app;
    const envelope = { cli: 'claude', payload: claudePayload, meta: { pid: 123, sentAt: 1_700_000_000_000 } };
    const res = await app.inject({ method: 'POST', url: '/api/hooks', payload: envelope });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ ok: true });
    expect(made.received).toHaveLength(1);
    expect(made.received[0]!.envelope).toEqual(envelope);
    expect(made.received[0]!.context.source).toBe('127.0.0.1');
  });

  it('accepts a raw Claude payload with ?cli=claude', async () => {
    const made = await makeApp();
    app = made.app;
    const res = await app.inject({ method: 'POST', url: '/api/hooks?cli=claude', payload: claudePayload });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({});
    const env = made.received[0]!.envelope;
    expect(env.cli).toBe('claude');
    expect(env.payload).toEqual(claudePayload);
    expect(env.meta.sentAt).toBe(made.received[0]!.context.receivedAt);
  });

  it('accepts Codex notify and Gemini payloads', async () => {
    const made = await makeApp();
    app = made.app;
    const notify = { type: 'agent-turn-complete', 'thread-id': '019e746e-4c43', 'turn-id': 't1', cwd: '/w' };
    const codex = await app.inject({ method: 'POST', url: '/api/hooks?cli=codex', payload: notify });
    expect(codex.statusCode).toBe(202);
    const gemini = {
      session_id: 'g-1',
      hook_event_name: 'BeforeTool',
      tool_name: 'run_shell_command',
      tool_input: {},
    };
    const env = await app.inject({
      method: 'POST',
      url: '/api/hooks',
      payload: { cli: 'gemini', payload: gemini },
    });
    expect(env.statusCode).toBe(202);
    expect(made.received.map((r) => r.envelope.cli)).toEqual(['codex', 'gemini']);
    const bad = await app.inject({
      method: 'POST',
      url: '/api/hooks?cli=codex',
      payload: { type: 'agent-turn-complete' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/^payload\.thread-id: /);
  });

  it('names the missing field in a 400', async () => {
    const made = await makeApp();
    app = made.app;
    const { session_id: _omit, ...noSession } = claudePayload;
    const res = await app.inject({
      method: 'POST',
      url: '/api/hooks',
      payload: { cli: 'claude', payload: noSession, meta: {} },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'payload.session_id: Required',
    });

    const raw = await app.inject({ method: 'POST', url: '/api/hooks?cli=claude', payload: noSession });
    expect(raw.statusCode).toBe(400);
    expect(raw.json().message).toBe('payload.session_id: Required');

    const badCli = await app.inject({
      method: 'POST',
      url: '/api/hooks',
      payload: { cli: 'vim', payload: claudePayload },
    });
    expect(badCli.statusCode).toBe(400);
    expect(badCli.json().message).toMatch(/^cli: /);

    const badMeta = await app.inject({
      method: 'POST',
      url: '/api/hooks',
      payload: { cli: 'claude', payload: claudePayload, meta: { pid: -4 } },
    });
    expect(badMeta.statusCode).toBe(400);
    expect(badMeta.json().message).toMatch(/^meta\.pid: /);

    const notJson = await app.inject({
      method: 'POST',
      url: '/api/hooks',
      headers: { 'content-type': 'application/json' },
      payload: '{"cli": ',
    });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().message).toMatch(/JSON/);
    expect(made.received).toHaveLength(0);
  });

  it('answers 413 over the size limit', async () => {
    const made = await makeApp({ maxBodyBytes: 64 * 1024 });
    app = made.app;
    const big = { ...claudePayload, tool_input: { command: 'x'.repeat(100 * 1024) } };
    const res = await app.inject({ method: 'POST', url: '/api/hooks?cli=claude', payload: big });
    expect(res.statusCode).toBe(413);
    expect(res.json().message).toMatch(/larger than 65536 bytes/);
  });

  it('answers 413 over the default 2 MB', async () => {
    const made = await makeApp();
    app = made.app;
    const big = { ...claudePayload, tool_input: { command: 'x'.repeat(2 * 1024 * 1024 + 10) } };
    const res = await app.inject({ method: 'POST', url: '/api/hooks?cli=claude', payload: big });
    expect(res.statusCode).toBe(413);
  });

  it('answers 415 to a non-JSON content type', async () => {
    const made = await makeApp();
    app = made.app;
    const res = await app.inject({
      method: 'POST',
      url: '/api/hooks',
      headers: { 'content-type': 'text/plain' },
      payload: JSON.stringify({ cli: 'claude', payload: claudePayload }),
    });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toEqual({
      statusCode: 415,
      error: 'Unsupported Media Type',
      message: 'POST /api/hooks takes application/json, got text/plain',
    });
  });

  it('rate limits per source IP with Retry-After', async () => {
    let t = 1_000_000;
    const made = await makeApp({ rateLimitPerSecond: 5, now: () => t });
    app = made.app;
    const send = (ip: string) =>
      app!.inject({
        method: 'POST',
        url: '/api/hooks?cli=claude',
        payload: claudePayload,
        remoteAddress: ip,
      });
    for (let i = 0; i < 5; i++) expect((await send('10.0.0.1')).statusCode).toBe(202);
    const limited = await send('10.0.0.1');
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('1');
    expect(limited.json().message).toMatch(/rate limited/);
    expect((await send('10.0.0.2')).statusCode).toBe(202); // per IP
    t += 1001; // the window slides
    expect((await send('10.0.0.1')).statusCode).toBe(202);
  });

  it('answers 500 when onEnvelope fails, and keeps serving', async () => {
    const made = await makeApp({ fail: true });
    app = made.app;
    const res = await app.inject({ method: 'POST', url: '/api/hooks?cli=claude', payload: claudePayload });
    expect(res.statusCode).toBe(500);
    expect(res.json().message).toMatch(/internal error/);
    const again = await app.inject({ method: 'POST', url: '/api/hooks?cli=claude', payload: claudePayload });
    expect(again.statusCode).toBe(500);
  });

  it('works over a real socket', async () => {
    const made = await makeApp();
    app = made.app;
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const res = await fetch(`${address}/api/hooks?cli=claude`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(claudePayload),
    });
    expect(res.status).toBe(202);
    expect(made.received).toHaveLength(1);
    const bad = await fetch(`${address}/api/hooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ cli: 'claude' }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ statusCode: 400, error: 'Bad Request', message: 'payload: Required' });
  });

  it('drops meta.hold/holdPid from an HTTP sender: only the spool reader names a FIFO to write a decision into', async () => {
    const made = await makeApp();
    app = made.app;
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const permission = {
      ...claudePayload,
      hook_event_name: 'PermissionRequest',
      tool_use_id: undefined,
      permission_suggestions: [],
    };
    const res = await fetch(`${address}/api/hooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        cli: 'claude',
        payload: permission,
        meta: { pid: 4242, hold: '/home/dev/.bashrc', holdPid: 4242 },
      }),
    });
    expect(res.status).toBe(202);
    expect(made.received).toHaveLength(1);
    const meta = made.received[0]!.envelope.meta;
    expect(meta).toEqual({ pid: 4242 });
    expect('hold' in meta).toBe(false);
    expect('holdPid' in meta).toBe(false);
  });
});
