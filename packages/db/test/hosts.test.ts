import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HostMetrics } from '@flightdeck/shared-types';
import { describe, expect, it } from 'vitest';
import {
  createHostToken,
  DbInputError,
  hostSamples,
  hostSamplesSince,
  listHosts,
  pruneHostSamples,
  revokeHostToken,
  type StoredHostSample,
  saveHostReport,
  saveHostSamples,
  touchHost,
} from '../src/index.js';
import { count, openTestDb, STORES } from './helpers.js';

const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);

describe.each(['memory', 'postgres'] as const)('hosts (%s)', (kind) => {
  it('creates, lists, touches, reports and revokes; a revoked host gets a new token, an active one does not', async () => {
    const h = await openTestDb(kind);
    try {
      const made = await createHostToken(h.db, 'build-box', HASH_A, 1000);
      expect(made).toMatchObject({ name: 'build-box', tokenHash: HASH_A, createdAt: 1000, revokedAt: null });
      const again = await createHostToken(h.db, 'build-box', HASH_B, 1001).catch((e: unknown) => e);
      expect(again).toBeInstanceOf(DbInputError);
      expect((again as DbInputError).field).toBe('name');
      expect((again as Error).message).toMatch(/already has a token/);

      await touchHost(h.db, 'build-box', 5000);
      await touchHost(h.db, 'build-box', 4000); // never moves back
      await saveHostReport(h.db, 'build-box', '{"x":1}', 6000);
      let [host] = await listHosts(h.db);
      expect(host).toMatchObject({ lastSeenAt: 6000, lastReport: '{"x":1}' });

      expect(await revokeHostToken(h.db, 'build-box', 7000)).toBe(true);
      expect(await revokeHostToken(h.db, 'build-box', 7001)).toBe(false);
      expect(await revokeHostToken(h.db, 'nobody', 7001)).toBe(false);
      [host] = await listHosts(h.db);
      expect(host?.revokedAt).toBe(7000);

      const renewed = await createHostToken(h.db, 'build-box', HASH_B, 8000);
      expect(renewed).toMatchObject({ tokenHash: HASH_B, revokedAt: null, createdAt: 8000 });
      expect(await listHosts(h.db)).toHaveLength(1);
    } finally {
      await h.cleanup();
    }
  });

  it('refuses a name that is not a hostname and a hash that is not SHA-256 hex, naming the field', async () => {
    const h = await openTestDb(kind);
    try {
      for (const [name, hash, field] of [
        ['', HASH_A, 'name'],
        ['a b', HASH_A, 'name'],
        ['-x', HASH_A, 'name'],
        ['ok', 'secret', 'tokenHash'],
      ] as const) {
        const err = await createHostToken(h.db, name, hash, 1).catch((e: unknown) => e);
        expect(err, name).toBeInstanceOf(DbInputError);
        expect((err as DbInputError).field).toBe(field);
      }
      expect(await listHosts(h.db)).toEqual([]);
    } finally {
      await h.cleanup();
    }
  });
});

function metrics(cpuPercent: number): HostMetrics {
  return {
    at: 1_000 + cpuPercent,
    cpuPercent,
    cpuCount: 8,
    memory: { used: 3_000_000_000, total: 16_000_000_000 },
    swap: { used: 0, total: 2_000_000_000 },
    disk: { used: 100_000_000_000, total: 500_000_000_000 },
    load: [1.5, 0.75, 0.5],
  };
}

/** The cpu figures of each host's samples, by host. */
function cpus(byHost: Map<string, StoredHostSample[]>): Record<string, number[]> {
  return Object.fromEntries(
    [...byHost].map(([h, list]) => [h, list.map((s) => s.sample.metrics.cpuPercent)]),
  );
}

