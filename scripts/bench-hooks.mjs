#!/usr/bin/env node
/**
 * Hook delivery benchmark (`pnpm bench:hooks` / `node scripts/bench-hooks.mjs`).
 *
 * 1. Hook latency: wall time of the hook process (`sh flightdeck-hook.sh claude < payload`) measured inside a
 *    bash loop with $EPOCHREALTIME, so no Node overhead is counted. Also prints `… claude --hold` with no live
 *    reader (PermissionRequest's command: must cost the same) and the floor (an empty sh script).
 * 2. Ingest throughput: K concurrent writer processes run the real hook script N times in total (one session
 *    per writer), then the spool reader drains everything into a counting onBatch. Prints events/s for both
 *    phases, loss (must be 0), duplicates and the per-session ordering check.
 *
 * 3. Live delivery: the reader watches the spool while 10 writers run hooks 20 ms apart (agents do not fire
 *    hooks back to back); prints the delivery latency (record created → reader handed it to onBatch) and loss.
 *
 * Options: --runs 300 --events 20000 --writers 20 --live 2000 --keep (leave the temp dir)
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { HOOK_SCRIPT_PATH, createSpoolReader, createHookStats } = await import(
  join(root, 'packages/hook-ingest/src/index.ts')
);

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? Number(args[i + 1]) : def;
};
const RUNS = opt('runs', 300);
const EVENTS = opt('events', 20_000);
const WRITERS = opt('writers', 20);
const LIVE = opt('live', 2000);
const KEEP = args.includes('--keep');

const work = mkdtempSync(join(tmpdir(), 'fd-bench-'));
const pct = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
const ms = (us) => (us / 1000).toFixed(2);

/** A realistic PreToolUse payload (Claude Code 2.1.328 shape). */
const payload = JSON.stringify({
  session_id: 'c9c7f7bc-be3d-4fec-a871-5d943fafe0e1',
  transcript_path:
    '/home/dev/.claude/projects/-home-dev-work-demo/c9c7f7bc-be3d-4fec-a871-5d943fafe0e1.jsonl',
  cwd: '/home/dev/work/demo',
  prompt_id: 'a705bbcb-bce3-4dcd-a386-2720ae55ea95',
  permission_mode: 'default',
  effort: { level: 'medium' },
  hook_event_name: 'PreToolUse',
  tool_name: 'Bash',
  tool_input: {
    command: 'pnpm --filter @flightdeck/server test -- --reporter=dot',
    description: 'Run the tests',
  },
  tool_use_id: 'toolu_01ABCDEFGHIJKLMNOPQRSTUV',
});

/** `extra`: arguments after the CLI name (e.g. `--hold`). */
function hookLatency(script, runs, spool, extra = '') {
  const payloadFile = join(work, 'payload.json');
  writeFileSync(payloadFile, payload);
  const loop = `
export FLIGHTDECK_SPOOL="$1"
for ((i=0;i<$3;i++)); do
  s=$EPOCHREALTIME; sh "$2" claude $5 < "$4"; e=$EPOCHREALTIME
  echo $(( 10#\${e/./} - 10#\${s/./} ))
done`;
  const r = spawnSync('bash', ['-c', loop, 'bench', spool, script, String(runs), payloadFile, extra], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`bash loop failed: ${r.stderr}`);
  return r.stdout
    .trim()
    .split('\n')
    .map(Number)
    .sort((a, b) => a - b);
}

