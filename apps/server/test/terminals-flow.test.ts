/**
 * Terminals under load: a viewer whose socket stalls is resynced (a new `hello` and the replay) instead of being
 * queued without bound, and the viewer that keeps up gets every byte meanwhile.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { terminalOutput } from '../src/terminals/stream.js';
import type { Terminal } from '../src/terminals/terminal.js';
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
  /** The text since the last hello. */
  text: string;
  /** The last tracked id since the last hello, and how many came out of order (not after the one before). */
  lastId?: number;
  disordered?: number;
}

function count(r: Received, msg: { type: string; data?: string }, id?: string): void {
  if (msg.type === 'hello') {
    r.hellos += 1;
    r.text = '';
  } else if (id !== undefined) {
    if (r.lastId !== undefined && Number(id) <= r.lastId) r.disordered = (r.disordered ?? 0) + 1;
    r.lastId = Number(id);
  }
  if (msg.type === 'hello') r.lastId = undefined;
  if (msg.type === 'data' && msg.data) {
    r.messages += 1;
    r.text += msg.data;
    r.xs += msg.data.length - msg.data.replaceAll('x', '').length;
    if (msg.data.includes('END')) r.end = true;
  }
}

/** A viewer over a raw WebSocket that stops reading once it has its hello. */
async function stalledViewer(url: string, id: string) {
  const slow: Received = { hellos: 0, xs: 0, end: false, messages: 0, text: '' };
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

/**
 * A terminal that prints `total` x's (or the numbers 1 to `total`, one a line, with `lines`) and END, a second
 * after it starts or once it reads a line (`onGo`).
 */
async function flood(dir: string, total = TOTAL, onGo = false, lines = false) {
  const server = await startTestServer({ transcripts: false });
  cleanups.push(() => server.close());
  const client = clientFor(server.url as string, cleanups);
  writeFileSync(
    join(dir, 'flood.sh'),
    `${onGo ? 'read go' : 'sleep 1'}\n${lines ? `seq 1 ${total}` : `head -c ${total} /dev/zero | tr '\\0' x`}\necho\necho END\nsleep 30\n`,
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

    const fast: Received = { hellos: 0, xs: 0, end: false, messages: 0, text: '' };
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

  it('every viewer gets the same frames (made and encoded once for all)', async () => {
    const dir = tmpDir();
    cleanups.push(dir.remove);
    const total = 4_000_000;
    const { server, client, t } = await flood(dir.dir, total, true);
    const viewers = ['a', 'b'].map((viewerId) => {
      const frames: string[] = [];
      const r: Received = { hellos: 0, xs: 0, end: false, messages: 0, text: '' };
      // Each viewer on a socket of its own, as browsers are.
      const sub = clientFor(server.url as string, cleanups).terminals.output.subscribe(
        { id: t.id, viewerId },
        {
          onData: (d) => {
            count(r, d.data);
            if (d.data.type === 'data') frames.push(`${d.id}:${d.data.data.length}`);
          },
        },
      );
      cleanups.push(() => sub.unsubscribe());
      return { frames, r };
    });
    await waitFor(() => viewers.every((v) => v.r.hellos === 1));
    await client.terminals.input.mutate({ id: t.id, viewerId: 'a', data: 'go\r' });
    await waitFor(() => viewers.every((v) => v.r.end), 60_000, 50);
    const [a, b] = viewers as [(typeof viewers)[0], (typeof viewers)[0]];
    expect(a.r.xs).toBe(total);
    expect(b.r.xs).toBe(total);
    expect(a.r.hellos + b.r.hellos).toBe(2);
    expect(b.frames).toEqual(a.frames);
  }, 90_000);

  it('a viewer that joins, or is resynced, while a frame is being gathered shows every line once and in order, and messages after it', async () => {
    const dir = tmpDir();
    cleanups.push(dir.remove);
    const total = 3_000_000;
    const { server, client, t } = await flood(dir.dir, total, true, true);
    const terminal = server.services.terminals?.get(t.id) as Terminal;
    const fast: Received = { hellos: 0, xs: 0, end: false, messages: 0, text: '' };
    const sub = client.terminals.output.subscribe(
      { id: t.id, viewerId: 'fast' },
      { onData: (d) => count(fast, d.data) },
    );
    cleanups.push(() => sub.unsubscribe());
    // The slow viewer is this test pulling the stream itself: not at all until it is past its bound.
    const abort = new AbortController();
    cleanups.push(() => abort.abort());
    const slowStream = terminalOutput(terminal, 'slow', null, abort.signal, () => 0);
    const slow: Received = { hellos: 0, xs: 0, end: false, messages: 0, text: '' };
    const pullInto = async (stream: typeof slowStream, r: Received) => {
      const next = await stream.next();
      if (next.done) return;
      const [id, msg] = next.value as unknown as [string, { type: string; data?: string }];
      count(r, msg, id);
    };
    const pull = () => pullInto(slowStream, slow);
    await pull();
    await waitFor(() => fast.hellos === 1);
    await client.terminals.input.mutate({ id: t.id, viewerId: 'fast', data: 'go\r' });
    await waitFor(() => fast.text.length > 4_000_000, 60_000, 10);
    // With output read but not sent yet, a viewer joins (and keeps up from then on).
    await waitFor(() => terminal.unsentBytes > 0, 10_000, 0);
    const lateStream = terminalOutput(terminal, 'late', null, abort.signal, () => 0);
    const late: Received = { hellos: 0, xs: 0, end: false, messages: 0, text: '' };
    await pullInto(lateStream, late);
    const lateDone = (async () => {
      while (!late.end) await pullInto(lateStream, late);
    })();
    // With output read but not sent yet, the terminal is resized: its info message comes after that output.
    await waitFor(() => terminal.unsentBytes > 0, 10_000, 0);
    terminal.resize(100, 30);
    // Again, with output read but not sent yet, the slow viewer reads on: it is resynced.
    await waitFor(() => terminal.unsentBytes > 0, 10_000, 0);
    while (slow.hellos < 2) await pull();
    while (!slow.end) await pull();
    await waitFor(() => fast.end, 60_000, 50);
    await lateDone;
    const numbers = (text: string) =>
      text
        .split('\r\n')
        .filter((l) => /^[0-9]+$/.test(l))
        .map(Number);
    const inOrder = (ns: number[]) => ns.every((n, i) => i === 0 || n === (ns[i - 1] as number) + 1);
    const seen = numbers(fast.text);
    expect(seen.length).toBe(total);
    expect(inOrder(seen)).toBe(true);
    expect(late.hellos).toBe(1);
    expect(late.disordered ?? 0).toBe(0);
    expect(slow.disordered ?? 0).toBe(0);
    // A replay may begin in the middle of a line: from the next one on, each once, in order, to the last.
    for (const r of [late, slow]) {
      const after = numbers(r.text).slice(1);
      expect(after.length).toBeGreaterThan(1000);
      expect(inOrder(after)).toBe(true);
      expect(after.at(-1)).toBe(total);
    }
  }, 120_000);
});
