/**
 * `pnpm bench:live`: end-to-end live-update benchmark.
 *
 * Starts the real server as a child process (`flightdeck start`, file SQLite in a temp data dir), POSTs hook
 * events over HTTP keep-alive, and watches `sessions.live` through @flightdeck/client over a WebSocket from a
 * process of its own (bench-subscriber.ts), so that neither the sender's work nor the subscriber's share an
 * event loop and count as the server's latency. Times of sending and arrival are `process.hrtime`, one clock for
 * all processes of the machine.
 *
 *  1. latency: hook POST → subscriber, at 200 and 1,000 events/s (one UserPromptSubmit per POST, round-robin over
 *     200 sessions, each carrying a unique prompt marker that the subscriber looks for);
 *  2. throughput ramp: 2k, 5k, 10k, 15k events/s for a few seconds each (PreToolUse/PostToolUse pairs over the
 *     same 200 sessions, 200 envelopes per POST /api/hooks/batch over 8 keep-alive connections);
 *     a step is sustained when every event was acknowledged (committed) in time and the achieved rate is ≥ 95 %
 *     of the target;
 *  3. persistence: every event in SQLite (hook_events count) and the subscriber's last view of every session
 *     equals the server's; server RSS after the load (/proc/<pid>/status VmRSS, 3 s after the last step).
 *
 * Before all that, the machine's floor: the latency steps against `floor-server.mjs` (a server that only parses
 * each POST and broadcasts it over a WebSocket), measured the same way.
 *
 * Databases: --database=sqlite (default), --database=postgres, or --database=sqlite,postgres to run the whole
 * benchmark on each, one after the other in the same run, and print their figures side by side at the end. For
 * PostgreSQL a throwaway server is started on a loopback port (`@flightdeck/db/test-support/postgres`: Debian's
 * `postgresql`, which `node scripts/ensure-postgres.mjs` installs) and the server runs with `--database <url>`.
 *
 * Options: --quick (shorter steps), --latency-seconds=<s> (length of each latency step, default 10; --quick: 2),
 * --keep (keep the data dir), --latency-only, --view=full (subscribe to whole sessions instead of the board's
 * summaries). Environment: BENCH_PROFILE_DIR=<dir> writes a CPU profile of the
 * server, BENCH_NODE_FLAGS="<flags>" adds node flags to the server's (e.g. `--heap-prof --heap-prof-dir=<dir>`,
 * `--trace-gc`), BENCH_SERVER_LOG=<file> appends the server's stdout, BENCH_TRANSCRIPTS=off runs the server with
 * the transcript follower off (`transcripts.enabled: false` in its config.json), for a side-by-side run,
 * BENCH_PG_STATS=1 prints PostgreSQL's statements by total execution time after its run (`pg_stat_statements`).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createFlightdeckClient } from '@flightdeck/client';
import {
  BUILD,
  cpuSeconds,
  DATABASE_LABEL,
  type DatabaseKind,
  databasesArg,
  loadAvg,
  onDatabases,
  pct,
  postJson,
  startProductionServer as startServer,
} from './bench-server.js';
import { hrMs, type PollReply, type SessionView, startSubscriber } from './bench-subscriber.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The floor: a server that only parses and broadcasts (see floor-server.mjs). */
const FLOOR_SERVER = resolve(here, 'floor-server.mjs');
const QUICK = process.argv.includes('--quick');
/** Length of each latency step (and of the floor's): long enough that p99 rests on a hundred samples at 1k/s. */
const LATENCY_MS = latencySeconds() * 1000;

function latencySeconds(): number {
  const arg = process.argv.find((a) => a.startsWith('--latency-seconds='));
  if (!arg) return QUICK ? 2 : 10;
  const seconds = Number(arg.split('=')[1]);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new Error(`--latency-seconds must be a positive number of seconds (got ${arg.split('=')[1]})`);
  return seconds;
}
const KEEP = process.argv.includes('--keep');
const LATENCY_ONLY = process.argv.includes('--latency-only');
/** Live view of the subscriber: `summary` (what a board needs; default) or `full` (whole sessions). */
const VIEW: 'summary' | 'full' = process.argv.includes('--view=full') ? 'full' : 'summary';

