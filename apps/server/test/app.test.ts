import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configFileSchema } from '../src/config.js';
import { startServer } from '../src/server.js';
import { claudeEvent, sessionStart, startTestServer, tmpDir, waitFor } from './helpers.js';

const tmp = tmpDir('fd-app-');
afterAll(() => tmp.remove());

async function serverWithWeb(webDist: string | null) {
  return startServer({
    config: {
      port: 0,
      host: '127.0.0.1',
      debug: false,
      dataDir: null,
      configPath: null,
      file: configFileSchema.parse({}),
    },
    logger: false,
    webDist,
    listen: false,
  });
}

describe('static web app', () => {
  it('serves the built app with an SPA fallback; API paths stay 404', async () => {
    const dist = join(tmp.dir, 'dist');
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Flightdeck UI</title>');
    writeFileSync(join(dist, 'assets', 'app.js'), 'console.log(1)');
    const s = await serverWithWeb(dist);
    const headers = { host: '127.0.0.1' };
    const index = await s.app.inject({ url: '/', headers });
    expect(index.statusCode).toBe(200);
    expect(index.body).toMatch(/Flightdeck UI/);
    const asset = await s.app.inject({ url: '/assets/app.js', headers });
    expect(asset.body).toBe('console.log(1)');
    const deep = await s.app.inject({ url: '/sessions/abc', headers });
    expect(deep.statusCode).toBe(200);
    expect(deep.body).toMatch(/Flightdeck UI/);
    const api = await s.app.inject({ url: '/api/nope', headers });
    expect(api.statusCode).toBe(404);
    expect(api.json()).toMatchObject({ error: 'Not Found' });
    await s.close();
  });

  it('without a build, / explains how to build it', async () => {
    const s = await serverWithWeb(join(tmp.dir, 'missing'));
    const res = await s.app.inject({ url: '/', headers: { host: 'localhost:3333' } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/has not been built/);
    expect(res.body).toContain('<code>pnpm --filter @flightdeck/web build</code>'); // the exact command
    await s.close();
  });
});

describe('listen failures', () => {
  it('a port in use rejects with EADDRINUSE and releases what was opened', async () => {
    const first = await startTestServer();
    const dir = tmpDir('fd-eaddr-');
    await expect(
      startServer({
        config: {
          port: first.port as number,
          host: '127.0.0.1',
          debug: false,
          dataDir: dir.dir,
          configPath: null,
          file: configFileSchema.parse({}),
        },
        logger: false,
        webDist: null,
      }),
    ).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await first.close();
    dir.remove();
  });
});

describe('hook ingest', () => {
  it('POST /api/hooks/batch validates every envelope alone and commits the valid ones', async () => {
    const s = await startTestServer({ listen: false });
    const headers = { host: '127.0.0.1', 'content-type': 'application/json' };
    const bad = await s.app.inject({
      method: 'POST',
      url: '/api/hooks/batch',
      headers,
      payload: { envelopes: [sessionStart('b-0'), { cli: 'vim', payload: {} }] },
    });
    expect(bad.statusCode).toBe(202);
    expect(bad.json()).toMatchObject({ ok: false, accepted: 1, duplicates: 0 });
    expect(bad.json().rejected).toEqual([
      { index: 1, message: expect.stringMatching(/^envelopes\.1: cli: /) },
    ]);
    const notArray = await s.app.inject({ method: 'POST', url: '/api/hooks/batch', headers, payload: {} });
    expect(notArray.statusCode).toBe(400);
    const tooMany = await s.app.inject({
      method: 'POST',
      url: '/api/hooks/batch',
      headers,
      payload: { envelopes: Array.from({ length: 1001 }, (_, i) => sessionStart(`x-${i}`)) },
    });
    expect(tooMany.statusCode).toBe(413);
    const ok = await s.app.inject({
      method: 'POST',
      url: '/api/hooks/batch',
      headers,
      payload: { envelopes: [sessionStart('b-1'), sessionStart('b-2')] },
    });
    expect(ok.statusCode).toBe(202);
    expect(ok.json()).toEqual({ ok: true, accepted: 2, duplicates: 0, rejected: [] });
    expect(
      s.runtime
        .listSessions()
        .map((x) => x.sessionId)
        .sort(),
    ).toEqual(['b-0', 'b-1', 'b-2']);
    // single route from @flightdeck/hook-ingest, raw Claude payload form
    const raw = await s.app.inject({
      method: 'POST',
      url: '/api/hooks?cli=claude',
      headers,
      payload: sessionStart('b-3').payload,
    });
    expect(raw.statusCode).toBe(202);
    expect(s.runtime.getSession('b-3')).toBeDefined();
    const stats = s.services.hookStats.snapshot() as { totalHooks: number };
    expect(stats.totalHooks).toBe(4);
    await s.close();
  });
});

describe('POST /api/hooks before the framework', () => {
  it('answers hook events directly; refused origins, raw payloads and other requests still go through Fastify', async () => {
    const s = await startTestServer();
    try {
      const fast = s.app.hookFastPath;
      expect(fast).not.toBeNull();
      const before = fast?.answered ?? 0;
      const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
        fetch(`${s.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(body),
        });

      // A hook event: answered directly, committed, visible.
      const ok = await post('/api/hooks', sessionStart('fp-1'));
      expect(ok.status).toBe(202);
      expect(ok.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await ok.json()).toEqual({ ok: true });
      expect(fast?.answered).toBe(before + 1);
      expect(s.runtime.getSession('fp-1')).toBeDefined();

      // Bad input is refused the same way the route refuses it.
      const bad = await post('/api/hooks', { cli: 'vim', payload: {} });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { message: string }).message).toMatch(/^cli: /);
      expect(fast?.answered).toBe(before + 2);

      // A page on another origin: the request guard (in Fastify) refuses it, nothing is ingested.
      const foreign = await post('/api/hooks', sessionStart('fp-2'), { origin: 'https://evil.example' });
      expect(foreign.status).toBe(403);
      expect(s.runtime.getSession('fp-2')).toBeUndefined();
      // A raw Claude payload (`?cli=`) and a wrong content type are the route's.
      const raw = await post('/api/hooks?cli=claude', sessionStart('fp-3').payload);
      expect(raw.status).toBe(202);
      expect(await raw.json()).toEqual({});
      expect(s.runtime.getSession('fp-3')).toBeDefined();
      const text = await fetch(`${s.url}/api/hooks`, {
        method: 'POST',
        body: 'x',
        headers: { 'content-type': 'text/plain' },
      });
      expect(text.status).toBe(415);
      expect(fast?.answered).toBe(before + 2);

      // Hook statistics count the direct path's events like the route's.
      const stats = s.services.hookStats.snapshot() as { totalHooks: number };
      expect(stats.totalHooks).toBe(2);
    } finally {
      await s.close();
    }
  });

  it('with request logging on (debug), every request goes through Fastify', async () => {
    const s = await startServer({
      config: {
        port: 0,
        host: '127.0.0.1',
        debug: true,
        dataDir: null,
        configPath: null,
        file: configFileSchema.parse({}),
      },
      logger: false,
      webDist: null,
    });
    try {
      expect(s.app.hookFastPath).toBeNull();
      const res = await fetch(`${s.url}/api/hooks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(sessionStart('fp-debug')),
      });
      expect(res.status).toBe(202);
      expect(s.runtime.getSession('fp-debug')).toBeDefined();
    } finally {
      await s.close();
    }
  });
});

describe('process liveness', () => {
  it('a session whose agent process dies is ended by the periodic check', async () => {
    const agent = spawn('sleep', ['60'], { stdio: 'ignore' });
    const pid = agent.pid as number;
    const s = await startTestServer({ listen: false, file: { processCheckInterval: 250 } });
    await s.runtime.ingest(sessionStart('live-pid', { pid }), 'lp-1');
    await s.runtime.ingest(claudeEvent('live-pid', 'UserPromptSubmit', { prompt: 'go' }, { pid }), 'lp-2');
    expect(s.runtime.getSession('live-pid')?.status).not.toBe('ended');
    agent.kill('SIGKILL');
    await new Promise((r) => agent.once('exit', r));
    const ended = await waitFor(() => s.runtime.getSession('live-pid')?.status === 'ended', 5000);
    expect(ended).toBe(true);
    expect(s.runtime.getSession('live-pid')?.statusReason.cause).toBe('pid');
    await s.close();
  });
});
