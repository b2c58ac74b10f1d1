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
import type { WriteOp } from '../write-op.js';
import { createPostgresWriter } from './apply.js';
import { fullTextSearch, tsPromptMatch } from './fts-search.js';
import { postgresMigrationProvider } from './migrations/index.js';
import { eventNotifyHook } from './notify.js';
import { createPool } from './pool.js';
import { type PgWriterThreadOptions, startPgWriterThread } from './thread.js';
import type { EventNotify } from './writer-worker.js';

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
  /**
   * Apply write plans on a writer thread with a connection of its own (default false: on this thread's pool).
   * `script`: the worker of a production bundle (`pg-writer.mjs`).
   */
  writerThread?: boolean | PgWriterThreadOptions;
  /** Where the writer thread's failures are told. */
  log?: { error(obj: unknown, msg: string): void; warn?(obj: unknown, msg: string): void };
}

/** Several servers on one database: what a plan that stores raw events tells the others (see `setEventNotify`). */
export interface EventNotifyOptions extends EventNotify {
  /** Told each plan's operations when it is handed to the writer, before anything of it can commit. */
  onWrite?(ops: readonly WriteOp[]): void;
}

export interface PostgresAdapter extends DatabaseAdapter {
  readonly dialect: 'postgres';
  /** Names of the migrations applied by this open (empty when the schema was already current). */
  readonly appliedMigrations: string[];
  /** The URL and schema it was opened with (a LISTEN connection of its own needs them: `listenPostgres`). */
  readonly url: string;
  readonly schema: string | null;
  /**
   * Several servers on one database: every write plan with raw events NOTIFYs `channel` with `server` last in its
   * transaction (`notifyEventsStored`: the notification goes out with the commit, and only if it commits), on
   * whichever thread writes; `onWrite` sees each plan first. null: no more.
   */
  setEventNotify(o: EventNotifyOptions | null): void;
  /** The writer thread (null: plans are applied on the pool). `terminate()`: as if it crashed (tests). */
  readonly writerThread: { terminate(): Promise<void> } | null;
}

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
  const pool = createPool(url, schema, options.maxConnections ?? 10);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    const appliedMigrations = await migrateToLatest(db, postgresMigrationProvider);
    const inline = createPostgresWriter(db);
    let notify: EventNotifyOptions | null = null;
    const inlineNotify = {
      write: inline.write,
      setNotify: (n: EventNotify | null) => inline.setTransactionHook(eventNotifyHook(n)),
    };
    const threadOptions = options.writerThread === true ? {} : options.writerThread || null;
    const writer =
      threadOptions === null
        ? {
            ...inlineNotify,
            mode: 'main' as const,
            close: () => Promise.resolve(),
            terminate: () => Promise.resolve(),
          }
        : startPgWriterThread({ url, schema }, inlineNotify, options.log ?? { error() {} }, threadOptions);
    let closed = false;
    return {
      dialect: 'postgres',
      db,
      appliedMigrations,
      url,
      schema,
      setEventNotify(o) {
        notify = o;
        writer.setNotify(o === null ? null : { channel: o.channel, server: o.server });
      },
      get writeMode() {
        return writer.mode;
      },
      writerNice: null,
      writerThread: threadOptions === null ? null : { terminate: () => writer.terminate() },
      write(ops) {
        notify?.onWrite?.(ops);
        return writer.write(ops);
      },
      fullTextSearch: (input) => fullTextSearch(db, input),
      searchSessions: (input = {}) => searchSessions(db, input, tsPromptMatch),
      async close() {
        if (closed) return;
        closed = true;
        await writer.close();
        await inline.drain();
        await db.destroy();
      },
    };
  } catch (err) {
    await db.destroy();
    throw err;
  }
}