interface Envelope {
  cli: 'claude';
  payload: Record<string, unknown>;
  meta: { sentAt: number; pid?: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const fmt = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');

/** Resident memory of a process (MB): VmRSS and its anonymous, file-backed and shared parts (/proc/<pid>/status). */
function rssMb(pid: number): { total: number; anon: number; file: number; shmem: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mb = (k: string) =>
    Number(new RegExp(`${k}:\\s+(\\d+)\\s+kB`).exec(status)?.[1] ?? Number.NaN) / 1024;
  return { total: mb('VmRSS'), anon: mb('RssAnon'), file: mb('RssFile'), shmem: mb('RssShmem') };
}

/** Throughput ramp: a forwarder's few keep-alive connections. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 8, noDelay: true });

/**
 * The latency steps' sender: up to 64 keep-alive connections (every hook process has its own, so events never
 * queue behind one another here), each request written straight to its socket as one prebuilt buffer. The send
 * time of an event is taken when it is fired; a request written at once reaches the kernel in the same call, so
 * nothing of this process's own work (an HTTP client's request objects, its socket assignment a tick later)
 * counts as the server's latency. One request at a time per connection; an event fired while all are busy waits
 * for one (and the wait counts).
 */
/** Longest a connection may have been idle to be reused: below the server's keep-alive timeout (10 s). */
const IDLE_REUSE_MS = 5000;

class HookSockets {
  private idle: net.Socket[] = [];
  private readonly waiting: HookRequest[] = [];
  private readonly all = new Set<net.Socket>();
  /** The request each busy connection is answering. */
  private readonly current = new Map<net.Socket, HookRequest>();
  /** When each idle connection last finished a request. */
  private readonly idleSince = new Map<net.Socket, number>();

  constructor(
    private readonly port: number,
    private readonly size = 64,
  ) {}

  /** Opens the connections before the first event (a connect is not part of any event's latency). */
  async open(): Promise<void> {
    while (this.all.size < this.size) {
      const socket = await this.connect();
      this.idleSince.set(socket, performance.now());
      this.idle.push(socket);
    }
  }

  /** POSTs `body` to `path`; resolves with the HTTP status once the response has been read (0: no answer). */
  post(path: string, body: unknown): Promise<number> {
    const data = Buffer.from(JSON.stringify(body));
    const head = `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1:${this.port}\r\ncontent-type: application/json\r\ncontent-length: ${data.length}\r\nconnection: keep-alive\r\n\r\n`;
    return new Promise((done) => {
      this.dispatch({ bytes: Buffer.concat([Buffer.from(head, 'latin1'), data]), done, received: null });
    });
  }

  private dispatch(req: HookRequest) {
    let socket = this.idle.pop();
    // As HTTP clients do: a connection idle for longer than the server keeps idle connections (its `Keep-Alive:
    // timeout=10` hint) is not reused, since a request written while the server closes it would get no answer.
    while (socket && performance.now() - (this.idleSince.get(socket) ?? 0) > IDLE_REUSE_MS) {
      this.all.delete(socket);
      socket.destroy();
      socket = this.idle.pop();
    }
    if (socket) this.write(socket, req);
    // A connection the server closed (keep-alive timeout) is opened again when needed, and the event waits.
    else if (this.all.size < this.size)
      this.connect().then(
        (fresh) => this.write(fresh, req),
        () => req.done(0),
      );
    else this.waiting.push(req);
  }

  private connect(): Promise<net.Socket> {
    const socket = net.connect({ host: '127.0.0.1', port: this.port, noDelay: true });
    this.all.add(socket);
    socket.on('data', (chunk: Buffer) => this.onData(socket, chunk));
    socket.on('error', () => {}); // 'close' follows
    socket.on('close', () => {
      this.all.delete(socket);
      this.idleSince.delete(socket);
      this.idle = this.idle.filter((s) => s !== socket);
      const req = this.current.get(socket);
      this.current.delete(socket);
      req?.done(0);
      const next = this.waiting.shift();
      if (next) this.dispatch(next);
    });
    return new Promise((resolveConnect, reject) => {
      socket.once('connect', () => resolveConnect(socket));
      socket.once('error', reject);
    });
  }

  private write(socket: net.Socket, req: HookRequest) {
    this.current.set(socket, req);
    socket.write(req.bytes);
  }

  private onData(socket: net.Socket, chunk: Buffer) {
    const req = this.current.get(socket);
    if (!req) return;
    const buf = req.received ? Buffer.concat([req.received, chunk]) : chunk;
    req.received = buf;
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const header = buf.subarray(0, end).toString('latin1');
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(header);
    if (!length) throw new Error(`response without content-length: ${header}`);
    if (buf.length < end + 4 + Number(length[1])) return;
    this.current.delete(socket);
    const next = this.waiting.shift();
    if (next) this.write(socket, next);
    else {
      this.idleSince.set(socket, performance.now());
      this.idle.push(socket);
    }
    req.done(Number(header.slice(9, 12)));
  }

  close() {
    for (const socket of this.all) socket.destroy();
  }
}

interface HookRequest {
  bytes: Buffer;
  done: (status: number) => void;
  /** What arrived of the response so far. */
  received: Buffer | null;
}

/** The subscriber child process (bench-subscriber.ts): `poll()` collects what it saw since the last poll. */
const post = (url: string, path: string, body: unknown) => postJson(agent, url, path, body);

function ev(sessionId: string, event: string, extra: Record<string, unknown> = {}): Envelope {
  return {
    cli: 'claude',
    payload: {
      session_id: sessionId,
      cwd: `/home/bench/${sessionId.split('-')[0]}`,
      transcript_path: `/tmp/${sessionId}.jsonl`,
      hook_event_name: event,
      ...extra,
    },
    meta: { sentAt: Date.now() },
  };
}

/**
 * Calls `fire(i)` for i = 0…total-1 at `rate` per second (in bursts: every `pauseMs`, whatever is due), then
 * `afterBurst()` after each burst. Returns the start time.
 */
async function paced(
  rate: number,
  total: number,
  fire: (i: number) => void,
  pauseMs: number,
  afterBurst: () => void = () => {},
): Promise<number> {
  const t0 = performance.now();
  let n = 0;
  while (n < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) * rate) / 1000) + 1);
    while (n < due) fire(n++);
    afterBurst();
    await sleep(pauseMs);
  }
  return t0;
}

