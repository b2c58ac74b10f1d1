/**
 * The `alerts` namespace through real transports: rules edited and sent to the core, `alerts.live` over a real
 * WebSocket (and resumed with `lastEventId`), login required, and a restart that fires nothing twice.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { openSqlite } from '@flightdeck/db';
import { BUILTIN_APPROVAL_RULE_ID } from '@flightdeck/shared-types';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server.js';
import {
  caller,
  claudeEvent,
  prompt,
  sessionStart,
  startTestServer,
  tmpDir,
  trpcClient,
  waitFor,
} from './helpers.js';

const SECRET = 'a-secret-of-some-length';

async function failTurn(server: RunningServer, sessionId: string, n = 1) {
  await server.runtime.ingest(sessionStart(sessionId), `${sessionId}-s${n}`);
  await server.runtime.ingest(prompt(sessionId, 'ship it'), `${sessionId}-p${n}`);
  await server.runtime.ingest(
    claudeEvent(sessionId, 'StopFailure', { error: 'overloaded' }),
    `${sessionId}-f${n}`,
  );
}

describe('alerts procedures', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('rules: list (the built-in rule), create, update, delete; every change reaches the core; secrets stay in', async () => {
    const server = await startTestServer({ dataDir: null, listen: false });
    cleanups.push(() => server.close());
    const api = caller(server);
    const coreRules = () => server.runtime.state.alerts?.rules.map((r) => `${r.id}:${r.enabled}`) ?? [];
    await waitFor(() => coreRules().length === 1);
    expect(await api.alerts.rules.list()).toMatchObject([
      {
        id: BUILTIN_APPROVAL_RULE_ID,
        enabled: true,
        condition: { type: 'approval-opened' },
        channels: ['push', 'browser'],
      },
    ]);
    const r = await api.alerts.rules.create({
      name: 'Idle',
      enabled: true,
      condition: { type: 'idle', minutes: 30 },
      channels: ['in-app', 'webhook'],
      webhook: { url: 'https://hooks.example.com/a', secret: SECRET },
    });
    expect(r).toMatchObject({
      name: 'Idle',
      webhook: { url: 'https://hooks.example.com/a', hasSecret: true },
    });
    expect(coreRules()).toEqual([`${BUILTIN_APPROVAL_RULE_ID}:true`, `${r.id}:true`]);
    expect(JSON.stringify(server.runtime.state)).not.toContain(SECRET);

    const u = await api.alerts.rules.update({
      ...r,
      enabled: false,
      webhook: { url: 'https://hooks.example.com/b' },
    });
    expect(u).toMatchObject({
      enabled: false,
      webhook: { url: 'https://hooks.example.com/b', hasSecret: true },
    });
    expect(coreRules()).toEqual([`${BUILTIN_APPROVAL_RULE_ID}:true`, `${r.id}:false`]);
    await api.alerts.rules.update({
      id: BUILTIN_APPROVAL_RULE_ID,
      name: 'Approval',
      enabled: false,
      condition: { type: 'approval-opened' },
      channels: ['push'],
    });
    expect(coreRules()).toEqual([`${BUILTIN_APPROVAL_RULE_ID}:false`, `${r.id}:false`]);

    await expect(api.alerts.rules.update({ ...r, id: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(
      api.alerts.rules.update({
        ...r,
        channels: ['in-app'],
        webhook: null,
        condition: { type: 'idle', minutes: 0 },
      }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    // a new webhook on a rule that had none needs its secret
    const plain = await api.alerts.rules.create({
      name: 'P',
      enabled: true,
      condition: { type: 'error' },
      channels: ['in-app'],
    });
    await expect(
      api.alerts.rules.update({
        ...plain,
        channels: ['webhook'],
        webhook: { url: 'https://hooks.example.com/c' },
      }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', message: 'webhook.secret: required for a new webhook' });

    expect(await api.alerts.rules.delete({ id: r.id })).toEqual({ deleted: true });
    await expect(api.alerts.rules.delete({ id: r.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(coreRules()).toEqual([`${BUILTIN_APPROVAL_RULE_ID}:false`, `${plain.id}:true`]);
  });

  it('alerts.live delivers in-app/browser alerts over a WebSocket, and resumes from lastEventId', async () => {
    const server = await startTestServer({ dataDir: null });
    cleanups.push(() => server.close());
    const { client, close } = trpcClient(server.url as string);
    cleanups.push(close);
    const got: Array<{ id: string; title: string; channels: string[] }> = [];
    let started = false;
    const sub = client.alerts.live.subscribe(undefined, {
      onStarted: () => {
        started = true;
      },
      onData: ({ id, data }) => got.push({ id, title: data.alert.title, channels: data.channels }),
    });
    cleanups.push(() => sub.unsubscribe());
    await waitFor(() => started);
    const silent = await client.alerts.rules.create.mutate({
      name: 'webhook only',
      enabled: true,
      condition: { type: 'error' },
      channels: ['webhook'],
      webhook: { url: 'http://127.0.0.1:9/never', secret: SECRET },
    });
    await client.alerts.rules.create.mutate({
      name: 'Failed',
      enabled: true,
      condition: { type: 'error' },
      channels: ['in-app', 'push', 'browser'],
    });
    await failTurn(server, 'live-1');
    await waitFor(() => got.length >= 1);
    expect(got).toEqual([
      { id: got[0]!.id, title: 'project-x · ship it: turn failed', channels: ['in-app', 'browser'] },
    ]);
    await client.alerts.rules.delete.mutate({ id: silent.id });

    // missed while away: given again after the id the client saw last
    await client.alerts.test.mutate({ channels: ['in-app'] });
    await client.alerts.test.mutate({ channels: ['browser'] });
    await waitFor(() => got.length >= 3);
    const stream = await caller(server).alerts.live({ lastEventId: got[0]!.id });
    const it = stream[Symbol.asyncIterator]();
    // a tracked() value through the caller: `[id, data]`
    const replayed = [await it.next(), await it.next()].map(
      (r) => (r.value as unknown as [string, unknown])[0],
    );
    await it.return?.(undefined);
    expect(replayed).toEqual([got[1]!.id, got[2]!.id]);
  });

  it('needs a login when a password is set', async () => {
    const server = await startTestServer({ dataDir: null, password: 'correct horse battery' });
    cleanups.push(() => server.close());
    for (const path of ['alerts.rules.list', 'alerts.deliveries', 'alerts.vapidPublicKey']) {
      const res = await fetch(`${server.url}/trpc/${path}`);
      expect(res.status, path).toBe(401);
    }
    const res = await fetch(`${server.url}/trpc/alerts.test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(401);
    await expect(caller(server).alerts.rules.list()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('a restart fires nothing twice: what fired is in the checkpoint, the rules are sent again', async () => {
    const got: string[] = [];
    const rx: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        got.push(body);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => rx.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => rx.close(() => r())));
    const url = `http://127.0.0.1:${(rx.address() as AddressInfo).port}/h`;
    const tmp = tmpDir();
    cleanups.push(tmp.remove);
    const first = await startTestServer({ dataDir: tmp.dir });
    await caller(first).alerts.rules.create({
      name: 'Failed',
      enabled: true,
      condition: { type: 'error' },
      channels: ['webhook'],
      webhook: { url, secret: SECRET },
    });
    await failTurn(first, 'rs-1');
    await waitFor(() => got.length >= 1);
    await first.services.alerts!.idle();
    await first.close();

    const second = await startTestServer({ dataDir: tmp.dir });
    cleanups.push(() => second.close());
    await waitFor(() => (second.runtime.state.alerts?.rules.length ?? 0) === 2);
    expect(second.runtime.getSession('rs-1')?.statusReason.detail).toBe('Turn failed: overloaded');
    await second.runtime.ingest(
      claudeEvent('rs-1', 'Notification', { notification_type: 'idle_prompt', message: 'waiting' }),
      'rs-1-n',
    );
    await second.services.alerts!.idle();
    expect(got).toHaveLength(1);
    await second.close();

    // A crash after a failure was stored and before the checkpoint took it in: the restart replays it; the alert
    // goes out again on the rule's webhook (at least once; the same dedupeKey when it had gone out before).
    const db = await openSqlite({ file: join(tmp.dir, 'flightdeck.db') });
    db.sqlite
      .prepare(
        `INSERT INTO hook_events (ingest_id, session_id, cli, event_type, payload, meta, received_at, sent_at)
       VALUES ('crash-1', 'rs-2', 'claude', 'StopFailure', ?, '{}', ?, NULL)`,
      )
      .run(
        JSON.stringify({
          session_id: 'rs-2',
          cwd: '/home/dev/project-x',
          hook_event_name: 'StopFailure',
          error: 'boom',
        }),
        Date.now(),
      );
    await db.close();
    const third = await startTestServer({ dataDir: tmp.dir });
    cleanups.push(() => third.close());
    await waitFor(() => got.length >= 2);
    expect(JSON.parse(got[1]!).alert).toMatchObject({ sessionId: 'rs-2', condition: 'error' });

    // a new failure is a new occurrence
    await third.runtime.ingest(prompt('rs-1', 'again'), 'rs-1-p2');
    await new Promise((r) => setTimeout(r, 5));
    await third.runtime.ingest(claudeEvent('rs-1', 'StopFailure', { error: 'overloaded' }), 'rs-1-f2');
    await waitFor(() => got.length >= 3);
  });
});
