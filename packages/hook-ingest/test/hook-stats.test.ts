import { describe, expect, it } from 'vitest';
import { createHookStats } from '../src/index.js';
import { WindowCounter } from '../src/stats/hook-stats.js';

describe('hook stats', () => {
  it('summarises per event type: count, 60 s rate, latency and processing percentiles', () => {
    const stats = createHookStats();
    const t0 = 1_000_000;
    for (let i = 0; i < 100; i++) {
      stats.record({
        event: 'PreToolUse',
        cli: 'claude',
        sentAt: t0 + i * 1000,
        receivedAt: t0 + i * 1000 + (i + 1),
        processedMs: 0.5,
      });
    }
    stats.record({ event: 'Stop', cli: 'codex', receivedAt: t0 + 99_500, processedMs: 2 });
    const snap = stats.snapshot(t0 + 100_000);
    const pre = snap.events.PreToolUse!;
    expect(pre.count).toBe(100);
    expect(pre.rate).toBe(60); // received in (t0+40s, t0+100s]
    expect(pre.latency).toEqual({ samples: 100, avg: 50.5, min: 1, max: 100, p50: 50, p95: 95, p99: 99 });
    expect(pre.processing).toMatchObject({ avg: 0.5, p95: 0.5 });
    expect(snap.events.Stop!.latency).toBeNull();
    expect(snap.totalHooks).toBe(101);
    expect(snap.hooksPerMin).toBe(61);
    expect(snap.byCli).toEqual({ claude: 100, codex: 1 });
  });

  it('keeps only the last 200 samples for figures, but counts everything', () => {
    const stats = createHookStats();
    for (let i = 0; i < 500; i++) {
      stats.record({
        event: 'PostToolUse',
        cli: 'claude',
        sentAt: 0,
        receivedAt: i < 300 ? 1000 : 5,
        processedMs: i,
      });
    }
    const s = stats.snapshot(2000).events.PostToolUse!;
    expect(s.count).toBe(500);
    expect(s.latency).toMatchObject({ samples: 200, min: 5, max: 5 });
    expect(s.processing).toMatchObject({ min: 300, max: 499 });
    stats.reset();
    expect(stats.snapshot(2000)).toMatchObject({ totalHooks: 0, hooksPerMin: 0, events: {} });
  });

  it('keeps only the window of timestamps even when nobody reads the rate', () => {
    const c = new WindowCounter(1000);
    // 10 s at 1,000 events per second, never counted: the counter must not keep all 10,000.
    for (let i = 0; i < 10_000; i++) c.add(i);
    expect(c.retained).toBeLessThanOrEqual(2 * 1000 + 1024);
    // The count is unchanged by the trimming: the last second's events (8999, 9999].
    expect(c.count(9999)).toBe(1000);
  });
});
