/**
 * `pnpm bench:import`: the history import (apps/server/src/import/) at scale, through the real server as users run
 * it: the production bundle as a child process (`flightdeck start`, the flags of apps/server's `start` script, file
 * SQLite in a temp data dir, its writer thread), the import started with `import.start` (as the Settings button and
 * `flightdeck import` do).
 *
 *  1. Generates a `~/.claude/projects`-shaped tree of 2,000 transcripts totalling ~500 MB in a temp dir (real-shaped
 *     lines: apps/server/test/import-tree.ts; each turn a prompt, a Bash call, a ~10 KB tool result, an answer in two
 *     lines with usage), in this process: the server's memory is its own.
 *  2. A plain pass over the same tree in this process: the files read line by line and each line `JSON.parse`d,
 *     nothing else: what this machine does at the moment, to set the import's throughput against (same run).
 *  3. Per server: live ingest latency without an import (hook events POSTed one after the other, p50/p99); the
 *     import while hook events keep being POSTed: throughput (MB/s), the server's peak RSS (/proc, every 50 ms) and
 *     CPU, live ingest p50/p99; a second run, which must import nothing.
 *
 * Options: --files=<n> (default 2000), --kb=<KB per file> (default 250), --turns=<n> (default 20), --rounds=<n> (default 1),
 * --compare=<bundle> (another build of the server, e.g. of the main branch: each round runs it and this checkout's
 * alternately, for a side-by-side on a shared machine). The temp dir is removed at the end.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFlightdeckClient } from '@flightdeck/client';
import { readLineBatches } from '../apps/server/src/import/lines.js';
import { writeTree } from '../apps/server/test/import-tree.js';
import { intArg } from './args.js';
import { postJson, serverNodeFlags, startBundle } from './bench-server.js';

const FILES = intArg('files', 2000);
const KB = intArg('kb', 250);
const ROUNDS = intArg('rounds', 1);
const COMPARE = process.argv.find((a) => a.startsWith('--compare='))?.slice('--compare='.length) ?? null;
const TURNS = intArg('turns', 20);
/** A turn is ~2.3 KB of lines plus its tool result's padding. */
const PAD = Math.max(0, Math.round((KB * 1024) / TURNS - 2300));

const here = dirname(fileURLToPath(import.meta.url));
const BUILD = resolve(here, '../apps/server/scripts/build.mjs');
const BUNDLE = resolve(here, '../apps/server/dist/flightdeck.mjs');

const mb = (n: number) => n / 1024 / 1024;
const pct = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
const load = () => loadavg()[0]?.toFixed(1) ?? '?';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Progress = {
  state: string;
  filesTotal: number;
  sessions: number;
  bytesDone: number;
  startedAt: number | null;
  finishedAt: number | null;
  error: string | null;
};