/** Sessions of the latency steps (and of the ramp). */
const LAT_SESSIONS = 200;

interface LatencyMarker {
  marker: string;
  sessionId: string;
  num: number;
}

/** Numbers the markers of every latency step, so no two events anywhere carry the same one. */
let markerSeq = 0;

/**
 * One latency step's sending: `rate` events per second for `durationMs`, one UserPromptSubmit per POST to `path`,
 * round-robin over the latency sessions, each with a unique marker as its prompt; the send time of each marker goes
 * into `sentAt`. Resolves once all are sent; `statuses` resolves with the HTTP statuses, `ackMs` fills with the
 * time from send to answer.
 */
async function sendLatencyEvents(
  sockets: HookSockets,
  path: string,
  rate: number,
  durationMs: number,
  sentAt: Map<string, number>,
): Promise<{ markers: LatencyMarker[]; statuses: Promise<number[]>; ackMs: number[] }> {
  const markers: LatencyMarker[] = [];
  const inflight: Promise<number>[] = [];
  const ackMs: number[] = [];
  await paced(
    rate,
    Math.round((rate * durationMs) / 1000),
    () => {
      const num = ++markerSeq;
      const marker = `m${num}`;
      const sessionId = `lat-${num % LAT_SESSIONS}`;
      markers.push({ marker, sessionId, num });
      const env = ev(sessionId, 'UserPromptSubmit', { prompt: marker, prompt_id: marker });
      const postedAt = hrMs();
      sentAt.set(marker, postedAt);
      inflight.push(
        sockets.post(path, env).then((status) => {
          ackMs.push(hrMs() - postedAt);
          return status;
        }),
      );
    },
    1,
  );
  return { markers, statuses: Promise.all(inflight), ackMs };
}

/**
 * The machine's floor: the same latency steps against `floor-server.mjs` (parse, broadcast, nothing else), so
 * the report can tell what this machine costs from what Flightdeck adds.
 */
