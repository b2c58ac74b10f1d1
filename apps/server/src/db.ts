/**
 * Binding of the runtime's StorePort to @flightdeck/db: group commits through a write-plan sink.
 *
 * `stage(batch)` plans, on the event loop, only what needs the batch's own objects: the raw hook events and the
 * ring-buffer entries not written before (prompts, responses, tool calls, lifecycle events), as plain data. What
 * is a function of the latest state is planned when a transaction goes out: one row per changed session (its
 * latest version, however many batches changed it), the per-session runtime bookkeeping that changed (one `kv`
 * row per session, `core.runtime:<sessionId>`) and the rest of the core state (teams, aliases, pending links…)
 * as JSON when it changed. One transaction is in flight at a time; everything staged meanwhile goes out as the
 * next one, so transactions grow with the load instead of their number. A failed transaction is sent again
 * (same operations, after a back-off) before anything newer; the batches it carried wait for it.
 *
 * Within a transaction the session rows come first (child rows refer to them). A batch that re-keys or removes
 * sessions closes the current group and is planned whole, in the order `recordIngestBatch` uses.
 *
 * On load the parts are put back together; sessions come from their rows (live ones, plus those ended in the
 * last 30 minutes, §4.6).
 */
import {
  createIngestPlanner,
  type FlightdeckDatabase,
  hasIngestIds,
  loadCoreState,
  loadLiveSessions,
  OP,
  openDatabase,
  type WriteOp,
} from '@flightdeck/db';
import type { Session } from '@flightdeck/shared-types';
import type { CommitBatch, CoreState, StorePort, StoreStats } from './ports.js';
import type { Logger } from './runtime.js';
import { inlineSink, type OpSink } from './writer-thread.js';

export type Db = FlightdeckDatabase['db'];
export type { FlightdeckDatabase };
export { openDatabase };

const RUNTIME_PREFIX = 'core.runtime:';
type RuntimeEntry = CoreState['runtime'][string];

/** The part of the core state saved as JSON: everything but the sessions and the per-session runtime. */
function rest(state: CoreState): CoreState {
  return { ...state, sessions: {}, runtime: {} };
}

/** True when a top-level part other than `sessions`/`runtime` changed (reference comparison: the core is immutable). */
function restChanged(prev: CoreState | null, next: CoreState): boolean {
  if (!prev) return true;
  for (const key of Object.keys(next) as Array<keyof CoreState>) {
    if (key !== 'sessions' && key !== 'runtime' && prev[key] !== next[key]) return true;
  }
  return Object.keys(prev).length !== Object.keys(next).length;
}

export interface StoreOptions {
  /** Where transactions go. Default: the database's own connection, synchronously. */
  sink?: OpSink;
  now?: () => number;
  log?: Pick<Logger, 'error'>;
  /** Delay before sending a failed transaction again, by the number of failures in a row. */
  retryDelayMs?: (failures: number) => number;
}

interface InFlight {
  ops: WriteOp[];
  waiters: Array<() => void>;
  ids: string[];
}

