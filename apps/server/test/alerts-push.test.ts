/**
 * Web Push end to end against a push endpoint served by the test (HTTP on 127.0.0.1, port 0, standing in for the
 * browser's push service): the subscription is made with keys the test generated (ECDH P-256 + auth secret), the
 * message the server sends is decrypted with them (aes128gcm, RFC 8291, by `http_ece`), and the VAPID JWT is
 * checked against the endpoint's origin and the server's public key.
 */
import { createECDH, createPublicKey, randomBytes, verify } from 'node:crypto';
import { statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ApprovalView, PushMessage } from '@flightdeck/shared-types';
import { decrypt } from 'http_ece';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_PUSH_JSON_BYTES } from '../src/alerts/push.js';
import { caller, claudeEvent, sessionStart, startTestServer, tmpDir, waitFor } from './helpers.js';
import { makeHoldFifo, recordId, startFifoReader } from './hold-fifo.js';

const b64url = (b: Buffer) => b.toString('base64url');

interface Pushed {
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/** The stand-in push service: records every POST and answers with `status()`. */
async function pushService(status: () => number) {
  const got: Pushed[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(status()).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    got,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** What a browser makes: a P-256 key pair and a 16-byte auth secret. */
function browserKeys() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = randomBytes(16);
  return { ecdh, auth, p256dh: b64url(ecdh.getPublicKey()), authText: b64url(auth) };
}

/** Checks the `Authorization: vapid t=<JWT>, k=<key>` header; returns its claims. */
function checkVapid(header: string | undefined, publicKey: string) {
  const m = /^vapid t=([^,]+), k=(.+)$/.exec(header ?? '');
  expect(m, `Authorization header: ${header}`).not.toBeNull();
  const [, jwt, k] = m as unknown as [string, string, string];
  expect(k).toBe(publicKey);
  const [h, p, sig] = jwt.split('.') as [string, string, string];
  expect(JSON.parse(Buffer.from(h, 'base64url').toString())).toEqual({ typ: 'JWT', alg: 'ES256' });
  const point = Buffer.from(k, 'base64url');
  expect(point).toHaveLength(65);
  const key = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: b64url(point.subarray(1, 33)), y: b64url(point.subarray(33)) },
    format: 'jwk',
  });
  const ok = verify(
    'sha256',
    Buffer.from(`${h}.${p}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(sig, 'base64url'),
  );
  expect(ok).toBe(true);
  return JSON.parse(Buffer.from(p, 'base64url').toString()) as { aud: string; exp: number; sub: string };
}

describe('Web Push alerts', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(status: () => number, allowHttpEndpoints = true) {
    const push = await pushService(status);
    cleanups.push(push.close);
    const tmp = tmpDir();
    cleanups.push(tmp.remove);
    const server = await startTestServer({ dataDir: tmp.dir, alerts: { push: { allowHttpEndpoints } } });
    cleanups.push(() => server.close());
    return { push, server, api: caller(server), dir: tmp.dir };
  }

  it('an approval that opens reaches the subscribed browser, encrypted for its keys, VAPID-signed for the endpoint origin', async () => {
    const { push, server, api, dir } = await setup(() => 201);
    const { publicKey } = await api.alerts.vapidPublicKey();
    // generated on first start, kept in the data dir, the owner's alone
    expect(statSync(join(dir, 'vapid.json')).mode & 0o777).toBe(0o600);
    const keys = browserKeys();
    const endpoint = `${push.origin}/push/device-1`;
    await api.alerts.subscribePush({
      subscription: { endpoint, keys: { p256dh: keys.p256dh, auth: keys.authText } },
    });

    // A real held PermissionRequest (its hook waits on a FIFO in the spool's hold/): the built-in rule pushes it.
    await server.runtime.ingest(sessionStart('p-1'), 'p-1-1');
    const id = recordId(1);
    const reader = startFifoReader(makeHoldFifo(join(dir, 'spool'), id));
    cleanups.push(() => void reader.child.kill('SIGKILL'));
    await server.runtime.ingest(
      claudeEvent(
        'p-1',
        'PermissionRequest',
        { tool_name: 'Bash', tool_input: { command: 'npm publish' }, permission_suggestions: [] },
        { hold: join(dir, 'spool', 'hold', id), holdPid: reader.pid },
      ),
      'p-1-2',
    );
    const [approval] = (await api.approvals.list()) as [ApprovalView];
    expect(approval).toMatchObject({ id, tool: 'Bash', decidable: true });
    await waitFor(() => push.got.length >= 1);
    await server.services.alerts!.idle();
    const [msg] = push.got as [Pushed];
    expect(msg.path).toBe('/push/device-1');
    expect(msg.headers['content-encoding']).toBe('aes128gcm');
    expect(Number(msg.headers.ttl)).toBeGreaterThan(0);
    expect(msg.headers.urgency).toBe('high');
    const claims = checkVapid(msg.headers.authorization, publicKey);
    expect(claims.aud).toBe(push.origin);
    expect(claims.sub).toMatch(/^mailto:/);
    expect(claims.exp * 1000).toBeGreaterThan(Date.now());
    expect(claims.exp * 1000).toBeLessThanOrEqual(Date.now() + 24 * 3600_000);

    const plain = decrypt(msg.body, {
      version: 'aes128gcm',
      privateKey: keys.ecdh,
      authSecret: keys.authText,
    });
    const message = JSON.parse(plain.toString('utf8')) as PushMessage;
    expect(message).toEqual({ type: 'approval', approval, dedupeKey: `builtin-approval-opened:p-1:${id}` });
    // another browser's keys cannot read it
    const other = browserKeys();
    expect(() =>
      decrypt(msg.body, { version: 'aes128gcm', privateKey: other.ecdh, authSecret: other.authText }),
    ).toThrow();

    const log = await api.alerts.deliveries();
    expect(log.map((d) => [d.channel, d.status, d.httpStatus, d.target])).toEqual([
      ['push', 'ok', 201, push.origin],
    ]);
  });

  it('a long approval is cut to fit a push message; an alert push carries title and body', async () => {
    const { push, server, api } = await setup(() => 201);
    const keys = browserKeys();
    await api.alerts.subscribePush({
      subscription: {
        endpoint: `${push.origin}/push/d2`,
        keys: { p256dh: keys.p256dh, auth: keys.authText },
      },
    });
    const huge = 'x'.repeat(50_000);
    const approval: ApprovalView = {
      id: 'a2',
      sessionId: 's',
      cli: 'claude',
      project: 'p',
      sessionTitle: 't',
      tool: 'Write',
      kind: 'approval',
      agentId: null,
      rendering: {
        kind: 'diff',
        title: 'Write a.ts',
        text: huge,
        diff: { path: 'a.ts', before: '', after: huge },
      },
      toolInput: { content: huge },
      suggestions: [],
      since: 1,
      decidable: true,
      notDecidableReason: null,
    };
    server.services.alerts!.attach({
      dispatch: (i) => server.runtime.dispatch(i),
      approvalView: () => approval,
    });
    const base = {
      type: 'alert-fire' as const,
      sessionId: 's',
      title: 'T',
      body: 'B',
      channels: ['push' as const],
      at: 1,
    };
    server.services.alerts!.fire({
      ...base,
      ruleId: 'r',
      condition: 'approval-opened',
      dedupeKey: 'k1',
      approvalId: 'a2',
    });
    server.services.alerts!.fire({
      ...base,
      ruleId: 'r',
      condition: 'idle',
      dedupeKey: 'k2',
      approvalId: null,
    });
    await waitFor(() => push.got.length >= 2);
    await server.services.alerts!.idle();
    const messages = push.got.map(
      (m) =>
        JSON.parse(
          decrypt(m.body, {
            version: 'aes128gcm',
            privateKey: keys.ecdh,
            authSecret: keys.authText,
          }).toString(),
        ) as PushMessage,
    );
    const a = messages.find((m) => m.type === 'approval');
    expect(a).toBeDefined();
    expect(Buffer.byteLength(JSON.stringify(a))).toBeLessThanOrEqual(MAX_PUSH_JSON_BYTES);
    expect(a).toMatchObject({
      type: 'approval',
      approval: { id: 'a2', tool: 'Write', toolInput: null, decidable: true },
    });
    expect(messages.find((m) => m.type === 'alert')).toEqual({
      type: 'alert',
      title: 'T',
      body: 'B',
      sessionId: 's',
      dedupeKey: 'k2',
    });
  });

  it('a 410 from the push service removes the subscription (a 500 keeps it)', async () => {
    let answer = 500;
    const { push, server, api } = await setup(() => answer);
    const keys = browserKeys();
    const endpoint = `${push.origin}/push/gone`;
    await api.alerts.subscribePush({
      subscription: { endpoint, keys: { p256dh: keys.p256dh, auth: keys.authText } },
    });
    await api.alerts.test({ channels: ['push'] });
    await waitFor(() => push.got.length >= 1);
    await server.services.alerts!.idle();
    expect(
      await server.services.store.read(async ({ db }) =>
        db.selectFrom('push_subscriptions').select('endpoint').execute(),
      ),
    ).toEqual([{ endpoint }]);
    answer = 410;
    await api.alerts.test({ channels: ['push'] });
    await waitFor(() => push.got.length >= 2);
    await server.services.alerts!.idle();
    expect(
      await server.services.store.read(async ({ db }) =>
        db.selectFrom('push_subscriptions').select('endpoint').execute(),
      ),
    ).toEqual([]);
    expect((await api.alerts.deliveries()).map((d) => [d.status, d.httpStatus])).toEqual([
      ['gone', 410],
      ['failed', 500],
    ]);
    // nothing is sent to it any more
    await api.alerts.test({ channels: ['push'] });
    await server.services.alerts!.idle();
    expect(push.got).toHaveLength(2);
  });

  it('refuses plain-http push endpoints unless allowed; the VAPID key pair survives a restart', async () => {
    const { api, server, dir } = await setup(() => 201, false);
    const keys = browserKeys();
    await expect(
      api.alerts.subscribePush({
        subscription: {
          endpoint: 'http://127.0.0.1:9/push/x',
          keys: { p256dh: keys.p256dh, auth: keys.authText },
        },
      }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', message: 'endpoint: push endpoints must be https' });
    const { publicKey } = await api.alerts.vapidPublicKey();
    await server.close();
    const again = await startTestServer({ dataDir: dir });
    cleanups.push(() => again.close());
    expect((await caller(again).alerts.vapidPublicKey()).publicKey).toBe(publicKey);
  });
});
