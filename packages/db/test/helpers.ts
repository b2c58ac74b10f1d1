import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSession } from '@flightdeck/core';
import type { HookEnvelope, Session, ToolCall } from '@flightdeck/shared-types';
import { type RawBuilder, sql } from 'kysely';
import { inject } from 'vitest';
import {
  createWritePlanner,
  type DatabaseAdapter,
  hasIngestIds,
  type IngestBatch,
  type IngestEvent,
  migrateDown,
  migrations,
  openPostgres,
  openSqlite,
  type PostgresAdapter,
  type SqliteAdapter,
  type WriteOp,
  type WritePlanner,
} from '../src/index.js';
import { createDatabase, dropSchema, withDatabase } from './support/postgres.js';
import { TEMPLATE_DB } from './support/postgres-setup.js';

export const T0 = Date.UTC(2026, 10, 16, 9, 0, 0); // Monday 2026-11-16 09:00 UTC

type StoredRing = 'promptHistory' | 'toolLog' | 'responseLog' | 'events';
/** A ring entry as a test writes it: without its sequence number (or with 0), `makeSession` numbers it. */
export type Unnumbered<T> = Omit<T, 'seq'> & { seq?: number };
export type SessionOver = Omit<Partial<Session>, StoredRing> & {
  [K in StoredRing]?: Unnumbered<Session[K][number]>[];
};

/**
 * A session as the core would hold it: ring entries without a sequence number get one (in place, so a test keeps
 * its objects), after the highest given, rings in the order prompts, tools, responses, events; `ringSeq` is the
 * highest, unless given.
 */
export function makeSession(id: string, over: SessionOver = {}): Session {
  const base = createSession({
    sessionId: id,
    cli: 'claude',
    projectPath: '/home/dev/src/acme-api',
    source: 'terminal',
    now: T0,
    status: 'working',
    trigger: 'UserPromptSubmit',
    detail: 'prompt',
  });
  const { promptHistory = [], toolLog = [], responseLog = [], events = [], ...rest } = over;
  const all: Unnumbered<unknown>[] = [...promptHistory, ...toolLog, ...responseLog, ...events];
  let seq = 0;
  for (const e of all) seq = Math.max(seq, e.seq ?? 0);
  for (const e of all) if (!e.seq) e.seq = ++seq;
  const rings = { promptHistory, toolLog, responseLog, events } as Pick<Session, StoredRing>;
  return {
    ...base,
    title: `Session ${id}`,
    model: 'claude-sonnet-4-6',
    permissionMode: 'default',
    pid: 4242,
    ...rings,
    ringSeq: seq,
    ...rest,
  };
}

/**
 * The next version of `s` as the core makes it: ring entries of `over` that are not entries of `s` are new or
 * replaced, and get the next sequence numbers (in place), rings in the order prompts, tools, responses, events.
 */
export function revise(s: Session, over: Partial<Session>): Session {
  const known = new Set<unknown>([...s.promptHistory, ...s.toolLog, ...s.responseLog, ...s.events]);
  let seq = s.ringSeq;
  for (const ring of ['promptHistory', 'toolLog', 'responseLog', 'events'] as const) {
    for (const e of over[ring] ?? []) if (!known.has(e)) (e as { seq: number }).seq = ++seq;
  }
  return { ...s, ...over, ringSeq: seq };
}

/** `s` as the database gives it back: its ring entries are written, so they carry `seq` 0 (`ringSeq` stays). */
export function written(s: Session): Session {
  const zero = <T>(ring: readonly T[]): T[] => ring.map((e) => ({ ...e, seq: 0 }));
  return {
    ...s,
    promptHistory: zero(s.promptHistory),
    toolLog: zero(s.toolLog),
    responseLog: zero(s.responseLog),
    events: zero(s.events),
  };
}

/** A tool call; `seq` 0 unless given (`makeSession` numbers it). */
export function tool(over: Partial<ToolCall> & { tool: string; startedAt: number }): ToolCall {
  return {
    seq: 0,
    toolUseId: null,
    input: {},
    inputSummary: '',
    status: 'ok',
    endedAt: null,
    durationMs: null,
    result: null,
    error: null,
    agentId: null,
    ...over,
  };
}

export function hookEvent(ingestId: string, sessionId: string, event: string, receivedAt = T0): IngestEvent {
  const envelope: HookEnvelope = {
    cli: 'claude',
    payload: { session_id: sessionId, hook_event_name: event, cwd: '/home/dev/src/acme-api' },
    meta: { pid: 4242, sentAt: receivedAt - 3 },
  };
  return { ingestId, envelope, receivedAt };
}

/** This test file's PostgreSQL database (one per file; one schema per test database in it). */
let fileDatabase: Promise<string> | undefined;
let schemas = 0;

/** Where a store test runs: SQLite in memory, SQLite in a temp file, PostgreSQL (a fresh database). */
export const STORES = ['memory', 'file', 'postgres'] as const;
export type StoreKind = (typeof STORES)[number];

type Extras = {
  dir: string | null;
  /** Another adapter on the same database (a file or PostgreSQL; not `:memory:`), as after a restart. */
  reopen(): Promise<DatabaseAdapter>;
  cleanup(): Promise<void>;
};
export type TestDb = DatabaseAdapter & Extras;
/** A test database on SQLite (tests of what only SQLite has: pragmas, its migrations, the writer thread). */
export type SqliteTestDb = SqliteAdapter & Extras;

/**
 * Opens a database on `:memory:`, on a fresh temp file, or (`postgres`) in a fresh schema of this test file's
 * database on the run's PostgreSQL server (`test/support/postgres-setup.ts`); `cleanup()` closes and removes it.
 */
