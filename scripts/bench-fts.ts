/**
 * `pnpm bench:fts`: full-text search over 1,000,000 stored messages (issue 17: p95 ≤ 50 ms for one- and two-word
 * queries).
 *
 * 1. Fills a SQLite file in a temp dir through the product's own write path (`openSqlite`, the write planner's
 *    session rows, `prompt` / `response` / `tool` WriteOps applied by the adapter, so the search index rows are the
 *    ones the server makes): `--messages` (default 1,000,000) over `--sessions` (default 20,000), a third each
 *    prompts, assistant replies and tool outputs, 8–60 words each drawn from a Zipf-distributed vocabulary of
 *    20,000 words (developer words first, then made-up ones), seeded: every run stores the same text.
 * 2. Starts the server on that data dir and asks `history.fullText` through @flightdeck/client over HTTP, as the
 *    History page does (first page of 20 hits with snippets and the total): one-word queries at four frequency
 *    classes (in ~30 %, ~3 %, ~0.3 % and ~0.01 % of the messages) and two-word queries (two common words; a
 *    common and a rare one; two rare ones), each query asked `--rounds` times (default 10). Prints p50 / p95 / max
 *    per class and over all, and the same measured on the repository function alone (no HTTP) for comparison.
 * Options: --messages=<n>, --sessions=<n>, --rounds=<n>, --keep (keep the data dir and print it).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFlightdeckClient } from '@flightdeck/client';
import { createSession } from '@flightdeck/core';
import { createWritePlanner, fullTextSearch, openSqlite, type WriteOp } from '@flightdeck/db';
import { configFileSchema, startServer } from '@flightdeck/server';
import { intArg } from './args.js';
import { benchServerOptions } from './bench-server.js';

const MESSAGES = intArg('messages', 1_000_000);
const SESSIONS = intArg('sessions', 20_000);
const ROUNDS = intArg('rounds', 10);
const KEEP = process.argv.includes('--keep');
const VOCABULARY = 20_000;
/** Messages are recent (the last six hours): the server's retention pass (24 h by default) keeps them. */
const T0 = Date.now() - 6 * 3600_000;

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DEV_WORDS = `the to a of and in is it for that this with on be not file test error function
return const import from build run type value data string server session hook event config user code
check fix update add remove change use new line table query index cache request response path update
version install package module script tool call result output input status agent prompt token model
commit branch merge review deploy migration schema column database sqlite postgres terminal shell
command process memory latency throughput queue worker thread timeout retry socket websocket browser`.split(
  /\s+/,
);

/** The vocabulary in rank order: developer words first, then made-up words of 2–4 syllables. */
function vocabulary(): string[] {
  const words = [...new Set(DEV_WORDS)];
  const syllables = [
    'ka',
    'lo',
    'mi',
    're',
    'tu',
    'za',
    'ne',
    'po',
    'si',
    'dra',
    'ven',
    'qui',
    'bor',
    'fel',
    'gan',
  ];
  const r = rng(7);
  const seen = new Set(words);
  while (words.length < VOCABULARY) {
    const n = 2 + Math.floor(r() * 3);
    let w = '';
    for (let i = 0; i < n; i++) w += syllables[Math.floor(r() * syllables.length)];
    if (!seen.has(w)) {
      seen.add(w);
      words.push(w);
    }
  }
  return words;
}

