/**
 * `pnpm bench:follower`: what the transcript follower costs (apps/server/src/transcripts/follower.ts).
 *
 *  1. Live sessions: the real server in this process (file SQLite in a temp data dir), 50 Claude sessions whose
 *     transcripts a writer process (bench-follower-writer.mjs) appends to at 20 lines/s each for 20 s, lines
 *     cycled from the recorded transcript in fixtures/ (real shapes: 0.1 to 57 KB, 2.6 KB on average). Run twice,
 *     with the follower off and on; prints this process's CPU (process.cpuUsage: every thread, the database writer
 *     included) and memory (RSS, heap) over each run, the checkpoints written and the follower's counters. The
 *     difference is the follower's cost, the core's work on its inputs and their checkpoints included.
 *  2. A 200 MB transcript present on start (no cursor yet): bytes read and time until its first input, against a
 *     1 MB file (the same bytes: the tail only), and reading resumed from a cursor in the 200 MB file (only the
 *     bytes appended after it).
 *
 * Options: --seconds=<s> (length of each live run, default 20), --sessions=<n> (default 50), --rate=<lines/s>
 * (default 20). Run with `node --expose-gc` (the script does, through tsx) for memory figures after a collection.
 */
import { fork } from 'node:child_process';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  configFileSchema,
  createTranscriptFollower,
  type FollowerRuntime,
  startServer,
} from '@flightdeck/server';

type CoreInput = Parameters<FollowerRuntime['dispatch']>[0];
type Session = ReturnType<FollowerRuntime['listSessions']>[number];

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURE = resolve(
  here,
  '../fixtures/claude-code-2.1.328/transcripts/c9c7f7bc-be3d-4fec-a871-5d943fafe0e1.jsonl',
);
const WRITER = resolve(here, 'bench-follower-writer.mjs');

