/**
 * Portable Kysely statements as better-sqlite3 prepared statements: a statement is built once with placeholder
 * values (`placeholders`), compiled by Kysely's SQLite compiler, and prepared; the position of each placeholder
 * among the compiled parameters is kept, so a run binds the real values by name without building or compiling a
 * query again (the hot path stays a prepared statement).
 */
import type BetterSqlite3 from 'better-sqlite3';
import {
  type Compilable,
  type CompiledQuery,
  DummyDriver,
  Kysely,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import type { Database } from '../schema.js';

/** Compiles queries to SQLite's SQL; never connects (`DummyDriver`). */
export const sqliteCompiler = new Kysely<Database>({
  dialect: {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  },
});

const MARK = '\u0000flightdeck-param:';

/** An object whose every named value is the placeholder of that name (pass it where the real values go). */
export function placeholders<K extends string>(names: readonly K[]): Record<K, never> {
  return Object.fromEntries(names.map((n) => [n, `${MARK}${n}`])) as Record<K, never>;
}

/** A prepared statement that binds its values by name. */
export interface Compiled<V> {
  readonly sql: string;
  run(values: V): BetterSqlite3.RunResult;
  get(values: V): unknown;
}

type Bindable = string | number | bigint | null | Buffer;

/**
 * Prepares `query` (built with `placeholders` values) on `sqlite`. A compiled parameter that is not a placeholder
 * (a constant of the statement) is bound as compiled; a value missing from the values is bound as null.
 */
export function compile<V extends object>(sqlite: BetterSqlite3.Database, query: Compilable): Compiled<V> {
  const c: CompiledQuery = query.compile();
  const n = c.parameters.length;
  const names: (string | null)[] = new Array(n);
  const constants: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const p = c.parameters[i];
    if (typeof p === 'string' && p.startsWith(MARK)) names[i] = p.slice(MARK.length);
    else {
      names[i] = null;
      constants[i] = p;
    }
  }
  const stmt = sqlite.prepare(c.sql);
  const bind = (values: V): Bindable[] => {
    const args: Bindable[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const name = names[i];
      const v =
        name === null || name === undefined ? constants[i] : (values as Record<string, unknown>)[name];
      args[i] = v === undefined ? null : (v as Bindable);
    }
    return args;
  };
  return {
    sql: c.sql,
    run: (values) => stmt.run(bind(values)),
    get: (values) => stmt.get(bind(values)),
  };
}
