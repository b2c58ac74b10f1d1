/**
 * Live updates: a bounded replay log of sequenced messages, leading-edge coalescing per session/team, and
 * bounded per-subscriber queues. A slow subscriber never grows server memory: when its queue overflows it is
 * marked for a resync and gets a fresh snapshot instead of the backlog.
 */
import { randomBytes } from 'node:crypto';
import type { Session, Team } from '@flightdeck/shared-types';

export {
  LAST_RESPONSE_CHARS,
  type LiveSessionSummary,
  type SummaryLiveEvent,
  sessionSummary,
  summaryEvent,
} from './live-summary.js';

export type LiveMessage =
  | { seq: number; type: 'session-upsert'; data: Session }
  | { seq: number; type: 'session-removed'; data: { sessionId: string } }
  | { seq: number; type: 'team-upsert'; data: Team }
  | { seq: number; type: 'team-removed'; data: { teamId: string } };

export interface SnapshotMessage {
  seq: number;
  type: 'snapshot';
  data: { sessions: Session[]; teams: Team[] };
}

export type LiveEvent = LiveMessage | SnapshotMessage;

export interface LiveSource {
  getSession(id: string): Session | undefined;
  getTeam(id: string): Team | undefined;
  snapshot(): { sessions: Session[]; teams: Team[] };
}

export interface LiveHubOptions {
  /** Replay log capacity. */
  logSize?: number;
  /** Coalescing window (ms) at normal load. 0 disables coalescing. */
  coalesceMs?: number;
  /** Wider window used while more than `busyRate` messages per second go out (ms). */
  busyCoalesceMs?: number;
  /** Changes per second above which the wider window applies. */
  busyRate?: number;
  /** Max queued messages per subscriber before it is resynced with a snapshot. */
  subscriberQueueLimit?: number;
}

export interface Subscriber {
  /** Waits for messages; returns them, or 'resync' when the queue overflowed, or null when aborted/closed. */
  next(signal?: AbortSignal): Promise<LiveMessage[] | 'resync' | null>;
  close(): void;
}

type Key = `s:${string}` | `t:${string}`;

interface Window {
  until: number;
  pending: boolean;
}

export interface LiveHub {
  /** The id of this server run; event ids are `<epoch>:<seq>` so a restarted server never replays a stale range. */
  readonly epoch: string;
  readonly seq: number;
  sessionChanged(id: string): void;
  sessionRemoved(id: string): void;
  teamChanged(id: string): void;
  teamRemoved(id: string): void;
  /** Messages after `seq`, or null when that range is no longer (or never was) in the log. */
  since(seq: number): LiveMessage[] | null;
  makeSnapshot(): SnapshotMessage;
  subscribe(): Subscriber;
  readonly subscriberCount: number;
  /** Emits everything still pending in coalescing windows. */
  flush(): void;
  close(): void;
  eventId(seq: number): string;
  parseEventId(id: string | null | undefined): number | null;
}

/** What the log and the queues hold: which session/team changed at which seq. The data is read when the message
 * is delivered, so neither keeps old Session versions alive (a replayed upsert carries the current state, which
 * is what a client wants; a session removed since is delivered as `session-removed`). */
interface Entry {
  seq: number;
  key: Key;
}

interface SubState {
  queue: Entry[];
  overflow: boolean;
  wake: (() => void) | null;
  closed: boolean;
  /** The abort signal a listener is registered on (one listener per signal, not one per `next()`). */
  signal: AbortSignal | null;
}