describe.each(STORES)('host samples (%s)', (kind) => {
  it('saves a batch in one statement and reads each host oldest first, since a time, at most N', async () => {
    const h = await openTestDb(kind);
    try {
      // Saved out of order, two hosts interleaved: read back by host, by time.
      const batch = [30, 10, 20, 40].flatMap((t) => [
        { host: 'box-b', receivedAt: 5_000 + t, metrics: metrics(t + 1) },
        { host: 'box-a', receivedAt: 5_000 + t, metrics: metrics(t) },
      ]);
      expect(await saveHostSamples(h.db, batch)).toBe(8);
      expect(await saveHostSamples(h.db, [])).toBe(0);
      const all = await hostSamplesSince(h.db, 0, 120);
      expect([...all.keys()]).toEqual(['box-a', 'box-b']);
      expect(cpus(all)).toEqual({ 'box-a': [10, 20, 30, 40], 'box-b': [11, 21, 31, 41] });
      // The whole figures come back, with the receive time; ids tell rows apart.
      expect(all.get('box-a')?.[0]).toMatchObject({
        host: 'box-a',
        sample: { receivedAt: 5_010, metrics: metrics(10) },
      });
      const ids = [...all.values()].flat().map((s) => s.id);
      expect(new Set(ids).size).toBe(8);
      // The rows a reader holds already are left out.
      const held = new Set((all.get('box-a') ?? []).map((s) => s.id));
      expect(cpus(await hostSamplesSince(h.db, 0, 120, held))).toEqual({ 'box-b': [11, 21, 31, 41] });
      expect((await hostSamples(h.db, 'box-a', 0, 1))[0]).toEqual({
        receivedAt: 5_040,
        metrics: metrics(40),
      });
      expect(cpus(await hostSamplesSince(h.db, 5_020, 120))).toEqual({
        'box-a': [20, 30, 40],
        'box-b': [21, 31, 41],
      });
      expect(cpus(await hostSamplesSince(h.db, 0, 2))).toEqual({ 'box-a': [30, 40], 'box-b': [31, 41] });
      expect(await hostSamplesSince(h.db, 6_000, 120)).toEqual(new Map());

      const one = await hostSamples(h.db, 'box-a', 0, 3);
      expect(one.map((s) => [s.receivedAt, s.metrics.cpuPercent])).toEqual([
        [5_020, 20],
        [5_030, 30],
        [5_040, 40],
      ]);
      expect((await hostSamples(h.db, 'box-b', 5_035, 120)).map((s) => s.metrics.cpuPercent)).toEqual([41]);
      expect(await hostSamples(h.db, 'nobody', 0, 120)).toEqual([]);

      // A batch larger than one statement takes (3 parameters a row: SQLite's limit is 32,766).
      const many = Array.from({ length: 12_000 }, (_, i) => ({
        host: `many-${i % 100}`,
        receivedAt: 10_000 + i,
        metrics: metrics(i % 100),
      }));
      expect(await saveHostSamples(h.db, many)).toBe(12_000);
      const listed = await hostSamplesSince(h.db, 10_000, 120);
      expect(listed.size).toBe(100);
      expect([...listed.values()].every((l) => l.length === 120)).toBe(true);
    } finally {
      await h.cleanup();
    }
  });

  it('prunes what is older than the retention time and all but the newest N of each host', async () => {
    const h = await openTestDb(kind);
    try {
      const at = (host: string, times: number[]) =>
        times.map((t) => ({ host, receivedAt: t, metrics: metrics(t % 100) }));
      await saveHostSamples(h.db, [
        ...at('box-a', [100, 200, 300, 400, 500]),
        ...at('box-b', [150, 450]),
        // Two samples of one millisecond: the later saved is the newer.
        { host: 'box-c', receivedAt: 460, metrics: metrics(61) },
        { host: 'box-c', receivedAt: 460, metrics: metrics(62) },
      ]);
      expect(await pruneHostSamples(h.db, { before: 250, keep: 2 })).toBe(4);
      expect(cpus(await hostSamplesSince(h.db, 0, 120))).toEqual({
        'box-a': [0, 0],
        'box-b': [50],
        'box-c': [61, 62],
      });
      expect((await hostSamples(h.db, 'box-a', 0, 120)).map((s) => s.receivedAt)).toEqual([400, 500]);
      expect(await pruneHostSamples(h.db, { before: 250, keep: 2 })).toBe(0);
      expect(await pruneHostSamples(h.db, { before: 0, keep: 1 })).toBe(2);
      expect(cpus(await hostSamplesSince(h.db, 0, 120))).toEqual({
        'box-a': [0],
        'box-b': [50],
        'box-c': [62],
      });
      expect(await pruneHostSamples(h.db, { before: 10_000, keep: 120 })).toBe(3);
      expect(await count(h, 'host_samples')).toBe(0);
    } finally {
      await h.cleanup();
    }
  });

  it('refuses figures the report schema refuses, naming the field, and saves nothing of the batch', async () => {
    const h = await openTestDb(kind);
    try {
      const good = { host: 'box-a', receivedAt: 1, metrics: metrics(5) };
      for (const [bad, field] of [
        [{ ...good, metrics: { ...metrics(5), cpuPercent: 140 } }, '1.metrics.cpuPercent'],
        [{ ...good, metrics: { ...metrics(5), load: [1, -1, 0] } }, '1.metrics.load.1'],
        [{ ...good, metrics: { ...metrics(5), memory: { used: 1.5, total: 2 } } }, '1.metrics.memory.used'],
        [{ ...good, receivedAt: -1 }, '1.receivedAt'],
        [{ ...good, receivedAt: Number.NaN }, '1.receivedAt'],
        [{ ...good, host: 'a b' }, '1.host'],
      ] as const) {
        const err = await saveHostSamples(h.db, [good, bad as typeof good]).catch((e: unknown) => e);
        expect(err, field).toBeInstanceOf(DbInputError);
        expect((err as DbInputError).field).toBe(field);
      }
      expect(await count(h, 'host_samples')).toBe(0);
      for (const call of [
        () => hostSamplesSince(h.db, -1, 120),
        () => hostSamplesSince(h.db, 0, 0),
        () => hostSamples(h.db, '', 0, 120),
        () => pruneHostSamples(h.db, { before: 0, keep: 0 }),
      ])
        await expect(call()).rejects.toBeInstanceOf(DbInputError);
    } finally {
      await h.cleanup();
    }
  });
});

