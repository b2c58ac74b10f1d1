import { join } from 'node:path';
import { createWritePlanner, openSqlite, type SqliteAdapter, type WriteOp } from '@flightdeck/db';
import type { IngestEvent } from '@flightdeck/shared-types';
import { afterEach, describe, expect, it } from 'vitest';
import { DAY_MS, type HookEventRetention, startHookEventRetention } from '../src/retention/hook-events.js';
import { claudeEvent, sqliteOf, startTestServer, tmpDir, waitFor } from './helpers.js';

const NOW = Date.UTC(2026, 11, 6, 12);
const quiet = { info: () => {}, warn: () => {} };

function event(ingestId: string, receivedAt: number): IngestEvent {
  return { ingestId, envelope: claudeEvent('s1', 'PreToolUse', { tool_name: 'Bash' }), receivedAt };
}

/** Stores raw events the way the server does; `checkpoint` ends the transaction with the watermark. */
async function store(h: SqliteAdapter, events: IngestEvent[], checkpoint: boolean): Promise<void> {
  const ops: WriteOp[] = [];
  createWritePlanner().batch(ops, { events, sessions: [] });
  if (checkpoint) ops.push({ op: 'watermark', at: 0 });
  await h.write(ops);
}

function stored(h: SqliteAdapter): string[] {
  return h.sqlite.prepare('SELECT ingest_id FROM hook_events ORDER BY id').pluck().all() as string[];
}

describe('raw hook event retention (real SQLite file)', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function fileDb(): Promise<SqliteAdapter> {
    const tmp = tmpDir('fd-retention-');
    const h = await openSqlite({ file: join(tmp.dir, 'flightdeck.db') });
    cleanups.push(tmp.remove, () => h.close());
    return h;
  }

  it('prunes events past the period on start and at each pass, never those after the checkpoint', async () => {
    const h = await fileDb();
    const old = NOW - 40 * DAY_MS;
    await store(
      h,
      [1, 2, 3, 4, 5].map((i) => event(`old-${i}`, old + i)),
      false,
    );
    await store(
      h,
      [1, 2, 3].map((i) => event(`recent-${i}`, NOW - DAY_MS + i)),
      true,
    );
    // Stored after the last checkpoint (a clock that was behind): a restart replays them, so they stay.
    await store(
      h,
      [1, 2].map((i) => event(`replay-${i}`, old + 10 + i)),
      false,
    );
    let now = NOW;
    let days = 30;
    const job: HookEventRetention = startHookEventRetention({
      db: h.db,
      retentionDays: () => days,
      log: quiet,
      now: () => now,
      chunk: 2, // three statements for the five old events
    });
    cleanups.push(() => job.stop());
    expect(await job.run()).toBe(5);
    expect(stored(h)).toEqual(['recent-1', 'recent-2', 'recent-3', 'replay-1', 'replay-2']);
    expect(await job.run()).toBe(0);
    // Once a checkpoint includes them, they go too.
    await store(h, [], true);
    now += DAY_MS;
    expect(await job.run()).toBe(2);
    // The period is read at every pass.
    days = 1;
    expect(await job.run()).toBe(3);
    expect(stored(h)).toEqual([]);
  });

  it('runs again every interval until stopped', async () => {
    const h = await fileDb();
    let now = NOW;
    const job = startHookEventRetention({
      db: h.db,
      retentionDays: () => 30,
      log: quiet,
      now: () => now,
      intervalMs: 30,
    });
    cleanups.push(() => job.stop());
    await store(h, [event('a', NOW)], true);
    await job.run();
    expect(stored(h)).toEqual(['a']);
    now += 31 * DAY_MS;
    await waitFor(() => stored(h).length === 0);
    await job.stop();
    await store(h, [event('b', NOW)], true);
    expect(await job.run()).toBe(0);
    await new Promise((r) => setTimeout(r, 100));
    expect(stored(h)).toEqual(['b']);
  });

  it('the server prunes on start with hookEventRetentionDays from config.json', async () => {
    const tmp = tmpDir('fd-retention-server-');
    cleanups.push(tmp.remove);
    const seed = await openSqlite({ file: join(tmp.dir, 'flightdeck.db') });
    const t = Date.now();
    await store(seed, [event('ancient', t - 20 * DAY_MS), event('week-old', t - 7 * DAY_MS)], true);
    await seed.close();
    const server = await startTestServer({
      dataDir: tmp.dir,
      file: { hookEventRetentionDays: 10, sessionRetentionHours: 24 * 365 },
    });
    cleanups.push(() => server.close());
    await waitFor(() => {
      const ids = sqliteOf(server).prepare('SELECT ingest_id FROM hook_events').pluck().all();
      return ids.length === 1 && ids[0] === 'week-old';
    });
  });
});