export function createStore(database: FlightdeckDatabase, opts: StoreOptions = {}): StorePort {
  const { db } = database;
  const now = opts.now ?? Date.now;
  const sink = opts.sink ?? inlineSink(database.sqlite);
  const retryDelay = opts.retryDelayMs ?? ((n: number) => Math.min(30_000, 100 * 2 ** Math.min(n, 9)));
  const planner = createIngestPlanner(db);
  const stats = { writes: 0, failures: 0, lastWriteMs: 0, busyMs: 0, operations: 0 };

  /** The core state as last planned (what the runtime/rest parts are diffed against). */
  let planned: CoreState | null = null;
  /** The core state as last staged. */
  let latest: CoreState | null = null;
  /** The open group: its operations and the sessions whose row it owes. */
  let groupOps: WriteOp[] = [];
  let groupRows = new Map<string, Session>();
  /** Closed groups, in order. */
  const closed: WriteOp[][] = [];
  let retryOps: WriteOp[] | null = null;
  let waiters: Array<() => void> = [];
  let ids: string[] = [];
  /** Ingest ids staged and not committed yet. */
  const pendingIds = new Set<string>();
  let inFlight: InFlight | null = null;
  let scheduled = false;
  let retryTimer: NodeJS.Timeout | null = null;
  let failuresInARow = 0;
  let settledWaiters: Array<() => void> = [];

  function closeGroup() {
    if (groupOps.length === 0 && groupRows.size === 0) return;
    const ops: WriteOp[] = [];
    for (const s of groupRows.values()) planner.sessionRow(ops, s);
    for (const op of groupOps) ops.push(op);
    closed.push(ops);
    groupOps = [];
    groupRows = new Map();
  }

  /** The kv rows of per-session runtime entries that changed since the last plan, and the rest as JSON. */
  function planState(ops: WriteOp[], next: CoreState) {
    const at = now();
    const before = planned?.runtime ?? {};
    const after = next.runtime ?? {};
    if (before !== after) {
      for (const id of Object.keys(after)) {
        const entry = after[id];
        if (entry !== before[id]) ops.push([OP.kv, RUNTIME_PREFIX + id, JSON.stringify(entry), at]);
      }
      for (const id of Object.keys(before))
        if (!(id in after)) ops.push([OP.kv, RUNTIME_PREFIX + id, null, at]);
    }
    if (restChanged(planned, next)) ops.push([OP.core, JSON.stringify(rest(next)), at]);
  }

  const hasWork = () =>
    groupOps.length > 0 ||
    groupRows.size > 0 ||
    closed.length > 0 ||
    retryOps !== null ||
    waiters.length > 0 ||
    (latest !== null && latest !== planned);

  function schedule() {
    if (scheduled || inFlight || retryTimer) return;
    scheduled = true;
    queueMicrotask(flush);
  }

  function notifySettled() {
    if (inFlight || hasWork()) return;
    const list = settledWaiters;
    settledWaiters = [];
    for (const w of list) w();
  }

  function flush() {
    scheduled = false;
    if (inFlight || retryTimer) return;
    closeGroup();
    const ops: WriteOp[] = retryOps ?? [];
    retryOps = null;
    for (const group of closed) for (const op of group) ops.push(op);
    closed.length = 0;
    if (latest !== null && latest !== planned) {
      planState(ops, latest);
      planned = latest;
    }
    const batch: InFlight = { ops, waiters, ids };
    waiters = [];
    ids = [];
    if (ops.length === 0) {
      for (const w of batch.waiters) w();
      notifySettled();
      return;
    }
    inFlight = batch;
    sink.write(ops).then(
      (ms) => {
        inFlight = null;
        failuresInARow = 0;
        stats.writes += 1;
        stats.operations += ops.length;
        stats.lastWriteMs = ms;
        stats.busyMs += ms;
        for (const id of batch.ids) pendingIds.delete(id);
        for (const w of batch.waiters) w();
        if (hasWork()) schedule();
        else notifySettled();
      },
      (err: unknown) => {
        inFlight = null;
        stats.failures += 1;
        failuresInARow += 1;
        opts.log?.error(
          { err, operations: ops.length, failures: failuresInARow },
          'database transaction failed; it will be retried',
        );
        // Same operations again, first; the batches they carried keep waiting.
        retryOps = batch.ops;
        waiters = batch.waiters.concat(waiters);
        ids = batch.ids.concat(ids);
        retryTimer = setTimeout(() => {
          retryTimer = null;
          flush();
        }, retryDelay(failuresInARow));
        retryTimer.unref?.();
      },
    );
  }

  return {
    loadCoreState() {
      const loaded = loadCoreState(db);
      if (!loaded) return null;
      const saved = loaded.state as CoreState;
      const sessions: Record<string, Session> = {};
      for (const s of loadLiveSessions(db, { now: now() })) sessions[s.sessionId] = s;
      const runtime: Record<string, RuntimeEntry> = { ...(saved.runtime ?? {}) };
      const rows = database.sqlite
        .prepare('SELECT key, value FROM kv WHERE key >= ? AND key < ?')
        .all(RUNTIME_PREFIX, `${RUNTIME_PREFIX}\uffff`) as Array<{ key: string; value: string }>;
      for (const row of rows)
        runtime[row.key.slice(RUNTIME_PREFIX.length)] = JSON.parse(row.value) as RuntimeEntry;
      // Rows win over sessions saved inside the JSON by older versions.
      const state: CoreState = { ...saved, sessions: { ...(saved.sessions ?? {}), ...sessions }, runtime };
      planned = state;
      latest = state;
      return state;
    },
    hasIngestIds(list) {
      const found = hasIngestIds(db, list);
      for (const id of list) if (pendingIds.has(id)) found.add(id);
      return found;
    },
    stage(batch: CommitBatch) {
      for (const ev of batch.events) {
        pendingIds.add(ev.ingestId);
        ids.push(ev.ingestId);
      }
      if (batch.rekeys.length > 0 || batch.removedSessionIds.length > 0) {
        closeGroup();
        const ops: WriteOp[] = [];
        planner.batch(ops, batch);
        closed.push(ops);
      } else {
        for (const ev of batch.events) planner.hookEvent(groupOps, ev);
        for (const s of batch.sessions) {
          planner.sessionRings(groupOps, s);
          groupRows.set(s.sessionId, s);
        }
      }
      if (batch.stateChanged) latest = batch.coreState;
      return new Promise<void>((resolve) => {
        waiters.push(resolve);
        schedule();
      });
    },
    settled() {
      if (!inFlight && !hasWork()) return Promise.resolve();
      return new Promise<void>((resolve) => {
        settledWaiters.push(resolve);
        if (!inFlight) schedule();
      });
    },
    stats: (): StoreStats => ({
      ...stats,
      mode: sink.mode,
      pendingBatches: waiters.length + (inFlight?.waiters.length ?? 0),
    }),
    async close(timeoutMs = 10_000) {
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref?.();
      });
      await Promise.race([this.settled(), gaveUp]);
      clearTimeout(timer);
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
      await sink.close();
    },
  };
}