function runWriters(spool, writers, perWriter, pause = '') {
  const payloadHead = payload.slice(0, -1);
  return Promise.all(
    Array.from({ length: writers }, (_, k) => {
      const script = `
i=0
while [ $i -lt ${perWriter} ]; do
  printf '%s,"bench_session":"w${k}","seq":%s}' '${payloadHead.replace(/'/g, `'\\''`)}' $i | sh '${HOOK_SCRIPT_PATH}' claude
  i=$((i + 1))
  ${pause ? `sleep ${pause}` : ':'}
done`;
      const child = spawn('sh', ['-c', script], {
        env: { PATH: process.env.PATH, HOME: work, FLIGHTDECK_SPOOL: spool },
        stdio: 'inherit',
      });
      return new Promise((resolve) => child.on('exit', resolve));
    }),
  );
}

try {
  console.log(
    `Flightdeck hook benchmark  (node ${process.version}, ${process.platform}, ${RUNS} runs, ${EVENTS} events)`,
  );

  // 1. Hook process latency
  const spool1 = join(work, 'latency-spool');
  const floorScript = join(work, 'empty.sh');
  writeFileSync(floorScript, 'exit 0\n');
  hookLatency(HOOK_SCRIPT_PATH, 20, spool1); // warm-up
  const floor = hookLatency(floorScript, RUNS, spool1);
  const hook = hookLatency(HOOK_SCRIPT_PATH, RUNS, spool1);
  // PermissionRequest's command with no live reader (no lock file): must cost what the plain hook costs.
  const held = hookLatency(HOOK_SCRIPT_PATH, RUNS, spool1, '--hold');
  console.log('\nhook process wall time (bash loop, $EPOCHREALTIME, payload %d bytes)', payload.length);
  console.log(
    `  flightdeck-hook.sh  p50 ${ms(pct(hook, 0.5))} ms  p95 ${ms(pct(hook, 0.95))} ms  p99 ${ms(pct(hook, 0.99))} ms  max ${ms(hook[hook.length - 1])} ms`,
  );
  console.log(
    `  … claude --hold     p50 ${ms(pct(held, 0.5))} ms  p95 ${ms(pct(held, 0.95))} ms  p99 ${ms(pct(held, 0.99))} ms  max ${ms(held[held.length - 1])} ms  (no live reader)`,
  );
  console.log(
    `  empty sh (floor)    p50 ${ms(pct(floor, 0.5))} ms  p95 ${ms(pct(floor, 0.95))} ms  p99 ${ms(pct(floor, 0.99))} ms`,
  );
  const written = readdirSync(spool1).filter((f) => f.endsWith('.rec')).length;
  console.log(`  records written: ${written} (expected ${2 * RUNS + 20})`);

  // 2. Throughput: concurrent writers, then drain
  const spool2 = join(work, 'throughput-spool');
  const perWriter = Math.ceil(EVENTS / WRITERS);
  const total = perWriter * WRITERS;
  const t0 = performance.now();
  await runWriters(spool2, WRITERS, perWriter);
  const writeMs = performance.now() - t0;
  console.log(`\ningest: ${WRITERS} concurrent writer processes, ${total} hook runs`);
  console.log(
    `  hooks written    ${total} in ${(writeMs / 1000).toFixed(2)} s  = ${Math.round(total / (writeMs / 1000))} events/s`,
  );

  let count = 0;
  let batches = 0;
  let outOfOrder = 0;
  const seen = new Set();
  let dupes = 0;
  const last = new Map();
  const reader = createSpoolReader({
    dir: spool2,
    maxBatch: 1000,
    onBatch: (records) => {
      batches++;
      for (const r of records) {
        count++;
        if (seen.has(r.id)) dupes++;
        seen.add(r.id);
        const s = r.envelope.payload.bench_session;
        const q = r.envelope.payload.seq;
        if ((last.get(s) ?? -1) !== q - 1) outOfOrder++;
        last.set(s, q);
      }
    },
  });
  const t1 = performance.now();
  await reader.drain();
  const drainMs = performance.now() - t1;
  const stats = reader.stats();
  console.log(
    `  reader drained   ${count} in ${(drainMs / 1000).toFixed(2)} s  = ${Math.round(count / (drainMs / 1000))} events/s  (${batches} batches)`,
  );
  console.log(
    `  loss ${total - count}  duplicates ${dupes}  out-of-order ${outOfOrder}  rejected ${stats.rejected}`,
  );
  let failed = total - count !== 0 || dupes !== 0 || outOfOrder !== 0 || stats.rejected !== 0;

  // 3. Live: reader watching while writers write
  const spool3 = join(work, 'live-spool');
  const liveWriters = Math.min(WRITERS, 10);
  const livePer = Math.ceil(LIVE / liveWriters);
  const liveTotal = livePer * liveWriters;
  const hookStats = createHookStats({ window: liveTotal });
  let liveCount = 0;
  const live = createSpoolReader({
    dir: spool3,
    onBatch: (records) => {
      for (const r of records) {
        liveCount++;
        hookStats.record({
          event: 'live',
          cli: 'claude',
          sentAt: r.envelope.meta.sentAt,
          receivedAt: Date.now(),
          processedMs: 0,
        });
      }
    },
  });
  live.start();
  await runWriters(spool3, liveWriters, livePer, '0.02');
  const deadline = Date.now() + 30_000;
  while (liveCount < liveTotal && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await live.stop();
  const lat = hookStats.snapshot(Date.now()).events.live?.latency;
  console.log(
    `\nlive: reader watching (fs.watch) while ${liveWriters} writers run ${liveTotal} hooks, 20 ms apart each`,
  );
  if (lat) {
    console.log(
      `  delivery latency (record created → onBatch)  p50 ${lat.p50.toFixed(1)} ms  p95 ${lat.p95.toFixed(1)} ms  p99 ${lat.p99.toFixed(1)} ms  max ${lat.max.toFixed(1)} ms`,
    );
  }
  console.log(`  loss ${liveTotal - liveCount}`);
  failed ||= liveTotal !== liveCount;

  if (failed) {
    console.log('FAIL');
    process.exitCode = 1;
  } else {
    console.log('OK');
  }
} finally {
  if (KEEP) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
