/**
 * A throwaway PostgreSQL server for tests: Debian's binaries (`node scripts/ensure-postgres.mjs` installs them),
 * a cluster in a temp dir (`initdb`, trust auth, loopback only), `pg_ctl start` on 127.0.0.1 and a free port with
 * its unix socket in the temp dir. initdb refuses to run as root: as root the cluster belongs to `nobody` and every
 * PostgreSQL command runs as that user (`setpriv`). `stop()` stops the server and removes the directory.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const PG_ROOT = '/usr/lib/postgresql';
/** Whom the cluster belongs to when the tests run as root (initdb and postgres refuse root). */
const RUN_AS_USER = 'nobody';

function idOf(flag: '-u' | '-g'): number {
  return Number(execFileSync('id', [flag, RUN_AS_USER], { encoding: 'utf8' }).trim());
}

export interface TestPostgres {
  /** The superuser's URL of database `db` (`postgres` when not given). */
  url(db?: string): string;
  /** A fresh database (a copy of `template`, default `template0`), named `name` or a unique name; returns it. */
  createDatabase(template?: string, name?: string): Promise<string>;
  /** Drops a database (closing its connections). */
  dropDatabase(name: string): Promise<void>;
  /** Stops the server (immediate) and removes its directory. Idempotent. */
  stop(): void;
}

/** The newest /usr/lib/postgresql/<version>/bin that has initdb and pg_ctl (or `PG_BIN`). */
export function postgresBin(): string {
  const fromEnv = process.env.PG_BIN;
  if (fromEnv) return fromEnv;
  const versions = existsSync(PG_ROOT)
    ? readdirSync(PG_ROOT)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  for (const v of versions) {
    const bin = join(PG_ROOT, v, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
  }
  throw new Error(
    `PostgreSQL not found under ${PG_ROOT}: run \`node scripts/ensure-postgres.mjs\` (as root).`,
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

let seq = 0;
export const uniqueName = () => `fd_${process.pid}_${++seq}_${Math.random().toString(36).slice(2, 8)}`;

async function admin(url: string, text: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

/** Ends the backend `pid` of the server of `url` (`pg_terminate_backend`): its connection is lost at once. */
export async function terminateBackend(url: string, pid: number): Promise<boolean> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [pid]);
    return r.rows[0]?.ok === true;
  } finally {
    await c.end();
  }
}

/** Counters of the database `url` names (`pg_stat_database`): deadlocks detected, transactions rolled back. */
export async function databaseCounters(url: string): Promise<{ deadlocks: number; rollbacks: number }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ deadlocks: string; rollbacks: string }>(
      'SELECT deadlocks, xact_rollback AS rollbacks FROM pg_stat_database WHERE datname = current_database()',
    );
    return { deadlocks: Number(r.rows[0]?.deadlocks ?? 0), rollbacks: Number(r.rows[0]?.rollbacks ?? 0) };
  } finally {
    await c.end();
  }
}

/** Creates database `name` as a copy of `template` through the server of `adminUrl`; returns `name`. */
export async function createDatabase(
  adminUrl: string,
  template: string,
  name = uniqueName(),
): Promise<string> {
  await admin(adminUrl, `CREATE DATABASE ${name} TEMPLATE ${template}`);
  return name;
}

/** Drops database `name` (closing its connections) through the server of `adminUrl`. */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await admin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

/** Drops a schema and everything in it (through `url`, a connection to its database). */
export async function dropSchema(url: string, schema: string): Promise<void> {
  await admin(url, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}

/** `url` with its database replaced by `db`. */
export function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/**
 * Statements by total execution time, from `pg_stat_statements`, after two rows summing every top-level one's planning and execution (a server started with
 * `startPostgres({ statistics: true })`): where a database's time goes, for a benchmark's report.
 */
export async function topStatements(
  url: string,
  limit = 12,
): Promise<Array<{ query: string; calls: number; totalMs: number; rows: number }>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const r = await c.query<{ query: string; calls: string; total: number; rows: string }>(
      `(SELECT 'all statements: planning' AS query, sum(calls) AS calls, sum(total_plan_time) AS total, sum(rows) AS rows
          FROM pg_stat_statements WHERE toplevel)
       UNION ALL
       (SELECT 'all statements: execution' AS query, sum(calls) AS calls, sum(total_exec_time) AS total, sum(rows) AS rows
          FROM pg_stat_statements WHERE toplevel)
       UNION ALL
       (SELECT query, calls, total_exec_time AS total, rows FROM pg_stat_statements
         ORDER BY total_exec_time DESC LIMIT $1)`,
      [limit],
    );
    return r.rows.map((x) => ({
      query: x.query,
      calls: Number(x.calls),
      totalMs: x.total,
      rows: Number(x.rows),
    }));
  } finally {
    await c.end();
  }
}

/** `statistics`: load `pg_stat_statements` (see `topStatements`); off by default, it costs a little per statement. */
export async function startPostgres(options: { statistics?: boolean } = {}): Promise<TestPostgres> {
  const bin = postgresBin();
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'flightdeck-pg-'));
  const data = join(dir, 'data');
  const runAs = root ? { uid: idOf('-u'), gid: idOf('-g') } : null;
  if (runAs) {
    chownSync(dir, runAs.uid, runAs.gid);
    chmodSync(dir, 0o700);
  }
  const run = (tool: string, args: string[]) => {
    const [cmd, argv] = runAs
      ? [
          'setpriv',
          [`--reuid=${runAs.uid}`, `--regid=${runAs.gid}`, '--clear-groups', '--', join(bin, tool), ...args],
        ]
      : [join(bin, tool), args];
    return execFileSync(cmd, argv, {
      cwd: dir,
      stdio: 'pipe',
      encoding: 'utf8',
      env: { ...process.env, LC_ALL: 'C' },
    });
  };
  let started = false;
  const stop = () => {
    if (started) {
      started = false;
      try {
        run('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']);
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--locale=C']);
    let port = 0;
    for (let attempt = 0; !started; attempt++) {
      port = await freePort();
      // Loopback only, the socket in our dir; no fsync (a throwaway cluster).
      const stats = options.statistics
        ? ' -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all -c pg_stat_statements.track_planning=on'
        : '';
      const opts = `-h 127.0.0.1 -p ${port} -k ${dir} -F -c synchronous_commit=off -c full_page_writes=off${stats}`;
      try {
        run('pg_ctl', ['start', '-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', '-o', opts]);
        started = true;
      } catch (err) {
        if (attempt >= 2) throw err; // the port was taken between the probe and the start: try another
      }
    }
    const url = (db = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${db}`;
    return {
      url,
      createDatabase: (template = 'template0', name = uniqueName()) => createDatabase(url(), template, name),
      dropDatabase: (name) => dropDatabase(url(), name),
      stop,
    };
  } catch (err) {
    stop();
    throw err;
  }
}