describe('hosts on a SQLite file written by another connection', () => {
  /**
   * Another process holds the write lock, writes and commits while the token is made: the token waits for the lock
   * (busy timeout) and is made. A read then a write in one transaction failed here with "database is locked" (a
   * snapshot older than the other's commit cannot become a write), as the server's writer thread made it fail.
   */
  it('makes a token while another connection commits', async () => {
    const h = await openTestDb('file');
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const db = new (require('better-sqlite3'))(process.argv[1]);
         db.exec('BEGIN IMMEDIATE');
         db.prepare("INSERT INTO kv (key, value, updated_at) VALUES ('other-writer', 'x', 1)").run();
         process.stdout.write('locked\\n');
         Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 400);
         db.exec('COMMIT');`,
        h.file,
      ],
      { cwd: dirname(fileURLToPath(import.meta.url)), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout?.on('data', (d: Buffer) => {
          if (d.toString().includes('locked')) resolve();
        });
        holder.once('exit', (code) => reject(new Error(`the other writer exited (${code})`)));
      });
      const made = await createHostToken(h.db, 'build-box', HASH_A, 1000);
      expect(made).toMatchObject({ name: 'build-box', revokedAt: null });
      const other = await h.db.selectFrom('kv').select('value').where('key', '=', 'other-writer').execute();
      expect(other).toEqual([{ value: 'x' }]);
    } finally {
      holder.kill();
      await h.close();
    }
  });
});
