/**
 * Shared parts of the fault suite (`pnpm fault`, apps/server/test/fault-suite.test.ts): the real server as a
 * child process, real hook-script writers, a byte-identical Node spool writer, HTTP requests over keep-alive
 * connections to 127.0.0.1, memory from /proc, and counting what reached SQLite (read-only).
 *
 * Every event a scenario sends carries a `fault_key` in its payload (unique per event and run); lost and
 * duplicated events are counted from those keys in `hook_events`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeSpoolRecord, formatRecordName, HOOK_SCRIPT_PATH } from '@flightdeck/hook-ingest';
import Database from 'better-sqlite3';

const here = dirname(fileURLToPath(import.meta.url));
/** The `flightdeck` CLI: the production bundle when it is fresh, the sources otherwise (see the bin). */
export const FLIGHTDECK_BIN = resolve(here, '../../apps/server/bin/flightdeck.mjs');
export { HOOK_SCRIPT_PATH };

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface ScenarioOptions {
  /** The short variant (what `pnpm test` runs). */
  quick: boolean;
  /** Where to print figures (default: console.log). */
  log?: (line: string) => void;
  /** Keep the data directory for inspection. */
  keep?: boolean;
}

export interface ScenarioResult {
  name: string;
  pass: boolean;
  /** The figures printed, by name. */
  figures: Record<string, number | string>;
  /** Why it failed (empty when it passed). */
  failures: string[];
}

/** Collects figures and failed requirements of one scenario, and prints them with a PASS/FAIL line. */
export class Report {
  readonly figures: Record<string, number | string> = {};
  readonly failures: string[] = [];
  private readonly log: (line: string) => void;

  constructor(
    readonly name: string,
    opts: ScenarioOptions,
  ) {
    this.log = opts.log ?? ((line) => console.log(line));
    this.log(`\n== ${name}${opts.quick ? ' (quick)' : ''}`);
  }

  /** Records and prints a figure. */
  set(key: string, value: number | string): void {
    this.figures[key] = value;
    this.log(`  ${key}: ${typeof value === 'number' ? fmt(value) : value}`);
  }

  note(line: string): void {
    this.log(`  ${line}`);
  }

  /** A requirement: when `ok` is false the scenario fails with `what`. */
  require(ok: boolean, what: string): void {
    if (!ok) this.failures.push(what);
  }

  done(): ScenarioResult {
    const pass = this.failures.length === 0;
    this.log(`${pass ? 'PASS' : 'FAIL'} ${this.name}${pass ? '' : `: ${this.failures.join('; ')}`}`);
    return { name: this.name, pass, figures: this.figures, failures: this.failures };
  }
}

export function fmt(n: number, digits = 1): string {
  if (!Number.isFinite(n)) return String(n);
  return Number.isInteger(n) ? String(n) : n.toFixed(digits);
}

export function percentile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

