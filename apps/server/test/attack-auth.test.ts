/**
 * Attacks on the doors, over the real wire: revocation (logout, a password change from the UI or from the real
 * CLI closes every WebSocket made with an ended token at once), the login limit across source addresses (the
 * whole loopback range is one attacker; the owner is never locked out for long) and the hook token.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { createTRPCClient, createWSClient, wsLink } from '@trpc/client';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { REVOKED_CLOSE_CODE, TOKEN_TTL_MS } from '../src/auth.js';
import { HOOK_TOKEN_FILE } from '../src/hook-token.js';
import type { AppRouter } from '../src/router/index.js';
import type { RunningServer } from '../src/server.js';
import { runCliProcess } from './cli-process.js';
import { sessionStart, startTestServer, tmpDir, waitFor } from './helpers.js';

const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'staple horse battery';

const tmp = tmpDir('fd-attack-auth-');
const servers: RunningServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
afterAll(() => tmp.remove());

let dirs = 0;
async function serverWith(opts: { password?: string; dataDir?: boolean; authClock?: () => number }) {
  const dataDir = opts.dataDir ? join(tmp.dir, `data-${dirs++}`) : null;
  const server = await startTestServer({
    dataDir,
    ...(opts.password ? { password: opts.password } : {}),
    ...(opts.authClock ? { authClock: opts.authClock } : {}),
  });
  servers.push(server);
  await server.runtime.ingest(sessionStart('auth-1'), `auth-id-${dirs}`);
  const base = server.url as string;
  return { server, base, wsBase: `${base.replace('http', 'ws')}/trpc`, dataDir };
}

interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: unknown;
}

/** One HTTP request with node:http, so the client socket can be bound to a given source address. */
function http(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: opts.method ?? 'GET',
        headers: opts.headers ?? {},
        agent: false,
        ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => {
          text += d.toString();
        });
        res.on('end', () => {
          let json: unknown = null;
          try {
            json = JSON.parse(text);
          } catch {
            json = text;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json });
        });
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

function postJson(url: string, body: unknown, headers: Record<string, string> = {}, localAddress?: string) {
  return http(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    ...(localAddress ? { localAddress } : {}),
  });
}

const loginCall = (base: string, password: string, localAddress?: string) =>
  postJson(`${base}/trpc/auth.login`, { password }, {}, localAddress);

async function login(base: string, password = PASSWORD): Promise<string> {
  const res = await loginCall(base, password);
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return (res.json as { result: { data: { token: string } } }).result.data.token;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

interface Live {
  ws: WebSocket;
  /** The first answer to the subscription: data, an error, or the socket closed first. */
  first: Promise<'data' | 'error' | 'closed'>;
  closed: Promise<{ code: number; reason: string; at: number }>;
}

/** A raw `sessions.live` subscription: credentials as a cookie or bearer header at upgrade, or as connectionParams. */
function openLive(wsBase: string, auth: { cookie?: string; bearer?: string; params?: string | null }): Live {
  const headers: Record<string, string> = {};
  if (auth.cookie) headers.cookie = `auth_token=${auth.cookie}`;
  if (auth.bearer) headers.authorization = `Bearer ${auth.bearer}`;
  const url = auth.params !== undefined ? `${wsBase}?connectionParams=1` : wsBase;
  const ws = new WebSocket(url, { headers });
  const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString(), at: Date.now() }));
    ws.on('unexpected-response', (_req, res) => {
      resolve({ code: res.statusCode ?? 0, reason: 'refused at upgrade', at: Date.now() });
      ws.terminate();
    });
  });
  ws.on('error', () => {});
  const first = new Promise<'data' | 'error' | 'closed'>((resolve) => {
    ws.on('open', () => {
      if (auth.params !== undefined) {
        ws.send(JSON.stringify({ method: 'connectionParams', data: { token: auth.params } }));
      }
      ws.send(
        JSON.stringify({
          id: 1,
          jsonrpc: '2.0',
          method: 'subscription',
          params: { path: 'sessions.live', input: { view: 'summary' } },
        }),
      );
    });
    ws.on('message', (raw) => {
      const msg = JSON.parse(raw.toString()) as { error?: unknown; result?: { type?: string } };
      if (msg.error) resolve('error');
      else if (msg.result?.type === 'data') resolve('data');
    });
    void closed.then(() => resolve('closed'));
  });
  return { ws, first, closed };
}

async function expectRefused(base: string, wsBase: string, token: string): Promise<void> {
  expect((await http(`${base}/trpc/sessions.list`, { headers: bearer(token) })).status).toBe(401);
  expect(
    (await http(`${base}/trpc/sessions.list`, { headers: { cookie: `auth_token=${token}` } })).status,
  ).toBe(401);
  const viaCookie = openLive(wsBase, { cookie: token });
  expect(await viaCookie.first).toBe('closed');
  expect((await viaCookie.closed).code).toBe(401);
  const viaParams = openLive(wsBase, { params: token });
  expect(await viaParams.first).not.toBe('data');
  viaParams.ws.terminate();
}