export function createLiveHub(source: LiveSource, opts: LiveHubOptions = {}): LiveHub {
  const logSize = opts.logSize ?? 2000;
  const baseWindowMs = opts.coalesceMs ?? 16;
  const busyWindowMs = Math.max(baseWindowMs, opts.busyCoalesceMs ?? 250);
  const busyRate = opts.busyRate ?? 1500;
  // Changes reported in the current and the previous second: under heavy load, per-session updates are
  // coalesced over a wider window so the number (and bytes) of messages stays bounded.
  let rateSecond = 0;
  let rateCurrent = 0;
  let ratePrevious = 0;
  const windowMs = () => {
    const sec = Math.floor(performance.now() / 1000);
    if (sec !== rateSecond) {
      ratePrevious = sec === rateSecond + 1 ? rateCurrent : 0;
      rateCurrent = 0;
      rateSecond = sec;
    }
    return Math.max(rateCurrent, ratePrevious) > busyRate ? busyWindowMs : baseWindowMs;
  };
  const queueLimit = opts.subscriberQueueLimit ?? 1000;
  const epoch = randomBytes(4).toString('hex');
  const log: Entry[] = [];
  let logStart = 0; // index of the oldest entry in the ring
  let seq = 0;
  const subs = new Set<SubState>();
  const windows = new Map<Key, Window>();
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  function append(msg: Entry) {
    if (log.length < logSize) log.push(msg);
    else {
      log[logStart] = msg;
      logStart = (logStart + 1) % logSize;
    }
    for (const sub of subs) {
      if (sub.overflow) continue;
      if (sub.queue.length >= queueLimit) {
        sub.overflow = true;
        sub.queue = [];
      } else sub.queue.push(msg);
      const wake = sub.wake;
      if (wake) {
        sub.wake = null;
        wake();
      }
    }
  }

  function materialize(entry: Entry): LiveMessage {
    const { seq: n, key } = entry;
    const id = key.slice(2);
    if (key.startsWith('s:')) {
      const session = source.getSession(id);
      return session
        ? { seq: n, type: 'session-upsert', data: session }
        : { seq: n, type: 'session-removed', data: { sessionId: id } };
    }
    const team = source.getTeam(id);
    return team
      ? { seq: n, type: 'team-upsert', data: team }
      : { seq: n, type: 'team-removed', data: { teamId: id } };
  }

  function emit(key: Key) {
    seq += 1;
    append({ seq, key });
  }

  let timerAt = Number.POSITIVE_INFINITY;
  function schedule(delay: number) {
    if (closed) return;
    const at = performance.now() + Math.max(0, delay);
    if (timer) {
      if (at >= timerAt) return;
      clearTimeout(timer);
    }
    timerAt = at;
    timer = setTimeout(onTimer, Math.max(0, delay));
  }

  function onTimer() {
    timer = null;
    timerAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    let nextAt = Number.POSITIVE_INFINITY;
    for (const [key, w] of windows) {
      if (w.until <= now) {
        if (w.pending) {
          w.pending = false;
          w.until = now + windowMs();
          emit(key);
          nextAt = Math.min(nextAt, w.until);
        } else windows.delete(key);
      } else nextAt = Math.min(nextAt, w.until);
    }
    if (windows.size > 0) schedule(nextAt - now);
  }

  function changed(key: Key) {
    if (closed) return;
    windowMs();
    rateCurrent += 1;
    if (baseWindowMs <= 0) {
      emit(key);
      return;
    }
    const w = windows.get(key);
    if (w) {
      w.pending = true;
      return;
    }
    // Leading edge: the first change after a quiet period goes out now.
    emit(key);
    const w2 = windowMs();
    windows.set(key, { until: performance.now() + w2, pending: false });
    schedule(w2);
  }

  function oldestSeq(): number {
    if (log.length === 0) return seq + 1;
    return (log[logStart] as Entry).seq;
  }

  return {
    epoch,
    get seq() {
      return seq;
    },
    sessionChanged: (id) => changed(`s:${id}`),
    sessionRemoved: (id) => changed(`s:${id}`),
    teamChanged: (id) => changed(`t:${id}`),
    teamRemoved: (id) => changed(`t:${id}`),
    since(after) {
      if (after > seq || after < 0) return null;
      if (after === seq) return [];
      if (after + 1 < oldestSeq()) return null;
      const out: LiveMessage[] = [];
      for (let i = 0; i < log.length; i++) {
        const entry = log[(logStart + i) % log.length] as Entry;
        if (entry.seq > after) out.push(materialize(entry));
      }
      return out;
    },
    makeSnapshot() {
      return { seq, type: 'snapshot', data: source.snapshot() };
    },
    subscribe() {
      const state: SubState = { queue: [], overflow: false, wake: null, closed: false, signal: null };
      subs.add(state);
      return {
        next(signal) {
          // A stream calls next() once per message with the same signal: listening once per signal spares an
          // EventTarget listener (and its garbage) per message. An abort wakes the waiting next(), which ends.
          if (signal && state.signal !== signal) {
            state.signal = signal;
            signal.addEventListener(
              'abort',
              () => {
                const wake = state.wake;
                state.wake = null;
                wake?.();
              },
              { once: true },
            );
          }
          return new Promise((resolveNext) => {
            const take = () => {
              if (state.closed || closed || signal?.aborted) return resolveNext(null);
              if (state.overflow) {
                state.overflow = false;
                state.queue = [];
                return resolveNext('resync');
              }
              if (state.queue.length > 0) {
                const batch = state.queue;
                state.queue = [];
                return resolveNext(batch.map(materialize));
              }
              // Nothing yet: wait (again, after a wake-up that was not for this call, e.g. an earlier stream's
              // signal aborting).
              state.wake = take;
            };
            take();
          });
        },
        close() {
          state.closed = true;
          subs.delete(state);
          const wake = state.wake;
          state.wake = null;
          wake?.();
        },
      };
    },
    get subscriberCount() {
      return subs.size;
    },
    flush() {
      for (const [key, w] of windows) if (w.pending) emit(key);
      windows.clear();
      if (timer) clearTimeout(timer);
      timer = null;
    },
    close() {
      this.flush();
      closed = true;
      for (const sub of subs) {
        sub.closed = true;
        const wake = sub.wake;
        sub.wake = null;
        wake?.();
      }
      subs.clear();
    },
    eventId(s) {
      return `${epoch}:${s}`;
    },
    parseEventId(id) {
      if (!id) return null;
      const m = /^([0-9a-f]+):(\d+)$/.exec(id);
      if (!m || m[1] !== epoch) return null;
      return Number(m[2]);
    },
  };
}
