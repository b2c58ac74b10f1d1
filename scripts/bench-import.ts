/**
 * `pnpm bench:import`: the history import (apps/server/src/import/) at scale, through a real server in this process
 * (file SQLite in a temp data dir, its writer thread).
 *
 *  1. Generates a `~/.claude/projects`-shaped tree of 2,000 transcripts totalling ~500 MB in a temp dir (real-shaped
 *     lines: apps/server/test/import-tree.ts; each turn a prompt, a Bash call, a ~10 KB tool result, an answer in two
 *     lines with usage).
 *  2. Live ingest latency without an import: hook events POSTed to /api/hooks one after the other (p50/p99).
 *  3. The import (`import.start` as the Settings button and `flightdeck import` do) while hook events keep being
 *     POSTed: throughput (MB/s), peak RSS of the process (server + import + this script), live ingest p50/p99.
 *  4. A second run: must import nothing.
 *
 * Options: --files=<n> (default 2000), --kb=<KB per file> (default 250). The temp dir is removed at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFileSchema, type RunningServer, startServer } from '@flightdeck/server';
import { writeTree } from '../apps/server/test/import-tree.js';
import { intArg } from './args.js';

const FILES = intArg('files', 2000);
const KB = intArg('kb', 250);
const TURNS = 20;
/** A turn is ~2.3 KB of lines plus its tool result's padding. */
const PAD = Math.max(0, Math.round((KB * 1024) / TURNS - 2300));

const mb = (n: number) => n / 1024 / 1024;
const pct = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

type Progress = {
  state: string;
  filesTotal: number;
  sessions: number;
  bytesTotal: number;
  bytesDone: number;
  startedAt: number | null;
  finishedAt: number | null;
  error: string | null;
};

let seq = 0;
async function postOne(url: string): Promise<number> {
  seq += 1;
  const sessionId = `bench-live-${seq % 20}`;
  const body = JSON.stringify({
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
  const t0 = performance.now();
  const res = await fetch(`${url}/api/hooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`hook POST answered ${res.status}`);
  return performance.now() - t0;
}

/** POSTs hook events one after the other (10 ms apart) until `until()`; returns the latencies (ms). */
async function postWhile(url: string, until: () => boolean): Promise<number[]> {
  const out: number[] = [];
  while (!until()) {
    out.push(await postOne(url));
    await new Promise((r) => setTimeout(r, 10));
  }
  return out.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fd-bench-import-'));
  let server: RunningServer | null = null;
  try {
    const projects = join(dir, 'home', '.claude', 'projects');
    let t = performance.now();
    const tree = writeTree(projects, FILES, { turns: TURNS, padBytes: PAD });
    console.log(
      `tree: ${tree.files} transcripts, ${mb(tree.bytes).toFixed(0)} MB, written in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    const dataDir = join(dir, 'data');
    server = await startServer({
      config: {
        port: 0,
        host: '127.0.0.1',
        debug: false,
        dataDir,
        configPath: join(dataDir, 'config.json'),
        file: configFileSchema.parse({ hookRateLimitPerSecond: 100_000 }),
      },
      logger: false,
      webDist: null,
      delivery: false,
    });
    const url = server.url!;
    const imports = server.services.imports!;

    let n = 0;
    const idle = await postWhile(url, () => ++n > 300);
    console.log(
      `live ingest, no import: p50 ${pct(idle, 0.5).toFixed(1)} ms, p99 ${pct(idle, 0.99).toFixed(1)} ms (${idle.length} events)`,
    );

    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 50);
    t = performance.now();
    imports.start({ from: projects, cli: 'claude' });
    const during = await postWhile(url, () => imports.status().state !== 'running');
    await imports.idle();
    const seconds = (performance.now() - t) / 1000;
    clearInterval(sampler);
    const first = imports.status() as Progress;
    if (first.state !== 'done') throw new Error(`import ended ${first.state}: ${first.error}`);
    console.log(
      `import: ${first.sessions} sessions, ${mb(first.bytesDone).toFixed(0)} MB in ${seconds.toFixed(1)} s = ${(mb(first.bytesDone) / seconds).toFixed(1)} MB/s (target >= 50)`,
    );
    console.log(
      `peak RSS during the import: ${mb(peakRss).toFixed(0)} MB (target <= 300; whole process: server, import, this script; ${mb(rssBefore).toFixed(0)} MB before the import)`,
    );
    console.log(
      `live ingest during the import: p50 ${pct(during, 0.5).toFixed(1)} ms, p99 ${pct(during, 0.99).toFixed(1)} ms, max ${(during.at(-1) ?? 0).toFixed(1)} ms (${during.length} events)`,
    );

    imports.start({ from: projects, cli: 'claude' });
    await imports.idle();
    const second = imports.status() as Progress;
    console.log(
      `second run: ${second.state}, ${second.filesTotal} files to import, ${second.sessions} sessions imported (expected 0)`,
    );
  } finally {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
