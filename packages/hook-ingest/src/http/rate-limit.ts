/**
 * The one rate limiter of Flightdeck: a sliding window of hit times per key (e.g. a client address). Time comes in
 * as an argument. It limits POST /api/hooks per address here and, in the server, failed logins (per address class
 * and globally, `createLoginLimiter`).
 *
 * Hand-written on purpose, after looking at the npm limiters: a token bucket (`limiter`) or the fixed windows of
 * `rate-limiter-flexible` cannot give the login limiter's semantics (a refusal says exactly when the oldest failure
 * leaves the window, and a successful login is taken back out of the count), both read the wall clock themselves
 * (our limits are tested with time as an argument), and `rate-limiter-flexible` answers with a Promise: one per
 * hook request on the ingest path that does 10,000 events/s. This is ~60 lines of arrays and a Map.
 */
export interface RateLimiter {
  readonly limit: number;
  /** Counts a hit of `key` at `now` when fewer than `limit` hits are in the window; else how long until one leaves. */
  hit(key: string, now: number): { allowed: boolean; retryAfterMs: number };
  /** How long until `key` may be hit again (0: now). Counts nothing. */
  wait(key: string, now: number): number;
  /** Takes back one hit of `key` counted at `at` (an attempt that should not count after all); no-op when gone. */
  undo(key: string, at: number): void;
  /** Drops the keys whose hits have all left the window (`hit` also does this once per window). */
  sweep(now: number): void;
  /** Forgets every hit. */
  reset(): void;
}

/**
 * `limit` hits per `windowMs` for each key. At most `maxKeys` keys are remembered: past that the memory starts
 * afresh (a flood of distinct keys cannot grow it without bound).
 */
export function createRateLimiter(limit: number, windowMs: number, maxKeys = 10_000): RateLimiter {
  const hits = new Map<string, number[]>();
  let lastSweep = 0;

  /** The hit times of `key` still in the window (older ones dropped), or undefined. */
  function current(key: string, now: number): number[] | undefined {
    const times = hits.get(key);
    if (times === undefined) return undefined;
    const cutoff = now - windowMs;
    let drop = 0;
    while (drop < times.length && (times[drop] as number) <= cutoff) drop++;
    if (drop > 0) times.splice(0, drop);
    return times;
  }

  function sweep(now: number): void {
    lastSweep = now;
    for (const [key, times] of hits) {
      if (times.length === 0 || (times[times.length - 1] as number) <= now - windowMs) hits.delete(key);
    }
  }

  function wait(key: string, now: number): number {
    const times = current(key, now);
    return times !== undefined && times.length >= limit ? (times[0] as number) + windowMs - now : 0;
  }

  return {
    limit,
    hit(key, now) {
      if (now - lastSweep >= windowMs) sweep(now);
      let times = current(key, now);
      if (times !== undefined && times.length >= limit) {
        return { allowed: false, retryAfterMs: (times[0] as number) + windowMs - now };
      }
      if (times === undefined) {
        if (hits.size >= maxKeys) hits.clear();
        times = [];
        hits.set(key, times);
      }
      times.push(now);
      return { allowed: true, retryAfterMs: 0 };
    },
    wait,
    undo(key, at) {
      const times = hits.get(key);
      const i = times === undefined ? -1 : times.lastIndexOf(at);
      if (i >= 0) (times as number[]).splice(i, 1);
    },
    sweep,
    reset() {
      hits.clear();
    },
  };
}