function arg(name: string, fallback: number): number {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  const v = a ? Number(a.split('=')[1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
}
const SECONDS = arg('seconds', 20);
const SESSIONS = arg('sessions', 50);
const RATE = arg('rate', 20);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
const gc = (globalThis as { gc?: () => void }).gc;

function memory() {
  gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}

async function liveRun(follow: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'fd-bench-follower-'));
  try {
    const server = await startServer({
      config: {
        port: 0,
        host: '127.0.0.1',
        debug: false,
        dataDir: join(dir, 'data'),
        configPath: null,
        file: configFileSchema.parse({}),
      },
      logger: false,
      webDist: null,
      listen: false,
      delivery: false,
      transcripts: follow ? {} : false,
    });
    const files: string[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const file = join(dir, `session-${i}.jsonl`);
      writeFileSync(file, '');
      files.push(file);
      await server.runtime.ingest(
        {
          cli: 'claude',
          payload: {
            session_id: `bench-${i}`,
            transcript_path: file,
            cwd: '/home/dev/work/demo',
            hook_event_name: 'SessionStart',
            source: 'startup',
          },
          meta: { sentAt: Date.now() },
        },
        `bench-start-${i}`,
      );
    }
    await sleep(2000); // the follower has reconciled and opened every file
    const mem0 = memory();
    const checkpoints0 = server.runtime.stats().writer.checkpoints;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const writer = fork(WRITER, [FIXTURE, String(RATE), String(SECONDS), ...files], { stdio: 'inherit' });
    const written = await new Promise<{ written: number; bytes: number }>((done, fail) => {
      writer.once('message', (m) => done(m as { written: number; bytes: number }));
      writer.once('error', fail);
    });
    await sleep(2500); // the last lines read, the last progress handed over
    const cpu = process.cpuUsage(cpu0);
    const wallMs = performance.now() - t0;
    const mem1 = memory();
    const stats = server.services.transcripts?.stats() ?? null;
    const checkpoints = server.runtime.stats().writer.checkpoints - checkpoints0;
    await server.close();
    return { written, cpuMs: (cpu.user + cpu.system) / 1000, wallMs, mem0, mem1, stats, checkpoints };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A runtime with no cursor for `path` (the file was never seen): only what the follower reads is measured. */
function bareRuntime(path: string, cursor: { offset: number } | null) {
  const inputs: Array<Extract<CoreInput, { type: 'transcript' }>> = [];
  const session = { sessionId: 'big', cli: 'claude', status: 'working', transcriptPath: path } as Session;
  const state = {
    runtime: cursor ? { big: { transcript: { path, offset: cursor.offset, entries: 0, skipped: 0 } } } : {},
  } as unknown as FollowerRuntime['state'];
  return {
    inputs,
    state,
    listSessions: () => [session],
    dispatch: (input: CoreInput) => {
      if (input.type === 'transcript') inputs.push(input);
      return Promise.resolve();
    },
  };
}

function writeTranscript(path: string, bytes: number) {
  const block = readFileSync(FIXTURE);
  const fd = openSync(path, 'w');
  let size = 0;
  while (size < bytes) size += writeSync(fd, block);
  closeSync(fd);
}

async function firstSight(path: string, cursor: { offset: number } | null) {
  const rt = bareRuntime(path, cursor);
  const f = createTranscriptFollower({
    runtime: rt,
    log: { info() {}, warn() {}, error() {}, debug() {} },
    watch: false,
    reconcileMs: 60_000,
    pollMs: 60_000,
  });
  const t0 = performance.now();
  f.start();
  await f.poke();
  const ms = performance.now() - t0;
  const s = f.stats();
  await f.stop();
  return {
    ms,
    bytesRead: s.bytesRead,
    lines: s.lines,
    entries: s.entries,
    offset: rt.inputs[0]?.offset ?? null,
  };
}

async function main() {
  console.log(`live: ${SESSIONS} sessions × ${RATE} lines/s for ${SECONDS} s (server in this process)`);
  for (const follow of [false, true]) {
    const r = await liveRun(follow);
    const cpuPct = (100 * r.cpuMs) / r.wallMs;
    console.log(
      `  follower ${follow ? 'on ' : 'off'}: CPU ${r.cpuMs.toFixed(0)} ms in ${(r.wallMs / 1000).toFixed(1)} s (${cpuPct.toFixed(1)} % of a core); ` +
        `RSS ${mb(r.mem0.rss)} → ${mb(r.mem1.rss)}, heap ${mb(r.mem0.heap)} → ${mb(r.mem1.heap)}; ` +
        `written ${r.written.written} lines (${mb(r.written.bytes)}); ${r.checkpoints} checkpoints`,
    );
    if (r.stats) {
      const { problems, ...counters } = r.stats;
      console.log(
        `    follower: ${JSON.stringify(counters)}${problems.length ? ` problems ${problems.length}` : ''}`,
      );
    }
  }

  const dir = mkdtempSync(join(tmpdir(), 'fd-bench-follower-big-'));
  try {
    const big = join(dir, 'big.jsonl');
    const small = join(dir, 'small.jsonl');
    writeTranscript(big, 200 * 1024 * 1024);
    writeTranscript(small, 1024 * 1024);
    await firstSight(small, null); // warm-up (compilation), not reported
    console.log('first sight of a transcript (no cursor):');
    for (const [name, path] of [
      ['1 MB', small],
      ['200 MB', big],
    ] as const) {
      const r = await firstSight(path, null);
      console.log(
        `  ${name} (${statSync(path).size} bytes): read ${r.bytesRead} bytes, ${r.lines} lines, ${r.entries} entries in ${r.ms.toFixed(1)} ms; cursor at ${r.offset}`,
      );
    }
    const size = statSync(big).size;
    const appended = Buffer.from(
      readFileSync(FIXTURE, 'utf8').split('\n').slice(0, 10).join('\n').concat('\n'),
    );
    const fd = openSync(big, 'a');
    writeSync(fd, appended);
    closeSync(fd);
    const r = await firstSight(big, { offset: size });
    console.log(
      `  200 MB with a cursor at its old end, ${appended.length} bytes appended: read ${r.bytesRead} bytes, ${r.lines} lines in ${r.ms.toFixed(1)} ms`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
