/**
 * `pnpm bench:team`: the central server at team scale (issue 19). Events arrive from forwarders in batches at a
 * fixed rate (default 10,000 events/s) for a while, and the script counts what a subscriber of the board's view
 * saw: for every event, the time from its creation (the hook writing it into its machine's spool) until the
 * subscriber's view showed it, and at the end whether every event was persisted once.
 *
 * - The server is the production bundle (`flightdeck start`) in a process of its own; on PostgreSQL it runs with
 *   `--database <url>` against a throwaway server started on a loopback port (`node scripts/ensure-postgres.mjs`
 *   installs Debian's `postgresql`).
 * - Forwarders: `--hosts` machines (default 100: the team of docs/scaling.md), each with a host token made through `hosts.createToken` and
 *   `--agents` agents (default 10): each forwarder keeps its events in a queue (its spool) and ships them the way
 *   `flightdeck forward` does: `POST /api/hooks/batch` with its token, one batch in flight, at most 500 events a
 *   batch, removed from the queue only once acknowledged (the server answers after the commit), each event with
 *   its sender id (`senderIdOf`: what makes a batch sent again stored once).
 * - Events: each agent runs tools (PreToolUse/PostToolUse pairs), so a session's n-th event is visible when the
 *   board's summary shows `2 × totalToolCalls − (a tool runs ? 1 : 0) ≥ n` (bench-subscriber.ts, `progress`).
 * - The subscriber is @flightdeck/client on `sessions.liveSummary` in a process of its own; times are
 *   `process.hrtime`, one clock for every process of the machine.
 *
 * Options: --database=sqlite,postgres (default both, one after the other in the same run), --rate=<events/s>,
 * --seconds=<s> (default 10; --quick: 4), --hosts=<n>, --agents=<n per host>. BENCH_PG_STATS=1 prints PostgreSQL's
 * statements by total execution time after its run; BENCH_PROFILE_DIR=<dir> writes a CPU profile of the server.
 * Targets (the issue's): p99 ≤ 1 s from creation to the subscriber's view, every event seen, every event stored once.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFlightdeckClient } from '@flightdeck/client';
import { senderIdOf } from '@flightdeck/hook-ingest';
import {
  BUILD,
  cpuSeconds,
  type DatabaseKind,
  databasesArg,
  DATABASE_LABEL as LABEL,
  loadAvg,
  onDatabases,
  pct,
  postJson,
  startProductionServer,
} from './bench-server.js';
import { hrMs, startSubscriber } from './bench-subscriber.js';

const QUICK = process.argv.includes('--quick');
function numberArg(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  if (!arg) return fallback;
  const n = Number(arg.slice(name.length + 3));
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
  return n;
}
const RATE = numberArg('rate', 10_000);
const SECONDS = numberArg('seconds', QUICK ? 4 : 10);
const HOSTS = numberArg('hosts', 100);
const AGENTS = numberArg('agents', 10);
/** What `flightdeck forward` sends at most in one batch (packages/hook-ingest forwarder.ts). */
const MAX_BATCH = 500;
/** p99 from creation to the subscriber's view (issue 19). */
const TARGET_P99_MS = 1000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
interface Pending {
  session: string;
  /** The event's number in its session (1, 2, …). */
  n: number;
  /** hrtime ms of its creation. */
  at: number;
  envelope: unknown;
}

interface Forwarder {
  name: string;
  token: string;
  queue: Pending[];
  busy: boolean;
  maxQueue: number;
  batches: number;
  retries: number;
}

interface Result {
  database: DatabaseKind;
  sent: number;
  sendRate: number;
  ackedRate: number;
  p50: number;
  p99: number;
  max: number;
  unseen: number;
  stored: number;
  maxQueue: number;
  meanBatch: number;
  /** POST → 202 of a batch (the server answers after the commit). */
  ackP50: number;
  ackP99: number;
  /** The server's own batch time (reduce + stage + broadcast), p99 of its last 1,000. */
  serverBatchP99: number;
  serverCpu: number;
  /** Share of the time the database writer spent in transactions, and the events each carried. */
  writerBusy: number;
  eventsPerTransaction: number;
  load: string;
}

