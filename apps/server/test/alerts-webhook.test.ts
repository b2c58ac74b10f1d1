/**
 * Webhook alerts end to end: a rule stored through `alerts.rules.create`, fired by the core on real hook events,
 * delivered to a real HTTP receiver on 127.0.0.1 (port 0), signed, retried after a 500, every attempt logged.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { openSqlite } from '@flightdeck/db';
import type { AlertDelivery } from '@flightdeck/shared-types';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server.js';
import { caller, claudeEvent, prompt, sessionStart, startTestServer, tmpDir, waitFor } from './helpers.js';

const SECRET = 'webhook-secret-0123456789';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A receiver that answers each request with the next of `answers` (the last one repeats). */
async function receiver(
  answers: Array<(res: ServerResponse) => void>,
): Promise<{ url: string; got: Received[]; close: () => Promise<void> }> {
  const got: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const answer = answers[Math.min(got.length - 1, answers.length - 1)]!;
      answer(res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    got,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const status =
  (code: number, body = '') =>
  (res: ServerResponse) =>
    res.writeHead(code).end(body);

/** A Claude session whose turn fails (the `error` condition). */
async function failTurn(server: RunningServer, sessionId: string) {
  await server.runtime.ingest(sessionStart(sessionId), `${sessionId}-1`);
  await server.runtime.ingest(prompt(sessionId, 'deploy it'), `${sessionId}-2`);
  await server.runtime.ingest(
    claudeEvent(sessionId, 'StopFailure', { error: 'rate_limit' }),
    `${sessionId}-3`,
  );
}

/** A rule that sends failed turns to `url`. */
function errorRule(api: ReturnType<typeof caller>, url: string) {
  return api.alerts.rules.create({
    name: 'x',
    enabled: true,
    condition: { type: 'error' },
    channels: ['webhook'],
    webhook: { url, secret: SECRET },
  });
}

describe('webhook alerts', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(answers: Array<(res: ServerResponse) => void>, webhook = {}) {
    const rx = await receiver(answers);
    cleanups.push(rx.close);
    const tmp = tmpDir();
    cleanups.push(tmp.remove);
    const server = await startTestServer({
      dataDir: tmp.dir,
      alerts: {
        maxConcurrentRequests: 3,
        webhook: { retryDelaysMs: [50, 100, 200], timeoutMs: 2000, ...webhook },
      },
    });
    cleanups.push(() => server.close());
    return { rx, server, api: caller(server) };
  }

  it('fires once, signed with the secret, retried after a 500, both attempts in the delivery log', async () => {
    const { rx, server, api } = await setup([status(500, 'busy'), status(200, 'thanks')]);
    const rule = await api.alerts.rules.create({
      name: 'Turn failed',
      enabled: true,
      condition: { type: 'error' },
      channels: ['webhook'],
      webhook: { url: rx.url, secret: SECRET },
    });
    expect(rule.webhook).toEqual({ url: rx.url, hasSecret: true });
    expect(JSON.stringify(await api.alerts.rules.list())).not.toContain(SECRET);

    await failTurn(server, 'wh-1');
    await waitFor(() => rx.got.length >= 2);
    await server.services.alerts!.idle();
    // more changes to the same session: the same failure does not fire again
    await server.runtime.ingest(
      claudeEvent('wh-1', 'Notification', { notification_type: 'idle_prompt', message: 'waiting' }),
      'wh-1-4',
    );
    await server.services.alerts!.idle();
    expect(rx.got).toHaveLength(2);

    const [first, second] = rx.got as [Received, Received];
    expect(second.body).toBe(first.body);
    for (const r of rx.got) {
      expect(r.headers['content-type']).toBe('application/json');
      const expected = `sha256=${createHmac('sha256', SECRET).update(r.body).digest('hex')}`;
      expect(r.headers['x-flightdeck-signature']).toBe(expected);
      // a receiver with another secret cannot verify it
      expect(r.headers['x-flightdeck-signature']).not.toBe(
        `sha256=${createHmac('sha256', 'another-secret-xxxxxxxx').update(r.body).digest('hex')}`,
      );
    }
    const body = JSON.parse(first.body) as {
      type: string;
      sentAt: number;
      alert: {
        ruleId: string;
        sessionId: string;
        condition: string;
        title: string;
        body: string;
        dedupeKey: string;
      };
    };
    expect(first.headers['x-flightdeck-timestamp']).toBe(String(body.sentAt));
    expect(body.type).toBe('alert');
    expect(body.alert).toMatchObject({
      ruleId: rule.id,
      sessionId: 'wh-1',
      condition: 'error',
      title: 'project-x · deploy it: turn failed',
      body: 'Turn failed: rate_limit',
    });

    const log = await api.alerts.deliveries({ ruleId: rule.id });
    expect(
      log.map((d: AlertDelivery) => [
        d.channel,
        d.attempt,
        d.status,
        d.httpStatus,
        d.responseExcerpt,
        d.target,
      ]),
    ).toEqual([
      ['webhook', 2, 'ok', 200, 'thanks', rx.url],
      ['webhook', 1, 'retrying', 500, 'busy', rx.url],
    ]);
    expect(new Set(log.map((d) => d.dedupeKey))).toEqual(new Set([body.alert.dedupeKey]));
  });

  it('gives up after the configured retries, and a 4xx is final at once', async () => {
    const { rx, server, api } = await setup([status(503)]);
    const rule = await errorRule(api, rx.url);
    await failTurn(server, 'wh-2');
    await waitFor(() => rx.got.length >= 4);
    await server.services.alerts!.idle();
    expect(rx.got).toHaveLength(4);
    const log = await api.alerts.deliveries({ ruleId: rule.id });
    expect(log.map((d) => [d.attempt, d.status])).toEqual([
      [4, 'failed'],
      [3, 'retrying'],
      [2, 'retrying'],
      [1, 'retrying'],
    ]);

    const rx4 = await receiver([status(403, 'no')]);
    cleanups.push(rx4.close);
    await api.alerts.rules.update({ ...rule, webhook: { url: rx4.url } });
    await api.alerts.test({ ruleId: rule.id });
    await waitFor(() => rx4.got.length >= 1);
    await server.services.alerts!.idle();
    expect(rx4.got).toHaveLength(1);
    // the update kept the stored secret (none was sent)
    expect(rx4.got[0]?.headers['x-flightdeck-signature']).toBe(
      `sha256=${createHmac('sha256', SECRET).update(rx4.got[0]!.body).digest('hex')}`,
    );
    expect((await api.alerts.deliveries({ limit: 1 }))[0]).toMatchObject({
      status: 'failed',
      httpStatus: 403,
    });
  });

  it('does not follow a redirect, stores only an excerpt of the answer, and times out a silent receiver', async () => {
    const elsewhere = await receiver([status(200)]);
    cleanups.push(elsewhere.close);
    const { rx, server, api } = await setup(
      [
        (res) => res.writeHead(307, { location: elsewhere.url }).end(),
        (res) => res.writeHead(400).end('x'.repeat(100_000)),
        () => {}, // never answers
      ],
      { retryDelaysMs: [10, 10], timeoutMs: 300 },
    );
    const rule = await errorRule(api, rx.url);
    await api.alerts.test({ ruleId: rule.id });
    await waitFor(() => rx.got.length >= 1);
    await server.services.alerts!.idle();
    await api.alerts.test({ ruleId: rule.id });
    await waitFor(() => rx.got.length >= 2);
    await server.services.alerts!.idle();
    await api.alerts.test({ ruleId: rule.id });
    await waitFor(() => rx.got.length >= 5);
    await server.services.alerts!.idle();
    expect(elsewhere.got).toHaveLength(0);
    const log = (await api.alerts.deliveries({ ruleId: rule.id })).reverse();
    expect(log[0]).toMatchObject({ attempt: 1, status: 'failed', httpStatus: 307 });
    expect(log[1]).toMatchObject({ attempt: 1, status: 'failed', httpStatus: 400 });
    expect(log[1]?.responseExcerpt).toHaveLength(500);
    expect(log.slice(2).map((d) => [d.attempt, d.status, d.httpStatus])).toEqual([
      [1, 'retrying', null],
      [2, 'retrying', null],
      [3, 'failed', null],
    ]);
    expect(log[4]?.error).toContain('no answer within 300 ms');
  });

  it('an alert storm keeps at most maxConcurrentRequests requests open to the receiver; all arrive', async () => {
    let open = 0;
    let most = 0;
    const held: ServerResponse[] = [];
    const { rx, server, api } = await setup([
      (res) => {
        held.push(res);
        most = Math.max(most, ++open);
      },
    ]);
    const rule = await errorRule(api, rx.url);
    for (let i = 0; i < 20; i++) await api.alerts.test({ ruleId: rule.id });
    await waitFor(() => rx.got.length >= 3);
    // what the limit lets through is in flight; nothing more comes while they are held
    await new Promise((r) => setTimeout(r, 200));
    expect(rx.got).toHaveLength(3);
    while (rx.got.length < 20 || held.length > 0) {
      for (const res of held.splice(0)) {
        open -= 1;
        res.writeHead(200).end();
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    await server.services.alerts!.idle();
    expect(most).toBe(3);
    expect((await api.alerts.deliveries({ ruleId: rule.id })).filter((d) => d.status === 'ok')).toHaveLength(
      20,
    );
  });

  it('a delivery under way when the server closes is finished and logged before the database closes', async () => {
    const { rx, server, api } = await setup([(res) => setTimeout(() => res.writeHead(200).end('late'), 300)]);
    const rule = await errorRule(api, rx.url);
    await api.alerts.test({ ruleId: rule.id });
    await waitFor(() => rx.got.length >= 1);
    const dir = server.services.info.dataDir as string;
    await server.close();
    const db = await openSqlite({ file: join(dir, 'flightdeck.db') });
    try {
      const rows = db.sqlite
        .prepare('SELECT status, http_status, response_excerpt FROM alert_deliveries')
        .all();
      expect(rows).toEqual([{ status: 'ok', http_status: 200, response_excerpt: 'late' }]);
    } finally {
      await db.close();
    }
  });

  it('refuses a webhook that is not http(s), and a webhook channel without a webhook', async () => {
    const { api } = await setup([status(200)]);
    for (const url of ['file:///etc/passwd', 'ftp://example.com/x', 'javascript:alert(1)', 'not a url']) {
      await expect(errorRule(api, url)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    }
    await expect(
      api.alerts.rules.create({
        name: 'x',
        enabled: true,
        condition: { type: 'error' },
        channels: ['webhook'],
      }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(api.alerts.test({ channels: ['webhook'] })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