/** BENCH_NODE_FLAGS="<flags>": more node flags for the servers (e.g. --cpu-prof --cpu-prof-dir=<dir>). */
function extraNodeFlags(): string[] {
  return (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
}

function procStatus(pid: number): { rss: number; cpu: number } {
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { rss: rss ? Number(rss[1]) * 1024 : 0, cpu: (Number(f[11]) + Number(f[12])) / 100 };
}

let seq = 0;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
async function postOne(url: string): Promise<number> {
  seq += 1;
  const sessionId = `bench-live-${seq % 20}`;
  const t0 = performance.now();
  const status = await postJson(agent, url, '/api/hooks', {
    cli: 'claude',
    payload: {
      session_id: sessionId,
      hook_event_name: 'PreToolUse',
      tool_name: 'Bash',
      tool_input: { command: `echo ${seq}` },
      tool_use_id: `toolu_live_${seq}`,
      cwd: '/home/dev/live',
      transcript_path: `/tmp/${sessionId}.jsonl`,
    },
    meta: {},
  });
  if (status >= 300) throw new Error(`hook POST answered ${status}`);
  return performance.now() - t0;
}

/** POSTs hook events one after the other (10 ms apart) until `until()`; returns the latencies (ms), sorted. */
async function postWhile(url: string, until: () => boolean): Promise<number[]> {
  const out: number[] = [];
  while (!until()) {
    out.push(await postOne(url));
    await sleep(10);
  }
  return out.sort((a, b) => a - b);
}

/** Reads every line of the tree and parses it, nothing else (MB/s). */
async function parseOnly(files: string[], bytes: number): Promise<number> {
  const t = performance.now();
  let objects = 0;
  for (const f of files) {
    for await (const b of readLineBatches(f, 0, { batchBytes: 256 * 1024, maxLineBytes: 64 << 20 })) {
      for (const line of b.lines) if (line !== null && JSON.parse(line) !== null) objects += 1;
    }
  }
  if (objects === 0) throw new Error('nothing parsed');
  return mb(bytes) / ((performance.now() - t) / 1000);
}

async function importWith(name: string, bundle: string, dir: string, projects: string, parseRate: number) {
  const dataDir = mkdtempSync(join(dir, 'data-'));
  const { child, url } = await startBundle(bundle, dataDir, {
    nodeFlags: [...extraNodeFlags(), ...serverNodeFlags()],
    env: { HOME: join(dir, 'home') },
  });
  const pid = child.pid as number;
  try {
    const fd = createFlightdeckClient({ url });
    let n = 0;
    const idle = await postWhile(url, () => ++n > 300);
    const before = procStatus(pid);
    let peakRss = before.rss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, procStatus(pid).rss);
    }, 50);
    const loadBefore = load();
    let status = (await fd.import.start.mutate({ from: projects, cli: 'claude' })) as Progress;
    let running = true;
    const poller = (async () => {
      while (status.state === 'running') {
        await sleep(100);
        status = (await fd.import.status.query()) as Progress;
      }
      running = false;
    })();
    const during = await postWhile(url, () => !running);
    await poller;
    clearInterval(sampler);
    const after = procStatus(pid);
    if (status.state !== 'done') throw new Error(`import ended ${status.state}: ${status.error}`);
    const seconds = ((status.finishedAt ?? 0) - (status.startedAt ?? 0)) / 1000;
    const rate = mb(status.bytesDone) / seconds;
    console.log(`\n${name} (${bundle})`);
    console.log(
      `  live ingest, no import: p50 ${pct(idle, 0.5).toFixed(1)} ms, p99 ${pct(idle, 0.99).toFixed(1)} ms (${idle.length} events)`,
    );
    console.log(
      `  import: ${status.sessions} sessions, ${mb(status.bytesDone).toFixed(0)} MB in ${seconds.toFixed(1)} s = ${rate.toFixed(1)} MB/s (target >= 50), ${((100 * rate) / parseRate).toFixed(0)} % of the plain read + parse pass; server CPU ${(after.cpu - before.cpu).toFixed(1)} s; load average ${loadBefore} → ${load()}`,
    );
    console.log(
      `  server peak RSS during the import: ${mb(peakRss).toFixed(0)} MB (target <= 300; ${mb(before.rss).toFixed(0)} MB before it, ${mb(after.rss).toFixed(0)} MB after)`,
    );
    console.log(
      `  live ingest during the import: p50 ${pct(during, 0.5).toFixed(1)} ms, p99 ${pct(during, 0.99).toFixed(1)} ms, max ${(during.at(-1) ?? 0).toFixed(1)} ms (${during.length} events)`,
    );
    await fd.import.start.mutate({ from: projects, cli: 'claude' });
    let second = (await fd.import.status.query()) as Progress;
    while (second.state === 'running') {
      await sleep(100);
      second = (await fd.import.status.query()) as Progress;
    }
    console.log(
      `  second run: ${second.state}, ${second.filesTotal} files to import, ${second.sessions} sessions imported (expected 0)`,
    );
  } finally {
    child.removeAllListeners('exit');
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  execFileSync(process.execPath, [BUILD], { stdio: 'inherit' });
  const dir = mkdtempSync(join(tmpdir(), 'fd-bench-import-'));
  try {
    const projects = join(dir, 'home', '.claude', 'projects');
    const t = performance.now();
    const tree = writeTree(projects, FILES, { turns: TURNS, padBytes: PAD });
    console.log(
      `tree: ${tree.files} transcripts, ${mb(tree.bytes).toFixed(0)} MB, written in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    const files = readdirSync(projects, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.jsonl'))
      .map((f) => join(projects, f));
    for (let r = 0; r < ROUNDS; r++) {
      const runs: Array<[string, string]> = [['this checkout', BUNDLE]];
      if (COMPARE !== null) runs.push(['compared', resolve(COMPARE)]);
      if (r % 2 === 1) runs.reverse();
      for (const [name, bundle] of runs) {
        const parseRate = await parseOnly(files, tree.bytes);
        console.log(
          `\nplain read + JSON.parse of every line, this process: ${parseRate.toFixed(1)} MB/s (load average ${load()})`,
        );
        await importWith(name, bundle, dir, projects, parseRate);
      }
    }
  } finally {
    agent.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