/** Zipf (s = 1) sampling by inverse CDF over the ranks. */
function zipfSampler(n: number, r: () => number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 1; k <= n; k++) {
    sum += 1 / k;
    cdf[k - 1] = sum;
  }
  for (let k = 0; k < n; k++) (cdf as Float64Array)[k] = (cdf[k] as number) / sum;
  return () => {
    const u = r();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

async function fill(file: string, words: string[]): Promise<{ docFreq: Uint32Array; ms: number }> {
  const adapter = await openSqlite({ file, writerThread: false });
  const planner = createWritePlanner();
  const r = rng(42);
  const rank = zipfSampler(words.length, r);
  const docFreq = new Uint32Array(words.length);
  const perSession = Math.ceil(MESSAGES / SESSIONS);
  const started = performance.now();
  let written = 0;
  let ops: WriteOp[] = [];
  const flush = async () => {
    if (ops.length === 0) return;
    await adapter.write(ops);
    ops = [];
  };
  for (let s = 0; s < SESSIONS && written < MESSAGES; s++) {
    const id = `bench-${s.toString().padStart(6, '0')}`;
    const startedAt = T0 + Math.floor((s * 5 * 3600_000) / SESSIONS);
    const session = createSession({
      sessionId: id,
      cli: 'claude',
      projectPath: `/home/dev/src/project-${s % 40}`,
      source: 'terminal',
      now: startedAt,
      status: 'ended',
      trigger: 'SessionEnd',
      detail: 'bench',
    });
    planner.sessionRow(ops, { ...session, title: `Session ${s}` });
    for (let m = 0; m < perSession && written < MESSAGES; m++, written++) {
      const len = 8 + Math.floor(r() * 53);
      const used = new Set<number>();
      const text: string[] = [];
      for (let i = 0; i < len; i++) {
        const k = rank();
        used.add(k);
        text.push(words[k] as string);
      }
      for (const k of used) (docFreq[k] as number)++;
      const timestamp = startedAt + m * 100;
      const body = text.join(' ');
      if (m % 3 === 0)
        ops.push({ op: 'prompt', row: { session_id: id, text: body, prompt_id: null, timestamp } });
      else if (m % 3 === 1)
        ops.push({ op: 'response', row: { session_id: id, text_excerpt: body, agent_id: null, timestamp } });
      else
        ops.push({
          op: 'tool',
          row: {
            session_id: id,
            tool_use_id: `toolu_${s}_${m}`,
            tool_name: 'Bash',
            tool_input_summary: 'npm test',
            tool_input: '{"command":"npm test"}',
            status: 'completed',
            timestamp,
            ended_at: timestamp + 500,
            duration_ms: 500,
            result_excerpt: body,
            error: null,
            agent_id: null,
          },
        });
    }
    if (ops.length >= 5000) await flush();
    if (s % 2000 === 1999)
      process.stdout.write(
        `\r  filled ${written.toLocaleString('en')} / ${MESSAGES.toLocaleString('en')} messages`,
      );
  }
  await flush();
  const ms = performance.now() - started;
  await adapter.close();
  process.stdout.write('\n');
  return { docFreq, ms };
}

/** A word whose share of messages is nearest `share`. */
function wordAt(words: string[], docFreq: Uint32Array, share: number, skip: Set<string>): string {
  let best = '';
  let bestDiff = Number.POSITIVE_INFINITY;
  for (let k = 0; k < words.length; k++) {
    const w = words[k] as string;
    if (skip.has(w) || w.length < 3) continue;
    const diff = Math.abs((docFreq[k] as number) / MESSAGES - share);
    if (diff < bestDiff) {
      best = w;
      bestDiff = diff;
    }
  }
  skip.add(best);
  return best;
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
const f = (n: number) => n.toFixed(1).padStart(7);

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fd-bench-fts-'));
  const file = join(dataDir, 'flightdeck.db');
  const words = vocabulary();
  console.log(
    `filling ${MESSAGES.toLocaleString('en')} messages over ${SESSIONS.toLocaleString('en')} sessions (load average ${loadavg()[0]?.toFixed(1)})`,
  );
  const { docFreq, ms } = await fill(file, words);
  console.log(
    `  ${(ms / 1000).toFixed(1)} s (${Math.round(MESSAGES / (ms / 1000)).toLocaleString('en')} messages/s), database ${(statSync(file).size / 1e6).toFixed(0)} MB`,
  );

  const skip = new Set<string>();
  const share = (w: string) => `${((100 * (docFreq[words.indexOf(w)] as number)) / MESSAGES).toFixed(2)} %`;
  const c1 = wordAt(words, docFreq, 0.3, skip);
  const c2 = wordAt(words, docFreq, 0.25, skip);
  const m1 = wordAt(words, docFreq, 0.03, skip);
  const u1 = wordAt(words, docFreq, 0.003, skip);
  const r1 = wordAt(words, docFreq, 0.0001, skip);
  const r2 = wordAt(words, docFreq, 0.0001, skip);
  const classes: Array<[string, string[]]> = [
    [`one word, common (${c1} ${share(c1)}, ${c2} ${share(c2)})`, [c1, c2]],
    [`one word, medium (${m1} ${share(m1)})`, [m1]],
    [`one word, uncommon (${u1} ${share(u1)})`, [u1]],
    [`one word, rare (${r1} ${share(r1)}, ${r2} ${share(r2)})`, [r1, r2]],
    ['two words, both common', [`${c1} ${c2}`]],
    ['two words, common + rare', [`${c1} ${r1}`]],
    ['two words, both rare', [`${r1} ${r2}`, `${m1} ${u1}`]],
  ];

  // The repository function alone.
  const adapter = await openSqlite({ file, writerThread: false });
  const direct = new Map<string, number[]>();
  for (const [name, queries] of classes) {
    const times: number[] = [];
    for (let i = 0; i < ROUNDS; i++)
      for (const query of queries) {
        const t = performance.now();
        await fullTextSearch(adapter.db, { query });
        times.push(performance.now() - t);
      }
    direct.set(name, times);
  }
  await adapter.close();

  // Through the server and HTTP, as the History page asks.
  const server = await startServer(benchServerOptions(configFileSchema, dataDir));
  if (!server.url) throw new Error('the server did not listen');
  const client = createFlightdeckClient({ url: server.url });
  const all: number[] = [];
  const allDirect: number[] = [];
  console.log(`\n${'class'.padEnd(58)}   hits  http p50    p95    max │ repo p50    p95`);
  try {
    for (const [name, queries] of classes) {
      const times: number[] = [];
      let hits = '';
      await client.history.fullText.query({ query: queries[0] as string }); // warm this query's pages
      for (let i = 0; i < ROUNDS; i++)
        for (const query of queries) {
          const t = performance.now();
          const r = await client.history.fullText.query({ query });
          times.push(performance.now() - t);
          hits = `${r.total}${r.capped ? '+' : ''}`;
        }
      times.sort((a, b) => a - b);
      const d = (direct.get(name) ?? []).sort((a, b) => a - b);
      all.push(...times);
      allDirect.push(...d);
      console.log(
        `${name.padEnd(58)} ${hits.padStart(7)} ${f(pct(times, 50))}${f(pct(times, 95))}${f(times.at(-1) ?? 0)} │ ${f(pct(d, 50))}${f(pct(d, 95))}`,
      );
    }
  } finally {
    await server.close();
    if (KEEP) console.log(`\ndata dir kept: ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
  all.sort((a, b) => a - b);
  allDirect.sort((a, b) => a - b);
  console.log(
    `\nall queries: http p50 ${pct(all, 50).toFixed(1)} ms, p95 ${pct(all, 95).toFixed(1)} ms (target ≤ 50); repository alone p95 ${pct(allDirect, 95).toFixed(1)} ms; load average ${loadavg()[0]?.toFixed(1)}`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
