/**
 * Connection timeouts over real sockets: a connection that says nothing, one that sends half a request line, one
 * whose body stalls and an idle keep-alive connection are each closed within a bounded time (short timeouts here,
 * `buildApp({ timeouts })`); a WebSocket is not; with 1,000 such connections open the server still answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { HttpTimeouts } from '../src/app.js';
import type { RunningServer } from '../src/server.js';
import { startTestServer } from './helpers.js';
import { closedWithin, expectErrorForm, type OpenSocket, openSocket, rawRequest } from './wire.js';

const TIMEOUTS: HttpTimeouts = {
  headersTimeoutMs: 3000,
  requestTimeoutMs: 4000,
  keepAliveTimeoutMs: 1000,
  idleSocketTimeoutMs: 5000,
  checkIntervalMs: 200,
};
/** Closed within this: the request timeout plus the check interval, with room for a loaded machine. */
const BOUND_MS = 10_000;

describe('connection timeouts', () => {
  let server: RunningServer;
  let port: number;
  beforeAll(async () => {
    server = await startTestServer({ timeouts: TIMEOUTS });
    port = server.port as number;
  });
  afterAll(async () => {
    await server.close();
  });

  const head = (extra = '') => `POST /api/hooks HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${extra}`;

  it('a silent connection, half a request line, unfinished headers and a stalled body are closed in bounded time', async () => {
    const cases: Array<[string, OpenSocket]> = [
      ['silent', await openSocket(port)],
      ['half a request line', await openSocket(port, 'GET /trpc/system.he')],
      ['unfinished headers', await openSocket(port, head('content-type: application/json\r\n'))],
      [
        'stalled body',
        await openSocket(
          port,
          `${head('content-type: application/json\r\ncontent-length: 1000\r\n\r\n')}{"cli":`,
        ),
      ],
    ];
    for (const [what, s] of cases) await closedWithin(s, BOUND_MS, what);
    // Each was told why, in the one error form.
    for (const [what, s] of cases) {
      const answer = s.received();
      expect(answer, what).toMatch(/^HTTP\/1\.1 408 /);
      expectErrorForm(408, answer.slice(answer.indexOf('\r\n\r\n') + 4), /not received in time/);
    }
  }, 30_000);

  it('an idle keep-alive connection is closed after its last answer', async () => {
    const s = await openSocket(
      port,
      `GET /trpc/system.health HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n\r\n`,
    );
    await closedWithin(s, BOUND_MS, 'idle keep-alive');
    expect(s.received()).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('a WebSocket outlives every HTTP timeout (tRPC ping/pong watches it)', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/trpc`);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    let closed = false;
    ws.once('close', () => {
      closed = true;
    });
    await new Promise((r) => setTimeout(r, TIMEOUTS.idleSocketTimeoutMs + 1000));
    expect(closed).toBe(false);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  }, 20_000);

  it('with 1,000 idle and half-sent connections open, health answers; all of them are closed in bounded time', async () => {
    const sockets: OpenSocket[] = [];
    const payloads = [
      undefined,
      'GET /trpc/system.he',
      head('content-type: application/json\r\ncontent-length: 500\r\n\r\n{"cli":'),
    ];
    for (let i = 0; i < 1000; i += 100) {
      const batch = Array.from({ length: 100 }, (_, j) =>
        openSocket(port, payloads[(i + j) % payloads.length]),
      );
      sockets.push(...(await Promise.all(batch)));
    }
    const health = await rawRequest(port, { path: '/trpc/system.health' });
    expect(health.status).toBe(200);
    expect(sockets.filter((s) => s.isClosed())).toHaveLength(0);
    await Promise.all(sockets.map((s, i) => closedWithin(s, BOUND_MS, `connection ${i}`)));
    expect((await rawRequest(port, { path: '/trpc/system.health' })).status).toBe(200);
  }, 60_000);
});
