/**
 * The PostgreSQL adapter (team mode, issue 19): a `pg` connection pool, Kysely's PostgresDialect over it, its own
 * migrations (`./migrations/`), write plans applied through Kysely (`apply.ts`), search on a tsvector index.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DatabaseAdapter } from '../adapter.js';
import { DbInputError } from '../errors.js';
import { migrateToLatest } from '../migrate.js';
import type { Database } from '../schema.js';
import { searchSessions } from '../sessions.js';
import { createPostgresWriter, type TransactionHook } from './apply.js';
import { fullTextSearch, tsPromptMatch } from './fts-search.js';
import { postgresMigrationProvider } from './migrations/index.js';

export interface OpenPostgresOptions {
  /** `postgres://user[:password]@host[:port]/database` (or `postgresql://`). */
  url: string;
  /** Connections in the pool (default 10). */
  maxConnections?: number;
  /**
   * The schema Flightdeck's tables live in (created when missing; `public` stays on the search path for extensions
   * such as `unaccent`). Default: the server's search path. Lets several databases of Flightdeck share one.
   */
  schema?: string;
}

export interface PostgresAdapter extends DatabaseAdapter {
  readonly dialect: 'postgres';
  /** Names of the migrations applied by this open (empty when the schema was already current). */
  readonly appliedMigrations: string[];
  /** The URL and schema it was opened with (a LISTEN connection of its own needs them: `listenPostgres`). */
  readonly url: string;
  readonly schema: string | null;
  /**
   * Runs `hook` last in every write plan's transaction, before the commit (several servers on one database: the
   * NOTIFY of what was committed goes out with the commit, and only if it commits); null removes it.
   */
  setTransactionHook(hook: TransactionHook | null): void;
}

const INT8 = 20;
const NUMERIC = 1700;

/**
 * Numbers come back as numbers, as from SQLite: `bigint` columns (times in ms, ids, counters: all below 2^53) and
 * `count(*)`, and `numeric` (what `sum` of a bigint gives).
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 || oid === NUMERIC
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

function checkSchema(schema: unknown): string | null {
  if (schema === undefined) return null;
  if (typeof schema !== 'string' || !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new DbInputError('openPostgres: schema must be a lower-case SQL identifier', 'schema');
  }
  return schema;
}

function checkUrl(url: unknown): string {
  if (typeof url !== 'string' || !/^postgres(ql)?:\/\/./.test(url)) {
    throw new DbInputError('openPostgres: url must be a postgres:// or postgresql:// URL', 'url');
  }
  return url;
}

/** Connects, runs every pending migration (under Kysely's migration lock), and returns the adapter. */
export async function openPostgres(options: OpenPostgresOptions): Promise<PostgresAdapter> {
  const url = checkUrl(options?.url);
  const schema = checkSchema(options.schema);
  if (schema !== null) {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      await c.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    types,
    ...(schema !== null ? { options: `-c search_path=${schema},public` } : {}),
  });
  // An idle client's error (the server went away) must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    const appliedMigrations = await migrateToLatest(db, postgresMigrationProvider);
    const writer = createPostgresWriter(db);
    let closed = false;
    return {
      dialect: 'postgres',
      db,
      appliedMigrations,
      url,
      schema,
      setTransactionHook: writer.setTransactionHook,
      writeMode: 'main',
      writerNice: null,
      write: writer.write,
      fullTextSearch: (input) => fullTextSearch(db, input),
      searchSessions: (input = {}) => searchSessions(db, input, tsPromptMatch),
      async close() {
        if (closed) return;
        closed = true;
        await writer.drain();
        await db.destroy();
      },
    };
  } catch (err) {
    await db.destroy();
    throw err;
  }
}
