/**
 * The hosts' sparkline samples (hosts/samples.ts, issue 19) on a real SQLite database, on a clock of the test's:
 * what this server queued is read back (a read saves the queue first, with each host's last report), rows another server saved are merged in by
 * row id, in receive order, never twice, and the window and the per-host bound hold.
 */
import {
  createHostToken,
  type DatabaseAdapter,
  listHosts,
  openSqlite,
  saveHostSamples,
} from '@flightdeck/db';
import type { HostReport } from '@flightdeck/shared-types';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createHostSamples,
  HOST_SAMPLE_LATE_MS,
  HOST_SAMPLE_WINDOW_MS,
  type HostSamples,
  MAX_HOST_SAMPLES,
} from '../src/hosts/samples.js';
import { hostMetrics, waitFor } from './helpers.js';

const T0 = Date.UTC(2026, 11, 7, 12, 0, 0);
const HOUR = 3_600_000;

const metrics = (cpuPercent: number) => hostMetrics(cpuPercent, T0);

function report(cpuPercent: number): HostReport {
  return { metrics: metrics(cpuPercent), pids: [] };
}

const opened: Array<{ samples: HostSamples; db: DatabaseAdapter }> = [];
afterEach(async () => {
  for (const o of opened.splice(0)) {
    await o.samples.stop();
    await o.db.close();
  }
});

async function setup() {
  const db = await openSqlite({ file: ':memory:' });
  const clock = { now: T0 };
  const warnings: string[] = [];
  const samples = createHostSamples({
    db: db.db,
    log: { warn: (_obj: object, msg: string) => warnings.push(msg) },
    now: () => clock.now,
    // No timer saves anything during a test: the reads do.
    flushMs: HOUR,
    pruneMs: HOUR,
  });
  opened.push({ samples, db });
  const cpus = async () =>
    Object.fromEntries(
      [...(await samples.all())].map(([h, list]) => [h, list.map((s) => s.metrics.cpuPercent)]),
    );
  return { db, clock, samples, cpus, warnings };
}

describe('host samples', () => {
  it("reads back this server's queue and merges another server's rows by id, in receive order, never twice", async () => {
    const t = await setup();
    await createHostToken(t.db.db, 'box-a', 'a'.repeat(64), T0 - HOUR);
    t.samples.add('box-a', report(1), T0 - 2_000);
    t.samples.add('box-a', report(2), T0 - 1_000);
    // Nothing written per report: the host's row gets its last report with the batch.
    expect((await listHosts(t.db.db))[0]?.lastReport).toBeNull();
    expect(await t.cpus()).toEqual({ 'box-a': [1, 2] });
    // (written after the samples: a read does not wait for it)
    const row = await waitFor(async () => (await listHosts(t.db.db)).find((h) => h.lastReport !== null));
    expect(row.lastSeenAt).toBe(T0 - 1_000);
    expect(JSON.parse(row.lastReport ?? 'null')).toEqual(report(2));

    // Another server saved its samples of box-a and box-b, one received between this server's two.
    await saveHostSamples(t.db.db, [
      { host: 'box-a', receivedAt: T0 - 1_500, metrics: metrics(50) },
      { host: 'box-b', receivedAt: T0 - 1_200, metrics: metrics(60) },
    ]);
    t.clock.now = T0 + 5_000;
    t.samples.add('box-a', report(3), T0 + 4_000);
    expect(await t.cpus()).toEqual({ 'box-a': [1, 50, 2, 3], 'box-b': [60] });
    // Read again and again: each row once, the single host's read agrees.
    t.clock.now = T0 + 6_000;
    expect(await t.cpus()).toEqual({ 'box-a': [1, 50, 2, 3], 'box-b': [60] });
    expect(await t.samples.of('box-a')).toEqual((await t.samples.all()).get('box-a'));

    // A row saved a flush late (received before the last read, within HOST_SAMPLE_LATE_MS) still comes in.
    await saveHostSamples(t.db.db, [{ host: 'box-b', receivedAt: T0 + 5_500, metrics: metrics(61) }]);
    t.clock.now = T0 + 10_000;
    expect((await t.cpus())['box-b']).toEqual([60, 61]);
    expect(HOST_SAMPLE_LATE_MS).toBeGreaterThan(5_000);
    expect(t.warnings).toEqual([]);
  });

  it('shows the window only, and at most MAX_HOST_SAMPLES of a host (the newest)', async () => {
    const t = await setup();
    const start = T0 - HOST_SAMPLE_WINDOW_MS;
    for (let i = 0; i < MAX_HOST_SAMPLES + 10; i++)
      t.samples.add('box-a', report(i % 100), start + 1 + i * 1_000);
    t.samples.add('box-b', report(7), start + 1);
    let all = await t.samples.all();
    expect(all.get('box-a')).toHaveLength(MAX_HOST_SAMPLES);
    expect(all.get('box-a')?.[0]?.receivedAt).toBe(start + 1 + 10 * 1_000);
    expect(all.get('box-b')).toHaveLength(1);
    expect(await t.samples.of('box-a')).toEqual(all.get('box-a'));

    // Two seconds on: box-b's only sample and box-a's oldest left the window.
    t.clock.now = T0 + 12_000;
    all = await t.samples.all();
    expect(all.has('box-b')).toBe(false);
    expect(all.get('box-a')?.[0]?.receivedAt).toBe(start + 1 + 12 * 1_000);
    expect(all.get('box-a')).toHaveLength(MAX_HOST_SAMPLES - 2);
    // Pruning deletes what no read shows any more.
    expect(await t.samples.prune()).toBe(12 + 1);
  });

  it('keeps what it read when the database cannot be read, and tells the log', async () => {
    const t = await setup();
    t.samples.add('box-a', report(1), T0);
    expect(await t.cpus()).toEqual({ 'box-a': [1] });
    await t.db.db.schema.alterTable('host_samples').renameTo('host_samples_gone').execute();
    expect(await t.cpus()).toEqual({ 'box-a': [1] });
    expect(t.warnings).toContain('hosts: metric samples not read');
  });
});
