/**
 * `terminals.output`: one viewer's stream. `hello`, then the replay (the whole ring buffer, or only what came after
 * a `lastEventId` still covered by it), then live output, `info` and `exit`, each `tracked` with the terminal's
 * sequence number. Live output comes in the terminal's frames (gathered while output streams: see
 * `Terminal.onData`), the replay in messages of up to 256 KiB. The stream waits while the WebSocket has more than
 * 1 MiB queued; meanwhile the viewer's own queue absorbs output up to its bound, then it is resynced (a new `hello`
 * and the replay) instead of growing.
 */
import type { TerminalOutputMessage } from '@flightdeck/shared-types';
import { tracked } from '@trpc/server';
import type { RingChunk } from './ring.js';
import type { Terminal } from './terminal.js';

const WS_MARK = 1024 * 1024;
/** The largest `data` message of a replay. */
const MAX_DATA_MESSAGE = 256 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
      const batch = await viewer.next(signal);
      t.drained();
      if (batch === null) return;
      if (batch === 'resync') {
        // What the terminal has gathered but not sent goes into this replay, not after it as well.
        t.sendFrame();
        viewer.skipThrough(t.seq);
        yield* replay(false, t.ring.all(), 0);
        continue;
      }
      // Each `data` message is a frame shared by every viewer (terminal.ts), its JSON made once (frames.ts).
      for (const q of batch) yield tracked(String(q.seq), q.msg);
    }
  } finally {
    t.detach(viewer);
  }
}
