/**
 * The session row is derived from `Session`, not restated: every field of a session comes back from the database
 * as it went in (the live load rebuilds it from the row), and every field that has a column comes back in the
 * history summary, with no code per field here or in the mapper.
 */
import type { Session } from '@flightdeck/shared-types';
import { otherValue as anyOtherValue } from '@flightdeck/shared-types/testing';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type ColumnField,
  getSession,
  loadLiveSessions,
  migrateToLatest,
  SESSION_COLUMNS,
  SESSION_ROW_COLUMNS,
  sessionRow,
  TABLE_RINGS,
  withStoredRings,
} from '../src/index.js';
import {
  rows as all,
  makeSession,
  migrateDownThrough,
  openTestDb,
  recordBatch,
  STORES,
  T0,
  type TestDb,
  tool,
} from './helpers.js';

/** Every key of a Session (the core builds every field). */
const KEYS = Object.keys(makeSession('keys')) as (keyof Session)[];
const COLUMN_FIELDS = new Set<string>(Object.values(SESSION_COLUMNS).map((c) => c.field));
/** The rings kept in child tables have entry shapes of their own (tested with the write plans). */
const SNAPSHOT_KEYS = KEYS.filter((k) => !(TABLE_RINGS as readonly string[]).includes(k));

/**
 * `otherValue`, but a time that is null becomes a time (not the string `otherValue` gives a null): PostgreSQL's
 * bigint column refuses a string where SQLite stores anything.
 */
function otherValue(v: unknown, key: keyof Session): unknown {
  return v === null && key === 'endedAt' ? T0 + 4242 : anyOtherValue(v, key);
}

function changed(key: keyof Session): Session {
  const base = makeSession(`p-${key}`);
  return { ...base, [key]: otherValue(base[key], key) } as Session;
}

describe.each(STORES)('a Session through its row (%s)', (kind) => {
  let h: TestDb;
  beforeEach(async () => {
    h = await openTestDb(kind);
  });
  afterEach(async () => {
    await h.cleanup();
  });

  it('covers every field of Session, each column once', () => {
    expect(KEYS.length).toBeGreaterThan(40);
    expect(KEYS).toContain('host');
    for (const field of COLUMN_FIELDS) expect(KEYS).toContain(field);
    expect(new Set(SESSION_ROW_COLUMNS).size).toBe(SESSION_ROW_COLUMNS.length);
    expect(Object.keys(sessionRow(makeSession('r')))).toEqual([...SESSION_ROW_COLUMNS]);
  });

  it.each(SNAPSHOT_KEYS)(
    '%s: the live load returns it, the history summary too when it has a column',
    async (key) => {
      const s = changed(key);
      await recordBatch(h, { events: [], sessions: [s] });
      const loaded = (await loadLiveSessions(h.db, { now: T0 })).find((x) => x.sessionId === s.sessionId);
      expect(loaded).toEqual(s);
      const detail = await getSession(h.db, s.sessionId);
      expect(detail?.session).toEqual(s);
      const listed = (await h.searchSessions({})).items.find((x) => x.sessionId === s.sessionId);
      expect(listed).toBeDefined();
      for (const field of COLUMN_FIELDS) {
        expect(listed?.[field as ColumnField], field).toEqual(s[field as ColumnField]);
        expect(detail?.summary[field as ColumnField], field).toEqual(s[field as ColumnField]);
      }
    },
  );

  it('a session with every field changed at once comes back whole', async () => {
    let s = makeSession('all');
    for (const key of SNAPSHOT_KEYS) if (key !== 'sessionId') s = { ...s, [key]: otherValue(s[key], key) };
    await recordBatch(h, { events: [], sessions: [s] });
    expect(await loadLiveSessions(h.db, { now: T0 })).toEqual([s]);
  });

  it('host is a column: written, listed, and read back as null when no event said', async () => {
    await recordBatch(h, {
      events: [],
      sessions: [makeSession('on-build', { host: 'build-box' }), makeSession('here')],
    });
    const rows = await all(h, sql`SELECT id, host FROM sessions ORDER BY id`);
    expect(rows).toEqual([
      { id: 'here', host: null },
      { id: 'on-build', host: 'build-box' },
    ]);
    const items = (await h.searchSessions({ sortBy: 'started_at' })).items;
    expect(Object.fromEntries(items.map((i) => [i.sessionId, i.host]))).toEqual({
      here: null,
      'on-build': 'build-box',
    });
  });
});

describe('migration 0003', () => {
  it('fills the host column from the snapshots recorded before it', async () => {
    const h = await openTestDb('file');
    try {
      const down = await migrateDownThrough(h.db, '2026_12_07_0003_session_host');
      expect(down.undone).toEqual(down.expected);
      const snapshot = JSON.stringify({ ...makeSession('before'), host: 'old-box' });
      h.sqlite
        .prepare(
          `INSERT INTO sessions (id, cli, status, started_at, last_activity_at, snapshot) VALUES ('before', 'claude', 'idle', 1, 1, ?)`,
        )
        .run(snapshot);
      expect(await migrateToLatest(h.db)).toEqual([...down.expected].reverse());
      expect(h.sqlite.prepare("SELECT host FROM sessions WHERE id = 'before'").pluck().get()).toBe('old-box');
    } finally {
      await h.cleanup();
    }
  });
});

describe('withStoredRings', () => {
  it('uses the persisted records when they are fuller than the session, parsing tool inputs', () => {
    const session = makeSession('old', { toolLog: [] });
    const got = withStoredRings(session, {
      prompts: [{ text: 'first prompt', promptId: null, timestamp: 5 }],
      responses: [],
      toolCalls: [
        {
          ...tool({ tool: 'Edit', startedAt: 6, toolUseId: 'tu', inputSummary: '/a.ts', endedAt: 7 }),
          inputExcerpt: JSON.stringify({ file_path: '/a.ts', old_string: 'a', new_string: 'b' }),
        },
      ],
      events: [],
    });
    expect(got.sessionId).toBe('old');
    expect(got.promptHistory.map((p) => p.text)).toEqual(['first prompt']);
    expect(got.toolLog[0]?.input).toEqual({ file_path: '/a.ts', old_string: 'a', new_string: 'b' });
    expect(got.events).toBe(session.events);
  });
});
