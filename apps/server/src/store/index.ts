/**
 * The runtime's StorePort on a database adapter (any dialect: plans go through `adapter.write`, reads through the
 * portable query builder): the raw event log written at once, the state in checkpoints.
 *
 * Every transaction carries the raw hook events staged since the last one (group commit: one transaction in flight);
 * an input is acknowledged once its raw event is committed. The state derived from the events (a row per changed
 * session, its new ring entries, the per-session runtime entries in `kv`, the rest of the core state as JSON) goes
 * out in a checkpoint: at most every `checkpointMs`; at once when an input the event log cannot replay changed it
 * (timers, liveness, user actions), a batch re-keys or removes sessions, a session's rings could wrap, or someone
 * waits (`settled`, `checkpoint`). It ends with the watermark (the last raw event it includes) in the same
 * transaction; on start the state is loaded and the raw events after it replayed: a crash loses nothing that was
 * acknowledged, and session rows are written a few times per second instead of once per event.
 *
 * A failed transaction is sent again (same operations, after a back-off) before anything newer; the batches it
 * carried wait for it. On load the parts are put back together (state-rows.ts). Reads wait for the checkpoint that
 * holds what was acknowledged (reads.ts).
 */
import {
  createWritePlanner,
  type DatabaseAdapter,
  hasIngestIds,
  hookEventOp,
  ringsAtRisk,
  type WriteOp,
} from '@flightdeck/db';
import type { Session } from '@flightdeck/shared-types';
import type {
  CommitBatch,
  CoreState,
  IngestEvent,
  PreparedEvent,
  StorePort,
  StoreReader,
  StoreStats,
} from '../ports.js';
import { createAppliedTracker, type Held } from './applied.js';
import {
  CHECKPOINT_MS,
  CHECKPOINT_SLICE_MS,
  ENTRIES_PER_INPUT,
  RING_CAPACITY,
  type StoreOptions,
} from './options.js';
import { READ_WAIT_MS, withinReadWait } from './reads.js';
import { dirtyInOrder, loadCheckpoint, planState, recordOps, trackForeign } from './state-rows.js';

export { type DatabaseAdapter, openSqlite, type SqliteAdapter } from '@flightdeck/db';
export type { StoreOptions } from './options.js';
export { READ_WAIT_MS, StoreBehindError } from './reads.js';
export type Db = DatabaseAdapter['db'];

/**
 * A checkpoint being planned, in slices of at most `CHECKPOINT_SLICE_MS` of the event loop: the transaction it goes
 * out with (everything staged before it started), the sessions, the core state and what each held (several servers,
 * applied.ts), as they were then. What is staged meanwhile waits for the next transaction.
 */
type Planning = {
  batch: InFlight;
  sessions: Session[];
  next: number;
  state: CoreState | null;
  held: Held | null;
};
type InFlight = { ops: WriteOp[]; waiters: Array<() => void>; ids: string[] };

