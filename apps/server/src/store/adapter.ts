/**
 * INTERIM (replaced by `DatabaseAdapter`/`openSqlite` of @flightdeck/db when the portable write path lands): the
 * database adapter the store is written against, bound to today's SQLite package.
 */
import {
  createOpWriter,
  type FlightdeckDatabase,
  type FtsResult,
  type FullTextSearchInput,
  fullTextSearch,
  type WriteOp,
} from '@flightdeck/db';

import type { OpSink } from '../writer-thread.js';

export interface DatabaseAdapter {
  readonly dialect: 'sqlite';
  readonly db: FlightdeckDatabase['db'];
  write(ops: readonly WriteOp[]): Promise<number>;
  fullTextSearch(input: FullTextSearchInput): Promise<FtsResult>;
  readonly writeMode: 'thread' | 'main';
  readonly writerNice: number | null;
  close(): Promise<void>;
}

export function sqliteAdapter(database: FlightdeckDatabase, sink?: OpSink): DatabaseAdapter {
  const writer = sink ? null : createOpWriter(database.sqlite);
  return {
    dialect: 'sqlite',
    db: database.db,
    write(ops) {
      if (sink) return sink.write(ops as WriteOp[]);
      try {
        const started = performance.now();
        writer?.write(ops as WriteOp[]);
        return Promise.resolve(performance.now() - started);
      } catch (err) {
        return Promise.reject(err);
      }
    },
    fullTextSearch: (input) => fullTextSearch(database.db, input),
    get writeMode() {
      return sink?.mode ?? 'main';
    },
    get writerNice() {
      return sink?.nice ?? null;
    },
    async close() {
      await sink?.close();
      await database.close();
    },
  };
}
