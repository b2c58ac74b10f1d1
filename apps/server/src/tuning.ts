/**
 * Performance tuning of the server, in one place. Product code calls what is here and reads like product code; each
 * entry below says what it buys, how it was measured and how to remove it.
 *
 * Decision record (issue 14). Measure with `pnpm bench:live` (the server as a child process, production bundle and
 * flags) and `pnpm bench:core` (the core's reduce alone); `FLIGHTDECK_TUNING_OFF=idle-gc,writer-nice pnpm
 * bench:live` runs the server without the entries named (comma-separated), for a side-by-side run.
 *
 * 1. `idle-gc` — after a burst (≥ 2,000 inputs, then 1 s without any), one memory-reducing full collection
 *    (`startIdleCollector`, `resolveGc`). Buys: RSS after load, which V8 otherwise keeps. 3 s after the bench-live
 *    ramp: 141–146 MB with it, 268.5 MB without (`FLIGHTDECK_TUNING_OFF=idle-gc,writer-nice`; V8 heap 117 MB used
 *    of 170 against 43 of 48), same session of the machine, 2026-12-06. Needed for the RSS ≤ 150 MB target. It
 *    runs on an idle event loop only. Retention's work counts as activity too (sessions evicted, rows deleted:
 *    `Retention.work()`): a pass that evicts thousands of sessions is a handful of inputs, and left its garbage in
 *    the heap (`pnpm soak:sessions`, 2026-12-07, load average 6–10: 20,000 sessions 362 MB at the end before,
 *    120 MB with it; the full 100,000, 353 MB on main before, 137 MB with it; peak 998 MB before, 1,475 MB in this
 *    run, which fed 3.7k events/s: the peak is not this entry's). Remove: the `startServerIdleCollector` call in
 *    server.ts.
 * 2. `writer-nice` — the database writer thread lowers its own CPU priority to nice 10 (Linux only, the thread
 *    and not the process: `writerThread.nice` of `openSqlite`, @flightdeck/db). Buys: on a saturated machine a
 *    checkpoint transaction (tens of ms of CPU) waits for a core instead of delaying the event loop, which turns
 *    hook events into live updates: the p99 of hook → subscriber latency. Commits only get slower, and acknowledged events are durable either way.
 *    Measured 2026-12-06 (`FLIGHTDECK_TUNING_OFF=writer-nice`, two runs each, load average 3–5 from other jobs):
 *    1k events/s p99 6.6 and 11.1 ms without, 7.3 and 84 ms with; 10k sustained in one run of each. No difference
 *    shows through this machine's noise; kept on the grounds it was added for (a saturated machine) until a quiet
 *    run says otherwise. Remove: `WRITER_NICE = 0`.
 * 3. Young generations — the main thread runs with `--max-semi-space-size=8` (apps/server/package.json `start`,
 *    read by bench-live): the garbage of each event dies young instead of being promoted; 10k events/s sustained
 *    with it against 8.1k with semi-space 2 (apps/server/README.md). The writer thread, which only copies plans into
 *    SQLite, gets a 3 MB young generation (`WRITER_YOUNG_GENERATION_MB`) instead of inheriting the main thread's.
 *    Remove: the flag, and `youngGenerationMb` where server.ts opens the database.
 * 4. In the core (pure, so not here): the persistent map behind `CoreState.sessions`/`runtime`
 *    (packages/core/src/pmap.ts, a two-level hash trie held as plain arrays and objects). Kept: with plain objects
 *    copied once per reduce step instead, `pnpm bench:core` measured 206–231 µs per event instead of 31–46 (200
 *    sessions; 740 scavenges per 100k events instead of 60), below the 10k events/s target on the core alone.
 *    Until 2026-12-07 the trie was shown to readers as a `Record` through a Proxy, which `structuredClone`
 *    refused; now it is plain data read through `getOwn`/`valuesOf`/`entriesOf` (its cost: a reader cannot
 *    index the map; the compiler says so), `structuredClone(state)` works, and the checkpoint diffs the runtime
 *    map with `forEachChange` (only the changed parts). Measured 2026-12-07 (`pnpm bench:core`, best of 3,
 *    alternating, load average 5–6 from other jobs): Proxy 40.7 and 22.5 µs per event, plain trie 32.1 and 17.2;
 *    again after merging the ring sequence numbers (load ≈ 1): Proxy 20.0 and 22.3, plain trie 18.4 and 21.6;
 *    77–80 scavenges per 100k events with both.
 *    Remove: make `sessions`/`runtime` plain `Record`s again, copied on write in `Tx` (tx.ts).
 *    Sessions are copied (`copySession`, once per step that changes one) by a literal compiled once from
 *    `createSession`'s keys; a session of another shape (a field missing or unknown) by a spread. At 52 fields a
 *    spread `{ ...s }` took V8's slow clone path: ≈ 1 µs and ≈ 3.6 KB allocated per copy against ≈ 0.1 µs and
 *    ≈ 0.5 KB (UserPromptSubmit over 200 sessions, the core alone: 10.2 KB allocated per event with the spread,
 *    7.4 KB with the literal; the base of issue 14, a hand-written 44-field literal, 5.6 KB), 2026-12-07.
 *    Remove: `copySession` returns `{ ...s }`.
 * 5. `field-copy` — the live summary of a session (what every board subscriber gets, per change) is built by a
 *    copy compiled once from its field list (`compileFieldCopy`): one object literal, its fields in the object
 *    itself. Buys: 300k `JSON.stringify(sessionSummary(s))` took 1.2–1.6 s with it against 2.2–2.9 s with a loop
 *    of keyed stores (the 45 fields ending in dictionary mode), the same as the hand-written literal it replaced
 *    (1.1–1.8 s), 2026-12-06. Remove: `FLIGHTDECK_TUNING_OFF=field-copy` runs the loop; delete the compiled branch.
 * 6. `import-plans` — the history import writes the steps of several files as one plan (one transaction) of about
 *    `IMPORT_PLAN_OPS` rows (import/steps.ts) instead of one plan per step. Buys: fewer commits, and above all
 *    fewer and larger full-text index segments (FTS5 writes one per transaction and merges them again and again);
 *    the files are read and parsed while a plan is written. Costs: a live commit waits behind one plan, so the plan
 *    is kept small. Measured 2026-12-07 (`pnpm bench:import --compare=<main's bundle>`, load average 4–10 from
 *    other jobs): 6,000 short sessions (`--turns=2`), 120 rows: 9.2 and 7.8 s, server CPU 8.7 and 7.1 s, against
 *    18.0 and 16.0 s, 15.9 and 14.9 s with a plan per file; live ingest p50 during it 10–12 ms against 4–5, p99
 *    alike. 2,000 files of 250 KB (a plan per file either way at 120): parity. 300 rows on those: server CPU 12.9
 *    and 14.1 s against 15.4 and 17.5 s, but live p50 19–23 ms against 8–11. `FLIGHTDECK_TUNING_OFF=import-plans`
 *    writes one step per plan. Remove: `IMPORT_PLAN_OPS = 1`.
 * 7. In @flightdeck/db (loaded by the writer thread too, so not here): a session's row (`sessionRow`, once per
 *    changed session per checkpoint) is built by a function compiled once from `SESSION_COLUMNS`, one object
 *    literal, instead of a loop of keyed stores (which left the 30-column row in dictionary mode). Buys, with entry
 *    4's copy: the server allocated 695 MB instead of 803 MB over bench-live's latency steps (sampling heap profile
 *    keeping collected objects; the base of issue 14: 565 MB), `sessionRow` ≈ 11 MB instead of 57 MB, 2026-12-07.
 *    Remove: build the row in a loop over `SESSION_COLUMNS` again (session-row.ts).
 * 8. `turn-budget` — a batch of the runtime's queue takes as many inputs as fit in `TURN_BUDGET_MS` at the cost
 *    per input measured so far (a running average; 0.5 ms assumed before the first batch), between 32 and
 *    `MAX_INPUTS_PER_TURN` (runtime-queue.ts). Buys: a server never stops answering for a whole batch of slow
 *    inputs. A spool backlog read right after start is the worst case: the code is not compiled yet and every
 *    session is new, and a first batch of the reader's 500 records took 264–342 ms. `pnpm fault --quick
 *    --only=spool-burst` (health probe max, 2026-12-07, load average 2–3): 65–119 ms with it over six runs,
 *    124–214 ms without over five (`FLIGHTDECK_TUNING_OFF=turn-budget`; both with `identify`'s reads cut, 228 ms
 *    of that first batch). Costs nothing measurable in throughput: `pnpm bench:live --quick`, alternated, 10k
 *    events/s reached 9,704 and 9,271 with it, 4,790 and 8,325 without. Remove: `TURN_BUDGET_MS = undefined`.
 */
