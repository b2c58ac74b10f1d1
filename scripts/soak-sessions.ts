/**
 * `pnpm soak:sessions`: memory and disk over 100,000 sessions (issue 17: server RSS ≤ 150 MB at the end, the
 * database bounded by the retention setting).
 *
 * The server is the production bundle as users run it (`flightdeck start --data-dir <tmp> --port 0`, built first,
 * transcripts off) with a short retention so that hours happen in minutes: `sessionRetentionHours` 0.02 (72 s of
 * conversation kept) and `endedSessionMemoryMinutes` 1 in its config.json (retention then passes every 30 s). Its
 * RSS is read from /proc every second.
 * This process creates and ends `--sessions` (default 100,000) sessions of 10 hook events each (SessionStart,
 * UserPromptSubmit, three PreToolUse/PostToolUse pairs, Stop, SessionEnd), 200 events per POST /api/hooks/batch
 * over 4 keep-alive connections, as fast as the server acknowledges them. Every 10 s it prints sessions done,
 * events/s, the server's RSS, and the database's size on disk (file + WAL). At the end it waits until
 * every ended session has left memory (`--settle-s`, default 120 s: the 72 s of retention or the minute of memory, and a
 * retention pass), then prints the final RSS, the rows per table and the file sizes, and PASS/FAIL against the
 * targets (RSS ≤ 150 MB; conversation rows ≤ what the retention period can hold).
 * Options: --sessions=<n>, --settle-s=<n>, --keep.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFlightdeckClient } from '@flightdeck/client';
import { intArg } from './args.js';
import { postJson, startBundle } from './bench-server.js';

const SESSIONS = intArg('sessions', 100_000);
const SETTLE_S = intArg('settle-s', 120);
const KEEP = process.argv.includes('--keep');
const RETENTION_HOURS = 0.02;
const PER_POST = 20; // sessions per POST: 200 events
const CONNECTIONS = 4;
const RSS_TARGET_MB = 150;

/** The production bundle (`pnpm --filter @flightdeck/server build`), built by the soak before it starts. */
const here = dirname(fileURLToPath(import.meta.url));
const BUNDLE = resolve(here, '../apps/server/dist/flightdeck.mjs');
const BUILD = resolve(here, '../apps/server/scripts/build.mjs');

/** `flightdeck start` from the bundle, as users run it; its RSS read from /proc. */
function startServer(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  writeFileSync(
    join(dataDir, 'config.json'),
    JSON.stringify({
      transcripts: { enabled: false },
      sessionRetentionHours: RETENTION_HOURS,
      endedSessionMemoryMinutes: 1,
      openBrowser: false,
    }),
  );
  return startBundle(BUNDLE, dataDir, {
    nodeFlags: (process.env.SOAK_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean),
    env: { HOME: dataDir },
  });
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });

const post = (url: string, body: unknown) => postJson(agent, url, '/api/hooks/batch', body);

/** The ten events of one short session. */
function sessionEvents(n: number): unknown[] {
  const id = `soak-${n.toString().padStart(7, '0')}`;
  const base = {
    session_id: id,
    cwd: `/home/dev/src/project-${n % 50}`,
    transcript_path: `/tmp/${id}.jsonl`,
  };
  const ev = (hook_event_name: string, extra: Record<string, unknown> = {}) => ({
    cli: 'claude',
    payload: { ...base, hook_event_name, ...extra },
    meta: { sentAt: Date.now() },
  });
  const events = [
    ev('SessionStart', { source: 'startup', model: 'claude-sonnet-4-6' }),
    ev('UserPromptSubmit', { prompt: `soak prompt ${n}: run the tests and fix what fails` }),
  ];
  for (let t = 0; t < 3; t++) {
    const tool = {
      tool_name: 'Bash',
      tool_input: { command: `npm test -- part ${t}` },
      tool_use_id: `toolu_${n}_${t}`,
    };
    events.push(ev('PreToolUse', tool), ev('PostToolUse', { ...tool, tool_response: { stdout: `ok ${t}` } }));
  }
  events.push(ev('Stop', { last_assistant_message: `done with ${n}` }), ev('SessionEnd', { reason: 'exit' }));
  return events;
}

