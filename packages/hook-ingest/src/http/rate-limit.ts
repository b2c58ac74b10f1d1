/** Sliding-window rate limiter keyed by source (e.g. client IP). Time comes in as an argument. */
export interface RateLimiter {
  readonly limit: number;
  hit(key: string, now: number): { allowed: boolean; retryAfterMs: number };
}

export function createRateLimiter(limit: number, windowMs: number, maxKeys = 10_000): RateLimiter {
  const hits = new Map<string, number[]>();
  let lastSweep = 0;

  function sweep(now: number): void {
    if (now - lastSweep < windowMs) return;
    lastSweep = now;
    for (const [key, times] of hits) {
      if (times.length === 0 || times[times.length - 1]! <= now - windowMs) hits.delete(key);
    }
  }

  return {
    limit,
    hit(key, now) {
      sweep(now);
      let times = hits.get(key);
      if (!times) {
        if (hits.size >= maxKeys) hits.clear();
        times = [];
        hits.set(key, times);
      }
      const cutoff = now - windowMs;
      let drop = 0;
      while (drop < times.length && times[drop]! <= cutoff) drop++;
      if (drop > 0) times.splice(0, drop);
      if (times.length >= limit) return { allowed: false, retryAfterMs: times[0]! + windowMs - now };
      times.push(now);
      return { allowed: true, retryAfterMs: 0 };
    },
  };
}
