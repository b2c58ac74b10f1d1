/**
 * What the benchmark scripts share: the in-process server's options, the production bundle started as a child
 * process and its ready line, a JSON POST, the databases to run on (a throwaway PostgreSQL for `postgres`), and
 * small measures (quantiles, load, a process's CPU time).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgres, type TestPostgres, topStatements } from '@flightdeck/db/test-support/postgres';
import { readProcStat } from '@flightdeck/hook-ingest';
import type { configFileSchema as ConfigFileSchema, startServer as StartServer } from '@flightdeck/server';

/**
 * `startServer`'s options for a benchmark: 127.0.0.1 port 0, a file database in `dataDir`, no logger, no built web
 * app, no alert delivery, the transcript follower off; `file` adds config.json settings.
 */
export function benchServerOptions(
  configFileSchema: typeof ConfigFileSchema,
  dataDir: string,
  file: Record<string, unknown> = {},
): Parameters<typeof StartServer>[0] {
  return {
    config: {
      port: 0,
      host: '127.0.0.1',
      debug: false,
      dataDir,
      configPath: join(dataDir, 'config.json'),
      file: configFileSchema.parse({ transcripts: { enabled: false }, ...file }),
    },
    logger: false,
    webDist: null,
    delivery: false,
    transcripts: false,
  };
}

/** The URL `flightdeck start` prints on its `FLIGHTDECK_READY` line; rejects on exit or after `timeoutMs`. */
export function readyUrl(child: ChildProcess, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolveStart, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), timeoutMs);
    const collect = (d: Buffer) => {
      out += d.toString();
      const m = /FLIGHTDECK_READY (\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolveStart(m[1]);
      }
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}):\n${out}`));
    });
  });
}

/** POSTs `body` as JSON through `agent` (with `headers`); resolves with the status code once the answer is read. */
export function postJson(
  agent: http.Agent,
  url: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<number> {
  const data = Buffer.from(JSON.stringify(body));
  const u = new URL(path, url);
  return new Promise((resolvePost, reject) => {
    const req = http.request(
      {
        agent,
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'content-length': data.length },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolvePost(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/**
 * `flightdeck start --port 0 --data-dir <dataDir> --no-open` of a server bundle as a child process (stdout piped for
 * its ready line, stderr inherited), node run with `nodeFlags`; resolves with its URL once it is ready.
 */
export async function startBundle(
  bundle: string,
  dataDir: string,
  o: { nodeFlags?: readonly string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<{ child: ChildProcess; url: string }> {
  const args = [...(o.nodeFlags ?? []), bundle, 'start', '--port', '0', '--data-dir', dataDir, '--no-open'];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, PORT: '', ...o.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return { child, url: await readyUrl(child) };
}

const here = dirname(fileURLToPath(import.meta.url));
/** The production bundle (`pnpm --filter @flightdeck/server build`): the benchmarks run BUILD before they start. */
export const BUILD = resolve(here, '../apps/server/scripts/build.mjs');
const BUNDLE = resolve(here, '../apps/server/dist/flightdeck.mjs');

/** Node flags of the production start script (apps/server/package.json `start`): the words between `node` and it. */
export function serverNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(resolve(here, '../apps/server/package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  };
  const flags: string[] = [];
  for (const w of (pkg.scripts?.start ?? '').split(/\s+/).slice(1)) {
    if (!w.startsWith('--')) break;
    flags.push(w);
  }
  return flags;
}

/**
 * `flightdeck start` of the production bundle as a child process, as users run it (port 0, `dataDir`, on
 * `databaseUrl` when given). Environment: BENCH_PROFILE_DIR=<dir> writes a CPU profile of the server on exit,
 * BENCH_NODE_FLAGS adds node flags, BENCH_SERVER_LOG=<file> appends its stdout.
 */
export function startProductionServer(
  dataDir: string,
  databaseUrl?: string,
): Promise<{ child: ChildProcess; url: string }> {
  const prof = process.env.BENCH_PROFILE_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`]
    : [];
  const extraFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(
    process.execPath,
    [
      ...prof,
      ...extraFlags,
      ...serverNodeFlags(),
      BUNDLE,
      'start',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--no-open',
      ...(databaseUrl ? ['--database', databaseUrl] : []),
    ],
    { env: { ...process.env, HOME: dataDir, PORT: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const serverLog = process.env.BENCH_SERVER_LOG;
  if (serverLog) child.stdout?.on('data', (d: Buffer) => appendFileSync(serverLog, d));
  return readyUrl(child).then((url) => ({ child, url }));
}

/** p-quantile `q` of `values` (sorted here; nearest rank). NaN when there are none. */
export function pct(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

/** The 1, 5 and 15 minute load averages, as `/proc/loadavg` gives them. */
export function loadAvg(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** CPU time (user + system) of a process, or one of its threads, so far, in seconds (clock ticks of 10 ms). */
export function cpuSeconds(pid: number, thread?: number): number {
  const stat = readProcStat(pid, thread);
  if (!stat) throw new Error(`process ${pid} is gone`);
  return (stat.utimeTicks + stat.stimeTicks) / 100;
}

export type DatabaseKind = 'sqlite' | 'postgres';
export const DATABASE_LABEL: Record<DatabaseKind, string> = { sqlite: 'file SQLite', postgres: 'PostgreSQL' };

/** `--database=sqlite,postgres`: the databases to run on, in order (`fallback` when the option is absent). */
export function databasesArg(fallback: string): DatabaseKind[] {
  const arg = process.argv.find((a) => a.startsWith('--database='));
  const kinds = (arg ? arg.slice('--database='.length) : fallback).split(',').map((k) => k.trim());
  for (const k of kinds)
    if (k !== 'sqlite' && k !== 'postgres')
      throw new Error(`--database: "${k}" is neither sqlite nor postgres`);
  return kinds as DatabaseKind[];
}

/** BENCH_PG_STATS=1: PostgreSQL's statements by total execution time after its run (`pg_stat_statements`). */
const PG_STATS = process.env.BENCH_PG_STATS === '1';

/**
 * Runs `run` on each database in turn: SQLite with no URL, PostgreSQL with a fresh database of one throwaway server
 * (loopback port; stopped at the end), whose statements are printed after its run when BENCH_PG_STATS=1.
 */
export async function onDatabases<R>(
  databases: readonly DatabaseKind[],
  run: (database: DatabaseKind, databaseUrl: string | undefined) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  let postgres: TestPostgres | null = null;
  try {
    for (const database of databases) {
      let databaseUrl: string | undefined;
      if (database === 'postgres') {
        postgres ??= await startPostgres({ statistics: PG_STATS });
        databaseUrl = postgres.url(await postgres.createDatabase());
      }
      results.push(await run(database, databaseUrl));
      if (postgres && PG_STATS && database === 'postgres') {
        console.log('\nPostgreSQL statements by total execution time (pg_stat_statements, whole run):');
        for (const s of await topStatements(postgres.url(), 15))
          console.log(
            `  ${s.totalMs.toFixed(0).padStart(7)} ms  ${String(s.calls).padStart(6)} calls  ${(s.totalMs / Math.max(1, s.calls)).toFixed(3).padStart(8)} ms/call  ${String(s.rows).padStart(8)} rows  ${s.query.replace(/\s+/g, ' ').slice(0, 150)}`,
          );
      }
    }
  } finally {
    postgres?.stop();
  }
  return results;
}
