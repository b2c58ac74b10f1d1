/** The SQLite adapter: one better-sqlite3 connection, Kysely over it, write plans applied on it. */
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { DatabaseAdapter } from '../adapter.js';
import { DbInputError } from '../errors.js';
import { migrateToLatest } from '../migrate.js';
import type { Database } from '../schema.js';
import { searchSessions } from '../sessions.js';
import { createApplier } from './apply.js';
import { ftsPromptMatch, fullTextSearch } from './fts-search.js';
import { inlineWrite, startWriterThread, type WriterLog, type WriterThreadOptions } from './thread.js';
import { configureConnection } from './writer.js';

export type { WriterLog, WriterThreadOptions } from './thread.js';

export interface OpenSqliteOptions {
  /** Path of the SQLite file (created if missing), or `':memory:'`. */
  file: string;
  /** Milliseconds a statement waits for a lock held by another connection. Default 5000. */
  busyTimeoutMs?: number;
  /**
   * Apply write plans on a writer thread with a connection of its own (default false; a file only: an in-memory
   * database is written on its connection). `true`, or the thread's options.
   */
  writerThread?: boolean | WriterThreadOptions;
  /** Where the writer thread's failures are told. */
  log?: WriterLog;
}

/** The SQLite adapter, with what only SQLite code (the server's writer thread, tests) needs. */
export interface SqliteAdapter extends DatabaseAdapter {
  readonly dialect: 'sqlite';
  /** Names of the migrations applied by this open (empty when the schema was already current). */
  readonly appliedMigrations: string[];
  /** The better-sqlite3 connection behind `db` (the same one). */
  readonly sqlite: BetterSqlite3.Database;
  /** The file opened (`':memory:'` for an in-memory database). */
  readonly file: string;
  /** The writer thread (null: plans are applied on `sqlite`). `terminate()`: as if it crashed (tests). */
  readonly writerThread: { terminate(): Promise<void> } | null;
}

/**
 * Opens (creating if needed) the database: WAL journal (checkpoint every 4000 pages, WAL file capped at
 * 64 MB after a checkpoint), `synchronous = NORMAL`, foreign keys on, 4 MB page cache, a busy timeout,
 * then runs every pending migration. `write` applies plans on this connection.
 */
export async function openSqlite(options: OpenSqliteOptions): Promise<SqliteAdapter> {
  if (typeof options?.file !== 'string' || options.file.length === 0) {
    throw new DbInputError('openSqlite: file must be a non-empty path or ":memory:"', 'file');
  }
  const { file } = options;
  const sqlite = new BetterSqlite3(file);
  try {
    const busy = options.busyTimeoutMs;
    configureConnection(sqlite, typeof busy === 'number' && Number.isFinite(busy) ? busy : 5000);
    // Checkpoint every ~16 MB of WAL instead of 4 MB: hot pages (session rows, index pages) rewritten by
    // consecutive batches are copied once, and the checkpoint fsync happens 4x less often.
    sqlite.pragma('wal_autocheckpoint = 4000');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    const appliedMigrations = await migrateToLatest(db);
    const apply = createApplier(sqlite);
    const threadOptions = options.writerThread === true ? {} : options.writerThread || null;
    const thread =
      threadOptions !== null && file !== ':memory:'
        ? startWriterThread({ sqlite, apply }, file, options.log ?? { error() {} }, threadOptions)
        : null;
    const write = thread ? thread.write : inlineWrite(apply);
    let closed = false;
    return {
      dialect: 'sqlite',
      db,
      sqlite,
      file,
      appliedMigrations,
      get writeMode() {
        return thread?.mode ?? 'main';
      },
      get writerNice() {
        return thread?.nice ?? null;
      },
      writerThread: thread,
      write,
      fullTextSearch: (input) => fullTextSearch(db, input),
      searchSessions: (input = {}) => searchSessions(db, input, ftsPromptMatch),
      async close() {
        if (closed) return;
        closed = true;
        await thread?.close();
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