/** Within a second of `since`, with the close code and reason of a revocation. */
async function expectRevoked(live: Live, since: number, reason: RegExp): Promise<void> {
  const closed = await Promise.race([
    live.closed,
    new Promise<null>((r) => setTimeout(() => r(null), 1000 - (Date.now() - since))),
  ]);
  expect(closed, 'the WebSocket was not closed within a second').not.toBeNull();
  expect(closed?.code).toBe(REVOKED_CLOSE_CODE);
  expect(closed?.reason).toMatch(reason);
  expect((closed?.at ?? Number.POSITIVE_INFINITY) - since).toBeLessThan(1000);
}

describe('revocation', () => {
  it('logout ends that token at once and closes every WebSocket made with it; other logins stay', async () => {
    const { base, wsBase, server } = await serverWith({ password: PASSWORD });
    const a = await login(base);
    const b = await login(base);
    const liveCookie = openLive(wsBase, { cookie: a });
    const liveBearer = openLive(wsBase, { bearer: a });
    const liveParams = openLive(wsBase, { params: a });
    const liveOther = openLive(wsBase, { params: b });
    for (const live of [liveCookie, liveBearer, liveParams, liveOther]) expect(await live.first).toBe('data');
    expect(server.services.auth.tokens.sockets).toBe(4);

    const logout = await postJson(`${base}/trpc/auth.logout`, {}, bearer(a));
    const at = Date.now();
    expect(logout.status).toBe(200);
    for (const live of [liveCookie, liveBearer, liveParams]) await expectRevoked(live, at, /logged out/);
    await expectRefused(base, wsBase, a);

    // The other login and its subscription are untouched.
    expect(liveOther.ws.readyState).toBe(WebSocket.OPEN);
    expect((await http(`${base}/trpc/sessions.list`, { headers: bearer(b) })).status).toBe(200);
    liveOther.ws.close();
  });

  it('auth.setPassword by another client ends every token and closes every WebSocket at once (tRPC client)', async () => {
    const { base, wsBase } = await serverWith({ password: PASSWORD });
    const victim = await login(base);
    const changer = await login(base);
    // A real tRPC client (wsLink) holding a live subscription.
    const closes: Array<{ code: number | undefined; at: number }> = [];
    const wsClient = createWSClient({
      url: wsBase,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
      connectionParams: { token: victim },
      retryDelayMs: () => 60_000,
      onClose: (cause) => closes.push({ code: cause?.code, at: Date.now() }),
    });
    const client = createTRPCClient<AppRouter>({ links: [wsLink({ client: wsClient })] });
    let received = 0;
    const sub = client.sessions.live.subscribe(undefined, {
      onData: () => {
        received += 1;
      },
      onError: () => {},
    });
    const changerLive = openLive(wsBase, { cookie: changer });
    await waitFor(() => received > 0);
    expect(await changerLive.first).toBe('data');

    const res = await postJson(`${base}/trpc/auth.setPassword`, { password: NEW_PASSWORD }, bearer(changer));
    const at = Date.now();
    expect(res.status).toBe(200);
    const fresh = (res.json as { result: { data: { token: string } } }).result.data.token;

    await waitFor(() => closes.length > 0, 1000);
    expect(closes[0]?.code).toBe(REVOKED_CLOSE_CODE);
    expect((closes[0]?.at as number) - at).toBeLessThan(1000);
    // The changer's own socket too: it was made with a token that ended.
    await expectRevoked(changerLive, at, /password changed/);
    sub.unsubscribe();
    await wsClient.close();

    await expectRefused(base, wsBase, victim);
    await expectRefused(base, wsBase, changer);
    // The session that changed the password got a fresh token, as login gives.
    expect((await http(`${base}/trpc/sessions.list`, { headers: bearer(fresh) })).status).toBe(200);
    expect(await openLive(wsBase, { params: fresh }).first).toBe('data');
    expect((await loginCall(base, PASSWORD)).status).toBe(401);
    await login(base, NEW_PASSWORD);
  });

  it('setting a password closes the WebSockets that were open without one', async () => {
    const { base, wsBase } = await serverWith({});
    const live = openLive(wsBase, {});
    expect(await live.first).toBe('data');
    const res = await postJson(`${base}/trpc/auth.setPassword`, { password: PASSWORD });
    const at = Date.now();
    expect(res.status).toBe(200);
    await expectRevoked(live, at, /password changed/);
    const again = openLive(wsBase, {});
    expect(await again.first).toBe('closed');
    expect((await again.closed).code).toBe(401);
  });

  it('an expired login closes its WebSockets; a client that ignores the close frame is cut off', async () => {
    let now = Date.now();
    const { base, wsBase, server } = await serverWith({ password: PASSWORD, authClock: () => now });
    const expiring = openLive(wsBase, { params: await login(base) });
    expect(await expiring.first).toBe('data');
    now += TOKEN_TTL_MS + 1;
    const at = Date.now();
    server.services.auth.tokens.sweep();
    await expectRevoked(expiring, at, /login expired/);

    // This client stops reading: it never answers the close frame, and is cut within about a second anyway.
    now = Date.now();
    const token = await login(base);
    const deaf = openLive(wsBase, { params: token });
    expect(await deaf.first).toBe('data');
    expect(server.services.auth.tokens.sockets).toBe(1);
    (deaf.ws as unknown as { _socket: import('node:net').Socket })._socket.pause();
    expect((await postJson(`${base}/trpc/auth.logout`, {}, bearer(token))).status).toBe(200);
    await waitFor(() => server.services.auth.tokens.sockets === 0, 3000);
    expect(server.app.websocketServer.clients.size).toBe(0);
  });

  it('`flightdeck password set` and `password clear` (the real CLI, same data dir) close every WebSocket within a second', async () => {
    const { base, wsBase, dataDir } = await serverWith({ password: PASSWORD, dataDir: true });
    const token = await login(base);
    const live = openLive(wsBase, { params: token });
    const liveCookie = openLive(wsBase, { cookie: token });
    expect(await live.first).toBe('data');
    expect(await liveCookie.first).toBe('data');

    const set = await runCliProcess(
      ['password', 'set', '--password-stdin', '--data-dir', dataDir as string],
      {
        input: `${NEW_PASSWORD}\n`,
        env: { HOME: tmp.dir },
      },
    );
    expect(set.code, set.stderr).toBe(0);
    await expectRevoked(live, set.exitedAt, /password changed/);
    await expectRevoked(liveCookie, set.exitedAt, /password changed/);
    await expectRefused(base, wsBase, token);
    expect((await loginCall(base, PASSWORD)).status).toBe(401);
    const second = await login(base, NEW_PASSWORD);

    const liveSecond = openLive(wsBase, { params: second });
    expect(await liveSecond.first).toBe('data');
    const clear = await runCliProcess(['password', 'clear', '--data-dir', dataDir as string], {
      env: { HOME: tmp.dir },
    });
    expect(clear.code, clear.stderr).toBe(0);
    await expectRevoked(liveSecond, clear.exitedAt, /password removed/);
    // No password now: open to loopback as before, no token needed.
    expect((await http(`${base}/trpc/sessions.list`)).status).toBe(200);
  }, 60_000);
});

