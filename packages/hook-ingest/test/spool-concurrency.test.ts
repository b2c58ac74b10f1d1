import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSpoolReader, type SpoolRecord } from '../src/index.js';
import { makeTempDir } from './support/spool.js';
import { runWriters, writePads } from './support/writers.js';

describe('spool under concurrent writers', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    tmp = makeTempDir();
  });
  afterEach(() => tmp.cleanup());

  it('delivers every event of 20 concurrent writers exactly once, in per-session order, unmixed', async () => {
    const spool = join(tmp.dir, 'spool');
    const sizes = [256 * 1024, 512 * 1024, 1024 * 1024];
    const pads = writePads(tmp.dir, sizes);
    const padText = pads.map((p) => readFileSync(p, 'utf8'));
    const writers = 20;
    const perWriter = 50;

    const received: SpoolRecord[] = [];
    let batches = 0;
    const reader = createSpoolReader({
      dir: spool,
      pollMs: 25,
      maxBatch: 64,
      onBatch: (batch) => {
        batches++;
        received.push(...batch);
      },
    });
    reader.start();
    try {
      const codes = await runWriters(spool, { writers, eventsPerWriter: perWriter, bigEvery: 10 }, pads);
      expect(codes.every((c) => c === 0)).toBe(true);
      const deadline = Date.now() + 30_000;
      while (received.length < writers * perWriter && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      reader.stop();
    }

    expect(received).toHaveLength(writers * perWriter);
    expect(new Set(received.map((r) => r.id)).size).toBe(received.length);
    expect(batches).toBeGreaterThan(1); // really read while writers were writing

    const bySession = new Map<string, number[]>();
    let big = 0;
    for (const r of received) {
      const p = r.envelope.payload as { session_id: string; seq: number; pad: string };
      const seqs = bySession.get(p.session_id) ?? [];
      seqs.push(p.seq);
      bySession.set(p.session_id, seqs);
      if (p.pad.length > 0) {
        big++;
        expect(padText).toContain(p.pad); // byte-exact: no interleaving with another writer
      }
    }
    expect(big).toBe(writers * (perWriter / 10));
    expect(bySession.size).toBe(writers);
    for (const seqs of bySession.values()) {
      expect(seqs).toEqual(Array.from({ length: perWriter }, (_, i) => i));
    }
    const stats = reader.stats();
    expect(stats.rejected).toBe(0);
    expect(stats.delivered).toBe(writers * perWriter);
  }, 120_000);
});