export function createStore(adapter: DatabaseAdapter, opts: StoreOptions = {}): StorePort {
  const { db } = adapter;
  const now = opts.now ?? Date.now;
  const readWaitMs = opts.readWaitMs ?? READ_WAIT_MS;
  const retryDelay = opts.retryDelayMs ?? ((n: number) => Math.min(30_000, 100 * 2 ** Math.min(n, 9)));
  const checkpointMs = Math.max(0, opts.checkpointMs ?? CHECKPOINT_MS);
  const sliceMs = Math.max(0, opts.checkpointSliceMs ?? CHECKPOINT_SLICE_MS);
  const planner = createWritePlanner();
  const applied = opts.applied ? createAppliedTracker(opts.applied) : null;
  const reader: StoreReader = {
    db,
    fullTextSearch: (input) => adapter.fullTextSearch(input),
    searchSessions: (input) => adapter.searchSessions(input),
  };
  const stats = { writes: 0, failures: 0, lastWriteMs: 0, busyMs: 0, operations: 0, checkpoints: 0 };

  /** The core state as last checkpointed (what the runtime/rest parts are diffed against). */
  let planned: CoreState | null = null;
  /** The core state as last staged. */
  let latest: CoreState | null = null;
  /** Operations for the next transaction, in order (raw events; batches that re-key or remove sessions). */
  let pendingOps: WriteOp[] = [];
  /** Sessions changed since the last checkpoint: their latest version. */
  let dirty = new Map<string, Session>();
  /** A checkpoint is due with the next transaction, whatever the time. */
  let forced = false;
  /** Rows were planned outside a checkpoint (re-keys, removals): the next transaction ends with the watermark. */
  let rowsAhead = false;
  let lastCheckpointAt = Number.NEGATIVE_INFINITY;
  let checkpointTimer: NodeJS.Timeout | null = null;
  let planning: Planning | null = null;
  let retryOps: WriteOp[] | null = null;
  let waiters: Array<() => void> = [];
  let ids: string[] = [];
  const foreign = new Set<string>(); // sessions only other servers' inputs changed (`trackForeign`)
  /** Ingest ids staged and not committed yet. */
  const pendingIds = new Set<string>();
  let inFlight: InFlight | null = null;
  let scheduled = false;
  let retryTimer: NodeJS.Timeout | null = null;
  let failuresInARow = 0;
  let settledWaiters: Array<() => void> = [];

  /**
   * A session's row and its new ring entries (the row first: the entries refer to it). A session that cannot be
   * planned is logged and left out (false; its raw events are stored, the next change plans it again): a throw in
   * a timer turn would take the server down, and the replay after the restart would throw again.
   */
  function planSession(ops: WriteOp[], s: Session, record = true): boolean {
    const mark = ops.length;
    try {
      planner.sessionRow(ops, s);
      planner.sessionRings(ops, s);
      if (applied && record) ops.push(applied.op(s.sessionId, now()));
      return true;
    } catch (err) {
      ops.length = mark;
      opts.log?.error(
        { err, sessionId: s?.sessionId },
        'session could not be planned; left out of this checkpoint',
      );
      return false;
    }
  }

  function takeDirty(): Session[] {
    const list = dirtyInOrder(dirty, latest);
    dirty = new Map();
    return list;
  }

  const stateAhead = () => rowsAhead || dirty.size > 0 || (latest !== null && latest !== planned);
  const checkpointDue = () => stateAhead() && (forced || now() - lastCheckpointAt >= checkpointMs);

  const hasWork = () => pendingOps.length > 0 || retryOps !== null || waiters.length > 0 || checkpointDue();
  const busy = () => inFlight !== null || planning !== null;

  function schedule() {
    if (scheduled || busy() || retryTimer) return;
    scheduled = true;
    queueMicrotask(flush);
  }

  /** State changed but no checkpoint is due yet: come back when it is. */
  function armCheckpoint() {
    if (checkpointTimer || !stateAhead()) return;
    const wait = Math.max(0, lastCheckpointAt + checkpointMs - now());
    checkpointTimer = setTimeout(() => {
      checkpointTimer = null;
      schedule();
    }, wait);
    checkpointTimer.unref?.();
  }

  function notifySettled() {
    if (busy() || hasWork() || stateAhead()) return;
    const list = settledWaiters;
    settledWaiters = [];
    for (const w of list) w();
  }

  function flush() {
    scheduled = false;
    if (busy() || retryTimer) return;
    const ops: WriteOp[] = retryOps ?? [];
    retryOps = null;
    for (const op of pendingOps) ops.push(op);
    pendingOps = [];
    const batch: InFlight = { ops, waiters, ids };
    waiters = [];
    ids = [];
    if (checkpointDue()) {
      if (checkpointTimer) clearTimeout(checkpointTimer);
      checkpointTimer = null;
      const sessions = takeDirty();
      const state = latest !== null && latest !== planned ? latest : null;
      planning = { batch, sessions, next: 0, state, held: applied?.take(sessions) ?? null };
      forced = false;
      rowsAhead = false;
      planSlice(sliceMs);
      return;
    }
    forced = false;
    armCheckpoint();
    send(batch);
  }

  /**
   * Plans the checkpoint's sessions for up to `budgetMs`, then goes on in the next turn or finishes it: the
   * runtime rows, the watermark and the hand-over to the writer (serializing a checkpoint's ≈ 1,000 operations
   * takes about as long as a slice) get a turn of their own unless this one used less than half its budget.
   */
  function planSlice(budgetMs: number) {
    const p = planning;
    if (p === null) return;
    const started = performance.now();
    const until = started + budgetMs;
    const first = p.next;
    while (p.next < p.sessions.length) {
      const i = p.next++;
      // Its record (taken when the checkpoint started) goes with the others after the sessions, if it was planned.
      if (!planSession(p.batch.ops, p.sessions[i] as Session, false) && p.held) p.held.records[i] = null;
      if (p.next < p.sessions.length && performance.now() >= until) {
        setImmediate(() => planSlice(sliceMs));
        return;
      }
    }
    if (p.next > first && performance.now() - started >= budgetMs / 2) {
      setImmediate(() => planSlice(sliceMs));
      return;
    }
    const at = now();
    if (p.state !== null) {
      planState(p.batch.ops, planned, p.state, at, foreign);
      planned = p.state;
    }
    // The records after every session (one run of kv writes: one statement), then the watermark.
    if (applied && p.held) {
      for (const r of p.held.records) if (r) p.batch.ops.push(applied.op(r.id, at, r));
      p.batch.ops.push(applied.watermarkOp(p.held.prefix, at));
    } else p.batch.ops.push({ op: 'watermark', at });
    lastCheckpointAt = at;
    stats.checkpoints += 1;
    planning = null;
    send(p.batch);
  }

  function send(batch: InFlight) {
    const { ops } = batch;
    if (ops.length === 0) {
      for (const w of batch.waiters) w();
      notifySettled();
      return;
    }
    inFlight = batch;
    adapter.write(ops).then(
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
        else {
          armCheckpoint();
          notifySettled();
        }
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

  /** Resolves once the transaction carrying everything staged so far is committed. */
  function nextCommit(): Promise<void> {
    return new Promise<void>((resolve) => {
      waiters.push(resolve);
      schedule();
    });
  }

  function checkpoint(): Promise<void> {
    forced = true;
    return nextCommit();
  }

  function settled(): Promise<void> {
    forced = true;
    if (!busy() && !hasWork()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      settledWaiters.push(resolve);
      schedule();
    });
  }

  return {
    async load() {
      const loaded = await loadCheckpoint(adapter, now(), applied !== null);
      planned = loaded.state;
      latest = loaded.state;
      return loaded;
    },
    tracksApplied: applied !== null,
    prepareEvent(event: IngestEvent): PreparedEvent {
      // The raw event's row, serialized now: an event no serializer can write (a payload nested past the stack,
      // a cycle) throws here, alone, before the runtime reduces it; a prepared event never fails the batch.
      const op = hookEventOp(event);
      return {
        ingestId: event.ingestId,
        envelope: event.envelope,
        receivedAt: event.receivedAt,
        prepared: op,
      };
    },
    async hasIngestIds(list) {
      // Staged ids first: one committed while the database answers is in its answer.
      const staged = list.filter((id) => pendingIds.has(id));
      const found = await hasIngestIds(db, list);
      for (const id of staged) found.add(id);
      return found;
    },
    keepRings(s) {
      if (!ringsAtRisk(s, planner.plannedUpTo(s.sessionId), RING_CAPACITY, ENTRIES_PER_INPUT)) return;
      // Planned now, ahead of the checkpoint: the next transaction ends with one (state and watermark).
      planSession(pendingOps, s);
      rowsAhead = true;
      forced = true;
    },
    stage(batch: CommitBatch) {
      // Closed approvals and usage: their rows go out with the next transaction.
      for (const op of recordOps(batch)) pendingOps.push(op);
      if (applied) for (const op of applied.stage(batch, now())) pendingOps.push(op);
      for (const ev of batch.events) {
        pendingIds.add(ev.ingestId);
        ids.push(ev.ingestId);
      }
      const eventOps = batch.events.map((ev) => ev.prepared as WriteOp);
      if (batch.rekeys.length + batch.removedSessionIds.length + (batch.evictedSessionIds?.length ?? 0) > 0) {
        // A checkpoint being planned is finished first (its sessions are planned under their current ids).
        // Then the sessions changed since go first, then the batch whole, in the ingest planner's batch order;
        // the checkpoint (state + watermark) follows in the same transaction.
        planSlice(Number.POSITIVE_INFINITY);
        for (const s of takeDirty()) planSession(pendingOps, s);
        for (const op of eventOps) pendingOps.push(op);
        const mark = pendingOps.length;
        try {
          planner.batch(pendingOps, { ...batch, events: [] });
          if (applied) for (const x of batch.sessions) pendingOps.push(applied.op(x.sessionId, now()));
        } catch (err) {
          // The raw events stay staged (they are accepted); the rows are planned again by the next checkpoint,
          // whole rings included (`forget`), instead of failing every input of the batch.
          pendingOps.length = mark;
          planner.forget();
          for (const s of batch.sessions) dirty.set(s.sessionId, s);
          opts.log?.error({ err }, 'batch rows could not be planned; the next checkpoint writes them');
        }
        rowsAhead = true;
        forced = true;
      } else {
        for (const op of eventOps) pendingOps.push(op);
        for (const s of batch.sessions) dirty.set(s.sessionId, s);
      }
      trackForeign(foreign, batch);
      if (batch.stateChanged) latest = batch.coreState;
      if (batch.checkpoint) forced = true;
      return nextCommit();
    },
    checkpoint,
    settled,
    async read(fn) {
      // What the runtime acknowledged is committed (raw events), but the rows derived from it may wait for the
      // next checkpoint: a reader waits for it, so it reads every change acknowledged before it asked.
      if (stateAhead() || busy() || hasWork()) {
        await withinReadWait(checkpoint(), readWaitMs);
      }
      return fn(reader);
    },
    peek: (fn) => fn(reader),
    stats: (): StoreStats => ({
      ...stats,
      mode: adapter.writeMode,
      nice: adapter.writerNice,
      pendingBatches: waiters.length + (inFlight?.waiters.length ?? 0),
    }),
    async close(timeoutMs = 10_000) {
      await withinReadWait(settled(), timeoutMs).catch(() => undefined);
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
      if (checkpointTimer) clearTimeout(checkpointTimer);
      checkpointTimer = null;
    },
  };
}