import { Session } from 'node:inspector';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';

export type TuningName = 'idle-gc' | 'writer-nice' | 'field-copy' | 'import-plans' | 'turn-budget';

/** Whether a tuning entry is on (all are, unless `FLIGHTDECK_TUNING_OFF` names it). */
export function tuningOn(name: TuningName, env: NodeJS.ProcessEnv = process.env): boolean {
  const off = (env.FLIGHTDECK_TUNING_OFF ?? '').split(',').map((s) => s.trim());
  return !off.includes(name);
}

// ── 2. writer-nice, 3. young generations ───────────────────────────────────────────────────────────────────────

/** The writer thread's `nice` (Linux): below the event loop, not starved (a tenth of a nice-0 thread's share). */
export const WRITER_NICE = tuningOn('writer-nice') ? 10 : 0;

/** Young generation of the writer thread's heap (MB). */
export const WRITER_YOUNG_GENERATION_MB = 3;

// ── 6. import-plans ────────────────────────────────────────────────────────────────────────────────────────────

/** Rows (write operations) per plan of the history import (a plan holds at least one step). */
export const IMPORT_PLAN_OPS = tuningOn('import-plans') ? 120 : 1;

// ── 8. turn-budget ─────────────────────────────────────────────────────────────────────────────────────────────

