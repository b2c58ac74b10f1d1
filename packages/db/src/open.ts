import BetterSqlite3 from 'better-sqlite3';
import { Kysely, type MigrationResult, Migrator, NO_MIGRATIONS, SqliteDialect } from 'kysely';
import { DbInputError } from './errors.js';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';
import { configureConnection } from './write-ops.js';

export interface OpenDatabaseOptions {
  /** Path of the SQLite file (created if missing), or `':memory:'`. */
  file: string;
  /** Milliseconds a statement waits for a lock held by another connection. Default 5000. */
  busyTimeoutMs?: number;
}

export interface FlightdeckDatabase {
  db: Kysely<Database>;
  /** The underlying better-sqlite3 connection (same connection Kysely uses). */
  sqlite: BetterSqlite3.Database;
  /** Names of the migrations applied by this open (empty when the schema was already current). */
  appliedMigrations: string[];
  /** Closes the connection. Idempotent. */
  close(): Promise<void>;
}

/** Per-connection state shared by the synchronous repositories (the raw handle and its prepared statements). */
export interface Handle {
  sqlite: BetterSqlite3.Database;
  statements: Map<string, BetterSqlite3.Statement>;
  /** Bumped when a session id is deleted or re-keyed, which invalidates its entries in `rings`. */
  generations: Map<string, number>;
  /**
   * The last planned array of each ring buffer of each session (`<ring>\0<sessionId>`), under the session's key
   * (`<generation>:<id>`): the next array of the same ring is compared to it by position (ring buffers append at
   * the end and drop from the front; the core never mutates an entry), so an entry planned before costs an
   * identity check.
   */
  rings: Map<string, { key: string; arr: readonly unknown[] }>;
}

const handles = new WeakMap<object, Handle>();

/** The better-sqlite3 handle behind a Kysely instance returned by `openDatabase`. */
export function handleOf(db: Kysely<Database>): Handle {
  const h = handles.get(db);
  if (!h) throw new DbInputError('db: not a Kysely instance created by openDatabase()', 'db');
  return h;
}

/** A cached prepared statement of this connection. */
export { prepared } from './write-ops.js';

/**
 * Opens (creating if needed) the database: WAL journal (checkpoint every 4000 pages, WAL file capped at
 * 64 MB after a checkpoint), `synchronous = NORMAL`, foreign keys on, 4 MB page cache, a busy timeout,
 * then runs every pending migration.
 */
export async function openDatabase(options: OpenDatabaseOptions | string): Promise<FlightdeckDatabase> {
  const opts = typeof options === 'string' ? { file: options } : options;
  if (typeof opts.file !== 'string' || opts.file.length === 0) {
    throw new DbInputError('openDatabase: file must be a non-empty path or ":memory:"', 'file');
  }
  const sqlite = new BetterSqlite3(opts.file);
  try {
    configureConnection(sqlite, Number.isFinite(opts.busyTimeoutMs) ? (opts.busyTimeoutMs as number) : 5000);
    // Checkpoint every ~16 MB of WAL instead of 4 MB: hot pages (session rows, index pages) rewritten by
    // consecutive batches are copied once, and the checkpoint fsync happens 4x less often.
    sqlite.pragma('wal_autocheckpoint = 4000');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    handles.set(db, {
      sqlite,
      statements: new Map(),
      generations: new Map(),
      rings: new Map(),
    });
    const appliedMigrations = await migrateToLatest(db);
    let closed = false;
    return {
      db,
      sqlite,
      appliedMigrations,
      async close() {
        if (closed) return;
        closed = true;
        handles.get(db)?.statements.clear();
        try {
          sqlite.pragma('optimize');
        } catch {
          // best effort
        }
        await db.destroy();
      },
    };
  } catch (err) {
    if (sqlite.open) sqlite.close();
    throw err;
  }
}

function check(results: MigrationResult[] | undefined, error: unknown, what: string): string[] {
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`${what} failed${failed ? ` at ${failed}` : ''}: ${String(error)}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

function migrator(db: Kysely<Database>): Migrator {
  return new Migrator({ db, provider: migrationProvider });
}

/** Runs every pending migration; returns the names applied. */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const { results, error } = await migrator(db).migrateToLatest();
  invalidate(db);
  return check(results, error, 'migrateToLatest');
}

/** Reverts the last migration, or all of them with `{ all: true }` (for tests). Returns the names reverted. */
export async function migrateDown(db: Kysely<Database>, options: { all?: boolean } = {}): Promise<string[]> {
  const m = migrator(db);
  const { results, error } = options.all ? await m.migrateTo(NO_MIGRATIONS) : await m.migrateDown();
  invalidate(db);
  return check(results, error, 'migrateDown');
}

/** Prepared statements refer to the schema; drop them when it changes. */
function invalidate(db: Kysely<Database>): void {
  handles.get(db)?.statements.clear();
}
