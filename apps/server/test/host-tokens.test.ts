/**
 * Per-host tokens (issue 19): a host's token posts its own host's events only; a wrong host, a token replayed from
 * another host, a revoked or unknown or missing token are refused with a clear error and nothing is stored. The
 * global hook token keeps working for the local machine; the CLI makes and revokes tokens beside a running server.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { listHosts, openSqlite } from '@flightdeck/db';
import type { HookEnvelope } from '@flightdeck/shared-types';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { HOOK_TOKEN_FILE } from '../src/hook-token.js';
import { createHostTokens, HOST_SEEN_WRITE_MS } from '../src/hosts/tokens.js';
import type { RunningServer } from '../src/server.js';
import { caller, postHook, sessionStart, sqliteOf, startTestServer, tmpDir, waitFor } from './helpers.js';

const PASSWORD = 'correct horse battery staple';
const servers: RunningServer[] = [];
const dirs: Array<{ remove: () => void }> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const d of dirs.splice(0)) d.remove();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function setup() {
  const tmp = tmpDir('fd-hosts-');
  dirs.push(tmp);
  const server = await startTestServer({ dataDir: tmp.dir, password: PASSWORD });
  servers.push(server);
  const login = await caller(server).auth.login({ password: PASSWORD });
  const api = caller(server, login.token);
  const a = (await api.hosts.createToken({ name: 'host-a' })).token;
  const b = (await api.hosts.createToken({ name: 'host-b' })).token;
  const hookToken = readFileSync(join(tmp.dir, HOOK_TOKEN_FILE), 'utf8').trim();
  const base = server.url as string;
  const stored = async () => {
    await server.runtime.drain();
    return {
      sessions: (await api.sessions.list()).map((s) => `${s.sessionId}@${s.host ?? '-'}`).sort(),
      events: sqliteOf(server).prepare('SELECT count(*) FROM hook_events').pluck().get() as number,
    };
  };
  return { server, api, a, b, hookToken, base, stored, dataDir: tmp.dir };
}

async function postBatch(base: string, envelopes: HookEnvelope[], headers: Record<string, string>) {
  const res = await fetch(`${base}/api/hooks/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ envelopes }),
  });
  return { status: res.status, body: (await res.json()) as { message?: string; accepted?: number } };
}

const message = (r: { body: unknown }) => (r.body as { message?: string }).message ?? '';

describe('per-host tokens', () => {
  it("a host's token posts its own host's events; a missing meta.host becomes the token's host", async () => {
    const t = await setup();
    expect((await postHook(t.base, sessionStart('a-1', { host: 'host-a' }), bearer(t.a))).status).toBe(202);
    expect((await postHook(t.base, sessionStart('a-2'), { 'x-flightdeck-hook-token': t.a })).status).toBe(
      202,
    );
    const batch = await postBatch(
      t.base,
      [sessionStart('a-3'), sessionStart('a-4', { host: 'host-a' })],
      bearer(t.a),
    );
    expect(batch).toMatchObject({ status: 202, body: { accepted: 2 } });
    // The global hook token keeps working for the local machine.
    expect((await postHook(t.base, sessionStart('local-1'), bearer(t.hookToken))).status).toBe(202);
    expect(await t.stored()).toEqual({
      sessions: ['a-1@host-a', 'a-2@host-a', 'a-3@host-a', 'a-4@host-a', 'local-1@-'],
      events: 5,
    });
    const listed = await t.api.hosts.list();
    expect(listed.map((h) => [h.name, h.revoked, h.agentCount])).toEqual([
      ['host-a', false, 4],
      ['host-b', false, 0],
    ]);
    expect(listed[0]?.lastSeenAt).toBeGreaterThan(0);
    expect(listed[1]?.lastSeenAt).toBeNull();
  });

  it('wrong host, and a token replayed from another host: 403 naming the mismatch, nothing stored', async () => {
    const t = await setup();
    const wrong = await postHook(t.base, sessionStart('w-1', { host: 'host-b' }), bearer(t.a));
    expect(wrong.status).toBe(403);
    expect(message(wrong)).toMatch(/host mismatch: this token belongs to host "host-a".*meta\.host "host-b"/);
    // Host B's token with host A's events (one of B's own first): the whole request is refused.
    const replayed = await postBatch(
      t.base,
      [sessionStart('r-0', { host: 'host-b' }), sessionStart('r-1', { host: 'host-a' })],
      bearer(t.b),
    );
    expect(replayed.status).toBe(403);
    expect(replayed.body.message).toMatch(
      /host mismatch: this token belongs to host "host-b".*envelopes\.1.*"host-a"/,
    );
    // An invalid envelope claiming another host refuses the request too.
    const invalid = await postBatch(
      t.base,
      [
        sessionStart('r-2'),
        { cli: 'claude', payload: {}, meta: { host: 'host-a' } } as unknown as HookEnvelope,
      ],
      bearer(t.b),
    );
    expect(invalid.status).toBe(403);
    // The global hook token cannot post events of a host that has its own token.
    const claimed = await postHook(t.base, sessionStart('c-1', { host: 'host-a' }), bearer(t.hookToken));
    expect(claimed.status).toBe(403);
    expect(message(claimed)).toMatch(/host mismatch: .*"host-a", a host with its own token/);
    expect(await t.stored()).toEqual({ sessions: [], events: 0 });
  });

  it('revoked (at once), unknown and missing tokens: 401 with the reason, nothing stored', async () => {
    const t = await setup();
    await t.api.hosts.revokeToken({ name: 'host-a' });
    const revoked = await postHook(t.base, sessionStart('v-1', { host: 'host-a' }), bearer(t.a));
    expect(revoked.status).toBe(401);
    expect(message(revoked)).toMatch(/^token revoked: the token of host "host-a"/);
    const revokedBatch = await postBatch(t.base, [sessionStart('v-2')], bearer(t.a));
    expect(revokedBatch.status).toBe(401);
    expect(revokedBatch.body.message).toMatch(/^token revoked/);
    const unknown = await postHook(t.base, sessionStart('u-1'), bearer(`fdh_${'0'.repeat(64)}`));
    expect(unknown.status).toBe(401);
    expect(message(unknown)).toMatch(/host token not accepted/);
    const missing = await postHook(t.base, sessionStart('m-1', { host: 'host-b' }));
    expect(missing.status).toBe(401);
    expect(message(missing)).toMatch(/hook token required/);
    // Host B is untouched.
    expect((await postHook(t.base, sessionStart('b-1'), bearer(t.b))).status).toBe(202);
    expect(await t.stored()).toEqual({ sessions: ['b-1@host-b'], events: 1 });
    const listed = await t.api.hosts.list();
    expect(listed.map((h) => [h.name, h.revoked])).toEqual([
      ['host-a', true],
      ['host-b', false],
    ]);
    await expect(t.api.hosts.revokeToken({ name: 'host-a' })).rejects.toThrow(
      /no host "host-a" with a token/,
    );
    await expect(t.api.hosts.createToken({ name: 'host-b' })).rejects.toThrow(/already has a token/);
    await expect(t.api.hosts.createToken({ name: 'a b' })).rejects.toThrow(/hostname/);
    // A revoked host gets a new token: the new one works, the old one stays refused.
    const renewed = (await t.api.hosts.createToken({ name: 'host-a' })).token;
    expect((await postHook(t.base, sessionStart('v-3'), bearer(renewed))).status).toBe(202);
    expect((await postHook(t.base, sessionStart('v-4'), bearer(t.a))).status).toBe(401);
  });

  it('the CLI adds, lists and revokes beside the running server; tokens are stored hashed only', async () => {
    const t = await setup();
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      stdin: process.stdin,
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s) },
      env: { HOME: t.dataDir },
    } as unknown as Parameters<typeof runCli>[1];
    expect(await runCli(['hosts', 'add', 'host-c', '--data-dir', t.dataDir], io)).toBe(0);
    const token = out.join('').trim();
    expect(token).toMatch(/^fdh_[0-9a-f]{64}$/);
    const rows = sqliteOf(t.server).prepare('SELECT name, token_hash FROM hosts').all() as Array<{
      name: string;
      token_hash: string;
    }>;
    expect(JSON.stringify(rows)).not.toContain(token.slice(4));
    // The running server follows the table within a second.
    await waitFor(
      async () => (await postHook(t.base, sessionStart('cli-1'), bearer(token))).status === 202,
      5000,
      100,
    );
    out.length = 0;
    expect(await runCli(['hosts', 'list', '--data-dir', t.dataDir], io)).toBe(0);
    expect(out.join('')).toMatch(/host-c\tactive\tlast seen 20/);
    expect(await runCli(['hosts', 'add', 'host-c', '--data-dir', t.dataDir], io)).toBe(1);
    expect(err.join('')).toMatch(/already has a token/);
    expect(await runCli(['hosts', 'revoke', 'host-c', '--data-dir', t.dataDir], io)).toBe(0);
    await waitFor(
      async () => (await postHook(t.base, sessionStart('cli-2'), bearer(token))).status === 401,
      5000,
      100,
    );
    expect(await runCli(['hosts', 'add', 'bad name', '--data-dir', t.dataDir], io)).toBe(2);
  });

  it('last seen is written at most once a second per host (the latest time is known in memory)', async () => {
    const db = await openSqlite({ file: ':memory:' });
    try {
      const tokens = createHostTokens(db.db, (err) => {
        throw err;
      });
      await tokens.create('host-a');
      await tokens.create('host-b');
      const stored = async () =>
        Object.fromEntries((await listHosts(db.db)).map((h) => [h.name, h.lastSeenAt]));
      const flush = () => new Promise((r) => setTimeout(r, 50));
      for (let t = 10_000; t < 10_000 + HOST_SEEN_WRITE_MS; t += 10) tokens.seen('host-a', t);
      tokens.seen('host-b', 10_500);
      await flush();
      expect(await stored()).toEqual({ 'host-a': 10_000, 'host-b': 10_500 });
      expect(tokens.lastSeen('host-a')).toBe(10_990);
      tokens.seen('host-a', 10_000 + HOST_SEEN_WRITE_MS);
      await flush();
      expect((await stored())['host-a']).toBe(10_000 + HOST_SEEN_WRITE_MS);
    } finally {
      await db.close();
    }
  });

  it('a token revoked while its request body is still arriving is refused, nothing stored', async () => {
    const t = await setup();
    for (const path of ['/api/hooks', '/api/hooks/batch']) {
      const name = `slow${path.length}`;
      const { token } = await t.api.hosts.createToken({ name });
      const body = JSON.stringify(
        path === '/api/hooks' ? sessionStart('slow-1') : { envelopes: [sessionStart('slow-2')] },
      );
      const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = httpRequest(
          `${t.base}${path}`,
          { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(token) } },
          (res) => {
            let text = '';
            res.on('data', (d: Buffer) => {
              text += d.toString();
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          },
        );
        req.on('error', reject);
        // Headers and half the body now (the token is accepted before the body is read), the rest after the revoke.
        req.write(body.slice(0, 20));
        setTimeout(async () => {
          await t.api.hosts.revokeToken({ name });
          req.end(body.slice(20));
        }, 200);
      });
      const r = await answer;
      expect(r.status, path).toBe(401);
      expect(r.text).toMatch(/token revoked/);
    }
    expect(await t.stored()).toEqual({ sessions: [], events: 0 });
  });
});