async function measureFloor(
  rates: number[],
  durationMs: number,
): Promise<Array<{ rate: number; p50: number; p99: number }>> {
  const child = spawn(process.execPath, [FLOOR_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolvePort, reject) => {
      let out = '';
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /FLOOR_READY (\d+)/.exec(out);
        if (m) resolvePort(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`floor server exited (${code})`)));
    });
    const url = `http://127.0.0.1:${port}`;
    const subscriber = await startSubscriber(url, 'floor', VIEW);
    const sockets = new HookSockets(port);
    await sockets.open();
    const results: Array<{ rate: number; p50: number; p99: number }> = [];
    for (const rate of rates) {
      const sentAt = new Map<string, number>();
      await subscriber.poll();
      await (await sendLatencyEvents(sockets, '/', rate, durationMs, sentAt)).statuses;
      await sleep(200);
      const lat = (await subscriber.poll()).arrivals.flatMap(([marker, at]) => {
        const sent = sentAt.get(marker);
        return sent === undefined ? [] : [at - sent];
      });
      results.push({ rate, p50: pct(lat, 0.5), p99: pct(lat, 0.99) });
    }
    sockets.close();
    await subscriber.close();
    return results;
  } finally {
    child.kill('SIGKILL');
  }
}

let cleanup: () => void = () => {};

/** The figures a side-by-side table shows, of one database's run. */
interface RunSummary {
  database: DatabaseKind;
  p50At1k: number;
  p99At1k: number;
  sustained: number | null;
  persisted: boolean;
  rss: number;
}

async function main() {
  const databases = databasesArg('sqlite');
  execFileSync(process.execPath, [BUILD], { stdio: 'inherit' });
  const floor = await measureFloor([200, 1000], LATENCY_MS);
  const summaries = await onDatabases(databases, (database, databaseUrl) => {
    console.log(`\n===== ${DATABASE_LABEL[database]} =====`);
    return benchOne(database, floor, databaseUrl);
  });
  agent.destroy();
  if (summaries.length > 1) {
    console.log('\nSide by side (same run of the machine):');
    console.log('  database      p50 @1k   p99 @1k   sustained    all persisted   RSS after load');
    for (const r of summaries) {
      console.log(
        `  ${DATABASE_LABEL[r.database].padEnd(12)}  ${fmt(r.p50At1k).padStart(5)} ms  ${fmt(r.p99At1k).padStart(5)} ms  ${(r.sustained ? `${r.sustained} ev/s` : 'none').padEnd(11)}  ${(r.persisted ? 'yes' : 'NO').padEnd(14)}  ${fmt(r.rss, 1)} MB`,
      );
    }
  }
}