export async function openTestDb(kind: 'memory' | 'file'): Promise<SqliteAdapter & Extras>;
export async function openTestDb(kind: 'postgres'): Promise<PostgresAdapter & Extras>;
export async function openTestDb(kind: StoreKind): Promise<TestDb>;
export async function openTestDb(kind: StoreKind): Promise<TestDb> {
  if (kind === 'postgres') {
    const admin = inject('postgresUrl');
    fileDatabase ??= createDatabase(admin, TEMPLATE_DB);
    const url = withDatabase(admin, await fileDatabase);
    const schema = `t${++schemas}`;
    const open = () => openPostgres({ url, schema, maxConnections: 4 });
    const h = await open();
    return Object.assign(h, {
      dir: null,
      reopen: open,
      async cleanup() {
        await h.close();
        await dropSchema(url, schema);
      },
    });
  }
  const dir = kind === 'file' ? mkdtempSync(join(tmpdir(), 'flightdeck-db-')) : null;
  const file = dir ? join(dir, 'flightdeck.db') : ':memory:';
  const h = await openSqlite({ file });
  return Object.assign(h, {
    dir,
    reopen: () => openSqlite({ file }),
    async cleanup() {
      await h.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  });
}

/** Rows of a raw query on any adapter (portable SQL only). */
export async function rows<T = Record<string, unknown>>(
  h: DatabaseAdapter,
  query: RawBuilder<unknown>,
): Promise<T[]> {
  return (await query.execute(h.db)).rows as T[];
}

/** The first column of each row of a raw query (what better-sqlite3's `pluck().all()` gives). */
export async function pluck(h: DatabaseAdapter, query: RawBuilder<unknown>): Promise<unknown[]> {
  return (await rows<Record<string, unknown>>(h, query)).map((r) => Object.values(r)[0]);
}

export async function count(h: DatabaseAdapter, table: string): Promise<number> {
  return Number((await pluck(h, sql`SELECT count(*) AS n FROM ${sql.table(table)}`))[0]);
}

/** The tables that hold rows of a session (its id in `session_id`). */
const SESSION_TABLES = [
  'sessions',
  'prompts',
  'responses',
  'tool_calls',
  'events',
  'notes',
  'hook_events',
  'search_index',
];

/** The distinct session ids of each table that holds rows of a session. */
export async function sessionIdsByTable(h: DatabaseAdapter): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const t of SESSION_TABLES) {
    const column = sql.ref(t === 'sessions' ? 'id' : 'session_id');
    out[t] = await pluck(h, sql`SELECT DISTINCT ${column} FROM ${sql.table(t)}`);
  }
  return out;
}

/** `sessionIdsByTable` when every row belongs to session `id`. */
export function onlySession(id: string): Record<string, unknown[]> {
  return Object.fromEntries(SESSION_TABLES.map((t) => [t, [id]]));
}

/** Rows of the full-text index by kind (only the kinds present). */
export async function searchKinds(h: DatabaseAdapter): Promise<Record<string, number>> {
  const found = await rows(
    h,
    sql<{ kind: string; n: number }>`SELECT kind, count(*) AS n FROM search_index GROUP BY kind`,
  );
  return Object.fromEntries(found.map((r) => [r.kind, Number(r.n)]));
}

/** Which raw events of a batch were stored, and which were there already (or twice in the batch). */
export interface IngestResult {
  insertedIngestIds: string[];
  duplicateIngestIds: string[];
}

const planners = new WeakMap<DatabaseAdapter, WritePlanner>();

/**
 * Records one batch the way the server does, in one transaction: the write plan of `createWritePlanner` (raw
 * events, re-keys, session rows with their new ring entries, removals), then the core state when given, applied by
 * the adapter's `write`. After a failed write the planner forgets what it planned. Answers which raw events were
 * new (looked up before the write).
 */
export async function recordBatch(
  h: DatabaseAdapter,
  batch: IngestBatch & { coreState?: unknown; now?: number },
): Promise<IngestResult> {
  let planner = planners.get(h);
  if (planner === undefined) {
    planner = createWritePlanner();
    planners.set(h, planner);
  }
  const ops: WriteOp[] = [];
  planner.batch(ops, batch);
  if (batch.coreState !== undefined) {
    const latest = Math.max(0, ...batch.events.map((e) => e.receivedAt));
    ops.push({
      op: 'coreState',
      state: JSON.stringify(batch.coreState),
      at: batch.now ?? (latest || Date.now()),
    });
  }
  const stored = await hasIngestIds(
    h.db,
    batch.events.map((e) => e.ingestId),
  );
  try {
    await h.write(ops);
  } catch (e) {
    planner.forget();
    throw e;
  }
  const result: IngestResult = { insertedIngestIds: [], duplicateIngestIds: [] };
  for (const { ingestId } of batch.events) {
    const dup = stored.has(ingestId);
    stored.add(ingestId);
    (dup ? result.duplicateIngestIds : result.insertedIngestIds).push(ingestId);
  }
  return result;
}

/**
 * Steps the schema down one migration at a time until `target` has been undone, and returns
 * what each step undid. The expected order is derived from the migration list, so a migration
 * added later does not break tests that need the schema as it was before an older one.
 */
export async function migrateDownThrough(
  db: DatabaseAdapter['db'],
  target: keyof typeof migrations,
): Promise<{ undone: string[]; expected: string[] }> {
  const names = Object.keys(migrations);
  const at = names.indexOf(target);
  if (at < 0) throw new Error(`no migration named ${target}`);
  const expected = names.slice(at).reverse();
  const undone: string[] = [];
  for (let i = 0; i < expected.length; i++) undone.push(...(await migrateDown(db)));
  return { undone, expected };
}