/** How long one batch of the runtime's queue should take (ms), from the measured cost per input. */
export const TURN_BUDGET_MS = tuningOn('turn-budget') ? 25 : undefined;

// ── 1. idle-gc ─────────────────────────────────────────────────────────────────────────────────────────────────

export interface IdleCollectorOptions {
  /** Inputs processed so far (never decreases). */
  activity: () => number;
  /** Runs a full garbage collection (resolves when it is done, if it runs asynchronously). */
  gc: () => void | Promise<void>;
  now?: () => number;
  /** How often activity is looked at (default 500 ms). */
  intervalMs?: number;
  /** Quiet time after which a collection runs (default 1,000 ms). */
  quietMs?: number;
  /** Inputs since the last collection that make one worth it (default 2,000). */
  minInputs?: number;
}

export interface IdleCollector {
  /** Looks at the activity now (the timer calls it every `intervalMs`). */
  tick(): void;
  stop(): void;
  stats(): { collections: number; lastMs: number };
}

/**
 * Watches how many inputs the runtime has processed: when at least `minInputs` were processed since the last
 * collection and then none for `quietMs`, runs one full garbage collection (on an idle event loop: nobody is
 * waiting for an answer then; never during sustained activity).
 */
export function startIdleCollector(opts: IdleCollectorOptions): IdleCollector {
  const now = opts.now ?? Date.now;
  const quietMs = opts.quietMs ?? 1000;
  const minInputs = opts.minInputs ?? 2000;
  let seen = opts.activity();
  let lastChange = now();
  let sinceCollection = 0;
  let collections = 0;
  let lastMs = 0;
  let collecting = false;
  const tick = () => {
    if (collecting) return;
    const count = opts.activity();
    if (count !== seen) {
      sinceCollection += Math.max(0, count - seen);
      seen = count;
      lastChange = now();
      return;
    }
    if (sinceCollection < minInputs || now() - lastChange < quietMs) return;
    const started = performance.now();
    sinceCollection = 0;
    const done = () => {
      lastMs = performance.now() - started;
      collections += 1;
      collecting = false;
    };
    collecting = true;
    const pending = opts.gc();
    if (pending instanceof Promise) pending.then(done, done);
    else done();
  };
  const timer = setInterval(tick, opts.intervalMs ?? 500);
  timer.unref();
  return {
    tick,
    stop: () => clearInterval(timer),
    stats: () => ({ collections, lastMs: Math.round(lastMs * 10) / 10 }),
  };
}

