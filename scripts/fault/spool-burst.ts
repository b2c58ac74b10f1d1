/**
 * spool-burst: 3,000 events/s into the spool for 20 s (quick: 3 s) on top of a backlog, while a prober asks
 * `GET /trpc/system.health` every 50 ms. Records are written by a Node writer producing the hook script's bytes
 * (`encodeSpoolRecord`; real hook processes cannot reach 3,000/s on two cores): a backlog of one second's
 * worth first (as after an outage), then a steady stream in 10 ms steps.
 *
 * Reported: health latency p50/p95/p99/max, max RSS, the backlog over time, the drain rate, and lost/duplicated.
 * Required: health p99 < 100 ms and max < 250 ms (quick: p95 < 250 ms and max < 1 s, see below) (the target is max < 100 ms; the margin is for this noisy
 * shared machine, where a 9 s stall is the defect), RSS < 400 MB, every event stored exactly once, and the
 * backlog drained within 120 s of the end of the burst.
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readProcStat } from '@flightdeck/hook-ingest';
import {
  countStored,
  keepAliveAgent,
  makeDataDir,
  percentile,
  Report,
  releaseDataDir,
  reportTally,
  request,
  requireCleanStop,
  runId,
  type ScenarioOptions,
  type ScenarioResult,
  ServerProcess,
  sampleRss,
  sleep,
  spoolBacklog,
  tally,
  waitUntil,
} from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(here, '../..');
const WRITER = resolve(here, 'spool-writer.ts');

export const BURST_RATE = 3000;
export const HEALTH_P99_LIMIT_MS = 100;
export const HEALTH_MAX_LIMIT_MS = 250;
/**
 * The quick burst (3 s, 60 to 100 health probes, inside `pnpm test`) is a regression guard, not the measurement.
 * Its p99 is its single worst probe: one preemption of the server on a loaded 2-core machine (a test run's own
 * processes, the writer, the server's writer thread) decided it (252 and 328 ms in two CI runs at load average 3.5
 * and 7.6, with the server's median probe at 13–18 ms). So it bounds the p95 (a handful of slow probes: the server
 * is slow, not the machine busy once) and the max (a freeze: a reader that loops synchronously again stops health
 * for seconds, 6-25 s before the fix). The full soak (`pnpm fault`) holds the server to the p99 and max above.
 */
export const QUICK_HEALTH_P95_LIMIT_MS = 250;
export const QUICK_HEALTH_MAX_LIMIT_MS = 1000;
export const BURST_RSS_LIMIT_MB = 400;