describe('login limit across source addresses', () => {
  it('20 wrong passwords from 20 loopback addresses are limited after the 5th; the owner gets in after the bounded wait', async () => {
    let now = Date.now();
    const { base } = await serverWith({ password: PASSWORD, authClock: () => now });
    const answers: HttpAnswer[] = [];
    for (let i = 0; i < 20; i++) {
      answers.push(await loginCall(base, `guess-${i}`, `127.${i + 1}.${(i * 7) % 256}.${i + 2}`));
    }
    expect(answers.slice(0, 5).map((a) => a.status)).toEqual([401, 401, 401, 401, 401]);
    expect(answers.slice(5).every((a) => a.status === 429)).toBe(true);
    const limited = answers[19] as HttpAnswer;
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(JSON.stringify(limited.json)).toMatch(new RegExp(`try again in ${retryAfter} s`));

    // The owner, from 127.0.0.1, waits too — but no longer than the stated wait.
    expect((await loginCall(base, PASSWORD, '127.0.0.1')).status).toBe(429);
    now += retryAfter * 1000;
    const back = await loginCall(base, PASSWORD, '127.0.0.1');
    expect(back.status).toBe(200);
    // Successful logins are not counted: the owner logs in as often as they like.
    for (let i = 0; i < 8; i++)
      expect((await loginCall(base, PASSWORD, `127.9.9.${i + 1}`)).status).toBe(200);
  });

  it('parallel guesses cannot slip past while the password is being checked', async () => {
    const { base } = await serverWith({ password: PASSWORD });
    const answers = await Promise.all(
      Array.from({ length: 15 }, (_, i) => loginCall(base, `parallel-${i}`, `127.0.${i + 1}.1`)),
    );
    expect(answers.filter((a) => a.status === 401)).toHaveLength(5);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(10);
  });
});

