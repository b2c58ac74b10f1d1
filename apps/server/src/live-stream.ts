/**
 * The body of the `sessions.live` and `sessions.liveSummary` subscriptions: snapshot or replay, then live messages,
 * each wrapped in `tracked()` so a reconnecting client resumes with `lastEventId`.
 */
import { tracked } from '@trpc/server';
import type { LiveEvent, LiveHub } from './live.js';
import { WS_LIMITS } from './ws-limits.js';

/**
 * Bytes buffered on the socket above which the stream stops yielding until the socket drains: the mark at which
 * the server stops reading a socket (ws-limits.ts).
 */
export const WS_HIGH_WATER_MARK = WS_LIMITS.pauseReadingAboveBytes;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolveSleep) => {
    const t = setTimeout(resolveSleep, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolveSleep();
      },
      { once: true },
    );
  });
}

const whole = (msg: LiveEvent): LiveEvent => msg;

/**
 * The messages of `hub` after `lastEventId` (or a snapshot first), each as `view` makes it (whole sessions by
 * default; `summaryEvent` for the board's summaries): one subscription procedure per view, each with one shape.
 */
export async function* liveStream<T = LiveEvent>(
  hub: LiveHub,
  lastEventId: string | null | undefined,
  signal: AbortSignal | undefined,
  bufferedAmount: () => number = () => 0,
  view: (msg: LiveEvent) => T = whole as (msg: LiveEvent) => T,
) {
  const sub = hub.subscribe();
  try {
    let last: number;
    const from = hub.parseEventId(lastEventId);
    const missed = from === null ? null : hub.since(from);
    if (missed && from !== null) {
      last = from;
      for (const msg of missed) {
        yield tracked(hub.eventId(msg.seq), view(msg));
        last = msg.seq;
      }
    } else {
      const snap = hub.makeSnapshot();
      last = snap.seq;
      yield tracked(hub.eventId(snap.seq), view(snap));
    }
    while (!signal?.aborted) {
      const got = await sub.next(signal);
      if (got === null) return;
      // Backpressure: never queue more than the high-water mark on the socket. While we wait, the subscriber's
      // bounded queue fills up and overflows into a resync (a snapshot) rather than growing without bound.
      while (bufferedAmount() > WS_HIGH_WATER_MARK && !signal?.aborted) await sleep(10, signal);
      if (got === 'resync') {
        const snap = hub.makeSnapshot();
        last = snap.seq;
        yield tracked(hub.eventId(snap.seq), view(snap));
        continue;
      }
      for (const msg of got) {
        if (msg.seq <= last) continue;
        last = msg.seq;
        yield tracked(hub.eventId(msg.seq), view(msg));
      }
    }
  } finally {
    sub.close();
  }
}