/** The server's event-loop delay (ms) since the last reset, from `system.info`; `reset` starts a new window. */
async function serverLoopDelay(url: string, reset: boolean): Promise<{ p99: number; max: number } | null> {
  const input = encodeURIComponent(JSON.stringify({ resetLoopDelay: reset }));
  const answer = await request(url, keepAliveAgent(1), {
    method: 'GET',
    path: `/trpc/system.info?input=${input}`,
    timeoutMs: 30_000,
  });
  if (answer.status !== 200) return null;
  try {
    const data = (
      JSON.parse(answer.body) as { result: { data: { eventLoopDelayMs?: { p99: number; max: number } } } }
    ).result.data;
    return data.eventLoopDelayMs ?? null;
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) a process used so far (0 when it is gone). */
function processCpuSeconds(pid: number): number {
  const stat = readProcStat(pid);
  return stat ? (stat.utimeTicks + stat.stimeTicks) / 100 : 0;
}

/** GET /trpc/system.health every `intervalMs` (one at a time) until stopped; latencies in ms. */
function startProber(url: string, intervalMs: number) {
  const agent = keepAliveAgent(1);
  const latencies: number[] = [];
  let failures = 0;
  let stopping = false;
  const loop = (async () => {
    while (!stopping) {
      const t0 = performance.now();
      const answer = await request(url, agent, {
        method: 'GET',
        path: '/trpc/system.health',
        timeoutMs: 30_000,
      });
      const ms = performance.now() - t0;
      if (answer.status === 200) latencies.push(ms);
      else failures += 1;
      await sleep(Math.max(0, intervalMs - ms));
    }
  })();
  return {
    latencies,
    get failures() {
      return failures;
    },
    async stop() {
      stopping = true;
      await loop;
      agent.destroy();
    },
  };
}

/** The writer child (spool-writer.ts); resolves once its backlog is written. */
async function startWriter(spool: string, prefix: string, backlog: number, seconds: number) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', WRITER, spool, prefix, String(backlog), String(BURST_RATE), String(seconds)],
    {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const messages: Array<{ type: string; written: number; seconds?: number }> = [];
  const waiters: Array<() => void> = [];
  child.on('message', (m: { type: string; written: number }) => {
    messages.push(m);
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<number | null>((r) =>
    child.once('exit', (code) => {
      for (const w of waiters.splice(0)) w();
      r(code);
    }),
  );
  const waitFor = async (type: string, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = messages.find((x) => x.type === type);
      if (m) return m;
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`the spool writer did not report '${type}'`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 500);
      });
    }
  };
  await waitFor('backlog', 120_000);
  return {
    go: () => child.send({ type: 'go' }),
    done: (timeoutMs: number) => waitFor('done', timeoutMs),
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

export async function spoolBurst(opts: ScenarioOptions): Promise<ScenarioResult> {
  const report = new Report('spool-burst', opts);
  const seconds = opts.quick ? 3 : 20;
  const backlogEvents = BURST_RATE;
  const run = runId();
  const data = makeDataDir('burst');
  const prefix = `${run}-b`;
  const writer = await startWriter(data.spool, prefix, backlogEvents, seconds);
  let server: ServerProcess | null = null;
  let prober: ReturnType<typeof startProber> | null = null;
  const backlog: Array<[number, number]> = [];
  let backlogTimer: NodeJS.Timeout | undefined;
  const rss = sampleRss(() => (server?.alive ? server.pid : null));
  try {
    server = await ServerProcess.start(data.dir);
    // The server's own event-loop delay over the burst (a new window starts now), next to what the prober sees:
    // a server that blocks shows it here; a machine too busy to schedule the server shows only in the prober.
    await serverLoopDelay(server.url, true);
    const cpuAtStart = processCpuSeconds(server.pid);
    prober = startProber(server.url, 50);
    const t0 = performance.now();
    backlogTimer = setInterval(
      () => backlog.push([(performance.now() - t0) / 1000, spoolBacklog(data.spool)]),
      500,
    );
    writer.go();
    const done = await writer.done(seconds * 1000 + 120_000);
    const written = done.written;
    const backlogAtEnd = spoolBacklog(data.spool);
    const tEnd = performance.now();
    const drained = await waitUntil(() => spoolBacklog(data.spool) === 0, 120_000, 50);
    const drainS = (performance.now() - tEnd) / 1000;
    const totalS = (performance.now() - t0) / 1000;
    await prober.stop();
    const loopDelay = await serverLoopDelay(server.url, false);
    const serverCpu = processCpuSeconds(server.pid) - cpuAtStart;
    clearInterval(backlogTimer);
    rss.stop();
    const lat = prober.latencies;
    const p50 = percentile(lat, 0.5);
    const p95 = percentile(lat, 0.95);
    const p99 = percentile(lat, 0.99);
    const max = lat.length ? Math.max(...lat) : Number.NaN;
    report.set('events written (backlog + stream)', `${backlogEvents} + ${written - backlogEvents}`);
    const streamRate = (written - backlogEvents) / (done.seconds ?? Number.NaN);
    report.set('stream written at events/s', streamRate);
    if (streamRate < BURST_RATE * 0.9)
      report.note(
        `the writer fell short of ${BURST_RATE} events/s: this machine's file system was too busy (the burst was milder than asked)`,
      );
    report.set('backlog over time (s: records)', backlog.map(([s, b]) => `${s.toFixed(1)}:${b}`).join(' '));
    report.set('max backlog', Math.max(0, ...backlog.map(([, b]) => b)));
    report.set('backlog when writing stopped', backlogAtEnd);
    report.set('drain after writing stopped s', drainS);
    report.set('drain rate events/s (all events / time to empty spool)', written / totalS);
    report.set('health probes', lat.length);
    report.set('health probe failures', prober.failures);
    report.set('health p50 ms', p50);
    report.set('health p95 ms', p95);
    report.set('health p99 ms', p99);
    report.set('health max ms', max);
    if (loopDelay) {
      report.set('server event-loop delay p99 ms', loopDelay.p99);
      report.set('server event-loop delay max ms', loopDelay.max);
    }
    report.set('server CPU % of a core during the burst', (serverCpu / totalS) * 100);
    report.set('load average (1 min) at the end', loadavg()[0] ?? Number.NaN);
    report.set('max RSS MB', rss.max);
    report.require(drained, `${spoolBacklog(data.spool)} records still in the spool 120 s after the burst`);
    report.require(prober.failures === 0, `${prober.failures} health requests failed`);
    const maxLimit = opts.quick ? QUICK_HEALTH_MAX_LIMIT_MS : HEALTH_MAX_LIMIT_MS;
    if (opts.quick)
      report.require(
        p95 < QUICK_HEALTH_P95_LIMIT_MS,
        `health p95 ${p95.toFixed(0)} ms (limit ${QUICK_HEALTH_P95_LIMIT_MS})`,
      );
    else
      report.require(
        p99 < HEALTH_P99_LIMIT_MS,
        `health p99 ${p99.toFixed(0)} ms (limit ${HEALTH_P99_LIMIT_MS})`,
      );
    report.require(max < maxLimit, `health max ${max.toFixed(0)} ms (limit ${maxLimit})`);
    report.require(
      rss.max < BURST_RSS_LIMIT_MB,
      `RSS reached ${rss.max.toFixed(0)} MB (limit ${BURST_RSS_LIMIT_MB})`,
    );
    await requireCleanStop(report, server);
    const keys = Array.from({ length: written }, (_, i) => `${prefix}${i}`);
    reportTally(report, 'spool events', tally(keys, countStored(data.dbFile, prefix)));
  } finally {
    clearInterval(backlogTimer);
    rss.stop();
    await prober?.stop();
    await writer.kill();
    await server?.kill();
    releaseDataDir(report, data, opts);
  }
  return report.done();
}
