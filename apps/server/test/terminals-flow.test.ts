/**
 * Terminals under load: a viewer whose socket stalls is resynced (a new `hello` and the replay) instead of being
 * queued without bound, and the viewer that keeps up gets every byte meanwhile.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, tmpDir, waitFor } from './helpers.js';
import { clientFor } from './terminal-client.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanups.reverse()) await f();
  cleanups.length = 0;
});

const TOTAL = 20_000_000;

interface Received {
  hellos: number;
  xs: number;
  end: boolean;
  /** `data` messages received. */
  messages: number;
}

function count(r: Received, msg: { type: string; data?: string }): void {
  if (msg.type === 'hello') r.hellos += 1;
  if (msg.type === 'data' && msg.data) {
    r.messages += 1;
    r.xs += msg.data.length - msg.data.replaceAll('x', '').length;
    if (msg.data.includes('END')) r.end = true;
  }
}

/** A viewer over a raw WebSocket that stops reading once it has its hello. */
async function stalledViewer(url: string, id: string) {
  const slow: Received = { hellos: 0, xs: 0, end: false, messages: 0 };
  const ws = new WebSocket(`${url.replace('http', 'ws')}/trpc`);
  cleanups.push(() => ws.terminate());
  await new Promise((resolve) => ws.on('open', resolve));
  ws.on('message', (raw) => {
    const m = JSON.parse(String(raw)) as {
      result?: { type: string; data?: { id: string; data: { type: string; data?: string } } };
    };
    const msg = m.result?.type === 'data' ? m.result.data?.data : undefined;
    if (!msg) return;
    count(slow, msg);
    if (msg.type === 'hello' && slow.hellos === 1)
      (ws as unknown as { _socket: { pause(): void } })._socket.pause();
  });
  ws.send(
    JSON.stringify({
      id: 1,
      method: 'subscription',
      params: { path: 'terminals.output', input: { id, viewerId: 'slow' } },
    }),
  );
  return { slow, ws };
}

async function flood(dir: string) {
  const server = await startTestServer({ transcripts: false });
  cleanups.push(() => server.close());
  const client = clientFor(server.url as string, cleanups);
  writeFileSync(
    join(dir, 'flood.sh'),
    `sleep 1\nhead -c ${TOTAL} /dev/zero | tr '\\0' x\necho\necho END\nsleep 30\n`,
  );
  const t = await client.terminals.create.mutate({
    kind: 'local',
    command: 'sh flood.sh',
    cwd: dir,
    cols: 80,
    rows: 24,
  });
  return { server, client, t };
}

describe('terminals: flow', () => {
  it('a stalled viewer is resynced, never queued without bound, and does not starve one that keeps up, which gets the flood in large messages', async () => {
    const dir = tmpDir();
    cleanups.push(dir.remove);
    const { server, client, t } = await flood(dir.dir);
    const { slow, ws } = await stalledViewer(server.url as string, t.id);

    const fast: Received = { hellos: 0, xs: 0, end: false, messages: 0 };
    const sub = client.terminals.output.subscribe(
      { id: t.id, viewerId: 'fast' },
      { onData: (d) => count(fast, d.data) },
    );
    cleanups.push(() => sub.unsubscribe());
    await waitFor(() => slow.hellos === 1 && fast.hellos === 1);

    await waitFor(() => fast.end, 90_000, 50);
    expect(fast.xs).toBe(TOTAL);
    expect(fast.hellos).toBe(1);
    // The PTY is read 4 KiB at a time at most; sent as read, that is 5,000 messages and more (4 KiB on average).
    expect(TOTAL / fast.messages).toBeGreaterThan(12 * 1024);
    expect(slow.end).toBe(false);

    // The stalled viewer reads again: it is told to resync (a new hello), then gets the replay, not 20 MB.
    (ws as unknown as { _socket: { resume(): void } })._socket.resume();
    await waitFor(() => slow.end, 30_000);
    expect(slow.hellos).toBeGreaterThanOrEqual(2);
    expect(slow.xs).toBeLessThan(TOTAL / 2);
  }, 120_000);

  it('a lone stalled viewer pauses the PTY for at most 2 s at a time: the program is never blocked for good', async () => {
    const dir = tmpDir();
    cleanups.push(dir.remove);
    const { server, client, t } = await flood(dir.dir);
    const { slow } = await stalledViewer(server.url as string, t.id);
    await waitFor(() => slow.hellos === 1);
    // (without the bound, only the WebSocket keepalive ending the stalled socket, after some 40 s, frees the PTY)
    await waitFor(
      async () => (await client.terminals.buffer.query({ id: t.id })).text.includes('END'),
      25_000,
      100,
    );
    expect(slow.end).toBe(false);
  }, 120_000);
});
