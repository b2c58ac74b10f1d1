/**
 * The `sessions.live` subscription body: snapshot or replay, then live messages, each wrapped in `tracked()` so a
 * reconnecting client resumes with `lastEventId`.
 */
import { tracked } from '@trpc/server';
import {
  type LiveEvent,
  type LiveHub,
  type LiveSessionSummary,
  type LiveView,
  type SnapshotMessage,
  sessionSummary,
} from './live.js';
import { WS_LIMITS } from './ws-limits.js';

/** A live message in the summary view: sessions as `LiveSessionSummary`. */
export type SummaryLiveEvent =
  | Exclude<LiveEvent, { type: 'session-upsert' } | { type: 'snapshot' }>
  | { seq: number; type: 'session-upsert'; data: LiveSessionSummary }
  | {
      seq: number;
      type: 'snapshot';
      data: { sessions: LiveSessionSummary[]; teams: SnapshotMessage['data']['teams'] };
    };

function toView(msg: LiveEvent, view: LiveView): LiveEvent | SummaryLiveEvent {
  if (view === 'full') return msg;
  if (msg.type === 'session-upsert') return { seq: msg.seq, type: msg.type, data: sessionSummary(msg.data) };
  if (msg.type === 'snapshot') {
    return {
      seq: msg.seq,
      type: 'snapshot',
      data: { sessions: msg.data.sessions.map(sessionSummary), teams: msg.data.teams },
    };
  }
  return msg;
}

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

export async function* liveStream(
  hub: LiveHub,
  lastEventId: string | null | undefined,
  signal: AbortSignal | undefined,
  bufferedAmount: () => number = () => 0,
  view: LiveView = 'full',
) {
  const sub = hub.subscribe();
  try {
    let last: number;
    const from = hub.parseEventId(lastEventId);
    const missed = from === null ? null : hub.since(from);
    if (missed && from !== null) {
      last = from;
      for (const msg of missed) {
        yield tracked(hub.eventId(msg.seq), toView(msg, view));
        last = msg.seq;
      }
    } else {
      const snap = hub.makeSnapshot();
      last = snap.seq;
      yield tracked(hub.eventId(snap.seq), toView(snap, view));
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
        yield tracked(hub.eventId(snap.seq), toView(snap, view));
        continue;
      }
      for (const msg of got) {
        if (msg.seq <= last) continue;
        last = msg.seq;
        yield tracked(hub.eventId(msg.seq), toView(msg, view));
      }
    }
  } finally {
    sub.close();
  }
}