/** An event as a forwarder sends it: with its sender id (forwarder id and spool record id), stored once. */
function envelope(session: string, host: string, n: number, record: number): unknown {
  const call = (n + 1) >> 1;
  const tool = {
    tool_name: 'Read',
    tool_input: { file_path: `/src/file-${call}.ts` },
    tool_use_id: `tu-${call}`,
  };
  return {
    cli: 'claude',
    payload: {
      session_id: session,
      cwd: `/home/dev/${host}`,
      transcript_path: `/tmp/${session}.jsonl`,
      hook_event_name: n % 2 === 1 ? 'PreToolUse' : 'PostToolUse',
      ...tool,
      ...(n % 2 === 0 ? { tool_response: { ok: true } } : {}),
    },
    meta: { sentAt: Date.now() },
    id: senderIdOf(`fwd-${host}`, String(record).padStart(12, '0')),
  };
}

async function runOne(database: DatabaseKind, databaseUrl: string | undefined): Promise<Result> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fd-team-'));
  writeFileSync(
    join(dataDir, 'config.json'),
    JSON.stringify({
      hookRateLimitPerSecond: 1_000_000,
      openBrowser: false,
      transcripts: { enabled: false },
    }),
  );
  const { child, url } = await startProductionServer(dataDir, databaseUrl);
  const pid = child.pid as number;
  const client = createFlightdeckClient({ url });
  const agent = new http.Agent({ keepAlive: true, maxSockets: HOSTS, noDelay: true });
  try {
    const forwarders: Forwarder[] = [];
    for (let h = 0; h < HOSTS; h++) {
      const { name, token } = await client.trpc.hosts.createToken.mutate({ name: `team-host-${h}` });
      forwarders.push({ name, token, queue: [], busy: false, maxQueue: 0, batches: 0, retries: 0 });
    }
    const subscriber = await startSubscriber(url, 'flightdeck', 'summary');
    /** session → [progress, arrival] in arrival order (progress only rises). */
    const seen = new Map<string, Array<[number, number]>>();
    const drainPolls = async () => {
      const reply = await subscriber.poll();
      for (const [session, progress, at] of reply.progress) {
        const list = seen.get(session) ?? [];
        seen.set(session, list);
        list.push([progress, at]);
      }
    };

    const events: Pending[] = [];
    let acked = 0;
    let lastAck = 0;
    /** POST → 202 of each batch. */
    const ackMs: number[] = [];
    const ship = (f: Forwarder) => {
      if (f.busy || f.queue.length === 0) return;
      f.busy = true;
      const batch = f.queue.slice(0, MAX_BATCH);
      const headers = { authorization: `Bearer ${f.token}` };
      let failed = false;
      const posted = hrMs();
      postJson(agent, url, '/api/hooks/batch', { envelopes: batch.map((e) => e.envelope) }, headers)
        .then((status) => {
          if (status !== 202) throw new Error(`HTTP ${status}`);
          ackMs.push(hrMs() - posted);
          f.queue.splice(0, batch.length);
          f.batches += 1;
          acked += batch.length;
          lastAck = hrMs();
        })
        .catch(() => {
          // As the forwarder: the batch stays queued and is sent again after a pause.
          failed = true;
          f.retries += 1;
        })
        .finally(() => {
          f.busy = false;
          if (failed) setTimeout(() => ship(f), 250);
          else ship(f);
        });
    };

    const total = Math.round(RATE * SECONDS);
    const counters = new Map<string, number>();
    const cpu0 = cpuSeconds(pid);
    const writer0 = (await client.trpc.system.info.query()).ingest.writer;
    const t0 = hrMs();
    let made = 0;
    let nextPoll = t0 + 1000;
    while (made < total) {
      const due = Math.min(total, Math.floor(((hrMs() - t0) * RATE) / 1000) + 1);
      while (made < due) {
        const f = forwarders[made % HOSTS] as Forwarder;
        const session = `team-${made % HOSTS}-${Math.floor(made / HOSTS) % AGENTS}`;
        const n = (counters.get(session) ?? 0) + 1;
        counters.set(session, n);
        const e: Pending = { session, n, at: hrMs(), envelope: envelope(session, f.name, n, made) };
        events.push(e);
        f.queue.push(e);
        if (f.queue.length > f.maxQueue) f.maxQueue = f.queue.length;
        made++;
      }
      for (const f of forwarders) ship(f);
      if (hrMs() >= nextPoll) {
        nextPoll += 1000;
        await drainPolls();
      }
      await sleep(2);
    }
    const sendEnd = hrMs();
    const deadline = sendEnd + 120_000;
    while (acked < total && hrMs() < deadline) {
      await sleep(20);
      for (const f of forwarders) ship(f);
    }
    const elapsedS = (hrMs() - t0) / 1000;
    const serverCpu = (cpuSeconds(pid) - cpu0) / elapsedS;
    const writer1 = (await client.trpc.system.info.query()).ingest.writer;
    await sleep(500);
    await drainPolls();

    // When each event was first shown: the first view of its session whose progress reached its number.
    const latencies: number[] = [];
    let unseen = 0;
    const cursor = new Map<string, number>();
    for (const e of events) {
      const list = seen.get(e.session) ?? [];
      let i = cursor.get(e.session) ?? 0;
      while (i < list.length && (list[i] as [number, number])[0] < e.n) i++;
      cursor.set(e.session, i);
      const hit = list[i];
      if (hit) latencies.push(hit[1] - e.at);
      else unseen++;
    }
    latencies.sort((a, b) => a - b);
    const info = await client.trpc.system.info.query();
    await subscriber.close();
    const batches = forwarders.reduce((n, f) => n + f.batches, 0);
    return {
      database,
      sent: total,
      sendRate: total / ((sendEnd - t0) / 1000),
      ackedRate: acked / ((lastAck - t0) / 1000),
      p50: pct(latencies, 0.5),
      p99: pct(latencies, 0.99),
      max: latencies[latencies.length - 1] ?? Number.NaN,
      unseen,
      stored: info.storage.hookEvents,
      maxQueue: Math.max(...forwarders.map((f) => f.maxQueue)),
      meanBatch: batches > 0 ? acked / batches : Number.NaN,
      ackP50: pct(ackMs, 0.5),
      ackP99: pct(ackMs, 0.99),
      serverBatchP99: info.ingest.batchMs.p99,
      serverCpu,
      writerBusy: (writer1.busyMs - writer0.busyMs) / 1000 / elapsedS,
      eventsPerTransaction: acked / Math.max(1, writer1.transactions - writer0.transactions),
      load: loadAvg(),
    };
  } finally {
    agent.destroy();
    await client.close();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const databases = databasesArg('sqlite,postgres');
  execFileSync(process.execPath, [BUILD], { stdio: 'inherit' });
  const results = await onDatabases(databases, async (database, databaseUrl) => {
    console.log(
      `\n===== ${LABEL[database]}: ${RATE} events/s for ${SECONDS} s from ${HOSTS} forwarders =====`,
    );
    const r = await runOne(database, databaseUrl);
    console.log(
      `  sent ${r.sent} at ${fmt(r.sendRate, 0)} ev/s; acknowledged at ${fmt(r.ackedRate, 0)} ev/s (until the last ack); ` +
        `mean batch ${fmt(r.meanBatch, 0)}, longest forwarder queue ${r.maxQueue}; batch POST → 202 p50 ${fmt(r.ackP50)} ms, p99 ${fmt(r.ackP99)} ms; server batch p99 ${fmt(r.serverBatchP99)} ms\n` +
        `  creation → subscriber's view: p50 ${fmt(r.p50)} ms, p99 ${fmt(r.p99)} ms, max ${fmt(r.max)} ms; never seen ${r.unseen}\n` +
        `  stored ${r.stored} of ${r.sent}; server CPU ${fmt(r.serverCpu * 100, 0)} % of a core; writer in transactions ${fmt(r.writerBusy * 100, 0)} % of the time, ${fmt(r.eventsPerTransaction, 0)} events each; load ${r.load}`,
    );
    return r;
  });
  console.log(
    `\nTeam scale (${RATE} events/s from ${HOSTS} forwarders × ${AGENTS} agents, ${SECONDS} s; target p99 ≤ ${TARGET_P99_MS} ms, all seen, all stored once):`,
  );
  console.log(
    '  database      p50 view    p99 view    max view    unseen   stored         acked rate   target',
  );
  for (const r of results) {
    const met = r.p99 <= TARGET_P99_MS && r.unseen === 0 && r.stored === r.sent;
    console.log(
      `  ${LABEL[r.database].padEnd(12)}  ${fmt(r.p50).padStart(7)} ms  ${fmt(r.p99).padStart(7)} ms  ${fmt(r.max).padStart(7)} ms  ${String(r.unseen).padStart(6)}   ${`${r.stored}/${r.sent}`.padEnd(13)}  ${fmt(r.ackedRate, 0).padStart(6)} ev/s  ${met ? 'met' : 'NOT met'}`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
