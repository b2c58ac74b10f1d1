/**
 * `terminals.output`: one viewer's stream. `hello`, then the replay (the whole ring buffer, or only what came after
 * a `lastEventId` still covered by it), then live output, `info` and `exit`, each `tracked` with the terminal's
 * sequence number. Consecutive output is sent as one `data` message (up to 256 KiB), and while output streams it
 * is gathered into large messages (see `gather`). The stream waits while the WebSocket has more than 1 MiB queued;
 * meanwhile the viewer's own queue absorbs output up to its bound, then it is resynced (a new `hello` and the
 * replay) instead of growing.
 */
import type { TerminalOutputMessage } from '@flightdeck/shared-types';
import { tracked } from '@trpc/server';
import type { RingChunk } from './ring.js';
import type { Terminal } from './terminal.js';
import type { Queued, Viewer, ViewerBatch } from './viewer.js';

const WS_MARK = 1024 * 1024;
/** The largest `data` message: a flood goes out in messages up to this size, the replay too. */
const MAX_DATA_MESSAGE = 256 * 1024;
/** A batch at least this big means output is streaming: the viewer gathers the next one (see `gather`). */
const FLOOD_BYTES = 2 * 1024;
/** How long a streaming viewer gathers output before it sends (the most it adds to what it shows). */
const GATHER_MS = 4;
/** What a streaming viewer gathers, at most, before it sends: below the PTY's pause mark (see `TerminalLimits`). */
const GATHER_BYTES = 128 * 1024;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function queuedChars(batch: Queued[]): number {
  let n = 0;
  for (const q of batch) n += q.bytes;
  return n;
}

function parseSeq(lastEventId: string | null | undefined): number | null {
  if (!lastEventId || !/^[0-9]{1,15}$/.test(lastEventId)) return null;
  return Number(lastEventId);
}

/**
 * Coalescing: output comes from the PTY in reads of at most 4 KiB (the kernel's tty buffer), one read per event-loop
 * turn, and each message costs the server (serialising, framing, a socket write) and the viewer (parsing,
 * dispatching) about the same whatever its size. So while output streams (the previous message was at least
 * `FLOOD_BYTES` and went out less than `GATHER_MS` ago), a viewer gathers what comes until `GATHER_MS` after that
 * message or `GATHER_BYTES`, then sends it as one. A keystroke's echo, or the first read of a burst, is never held.
 */
async function gather(
  viewer: Viewer,
  first: ViewerBatch | null,
  holdUntil: number,
  signal: AbortSignal | undefined,
  drained: () => void,
): Promise<ViewerBatch | null> {
  let batch = first;
  let bytes = Array.isArray(batch) ? queuedChars(batch) : 0;
  drained();
  while (Array.isArray(batch) && bytes < GATHER_BYTES && !signal?.aborted) {
    const left = holdUntil - performance.now();
    if (left <= 0) break;
    await viewer.more(left, signal);
    const more = viewer.take();
    drained();
    if (more === 'resync') batch = more;
    else {
      batch = batch.concat(more);
      bytes += queuedChars(more);
    }
  }
  return batch;
}

export async function* terminalOutput(
  t: Terminal,
  viewerId: string,
  lastEventId: string | null | undefined,
  signal: AbortSignal | undefined,
  bufferedAmount: () => number,
) {
  const viewer = t.attach(viewerId);
  try {
    const from = parseSeq(lastEventId);
    const missed = from === null ? null : t.ring.since(from, t.seq);
    const replay = (resumed: boolean, chunks: RingChunk[], at: number) => {
      const out = [
        tracked(String(at), { type: 'hello', viewerId, resumed, info: t.info() } as TerminalOutputMessage),
      ];
      let data = '';
      let seq = at;
      for (const c of chunks) {
        if (data && data.length + c.data.length > MAX_DATA_MESSAGE) {
          out.push(tracked(String(seq), { type: 'data', data }));
          data = '';
        }
        data += c.data;
        seq = c.seq;
      }
      if (data) out.push(tracked(String(seq), { type: 'data', data }));
      if (t.exit)
        out.push(tracked(String(t.seq), { type: 'exit', code: t.exit.code, signal: t.exit.signal }));
      return out;
    };
    // Each replayed message carries the seq of its last chunk, so a reconnect part-way resumes where it stopped
    // (the hello of a full replay carries 0: a reconnect before any data replays it all again).
    yield* missed !== null && from !== null ? replay(true, missed, from) : replay(false, t.ring.all(), 0);
    // When the previous batch went out, and its size (see `gather`).
    let lastAt = 0;
    let lastBytes = 0;
    while (!signal?.aborted) {
      while (bufferedAmount() > WS_MARK && !signal?.aborted) await sleep(5);
      const first = await viewer.next(signal);
      const holdUntil = lastBytes >= FLOOD_BYTES ? lastAt + GATHER_MS : 0;
      const batch = await gather(viewer, first, holdUntil, signal, () => t.drained());
      if (batch === null) return;
      if (batch === 'resync') {
        yield* replay(false, t.ring.all(), 0);
        continue;
      }
      lastAt = performance.now();
      lastBytes = queuedChars(batch);
      let data = '';
      let dataSeq = 0;
      for (const q of batch) {
        if (q.msg.type === 'data' && data.length + q.msg.data.length <= MAX_DATA_MESSAGE) {
          data += q.msg.data;
          dataSeq = q.seq;
          continue;
        }
        if (data) yield tracked(String(dataSeq), { type: 'data', data } as TerminalOutputMessage);
        data = '';
        if (q.msg.type === 'data') {
          data = q.msg.data;
          dataSeq = q.seq;
        } else yield tracked(String(q.seq), q.msg);
      }
      if (data) yield tracked(String(dataSeq), { type: 'data', data } as TerminalOutputMessage);
    }
  } finally {
    t.detach(viewer);
  }
}
