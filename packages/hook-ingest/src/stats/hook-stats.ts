/**
 * Rolling hook statistics (spec §32.5): per event type the count, the rate over the last 60 s, and delivery
 * latency (hook sent → server received) and processing time over the last 200 samples. Time is passed in.
 */

export interface HookStatSample {
  /** Event name (`PreToolUse`, `agent-turn-complete`, …). */
  event: string;
  cli: string;
  /** Unix ms when the hook process captured the event (meta.sentAt), when known. */
  sentAt?: number | undefined;
  /** Unix ms when the server received it. */
  receivedAt: number;
  /** How long the server took to process it, in ms. */
  processedMs: number;
}

export interface StatSummary {
  samples: number;
  avg: number;
  min: number;
  max: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface EventTypeStats {
  event: string;
  count: number;
  /** Events of this type received in the last 60 s. */
  rate: number;
  /** Delivery latency in ms; null before the first sample that had a send time. */
  latency: StatSummary | null;
  /** Processing time in ms; null before the first sample. */
  processing: StatSummary | null;
  lastAt: number;
}

export interface HookStatsSnapshot {
  at: number;
  totalHooks: number;
  /** Events received in the last 60 s. */
  hooksPerMin: number;
  byCli: Record<string, number>;
  events: Record<string, EventTypeStats>;
  since: number | null;
}

export interface HookStats {
  record(sample: HookStatSample): void;
  snapshot(now: number): HookStatsSnapshot;
  reset(): void;
}

export interface HookStatsOptions {
  /** Samples kept per event type for latency/processing figures. Default 200. */
  window?: number;
  /** Rate window in ms. Default 60 000. */
  rateWindowMs?: number;
}

/** Fixed-size ring of numbers. */
class Ring {
  private readonly values: number[] = [];
  private next = 0;
  constructor(private readonly size: number) {}
  push(v: number): void {
    if (this.values.length < this.size) this.values.push(v);
    else this.values[this.next] = v;
    this.next = (this.next + 1) % this.size;
  }
  summary(): StatSummary | null {
    const n = this.values.length;
    if (n === 0) return null;
    const sorted = [...this.values].sort((a, b) => a - b);
    const pick = (q: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!;
    let sum = 0;
    for (const v of sorted) sum += v;
    const round = (v: number) => Math.round(v * 1000) / 1000;
    return {
      samples: n,
      avg: round(sum / n),
      min: round(sorted[0]!),
      max: round(sorted[n - 1]!),
      p50: round(pick(0.5)),
      p95: round(pick(0.95)),
      p99: round(pick(0.99)),
    };
  }
}

/** Timestamps within a sliding window (pruned lazily). */
export class WindowCounter {
  private times: number[] = [];
  private head = 0;
  constructor(private readonly windowMs: number) {}
  add(t: number): void {
    this.times.push(t);
    // Drop what fell out of the window here too, not only when someone reads the count: a server whose stats
    // nobody reads would otherwise keep every timestamp it ever saw.
    this.trim(t);
  }
  private trim(now: number): void {
    const cutoff = now - this.windowMs;
    while (this.head < this.times.length && this.times[this.head]! <= cutoff) this.head++;
    if (this.head > 1024 && this.head > this.times.length / 2) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }
  /** Entries kept (for tests: bounded by the window, whether or not `count` is called). */
  get retained(): number {
    return this.times.length;
  }
  count(now: number): number {
    this.trim(now);
    let n = 0;
    for (let i = this.head; i < this.times.length; i++) if (this.times[i]! <= now) n++;
    return n;
  }
}

interface EventState {
  count: number;
  rate: WindowCounter;
  latency: Ring;
  processing: Ring;
  lastAt: number;
}

export function createHookStats(options: HookStatsOptions = {}): HookStats {
  const window = options.window ?? 200;
  const rateWindowMs = options.rateWindowMs ?? 60_000;
  let events = new Map<string, EventState>();
  let global = new WindowCounter(rateWindowMs);
  let byCli: Record<string, number> = {};
  let total = 0;
  let since: number | null = null;

  return {
    record(sample) {
      let s = events.get(sample.event);
      if (!s) {
        s = {
          count: 0,
          rate: new WindowCounter(rateWindowMs),
          latency: new Ring(window),
          processing: new Ring(window),
          lastAt: 0,
        };
        events.set(sample.event, s);
      }
      s.count++;
      s.rate.add(sample.receivedAt);
      s.lastAt = Math.max(s.lastAt, sample.receivedAt);
      if (typeof sample.sentAt === 'number' && Number.isFinite(sample.sentAt)) {
        s.latency.push(Math.max(0, sample.receivedAt - sample.sentAt));
      }
      if (Number.isFinite(sample.processedMs)) s.processing.push(Math.max(0, sample.processedMs));
      global.add(sample.receivedAt);
      byCli[sample.cli] = (byCli[sample.cli] ?? 0) + 1;
      total++;
      since ??= sample.receivedAt;
    },
    snapshot(now) {
      const out: Record<string, EventTypeStats> = {};
      for (const [event, s] of events) {
        const value: EventTypeStats = {
          event,
          count: s.count,
          rate: s.rate.count(now),
          latency: s.latency.summary(),
          processing: s.processing.summary(),
          lastAt: s.lastAt,
        };
        // defineProperty: an event named `__proto__` is an entry (an assignment would set the prototype).
        Object.defineProperty(out, event, { value, writable: true, enumerable: true, configurable: true });
      }
      return {
        at: now,
        totalHooks: total,
        hooksPerMin: global.count(now),
        byCli: { ...byCli },
        events: out,
        since,
      };
    },
    reset() {
      events = new Map();
      global = new WindowCounter(rateWindowMs);
      byCli = {};
      total = 0;
      since = null;
    },
  };
}