describe('the hook token', () => {
  const hookUrl = (base: string) => `${base}/api/hooks`;
  const envelope = () => sessionStart(`hook-${randomBytes(3).toString('hex')}`);

  it('with a password set: no token, a wrong one or a login token → 401 saying what is missing; the hook token → 202', async () => {
    const { base, wsBase, dataDir } = await serverWith({ password: PASSWORD, dataDir: true });
    const file = join(dataDir as string, HOOK_TOKEN_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const hookToken = readFileSync(file, 'utf8').trim();
    expect(hookToken).toMatch(/^[0-9a-f]{64}$/);
    const loginToken = await login(base);

    const none = await postJson(hookUrl(base), envelope());
    expect(none.status).toBe(401);
    expect((none.json as { message: string }).message).toMatch(/hook token required/);
    expect((none.json as { message: string }).message).toMatch(/Authorization: Bearer/);
    expect((none.json as { message: string }).message).toMatch(/X-Flightdeck-Hook-Token/);
    const wrong = await postJson(hookUrl(base), envelope(), bearer(randomBytes(32).toString('hex')));
    expect(wrong.status).toBe(401);
    expect((wrong.json as { message: string }).message).toMatch(/not accepted/);
    expect((await postJson(hookUrl(base), envelope(), bearer(loginToken))).status).toBe(401);
    expect(
      (await postJson(hookUrl(base), envelope(), { 'x-flightdeck-hook-token': loginToken })).status,
    ).toBe(401);

    expect((await postJson(hookUrl(base), envelope(), bearer(hookToken))).status).toBe(202);
    expect((await postJson(hookUrl(base), envelope(), { 'x-flightdeck-hook-token': hookToken })).status).toBe(
      202,
    );

    // Claude Code's native http hooks (?cli=, the framework's route) and the batch route.
    const raw = { session_id: 'raw-1', hook_event_name: 'SessionStart', cwd: '/tmp', source: 'startup' };
    expect((await postJson(`${hookUrl(base)}?cli=claude`, raw)).status).toBe(401);
    expect((await postJson(`${hookUrl(base)}?cli=claude`, raw, bearer(hookToken))).status).toBe(202);
    const batch = { envelopes: [envelope(), envelope()] };
    const batchNone = await postJson(`${hookUrl(base)}/batch`, batch);
    expect(batchNone.status).toBe(401);
    expect((batchNone.json as { message: string }).message).toMatch(/hook token required/);
    expect((await postJson(`${hookUrl(base)}/batch`, batch, bearer(loginToken))).status).toBe(401);
    expect((await postJson(`${hookUrl(base)}/batch`, batch, bearer(hookToken))).status).toBe(202);

    // And a hook token is not a login token.
    expect((await http(`${base}/trpc/sessions.list`, { headers: bearer(hookToken) })).status).toBe(401);
    const live = openLive(wsBase, { bearer: hookToken });
    expect(await live.first).toBe('closed');
    expect(await openLive(wsBase, { params: hookToken }).first).not.toBe('data');
  });

  it('`flightdeck hooks token --rotate` (real CLI): the old token is refused within a second, the new one accepted', async () => {
    const { base, dataDir } = await serverWith({ password: PASSWORD, dataDir: true });
    const shown = await runCliProcess(['hooks', 'token', '--data-dir', dataDir as string], {
      env: { HOME: tmp.dir },
    });
    expect(shown.code, shown.stderr).toBe(0);
    const old = shown.stdout.trim();
    expect(old).toBe(readFileSync(join(dataDir as string, HOOK_TOKEN_FILE), 'utf8').trim());
    expect((await postJson(hookUrl(base), envelope(), bearer(old))).status).toBe(202);

    const rotated = await runCliProcess(['hooks', 'token', '--rotate', '--data-dir', dataDir as string], {
      env: { HOME: tmp.dir },
    });
    expect(rotated.code, rotated.stderr).toBe(0);
    const next = rotated.stdout.trim();
    expect(next).toMatch(/^[0-9a-f]{64}$/);
    expect(next).not.toBe(old);
    expect(statSync(join(dataDir as string, HOOK_TOKEN_FILE)).mode & 0o777).toBe(0o600);
    await waitFor(
      async () => (await postJson(hookUrl(base), envelope(), bearer(old))).status === 401,
      1000,
      50,
    );
    expect(Date.now() - rotated.exitedAt).toBeLessThan(1000);
    expect((await postJson(hookUrl(base), envelope(), bearer(old))).status).toBe(401);
    expect((await postJson(hookUrl(base), envelope(), bearer(next))).status).toBe(202);
  }, 60_000);

  it('without a password hook senders need no token, and a web page still cannot post (Origin refusal)', async () => {
    const { base } = await serverWith({});
    expect((await postJson(hookUrl(base), envelope())).status).toBe(202);
    const fromPage = await postJson(hookUrl(base), envelope(), { origin: 'http://evil.example' });
    expect(fromPage.status).toBe(403);
  });
});