/**
 * The engine's memory-reducing full collection (V8's low-memory notification: a full GC that also compacts and
 * shrinks the young generation, so the pages go back to the system), reached through an in-process inspector
 * session; without an inspector, the plain full collection: `globalThis.gc` when node runs with `--expose-gc`,
 * else the same function taken from a fresh context after enabling the flag. `null` if none works.
 */
export function resolveGc(): (() => void | Promise<void>) | null {
  if (process.features.inspector) {
    return () =>
      new Promise<void>((resolve) => {
        const session = new Session();
        session.connect();
        // The collection runs when the session dispatches the command; the callback follows it. (Disconnecting
        // from inside the callback would hang: it is done in the next turn.)
        session.post('HeapProfiler.collectGarbage', () => {
          setImmediate(() => {
            session.disconnect();
            resolve();
          });
        });
      });
  }
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return () => (exposed as () => void)();
  try {
    v8.setFlagsFromString('--expose-gc');
    const fn = vm.runInNewContext('gc') as unknown;
    return typeof fn === 'function' ? () => (fn as () => void)() : null;
  } catch {
    return null;
  }
}

/** The idle collector of a running server, or null when the entry is off or the engine offers no collection. */
export function startServerIdleCollector(activity: () => number): IdleCollector | null {
  if (!tuningOn('idle-gc')) return null;
  const gc = resolveGc();
  return gc ? startIdleCollector({ activity, gc }) : null;
}

/**
 * A copy of the fields `keys` of an object (a missing field takes the template's value), then `constants`, then
 * `counts` (the lengths of the arrays `counted`), then the extra arguments by name: compiled once into one object
 * literal (tuning entry 5), or a plain loop with the same result and key order when `field-copy` is off. The names
 * come from code (field lists), and anything but an identifier is refused.
 */
export function compileFieldCopy<S extends object, E extends unknown[], O>(
  keys: readonly string[],
  counted: readonly string[],
  extras: readonly string[],
  constants: Readonly<Record<string, boolean | number | string>>,
): (s: S, template: Readonly<Record<string, unknown>>, ...extra: E) => O {
  for (const k of [...keys, ...counted, ...extras, ...Object.keys(constants)])
    if (!/^[A-Za-z_$][\w$]*$/.test(k)) throw new Error(`not a field name: ${k}`);
  if (!tuningOn('field-copy')) {
    return (s, t, ...extra) => {
      const src = s as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const k of keys) out[k] = src[k] === undefined ? t[k] : src[k];
      Object.assign(out, constants);
      const counts: Record<string, number> = {};
      for (const k of counted) counts[k] = Array.isArray(src[k]) ? (src[k] as unknown[]).length : 0;
      out.counts = counts;
      extras.forEach((k, i) => {
        out[k] = extra[i];
      });
      return out as O;
    };
  }
  const fields = keys.map((k) => `${k}: s.${k} === undefined ? t.${k} : s.${k}`).join(',\n');
  const consts = Object.entries(constants)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join(', ');
  const counts = counted.map((k) => `${k}: s.${k} ? s.${k}.length : 0`).join(', ');
  return new Function(
    's',
    't',
    ...extras,
    `return {\n${fields},\n${consts}, counts: { ${counts} }, ${extras.join(', ')} };`,
  ) as (s: S, template: Readonly<Record<string, unknown>>, ...extra: E) => O;
}
