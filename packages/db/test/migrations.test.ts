import { afterEach, describe, expect, it } from 'vitest';
import { migrateDown, migrateToLatest, migrations, postgresMigrations } from '../src/index.js';
import { count, makeSession, openTestDb, recordBatch, type SqliteTestDb, searchKinds } from './helpers.js';

type TestDb = SqliteTestDb;

function tables(h: TestDb): string[] {
  return (
    h.sqlite
      .prepare(
        "SELECT name FROM sqlite_master WHERE type IN ('table') AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'kysely_%' AND name NOT LIKE 'search_index_%' ORDER BY name",
      )
      .pluck()
      .all() as string[]
  ).sort();
}

const ALL = [
  'approval_decisions',
  'alert_deliveries',
  'alert_rules',
  'core_state',
  'events',
  'hook_events',
  'kv',
  'notes',
  'prompt_queue',
  'prompts',
  'push_subscriptions',
  'responses',
  'search_index',
  'sessions',
  'tool_calls',
  'usage_messages',
  'import_files',
  'hosts',
  'host_samples',
].sort();

/** The tables before migration 0015 (host samples). */
const BEFORE_SAMPLES = ALL.filter((t) => t !== 'host_samples');

/** The tables before migration 0012 (hosts). */
const BEFORE_HOSTS = BEFORE_SAMPLES.filter((t) => t !== 'hosts');

/** The tables before migration 0011 (history import). */
const BEFORE_IMPORT = BEFORE_HOSTS.filter((t) => t !== 'import_files');

/** The tables before migration 0007 (usage). */
const BEFORE_USAGE = BEFORE_IMPORT.filter((t) => t !== 'usage_messages');

/** The tables before migration 0006 (prompt queue). */
const BEFORE_QUEUE = BEFORE_USAGE.filter((t) => t !== 'prompt_queue');

/** The tables before migration 0005 (alerts). */
const BEFORE_ALERTS = BEFORE_QUEUE.filter(
  (t) => !['alert_deliveries', 'alert_rules', 'push_subscriptions'].includes(t),
);

describe.each(['memory', 'file'] as const)('migrations (%s)', (kind) => {
  let h: TestDb | undefined;
  afterEach(async () => {
    await h?.cleanup();
    h = undefined;
  });

  it('opens with the schema at latest and the pragmas set', async () => {
    h = await openTestDb(kind);
    expect(h.appliedMigrations).toEqual(Object.keys(migrations));
    expect(tables(h)).toEqual(ALL);
    expect(h.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(h.sqlite.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(h.sqlite.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(h.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(4000);
    expect(h.sqlite.pragma('journal_mode', { simple: true })).toBe(kind === 'file' ? 'wal' : 'memory');
    expect(await migrateToLatest(h.db)).toEqual([]);
  });

  it('migrates down to nothing and up again, and the schema works after', async () => {
    h = await openTestDb(kind);
    expect(await migrateDown(h.db, { all: true })).toEqual(Object.keys(migrations).reverse());
    expect(tables(h)).toEqual([]);
    expect(await migrateToLatest(h.db)).toEqual(Object.keys(migrations));
    expect(tables(h)).toEqual(ALL);
    const s = makeSession('m1', {
      promptHistory: [{ text: 'hello after re-migration', timestamp: 1, promptId: null }],
    });
    await recordBatch(h, { events: [], sessions: [s] });
    expect(await count(h, 'prompts')).toBe(1);
    expect(await searchKinds(h)).toEqual({ prompt: 1, title: 1 });
    // One step down: the host column goes, the two columns 0001 created come back.
    const sqlite = h.sqlite;
    const columns = () =>
      (sqlite.prepare('PRAGMA table_info(sessions)').all() as { name: string }[]).map((c) => c.name);
    expect(columns()).toContain('host');
    // One step down: the host samples go.
    expect(await migrateDown(h.db)).toEqual(['2026_12_07_0015_host_samples']);
    expect(tables(h)).toEqual(BEFORE_SAMPLES);
    // One step down: the hosts table goes.
    expect(await migrateDown(h.db)).toEqual(['2026_12_07_0012_hosts']);
    expect(tables(h)).toEqual(BEFORE_HOSTS);
    // One step down: the history import's table goes.
    expect(await migrateDown(h.db)).toEqual(['2026_12_07_0011_import']);
    expect(tables(h)).toEqual(BEFORE_IMPORT);
    // One step down: the usage table goes.
    expect(await migrateDown(h.db)).toEqual(['2026_12_07_0009_usage']);
    expect(tables(h)).toEqual(BEFORE_USAGE);
    // One step down: the events timestamp index of retention goes.
    const indexes = () => sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").pluck().all();
    expect(indexes()).toContain('events_timestamp_idx');
    expect(await migrateDown(h.db)).toEqual(['2026_12_07_0008_retention']);
    expect(indexes()).not.toContain('events_timestamp_idx');
    // One step down: the prompt queue goes.
    expect(await migrateDown(h.db)).toEqual(['2026_12_07_0006_prompt_queue']);
    expect(tables(h)).toEqual(BEFORE_QUEUE);
    // One step down: the alerts tables go.
    expect(await migrateDown(h.db)).toEqual(['2026_12_07_0005_alerts']);
    expect(tables(h)).toEqual(BEFORE_ALERTS);
    // One step down: the approval audit goes.
    expect(await migrateDown(h.db)).toEqual(['2026_12_07_0004_approvals']);
    expect(tables(h)).toEqual(BEFORE_ALERTS.filter((t) => t !== 'approval_decisions'));
    expect(await migrateDown(h.db)).toEqual(['2026_12_07_0003_session_host']);
    expect(columns()).not.toContain('host');
    expect(columns()).toEqual(expect.arrayContaining(['summary', 'character_model']));
    // One step down: back to the 0001 index (prompts, responses and tool inputs), rebuilt from the rows.
    expect(await migrateDown(h.db)).toEqual(['2026_12_06_0002_search_all']);
    expect(tables(h)).toEqual(BEFORE_ALERTS.filter((t) => t !== 'approval_decisions'));
    expect(await searchKinds(h)).toEqual({ prompt: 1 });
    expect(
      h.sqlite.prepare("SELECT rowid FROM search_index WHERE search_index MATCH 'migration'").pluck().all(),
    ).toEqual([5]);
    expect(await migrateDown(h.db)).toEqual(['2026_11_21_0001_initial']);
    expect(tables(h)).toEqual([]);
  });
});

describe('the PostgreSQL migration list', () => {
  it('mirrors the SQLite steps, plus 0013 and 0014 (cluster), which are PostgreSQL only (SQLite runs one server)', () => {
    // 0001 + 0002 of PostgreSQL are the SQLite schema up to 0009; later SQLite steps get a counterpart by name.
    expect(Object.keys(postgresMigrations)).toEqual([
      '2026_12_07_0001_initial',
      '2026_12_07_0002_search',
      '2026_12_07_0011_import',
      '2026_12_07_0012_hosts',
      '2026_12_07_0013_cluster',
      '2026_12_07_0014_cluster_inputs',
      '2026_12_07_0015_host_samples',
    ]);
    expect(Object.keys(migrations)).toContain('2026_12_07_0012_hosts');
    expect(Object.keys(migrations)).toContain('2026_12_07_0015_host_samples');
    expect(Object.keys(migrations)).not.toContain('2026_12_07_0013_cluster');
    expect(Object.keys(migrations)).not.toContain('2026_12_07_0014_cluster_inputs');
  });
});
