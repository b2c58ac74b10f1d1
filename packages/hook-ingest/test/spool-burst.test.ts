import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSpoolReader, encodeSpoolRecord, formatRecordName } from '../src/index.js';
import { currentBoot, makeTempDir } from './support/spool.js';

const BOOT = currentBoot();

describe('spool reader under a backlog', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    tmp = makeTempDir();
  });
  afterEach(() => tmp.cleanup());

  it('drains 20,000 records without stalling the event loop, with bounded work in flight, in order, once', async () => {
    const dir = tmp.dir;
    const total = 20_000;
    const agents = 40;
    for (let i = 0; i < total; i++) {
      const agent = i % agents;
      const body = JSON.stringify({
        session_id: `s${agent}`,
        hook_event_name: 'PostToolUse',
        tool_name: 'Bash',
        seq: Math.floor(i / agents),
        tool_response: { stdout: 'x'.repeat(300) },
      });
      writeFileSync(
        join(dir, formatRecordName(BOOT, 10_000 + i, 1000 + i)),
        encodeSpoolRecord({ cli: 'claude', pid: 5000 + agent }, body),
      );
    }
    const maxBatch = 500;
    const maxInFlight = 2;
    const seen = new Set<string>();
    const bySession = new Map<string, number[]>();
    let duplicates = 0;
    let unsettled = 0;
    let maxUnsettled = 0;
    let committed = 0;
    let maxBacklog = 0;
    let maxInFlightSeen = 0;
    const reader = createSpoolReader({
      dir,
      maxBatch,
      maxInFlight,
      onBatch: async (batch) => {
        unsettled += batch.length;
        maxUnsettled = Math.max(maxUnsettled, unsettled);
        for (const r of batch) {
          if (seen.has(r.id)) duplicates++;
          seen.add(r.id);
          const p = r.envelope.payload as { session_id: string; seq: number };
          const seqs = bySession.get(p.session_id) ?? [];
          seqs.push(p.seq);
          bySession.set(p.session_id, seqs);
        }
        // A consumer whose commit takes 20 ms (a database transaction).
        await new Promise((resolve) => setTimeout(resolve, 20));
        unsettled -= batch.length;
        committed += batch.length;
      },
    });

    // A probe on the same event loop: how long do timers wait while the backlog drains?
    let last = performance.now();
    let maxGap = 0;
    const probe = setInterval(() => {
      const t = performance.now();
      maxGap = Math.max(maxGap, t - last);
      last = t;
    }, 5);
    try {
      reader.start();
      const deadline = Date.now() + 90_000;
      while (committed < total && Date.now() < deadline) {
        const s = reader.stats();
        maxBacklog = Math.max(maxBacklog, s.backlog);
        maxInFlightSeen = Math.max(maxInFlightSeen, s.inFlight);
        await new Promise((r) => setTimeout(r, 20));
      }
      await reader.stop();
    } finally {
      clearInterval(probe);
    }

    expect(committed).toBe(total);
    expect(duplicates).toBe(0);
    expect(seen.size).toBe(total);
    for (const seqs of bySession.values())
      expect(seqs).toEqual(Array.from({ length: total / agents }, (_, i) => i));
    expect(readdirSync(dir).filter((f) => f.endsWith('.rec'))).toEqual([]);
    // Bounded: at most maxInFlight batches handed over and not committed.
    expect(maxUnsettled).toBeLessThanOrEqual(maxInFlight * maxBatch);
    // Responsive: timers never waited long (a synchronous drain of this backlog blocks for seconds).
    expect(maxGap).toBeLessThan(250);
    // The backlog was listed a few times, not once per batch (40 batches).
    const stats = reader.stats();
    expect(stats.listings).toBeLessThan(total / maxBatch / 4);
    expect(stats).toMatchObject({ delivered: total, inFlight: 0, inFlightBatches: 0 });
    expect(maxBacklog).toBe(total);
    expect(maxInFlightSeen).toBeGreaterThan(0);
    expect(maxInFlightSeen).toBeLessThanOrEqual(maxInFlight * maxBatch);
  }, 120_000);
});
