/**
 * `terminals.output`: one viewer's stream. `hello`, then the replay (the whole ring buffer, or only what came after
 * a `lastEventId` still covered by it), then live output, `info` and `exit`, each `tracked` with the terminal's
 * sequence number. Consecutive output is sent as one `data` message (up to 64 KiB). The stream waits while the
 * WebSocket has more than 1 MiB queued; meanwhile the viewer's own queue absorbs output up to its bound, then it is
 * resynced (a new `hello` and the replay) instead of growing.
 */
import type { TerminalOutputMessage } from '@flightdeck/shared-types';
import { tracked } from '@trpc/server';
import type { RingChunk } from './ring.js';
import type { Terminal } from './terminal.js';
import type { Queued } from './viewer.js';

const WS_MARK = 1024 * 1024;
const MAX_DATA_MESSAGE = 64 * 1024;

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
    while (!signal?.aborted) {
      while (bufferedAmount() > WS_MARK && !signal?.aborted) await sleep(5);
      let batch = await viewer.next(signal);
      // Output keeps coming in small reads (a few KB): let the reads already due land first, up to a few event-loop
      // turns, and send them as one message (fewer, larger messages: much less per-message work).
      for (
        let turn = 0;
        turn < 4 && Array.isArray(batch) && queuedChars(batch) < MAX_DATA_MESSAGE / 2;
        turn++
      ) {
        await new Promise((r) => setImmediate(r));
        const more = viewer.take();
        if (more === 'resync') batch = more;
        else if (more.length === 0) break;
        else batch = batch.concat(more);
      }
      t.drained();
      if (batch === null) return;
      if (batch === 'resync') {
        yield* replay(false, t.ring.all(), 0);
        continue;
      }
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
