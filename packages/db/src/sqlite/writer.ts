/**
 * SQLite connections that apply write plans: the settings every Flightdeck connection uses, and a writer
 * connection of its own (a worker thread's). Loadable alone (`@flightdeck/db/sqlite-writer`): it imports the
 * statements and the applier, nothing that reads.
 */
import BetterSqlite3 from 'better-sqlite3';
import type { WriteOp } from '../write-op.js';
import { createApplier } from './apply.js';

/**
 * The connection settings every Flightdeck connection uses: WAL journal (WAL file capped at 64 MB after a
 * checkpoint), `synchronous = NORMAL`, foreign keys on, a 4 MB page cache and a busy timeout.
 */
export function configureConnection(sqlite: BetterSqlite3.Database, busyTimeoutMs = 5000): void {
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('cache_size = -4000');
  sqlite.pragma('journal_size_limit = 67108864');
  sqlite.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
}

/** A writer connection of its own to an existing database file (migrated by `openSqlite` before). */
export interface WriterConnection {
  /** Applies one plan as one transaction (rolled back entirely when an operation fails). */
  write(ops: readonly WriteOp[]): void;
  /** Copies the WAL into the database without waiting for readers or blocking writers (PASSIVE). */
  checkpoint(): void;
  close(): void;
}

/** Opens `file` for writes: automatic checkpoints off (call `checkpoint()` when it suits you). */
export function openWriterConnection(file: string): WriterConnection {
  const sqlite = new BetterSqlite3(file);
  try {
    configureConnection(sqlite);
    sqlite.pragma('wal_autocheckpoint = 0');
  } catch (err) {
    sqlite.close();
    throw err;
  }
  const apply = createApplier(sqlite);
  return {
    write: apply,
    checkpoint() {
      sqlite.pragma('wal_checkpoint(PASSIVE)');
    },
    close() {
      if (sqlite.open) sqlite.close();
    },
  };
}
