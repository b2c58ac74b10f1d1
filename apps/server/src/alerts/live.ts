/**
 * The `alerts.live` stream (in-app and browser channels): every alert published gets a sequence number, and the
 * last `RING` stay for a client that reconnects with `lastEventId` (tRPC `tracked`). A fresh subscriber gets what
 * comes next (alerts are moments, not state: there is no snapshot). Ids carry this process's boot id, so an id
 * from before a restart replays nothing rather than the wrong alerts.
 */
import { randomBytes } from 'node:crypto';
import type { AlertLiveEvent } from '@flightdeck/shared-types';
import { type TrackedEnvelope, tracked } from '@trpc/server';

const RING = 200;
/** Alerts queued for one slow subscriber before the oldest are dropped. */
const MAX_QUEUED = 500;

export interface AlertLiveHub {
  publish(event: AlertLiveEvent): void;
  stream(
    lastEventId: string | null | undefined,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<TrackedEnvelope<AlertLiveEvent>>;
  close(): void;
}

export function createAlertLiveHub(): AlertLiveHub {
  const boot = randomBytes(4).toString('hex');
  let seq = 0;
  let ring: Array<{ seq: number; event: AlertLiveEvent }> = [];
  const listeners = new Set<() => void>();
  let closed = false;

  const idOf = (n: number) => `${boot}:${n}`;
  function parse(id: string | null | undefined): number | null {
    if (!id) return null;
    const [b, n] = id.split(':');
    const v = Number(n);
    return b === boot && Number.isSafeInteger(v) && v >= 0 ? v : null;
  }

  return {
    publish(event) {
      seq += 1;
      ring.push({ seq, event });
      if (ring.length > RING) ring = ring.slice(-RING);
      for (const l of listeners) l();
    },
    async *stream(lastEventId, signal) {
      let last = parse(lastEventId) ?? seq;
      let wake: (() => void) | null = null;
      const listener = () => wake?.();
      listeners.add(listener);
      const onAbort = () => wake?.();
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        while (!signal?.aborted && !closed) {
          const pending = ring.filter((e) => e.seq > last).slice(-MAX_QUEUED);
          for (const e of pending) {
            last = e.seq;
            yield tracked(idOf(e.seq), e.event);
          }
          if (pending.length > 0) continue;
          await new Promise<void>((r) => {
            wake = r;
          });
          wake = null;
        }
      } finally {
        listeners.delete(listener);
        signal?.removeEventListener('abort', onAbort);
      }
    },
    close() {
      closed = true;
      for (const l of listeners) l();
    },
  };
}
