/**
 * Opens the server's database: PostgreSQL when a `postgres://` URL is configured (team mode: `--database` or
 * `database` in config.json), else SQLite in the data directory (a file made 0600 first) or in memory. Plans are
 * committed on a writer thread, except in memory.
 */
import { closeSync, openSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  openPostgres,
  openSqlite,
  type PostgresAdapter,
  type SqliteAdapter,
  type WriterLog,
} from '@flightdeck/db';
import { writerScript } from '../build-info.js';
import { WRITER_NICE, WRITER_YOUNG_GENERATION_MB } from '../tuning.js';

export type ServerDatabase = SqliteAdapter | PostgresAdapter;

export async function openServerDatabase(o: {
  dataDir: string | null;
  /** A `postgres://` URL, or null for SQLite. */
  url: string | null;
  log: WriterLog;
}): Promise<ServerDatabase> {
  if (o.url) {
    // Plans committed on a writer thread with a connection of its own (postgres/thread.ts in @flightdeck/db).
    const script = writerScript('postgres');
    return openPostgres({ url: o.url, writerThread: script ? { script } : true, log: o.log });
  }
  const file = o.dataDir ? resolve(o.dataDir, 'flightdeck.db') : ':memory:';
  // Made 0600 before SQLite opens it: SQLite gives the -wal and -shm files the database file's mode.
  if (o.dataDir) closeSync(openSync(file, 'a', 0o600));
  // Commits run on the database writer thread (file databases); an in-memory one is written in place.
  const script = writerScript();
  return openSqlite({
    file,
    writerThread: {
      nice: WRITER_NICE,
      youngGenerationMb: WRITER_YOUNG_GENERATION_MB,
      ...(script ? { script } : {}),
    },
    log: o.log,
  });
}
