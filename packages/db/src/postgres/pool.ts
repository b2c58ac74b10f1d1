/**
 * The connection pool of the PostgreSQL adapter, made the same way on the thread that opens the database and on its
 * writer thread: numbers come back as numbers, and the schema (when one is given) leads the search path.
 */
import pg from 'pg';

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

export function createPool(url: string, schema: string | null, max: number): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    types,
    ...(schema !== null ? { options: `-c search_path=${schema},public` } : {}),
  });
  // An idle client's error (the server went away) must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  return pool;
}