const mb = (b: number) => (b / 1048576).toFixed(0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function diskBytes(dataDir: string): { db: number; wal: number } {
  const size = (f: string) => (existsSync(f) ? statSync(f).size : 0);
  return { db: size(join(dataDir, 'flightdeck.db')), wal: size(join(dataDir, 'flightdeck.db-wal')) };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fd-soak-sessions-'));
  execFileSync(process.execPath, [BUILD], { stdio: 'inherit' });
  const { child, url } = await startServer(dataDir);
  const last = { rss: 0 };
  let peakRss = 0;
  const sampler = setInterval(() => {
    last.rss = rssOf(child.pid as number);
    peakRss = Math.max(peakRss, last.rss);
  }, 1000);
  await sleep(2000);
  const baseline = last.rss;
  console.log(
    `soak: ${SESSIONS.toLocaleString('en')} sessions × 10 events; retention ${RETENTION_HOURS} h (${RETENTION_HOURS * 3600} s), ended sessions leave memory after 1 min (a retention pass every 30 s); load average ${loadavg()[0]?.toFixed(1)}`,
  );
  const started = performance.now();
  let next = 0;
  let done = 0;
  let refused = 0;
  let lastPrint = started;
  let lastDone = 0;
  const progress = () => {
    const now = performance.now();
    const d = diskBytes(dataDir);
    const rate = ((done - lastDone) * 10) / ((now - lastPrint) / 1000);
    console.log(
      `  ${((now - started) / 1000).toFixed(0).padStart(4)} s  ${done.toLocaleString('en').padStart(7)} sessions  ${Math.round(rate).toLocaleString('en').padStart(6)} events/s  RSS ${mb(last.rss)} MB  db ${mb(d.db)} MB + WAL ${mb(d.wal)} MB`,
    );
    lastPrint = now;
    lastDone = done;
  };
  const worker = async () => {
    while (next < SESSIONS) {
      const from = next;
      const to = Math.min(SESSIONS, from + PER_POST);
      next = to;
      const envelopes: unknown[] = [];
      for (let n = from; n < to; n++) envelopes.push(...sessionEvents(n));
      for (;;) {
        const status = await post(url, { envelopes });
        if (status === 200 || status === 202) break;
        refused++;
        await sleep(100); // 429 / 503: the server asks us to slow down; the same events go again
      }
      done += to - from;
      if (performance.now() - lastPrint >= 10_000) progress();
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  progress();
  const loadS = (performance.now() - started) / 1000;
  console.log(
    `  sent in ${loadS.toFixed(0)} s (${Math.round((SESSIONS * 10) / loadS).toLocaleString('en')} events/s; ${refused} batches retried after 429/503); peak RSS ${mb(peakRss)} MB`,
  );

  console.log(`settling ${SETTLE_S} s (ended sessions leave memory, retention prunes)…`);
  const settleEnd = performance.now() + SETTLE_S * 1000;
  while (performance.now() < settleEnd) {
    await sleep(10_000);
    progress();
  }
  const fd = createFlightdeckClient({ url });
  const storage = (await fd.system.storage.query()) as unknown as Record<string, unknown>;
  const live = await fd.sessions.list.query();
  const d = diskBytes(dataDir);
  console.log('\nat the end:');
  console.log(
    `  sessions in memory (live list): ${Array.isArray(live) ? live.length : JSON.stringify(live).length}`,
  );
  console.log(`  storage: ${JSON.stringify(storage)}`);
  console.log(`  database on disk: ${mb(d.db)} MB + WAL ${mb(d.wal)} MB`);
  const rssOk = last.rss <= RSS_TARGET_MB * 1048576;
  console.log(
    `  server RSS ${mb(last.rss)} MB (target ≤ ${RSS_TARGET_MB}): ${rssOk ? 'PASS' : 'FAIL'}; peak ${mb(peakRss)} MB; idle before the load ${mb(baseline)} MB`,
  );
  clearInterval(sampler);
  child.removeAllListeners('exit');
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  agent.destroy();
  if (KEEP) console.log(`data dir kept: ${dataDir}`);
  else rmSync(dataDir, { recursive: true, force: true });
  process.exit(rssOk ? 0 : 1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
