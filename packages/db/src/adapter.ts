/**
 * The one interface a database implements for Flightdeck (portable: Kysely types only): SQLite (`openSqlite` in
 * `sqlite/`) and PostgreSQL (`openPostgres` in `postgres/`, issue 19).
 */
import type { Kysely } from 'kysely';
import type { FullTextSearchInput, FullTextSearchResult } from './fts.js';
import type { Database } from './schema.js';
import type { SearchSessionsInput, SearchSessionsResult } from './sessions.js';
import type { WriteOp } from './write-op.js';

export interface DatabaseAdapter {
  readonly dialect: 'sqlite' | 'postgres';
  /** Portable reads and small writes: every repository takes it first (`searchSessions(db, …)`). */
  readonly db: Kysely<Database>;
  /** Applies one write plan as ONE transaction, ops in order. Rejects with nothing written. Resolves with ms taken. */
  write(ops: readonly WriteOp[]): Promise<number>;
  /** The dialect's full-text search (FTS5 here; tsvector in PostgreSQL). */
  fullTextSearch(input: FullTextSearchInput): Promise<FullTextSearchResult>;
  /** The session list (`searchSessions`), its text filter through the dialect's full-text index. */
  searchSessions(input?: SearchSessionsInput): Promise<SearchSessionsResult>;
  /** Where `write` runs now ('thread': a writer thread of the SQLite adapter; 'main': this connection or pool). */
  readonly writeMode: 'thread' | 'main';
  /** The writer thread's `nice` once it reported it; null on the main connection or where unknown. */
  readonly writerNice: number | null;
  /** Closes the connection (after the writes in flight). Idempotent. */
  close(): Promise<void>;
}