/** A short id for this run, so keys never collide with another run's. */
export function runId(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** Polls `check` every `intervalMs` until it is true or `timeoutMs` passed; returns whether it became true. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

// --- data directory ---

export interface DataDir {
  dir: string;
  spool: string;
  dbFile: string;
  remove(): void;
}

/**
 * A fresh data directory with a config.json that lifts the hook rate limit (the suite sends far more than the
 * default 200 requests/s from one address; a 429 is not what it tests).
 */
export function makeDataDir(prefix: string): DataDir {
  const dir = mkdtempSync(join(tmpdir(), `fd-fault-${prefix}-`));
  writeFileSync(join(dir, 'config.json'), `${JSON.stringify({ hookRateLimitPerSecond: 1_000_000 })}\n`);
  return {
    dir,
    spool: join(dir, 'spool'),
    dbFile: join(dir, 'flightdeck.db'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

// --- the server as a child process ---

/** Resident memory of a process in MB (/proc/<pid>/status VmRSS); NaN when it is gone. */
export function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? Number.NaN) / 1024;
  } catch {
    return Number.NaN;
  }
}

export class ServerProcess {
  /** What the server printed last (for a failure's explanation). */
  private output = '';
  private exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exitStatus: { code: number | null; signal: NodeJS.Signals | null } | null = null;

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
    output: string,
    exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
  ) {
    this.output = output;
    this.exited = exited;
    exited.then((s) => {
      this.exitStatus = s;
    });
    const keep = (d: Buffer) => {
      this.output = (this.output + d.toString()).slice(-32_768);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  get pid(): number {
    return this.child.pid as number;
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  get alive(): boolean {
    return this.exitStatus === null;
  }

  /** `flightdeck start --data-dir <dir> --port 0 --no-open`; resolves on its `FLIGHTDECK_READY <url>` line. */
  static start(dataDir: string, timeoutMs = 60_000): Promise<ServerProcess> {
    const child = spawn(
      process.execPath,
      [FLIGHTDECK_BIN, 'start', '--data-dir', dataDir, '--port', '0', '--host', '127.0.0.1', '--no-open'],
      {
        // FLIGHTDECK_NO_BUILD: the server as the checkout has it (fresh bundle, else the sources), never a build.
        env: { ...process.env, HOME: dataDir, PORT: '', FLIGHTDECK_DATA_DIR: '', FLIGHTDECK_NO_BUILD: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
      child.once('exit', (code, signal) => r({ code, signal })),
    );
    return new Promise((resolveStart, reject) => {
      let out = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the server did not start in ${timeoutMs} ms:\n${out.slice(-4000)}`));
      }, timeoutMs);
      const onData = (d: Buffer) => {
        out += d.toString();
        const m = /FLIGHTDECK_READY (\S+)/.exec(out);
        if (m?.[1]) {
          clearTimeout(timer);
          child.stdout?.off('data', onData);
          child.stderr?.off('data', onData);
          resolveStart(new ServerProcess(child, m[1], out.slice(-32_768), exited));
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`the server exited (${code ?? signal}) before it was ready:\n${out.slice(-4000)}`));
      });
    });
  }

  rssMb(): number {
    return rssMb(this.pid);
  }

  /** SIGKILL, and wait until it is gone. */
  async kill(): Promise<void> {
    if (this.alive) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (a graceful stop that commits what was accepted); SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.alive) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exited;
  }

  lastOutput(chars = 2000): string {
    return this.output.slice(-chars);
  }
}

/** Samples a process's RSS every `intervalMs` (the process may change: `pid` is asked each time). */
export function sampleRss(pid: () => number | null, intervalMs = 100) {
  let max = 0;
  const sample = () => {
    const p = pid();
    if (p === null) return;
    const mb = rssMb(p);
    if (mb > max) max = mb;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    get max() {
      return max;
    },
    stop: () => {
      sample();
      clearInterval(timer);
    },
  };
}

// --- HTTP ---

export interface HttpAnswer {
  /** 0: no answer (connection refused, reset, or timed out). */
  status: number;
  body: string;
  error?: string;
}

export interface HttpRequest {
  method?: string;
  path: string;
  headers?: Record<string, string | number>;
  body?: string | Buffer;
  timeoutMs?: number;
}

/** Keep-alive connections to one or several successive servers on 127.0.0.1. */
export function keepAliveAgent(maxSockets = 16): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets, noDelay: true });
}

/** One request; never rejects (a failure is `status: 0` with the error). Only 127.0.0.1 targets. */
export function request(baseUrl: string, agent: http.Agent, req: HttpRequest): Promise<HttpAnswer> {
  const u = new URL(req.path, baseUrl);
  if (u.hostname !== '127.0.0.1')
    throw new Error(`the fault suite only targets 127.0.0.1 (got ${u.hostname})`);
  const body =
    req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body);
  // A request line over Node's header limit (16 KB) is answered 431 and its connection destroyed without
  // `connection: close`: such a request gets a connection of its own, so that the next one is not reset.
  const ownConnection = u.pathname.length + u.search.length > 8192;
  return new Promise((done) => {
    let settled = false;
    const finish = (a: HttpAnswer) => {
      if (settled) return;
      settled = true;
      done(a);
    };
    const r = http.request(
      {
        agent: ownConnection ? false : agent,
        host: '127.0.0.1',
        port: u.port,
        path: `${u.pathname}${u.search}`,
        method: req.method ?? 'POST',
        headers: {
          ...(body ? { 'content-length': body.length } : {}),
          ...req.headers,
        },
        timeout: req.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          // Only the start of an answer is kept.
          if (size < 4096) chunks.push(c);
          size += c.length;
        });
        res.on('end', () =>
          finish({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8').slice(0, 4096),
          }),
        );
        res.on('error', (err) => finish({ status: res.statusCode ?? 0, body: '', error: err.message }));
      },
    );
    r.on('timeout', () => {
      r.destroy(new Error('timed out'));
    });
    r.on('error', (err: NodeJS.ErrnoException) =>
      finish({ status: 0, body: '', error: err.code ?? err.message }),
    );
    r.end(body);
  });
}

export const JSON_HEADERS = { 'content-type': 'application/json' };

export function postJson(
  baseUrl: string,
  agent: http.Agent,
  path: string,
  value: unknown,
  timeoutMs = 10_000,
) {
  return request(baseUrl, agent, {
    path,
    headers: JSON_HEADERS,
    body: JSON.stringify(value),
    timeoutMs,
  });
}

// --- events ---

/** A Claude hook payload carrying `fault_key` (JSON without spaces, as counted by {@link countStored}). */
export function hookPayload(
  key: string,
  sessionId: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    session_id: sessionId,
    transcript_path: `/tmp/${sessionId}.jsonl`,
    cwd: '/home/dev/fault',
    hook_event_name: 'UserPromptSubmit',
    prompt: `event ${key}`,
    fault_key: key,
    ...extra,
  };
}

/**
 * An envelope with the client-chosen event id `id` (top level, ≤ 128 chars): a retry of the same event sends the
 * same id, and must not be stored twice.
 */
export function envelope(key: string, sessionId: string, extra: Record<string, unknown> = {}) {
  return {
    cli: 'claude',
    id: key,
    payload: hookPayload(key, sessionId, extra),
    meta: { sentAt: Date.now() },
  };
}

/** `[[[…]]]` nested `depth` levels (2 bytes a level). */
export function deepArray(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

// --- the real hook script ---

/** Runs `sh flightdeck-hook.sh claude` once with `payload` on stdin; resolves with its exit code. */
export function runHook(spool: string, payload: string): Promise<number> {
  return new Promise((done) => {
    const child = spawn('sh', [HOOK_SCRIPT_PATH, 'claude'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: spool, FLIGHTDECK_SPOOL: spool },
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    child.on('error', () => done(-1));
    child.on('exit', (code) => done(code ?? -1));
    child.stdin.on('error', () => {});
    child.stdin.end(payload);
  });
}

/**
 * A load of keyed events: `concurrency` workers, each sending one event after another (keys `<prefix><n>`,
 * sessions `<prefix>s<worker>`) until `halt()` or `maxEvents`.
 */
export abstract class KeyedLoad {
  private next = 0;
  protected stopping = false;
  private workers: Promise<void>[] = [];

  constructor(
    protected readonly prefix: string,
    private readonly concurrency: number,
    private readonly maxEvents = 1_000_000,
  ) {}

  start(): this {
    for (let w = 0; w < this.concurrency; w++) this.workers.push(this.work(`${this.prefix}s${w}`));
    return this;
  }

  /** Sends one event; resolves when it is done with it. */
  protected abstract send(key: string, sessionId: string): Promise<void>;

  private async work(sessionId: string): Promise<void> {
    while (!this.stopping && this.next < this.maxEvents)
      await this.send(`${this.prefix}${this.next++}`, sessionId);
  }

  /** Stops starting events and waits for the workers to finish the ones they are sending. */
  protected async halt(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.workers);
  }
}

/**
 * Writers running the real hook script for one event after another (one `sh` process per event, like an
 * agent's hook). An event counts as written when its hook process exited 0.
 */
export class HookWriters extends KeyedLoad {
  readonly written = new Set<string>();
  failed = 0;

  constructor(
    private readonly spool: string,
    concurrency: number,
    prefix: string,
  ) {
    super(prefix, concurrency);
  }

  protected async send(key: string, sessionId: string): Promise<void> {
    const code = await runHook(this.spool, JSON.stringify(hookPayload(key, sessionId)));
    if (code === 0) this.written.add(key);
    else this.failed += 1;
  }

  /** Stops starting hook processes and waits for the running ones to exit. */
  stop(): Promise<void> {
    return this.halt();
  }
}

// --- a Node spool writer (byte-identical records, for rates the shell cannot reach) ---

function currentBoot(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().slice(0, 8);
  } catch {
    return '00000000';
  }
}

function uptimeCs(): number {
  try {
    const [up] = readFileSync('/proc/uptime', 'utf8').split(' ');
    return Math.round(Number(up) * 100);
  } catch {
    return Math.round(Date.now() / 10);
  }
}

/**
 * Writes records as the hook script would (`encodeSpoolRecord`, names `<boot8>-<uptime cs>-<pid>.rec`), straight
 * into the spool like the script (create, then write). The name's "pid" is a counter above any real PID, so names
 * never collide.
 */
export class NodeSpoolWriter {
  private readonly boot = currentBoot();
  private n = 0;
  /** Uptime at creation, and the monotonic clock then: the capture time of a record without reading /proc. */
  private readonly up0 = uptimeCs();
  private readonly t0 = performance.now();

  constructor(private readonly spool: string) {
    mkdirSync(spool, { recursive: true });
  }

  write(payload: Record<string, unknown>): void {
    const up = this.up0 + Math.floor((performance.now() - this.t0) / 10);
    const name = formatRecordName(this.boot, up, 10_000_000 + this.n++);
    const record = encodeSpoolRecord(
      { cli: 'claude', pid: process.pid, ppid: process.pid, boot: this.boot, up },
      JSON.stringify(payload),
    );
    writeFileSync(join(this.spool, name), record, { flag: 'wx' });
  }
}

/** Complete or partial records waiting in the spool (not the ones set aside). */
export function spoolBacklog(spool: string): number {
  try {
    let n = 0;
    for (const f of readdirSync(spool)) if (f.endsWith('.rec')) n++;
    return n;
  } catch {
    return 0;
  }
}

/** Records set aside in `<spool>/rejected/`, with the reason the reader wrote next to each. */
export function rejectedRecords(spool: string): Array<{ file: string; reason: string | null; body: string }> {
  const dir = join(spool, 'rejected');
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return [];
  }
  return files
    .filter((f) => f.endsWith('.rec'))
    .map((file) => {
      // The reason is a file named after the record (`<id>.rec.error.json` today).
      let reason: string | null = null;
      const id = file.slice(0, -'.rec'.length);
      for (const candidate of files) {
        if (candidate !== file && candidate.startsWith(id) && !candidate.endsWith('.rec')) {
          reason = readFileSync(join(dir, candidate), 'utf8').trim();
          break;
        }
      }
      return { file, reason, body: readFileSync(join(dir, file)).toString('latin1') };
    });
}

// --- counting what was stored ---

export interface Tally {
  sent: number;
  /** Rows whose key starts with the prefix. */
  storedRows: number;
  storedDistinct: number;
  /** Sent keys not stored. */
  lost: number;
  /** Rows beyond the first of each key. */
  duplicated: number;
  /** Some lost keys, for the report. */
  lostSample: string[];
  /** Some duplicated keys. */
  duplicatedSample: string[];
}

/**
 * How many rows of `hook_events` carry each `fault_key` starting with `prefix` (read-only; the key is found in
 * the stored payload text, so a payload SQLite's JSON functions cannot parse is still counted).
 */
export function countStored(dbFile: string, prefix: string): Map<string, number> {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    const needle = `"fault_key":"${prefix}`;
    const rows = db
      .prepare('SELECT payload FROM hook_events WHERE instr(payload, ?) > 0')
      .pluck()
      .all(needle) as string[];
    const counts = new Map<string, number>();
    const re = new RegExp(`"fault_key":"(${escapeRegExp(prefix)}[^"]*)"`);
    for (const payload of rows) {
      const key = re.exec(payload)?.[1];
      if (key) counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  } finally {
    db.close();
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** lost = sent − stored distinct (of what was sent), duplicated = stored rows − stored distinct. */
export function tally(sent: Iterable<string>, stored: Map<string, number>): Tally {
  const sentSet = new Set(sent);
  let storedRows = 0;
  const duplicatedSample: string[] = [];
  for (const [key, n] of stored) {
    storedRows += n;
    if (n > 1 && duplicatedSample.length < 5) duplicatedSample.push(`${key}×${n}`);
  }
  const lostKeys = [...sentSet].filter((k) => !stored.has(k));
  return {
    sent: sentSet.size,
    storedRows,
    storedDistinct: stored.size,
    lost: lostKeys.length,
    duplicated: storedRows - stored.size,
    lostSample: lostKeys.slice(0, 5),
    duplicatedSample,
  };
}

/** SIGTERM, and a requirement that the server stopped cleanly (exit code 0). */
export async function requireCleanStop(report: Report, server: ServerProcess): Promise<void> {
  const s = await server.stop();
  report.require(s.code === 0, `the server did not stop cleanly (${s.code ?? s.signal})`);
}

/** Removes a scenario's data directory, or keeps it (`--keep`) and says where. */
export function releaseDataDir(report: Report, data: DataDir, opts: ScenarioOptions): void {
  if (opts.keep) report.note(`data dir kept: ${data.dir}`);
  else data.remove();
}

/** Prints a tally into a report and requires lost = 0 and duplicated = 0. */
export function reportTally(report: Report, label: string, t: Tally): void {
  report.set(`${label} sent`, t.sent);
  report.set(`${label} stored rows`, t.storedRows);
  report.set(`${label} lost`, t.lost);
  report.set(`${label} duplicated`, t.duplicated);
  if (t.lostSample.length) report.note(`${label} lost e.g. ${t.lostSample.join(', ')}`);
  if (t.duplicatedSample.length) report.note(`${label} duplicated e.g. ${t.duplicatedSample.join(', ')}`);
  report.require(t.lost === 0, `${label}: ${t.lost} of ${t.sent} lost`);
  report.require(t.duplicated === 0, `${label}: ${t.duplicated} duplicated`);
}