async function benchOne(
  database: DatabaseKind,
  floor: Awaited<ReturnType<typeof measureFloor>>,
  databaseUrl: string | undefined,
): Promise<RunSummary> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fd-bench-'));
  let serverChild: ChildProcess | null = null;
  cleanup = () => {
    if (serverChild && serverChild.exitCode === null && serverChild.signalCode === null)
      serverChild.kill('SIGKILL');
    if (!KEEP) rmSync(dataDir, { recursive: true, force: true });
  };
  // The hook route is rate limited per source IP (default 200/s); the generator is one local source.
  writeFileSync(
    join(dataDir, 'config.json'),
    JSON.stringify({
      hookRateLimitPerSecond: 1_000_000,
      openBrowser: false,
      ...(process.env.BENCH_TRANSCRIPTS === 'off' ? { transcripts: { enabled: false } } : {}),
    }),
  );
  const { child, url } = await startServer(dataDir, databaseUrl);
  serverChild = child;
  const pid = child.pid as number;
  console.log(`server pid ${pid} at ${url}, data dir ${dataDir}`);
  const client = createFlightdeckClient({ url });

  // --- subscriber (its own process): markers → arrival time; last view of every session ---
  const subscriber = await startSubscriber(url, 'flightdeck', VIEW);
  const markerSent = new Map<string, number>();
  const markerLatency = new Map<string, number>();
  let lastView = new Map<string, SessionView>();
  let lastPoll = null as PollReply | null;
  /** Collects what the subscriber saw since the previous poll. */
  const poll = async () => {
    lastPoll = await subscriber.poll();
    for (const [marker, at] of lastPoll.arrivals) {
      const sentAt = markerSent.get(marker);
      if (sentAt !== undefined) markerLatency.set(marker, at - sentAt);
    }
    lastView = new Map(lastPoll.views);
    return lastPoll;
  };

  // --- warm-up: latency sessions exist before we measure ---
  const warm: Envelope[] = [];
  for (let i = 0; i < LAT_SESSIONS; i++) warm.push(ev(`lat-${i}`, 'SessionStart', { source: 'startup' }));
  for (let i = 0; i < warm.length; i += 100) {
    const status = await post(url, '/api/hooks/batch', { envelopes: warm.slice(i, i + 100) });
    if (status !== 202) throw new Error(`warm-up batch refused: HTTP ${status}`);
  }
  let sent = warm.length;
  const warmDeadline = Date.now() + 10_000;
  while ((await poll()).views.length < LAT_SESSIONS) {
    if (Date.now() > warmDeadline)
      throw new Error(`subscriber saw ${lastView.size}/${LAT_SESSIONS} sessions`);
    await sleep(20);
  }
  const sockets = new HookSockets(Number(new URL(url).port));
  await sockets.open();

  // --- 1. latency at 200 and 1,000 ev/s ---
  const latencyResults: Array<{
    rate: number;
    n: number;
    p50: number;
    p99: number;
    max: number;
    ackP50: number;
    ackP99: number;
    coalesced: number;
    lost: number;
    loopDelay: { p99: number; max: number };
    senderLoop: { p99: number; max: number };
    subscriberLoop: { p99: number; max: number };
    /** Share of a core used during the step: server main thread, its other threads, sender, subscriber. */
    cpu: { main: number; other: number; sender: number; subscriber: number };
    load: string;
  }> = [];
  await client.trpc.system.info.query({ resetLoopDelay: true });
  // The sender's and the subscriber's own event-loop delays: a latency tail may come from them, not the server.
  const ownLoop = monitorEventLoopDelay({ resolution: 1 });
  ownLoop.enable();
  for (const rate of [200, 1000]) {
    const total = Math.round((rate * LATENCY_MS) / 1000);
    await poll();
    ownLoop.reset();
    const cpu0 = {
      server: cpuSeconds(pid),
      main: cpuSeconds(pid, pid),
      sub: cpuSeconds(subscriber.pid),
      gen: process.cpuUsage(),
    };
    const stepStart = performance.now();
    // ackLat: POST → HTTP response (the event is committed when the server answers).
    const {
      markers,
      statuses: allAnswered,
      ackMs: ackLat,
    } = await sendLatencyEvents(sockets, '/api/hooks', rate, LATENCY_MS, markerSent);
    const senderLoop = { p99: ownLoop.percentile(99) / 1e6, max: ownLoop.max / 1e6 };
    const stepS = (performance.now() - stepStart) / 1000;
    const gen = process.cpuUsage(cpu0.gen);
    const mainS = cpuSeconds(pid, pid) - cpu0.main;
    const cpu = {
      main: mainS / stepS,
      other: (cpuSeconds(pid) - cpu0.server - mainS) / stepS,
      sender: (gen.user + gen.system) / 1e6 / stepS,
      subscriber: (cpuSeconds(subscriber.pid) - cpu0.sub) / stepS,
    };
    console.log(`latency step ${rate} ev/s: sent ${total}`);
    const statuses = await allAnswered;
    sent += total;
    const bad = statuses.filter((s) => s !== 202).length;
    const deadline = Date.now() + 3000;
    const settled = (m: LatencyMarker) =>
      markerLatency.has(m.marker) || (lastView.get(m.sessionId)?.latestMarker ?? 0) > m.num;
    let subscriberLoop = { p99: 0, max: 0 };
    do {
      await sleep(20);
      const { loop } = await poll();
      subscriberLoop = {
        p99: Math.max(subscriberLoop.p99, loop.p99),
        max: Math.max(subscriberLoop.max, loop.max),
      };
    } while (markers.some((m) => !settled(m)) && Date.now() < deadline);
    const lat = markers.flatMap((m) =>
      markerLatency.has(m.marker) ? [markerLatency.get(m.marker) as number] : [],
    );
    const coalesced = markers.filter((m) => !markerLatency.has(m.marker) && settled(m)).length;
    const loopDelay = (await client.trpc.system.info.query({ resetLoopDelay: true })).eventLoopDelayMs;
    latencyResults.push({
      rate,
      n: total,
      p50: pct(lat, 0.5),
      p99: pct(lat, 0.99),
      max: pct(lat, 1),
      ackP50: pct(ackLat, 0.5),
      ackP99: pct(ackLat, 0.99),
      coalesced,
      lost: markers.length - lat.length - coalesced + bad,
      loopDelay,
      senderLoop,
      subscriberLoop,
      cpu,
      load: loadAvg(),
    });
    await sleep(300);
  }
  sockets.close();

  const latencyBatchMs = (await client.trpc.system.info.query()).ingest.batchMs;

  // --- 2. throughput ramp ---
  const rampRates = LATENCY_ONLY ? [] : [2000, 5000, 10_000, 15_000];
  const stepMs = QUICK ? 2000 : 3000;
  const SESSIONS = LAT_SESSIONS;
  const toolCounter: number[] = [];
  const BATCH = 200;
  const rampResults: Array<{
    rate: number;
    events: number;
    achieved: number;
    ackP50: number;
    ackP99: number;
    failed: number;
    drainMs: number;
    sustained: boolean;
    /** Events per second of server CPU time (user + system) during the step: comparable across machine loads. */
    perCpuSecond: number;
    serverCpu: number;
    generatorCpu: number;
    /** The server's main (event-loop) thread alone. */
    mainCpu: number;
    /** Share of the step's time the database writer spent in transactions. */
    writerBusy: number;
    eventsPerTransaction: number;
    load: string;
  }> = [];
  const expectedTools = new Map<string, number>();
  for (const rate of rampRates) {
    const total = Math.round((rate * stepMs) / 1000);
    const ackMs: number[] = [];
    const cpu0 = cpuSeconds(pid);
    const mainCpu0 = cpuSeconds(pid, pid);
    const writer0 = (await client.trpc.system.info.query()).ingest.writer;
    const genCpu0 = process.cpuUsage();
    let failed = 0;
    const inflight: Promise<void>[] = [];
    let pending: Envelope[] = [];
    const flush = () => {
      if (pending.length === 0) return;
      const envelopes = pending;
      pending = [];
      const started = performance.now();
      inflight.push(
        post(url, '/api/hooks/batch', { envelopes })
          .then((status) => {
            if (status === 202)
              for (let i = 0; i < envelopes.length; i++) ackMs.push(performance.now() - started);
            else failed += envelopes.length;
          })
          .catch(() => {
            failed += envelopes.length;
          }),
      );
    };
    const t0 = await paced(
      rate,
      total,
      (n) => {
        const k = n % SESSIONS;
        const sessionId = `lat-${k}`;
        const c = toolCounter[k] ?? 0;
        toolCounter[k] = c + 1;
        const tool = {
          tool_name: 'Read',
          tool_input: { file_path: `/src/file-${c >> 1}.ts` },
          tool_use_id: `tu-${k}-${c >> 1}`,
        };
        if (c % 2 === 0) pending.push(ev(sessionId, 'PreToolUse', tool));
        else {
          pending.push(ev(sessionId, 'PostToolUse', { ...tool, tool_response: { ok: true } }));
          expectedTools.set(sessionId, (expectedTools.get(sessionId) ?? 0) + 1);
        }
        if (pending.length >= BATCH) flush();
      },
      2,
      flush,
    );
    flush();
    const sendEnd = performance.now();
    console.log(`ramp step ${rate} ev/s: sent ${total}`);
    await Promise.all(inflight);
    const drainMs = performance.now() - sendEnd;
    const elapsed = (performance.now() - t0) / 1000;
    const serverCpu = cpuSeconds(pid) - cpu0;
    const writer1 = (await client.trpc.system.info.query()).ingest.writer;
    const transactions = writer1.transactions - writer0.transactions;
    const mainCpu = (cpuSeconds(pid, pid) - mainCpu0) / elapsed;
    const genCpuUsage = process.cpuUsage(genCpu0);
    const generatorCpu = (genCpuUsage.user + genCpuUsage.system) / 1e6 / elapsed;
    sent += total;
    const achieved = (total - failed) / elapsed;
    rampResults.push({
      rate,
      events: total,
      achieved,
      ackP50: pct(ackMs, 0.5),
      ackP99: pct(ackMs, 0.99),
      failed,
      drainMs,
      sustained: failed === 0 && achieved >= rate * 0.95 && drainMs < 1000,
      perCpuSecond: serverCpu > 0 ? (total - failed) / serverCpu : Number.NaN,
      serverCpu: serverCpu / elapsed,
      generatorCpu,
      mainCpu,
      writerBusy: (writer1.busyMs - writer0.busyMs) / 1000 / elapsed,
      eventsPerTransaction: transactions > 0 ? (total - failed) / transactions : Number.NaN,
      load: loadAvg(),
    });
    await sleep(500);
  }

  // --- 3. persistence, consistency, memory ---
  // Memory is measured once the server is idle again: 3 s after the last step (the server gives memory grown
  // under a burst back after 1 s without events).
  const loadEnded = performance.now();
  await sleep(3000);
  // Before the verification queries below (listing 200 whole sessions allocates a lot of its own).
  const memory = rssMb(pid);
  const rss = memory.total;
  const rssDetail = `anon ${fmt(memory.anon, 1)}, file ${fmt(memory.file, 1)}, shmem ${fmt(memory.shmem, 1)} MB`;
  const rssAfterS = (performance.now() - loadEnded) / 1000;
  await poll(); // the subscriber's last view of every session
  const info = await client.trpc.system.info.query();
  const serverSessions = await client.trpc.sessions.list.query();
  let mismatched = 0;
  for (const s of serverSessions) {
    const seen = lastView.get(s.sessionId);
    if (!seen || seen.totalToolCalls !== s.totalToolCalls || seen.totalPrompts !== s.totalPrompts)
      mismatched += 1;
  }
  let wrongTools = 0;
  for (const [id, count] of expectedTools) {
    if (serverSessions.find((s) => s.sessionId === id)?.totalToolCalls !== count) wrongTools += 1;
  }
  await subscriber.close();
  await client.close();

  // --- report ---
  console.log(
    `\nFlightdeck live benchmark (server child process running the production bundle, ${DATABASE_LABEL[database]}, WebSocket subscriber via @flightdeck/client, view ${VIEW})`,
  );
  console.log(
    '\nHook → subscriber latency (POST /api/hooks, one event per request over up to 64 keep-alive connections, 200 sessions round-robin):',
  );
  for (const r of latencyResults) {
    console.log(
      `  ${String(r.rate).padStart(5)} ev/s: n=${r.n}  p50 ${fmt(r.p50)} ms  p99 ${fmt(r.p99)} ms  max ${fmt(r.max)} ms  (POST ack p50 ${fmt(r.ackP50)} ms p99 ${fmt(r.ackP99)} ms)  coalesced ${r.coalesced}  lost ${r.lost}  (server event-loop delay p99 ${fmt(r.loopDelay.p99)} ms, max ${fmt(r.loopDelay.max)} ms; sender's p99 ${fmt(r.senderLoop.p99)} ms, max ${fmt(r.senderLoop.max)} ms; subscriber's p99 ${fmt(r.subscriberLoop.p99)} ms, max ${fmt(r.subscriberLoop.max)} ms; CPU % of a core: server main thread ${fmt(r.cpu.main * 100, 0)}, its other threads ${fmt(r.cpu.other * 100, 0)}, sender ${fmt(r.cpu.sender * 100, 0)}, subscriber ${fmt(r.cpu.subscriber * 100, 0)}; load ${r.load})`,
    );
  }
  for (const f of floor) {
    console.log(
      `  floor of this machine at ${String(f.rate).padStart(5)} ev/s (same generator, a server that only parses and broadcasts): p50 ${fmt(f.p50)} ms  p99 ${fmt(f.p99)} ms`,
    );
  }
  console.log(
    `  server batch time during these steps: p50 ${fmt(latencyBatchMs.p50)} ms p99 ${fmt(latencyBatchMs.p99)} ms max ${fmt(latencyBatchMs.max)} ms`,
  );
  console.log(
    `\nThroughput ramp (POST /api/hooks/batch, ${BATCH} per request, 8 keep-alive connections, PreToolUse/PostToolUse pairs over the same ${SESSIONS} sessions):`,
  );
  for (const r of rampResults) {
    console.log(
      `  target ${String(r.rate).padStart(6)} ev/s: ${r.events} events, achieved ${fmt(r.achieved, 0)} ev/s, ack p50 ${fmt(r.ackP50, 1)} ms p99 ${fmt(r.ackP99, 1)} ms, failed ${r.failed}, drain ${fmt(r.drainMs, 0)} ms → ${r.sustained ? 'sustained' : 'NOT sustained'}; server CPU ${fmt(r.serverCpu * 100, 0)} % of a core (main thread ${fmt(r.mainCpu * 100, 0)} %, writer in transactions ${fmt(r.writerBusy * 100, 0)} % with ${fmt(r.eventsPerTransaction, 0)} events each; generator ${fmt(r.generatorCpu * 100, 0)} %), ${fmt(r.perCpuSecond, 0)} events per server CPU-second (load ${r.load})`,
    );
  }
  const best = rampResults.filter((r) => r.sustained).at(-1);
  console.log(`  highest sustained rate with zero loss: ${best ? `${best.rate} ev/s` : 'none'}`);
  console.log('\nPersistence and consistency:');
  console.log(
    `  events sent ${sent}, stored in the database (hook_events) ${info.storage.hookEvents} → ${info.storage.hookEvents === sent ? 'all persisted' : 'MISMATCH'}`,
  );
  console.log(
    `  sessions on server ${serverSessions.length}; subscriber view differs for ${mismatched}; wrong tool counts ${wrongTools}`,
  );
  console.log(
    `  live messages received ${lastPoll?.messages} (snapshots ${lastPoll?.snapshots}); server batches ${info.ingest.batches}, max batch ${info.ingest.maxBatchSize}`,
  );
  const b = info.ingest.batchMs;
  console.log(
    `  server batch time over the last 1000 batches (reduce + commit + broadcast): p50 ${fmt(b.p50)} ms p99 ${fmt(b.p99)} ms max ${fmt(b.max)} ms`,
  );
  console.log(`  average live message ${fmt((lastPoll?.averageBytes ?? Number.NaN) / 1024, 1)} KB (sampled)`);
  const collections = info.memory.idleCollections;
  console.log(
    `\nServer RSS after load (${fmt(rssAfterS, 1)} s after the last step): ${fmt(rss, 1)} MB: ${rssDetail} (load ${loadAvg()}) (V8 heap used ${fmt(info.memory.heapUsed / 1048576, 1)} MB of ${fmt(info.memory.heapTotal / 1048576, 1)} MB; idle collections ${collections ? `${collections.collections}, last ${fmt(collections.lastMs, 1)} ms` : 'unavailable'})`,
  );
  const lat1k = latencyResults.find((r) => r.rate === 1000);
  console.log('\nTargets:');
  console.log(
    `  p50 ≤ 2 ms @1k ev/s: ${lat1k && lat1k.p50 <= 2 ? 'met' : 'NOT met'} (${fmt(lat1k?.p50 ?? Number.NaN)} ms)`,
  );
  console.log(
    `  p99 ≤ 5 ms @1k ev/s: ${lat1k && lat1k.p99 <= 5 ? 'met' : 'NOT met'} (${fmt(lat1k?.p99 ?? Number.NaN)} ms)`,
  );
  console.log(
    `  ≥ 10,000 ev/s sustained, all persisted: ${best && best.rate >= 10_000 && info.storage.hookEvents === sent ? 'met' : 'NOT met'}`,
  );
  console.log(`  RSS ≤ 150 MB: ${rss <= 150 ? 'met' : 'NOT met'} (${fmt(rss, 1)} MB)`);

  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  if (!KEEP) rmSync(dataDir, { recursive: true, force: true });
  return {
    database,
    p50At1k: lat1k?.p50 ?? Number.NaN,
    p99At1k: lat1k?.p99 ?? Number.NaN,
    sustained: best?.rate ?? null,
    persisted: info.storage.hookEvents === sent,
    rss,
  };
}

main().catch((err) => {
  console.error(err);
  cleanup();
  process.exit(1);
});
