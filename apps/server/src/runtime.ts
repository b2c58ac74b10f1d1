/**
 * The imperative shell around the pure core: holds the CoreState, runs `reduce` for every input, hands each
 * batch to the store (raw events at once, the changed sessions and core state in checkpoints, committed in order,
 * group-committed by the store's writer) and broadcasts at once: subscribers see a change as soon as the core has
 * decided it. An input is acknowledged (its promise resolves: the HTTP 202, the spool file's deletion) only once
 * its raw event is committed, so whatever was acknowledged survives a crash (on start, the events stored after
 * the last checkpoint are replayed), and whatever was not is delivered again.
 * It executes the core's effects: timers, child-process checks, PID liveness, kills.
 */
import { execFile } from 'node:child_process';
import type { HookEnvelope, Session, Team } from '@flightdeck/shared-types';
import { createLiveHub, type LiveHub, type LiveHubOptions } from './live.js';
import type {
  CoreInput,
  CorePort,
  CoreState,
  Effect,
  IngestEvent,
  PreparedEvent,
  StorePort,
} from './ports.js';
import { createProcessInspector, type ProcessInspector } from './process-identity.js';

export interface Logger {
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
  debug(obj: unknown, msg?: string): void;
}

export interface RuntimeOptions {
  core: CorePort;
  store: StorePort;
  log: Logger;
  now?: () => number;
  /** PID liveness check interval (ms). */
  processCheckIntervalMs?: number;
  live?: LiveHubOptions;
  /** Runs `pgrep -P pid`; injectable for platforms without pgrep. */
  hasChildren?: (pid: number) => Promise<boolean>;
  isAlive?: (pid: number) => boolean;
  kill?: (pid: number, signal: NodeJS.Signals) => void;
  /** Identifies agent processes and verifies them before a kill (default: /proc on Linux, refuse elsewhere). */
  processes?: ProcessInspector;
}

/** Whether a session's process may be killed now, and if not why (for `sessions.kill`). */
export type KillCheck = { ok: true; pid: number } | { ok: false; reason: string };

export interface IngestResult {
  ingestId: string;
  /** Already stored (or staged) under this id: not stored again. */
  duplicate: boolean;
  /** The core's objections (the event is stored all the same). */
  rejected: string[];
  /** Why the event could not be stored at all (it changed nothing); absent when it was stored. */
  refused?: string;
}

/** Ingest ids of events that carry their sender's own id (`HookEnvelope.id`): retries of one event share it. */
export const SENDER_ID_PREFIX = 'ev:';

/** The ingest id of an envelope: its sender's id when it has one (idempotent retries), else `fallback`. */
export function ingestIdOf(envelope: HookEnvelope, fallback: string): string {
  return envelope.id !== undefined ? SENDER_ID_PREFIX + envelope.id : fallback;
}

/**
 * Most inputs reduced in one turn of the event loop: a backlog (a burst of batch requests) is worked off in turns
 * of this size, so requests, subscribers and commits get the loop in between.
 */
export const MAX_INPUTS_PER_TURN = 2000;

export interface DispatchResult {
  rejected: string[];
  effects: Effect[];
}

export interface RuntimeStats {
  batches: number;
  inputs: number;
  hookEvents: number;
  duplicates: number;
  /** Events that could not be stored (refused alone, with their reason). */
  refused: number;
  commitErrors: number;
  lastBatchSize: number;
  lastCommitMs: number;
  maxBatchSize: number;
  queued: number;
  timers: number;
  watchedPids: number;
  /** Batches staged and not committed yet. */
  uncommitted: number;
  /** The store's transactions: count, failures (retried), busy time. */
  writer: {
    mode: 'thread' | 'main';
    /** The writer thread's `nice` (lower CPU priority than the event loop); null on the main connection. */
    nice: number | null;
    transactions: number;
    failures: number;
    busyMs: number;
    operations: number;
    /** Checkpoints of the state (session rows, core state, watermark). */
    checkpoints: number;
  };
  /** Raw events stored after the last checkpoint and replayed when this runtime started. */
  replayedOnStart: number;
  /** Duration of the last 1,000 batches (reduce + staging + broadcast), ms. */
  batchMs: { p50: number; p99: number; max: number };
}

interface QueueItem {
  input: CoreInput;
  ingest: IngestEvent | null;
  /** Time the input is reduced at (replayed events: when they were received). Default: the batch's time. */
  at?: number;
  resolve: (r: ItemResult) => void;
  reject: (err: Error) => void;
}

interface ItemResult {
  rejected: string[];
  effects: Effect[];
  duplicate: boolean;
  refused?: string;
}

export interface Runtime {
  readonly hub: LiveHub;
  /** The committed state (what subscribers and queries see). */
  readonly state: CoreState;
  start(): void;
  /** Queue a hook envelope; resolves after its batch is broadcast and committed. */
  ingest(envelope: HookEnvelope, ingestId: string, receivedAt?: number): Promise<IngestResult>;
  /**
   * Queue several envelopes (in order) with one promise: resolves after all of them are broadcast and
   * committed (they may span batches when the queue is cut between them, never reordered).
   */
  ingestMany(
    events: ReadonlyArray<{ envelope: HookEnvelope; ingestId: string; receivedAt?: number }>,
  ): Promise<IngestResult[]>;
  /**
   * For the spool reader: reduces and broadcasts the records now (after anything queued before), and resolves
   * once they are committed (the reader deletes the files then). Ids already stored or staged are skipped.
   */
  ingestRecords(
    records: ReadonlyArray<{ id: string; envelope: HookEnvelope; receivedAt?: number }>,
  ): Promise<IngestResult[]>;
  dispatch(input: CoreInput): Promise<DispatchResult>;
  listSessions(): Session[];
  getSession(id: string): Session | undefined;
  listTeams(): Team[];
  getTeam(id: string): Team | undefined;
  /** Re-reads the session's process and compares it with what was recorded (no signal is sent). */
  checkKill(sessionId: string): KillCheck;
  isDelivered(ids: readonly string[]): Set<string>;
  stats(): RuntimeStats;
  /** Inputs processed so far (`stats().inputs` without computing the rest; the idle collector reads it often). */
  inputCount(): number;
  /** Processes everything queued now and waits until it is committed (used on shutdown and by tests). */
  drain(): Promise<void>;
  /**
   * Processes everything queued now and resolves once the database includes it (a checkpoint): for procedures
   * that read the database (history, analytics, notes). Gives up after `timeoutMs` (default 2 s: a database
   * that keeps failing must not hang the readers; they read what is committed).
   */
  sync(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Longest `sync()` waits for a checkpoint. */
export const SYNC_TIMEOUT_MS = 2000;

function defaultHasChildren(pid: number): Promise<boolean> {
  return new Promise((resolveCheck) => {
    execFile('pgrep', ['-P', String(pid)], { timeout: 5000 }, (err, stdout) => {
      if (err) resolveCheck(false);
      else resolveCheck(stdout.trim().length > 0);
    });
  });
}

/** `rec[key]` when it is an own entry: an id like `constructor` is not an `Object.prototype` member here. */
function own<V>(rec: Record<string, V>, key: string): V | undefined {
  return Object.hasOwn(rec, key) ? rec[key] : undefined;
}

function defaultIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function toIngestResult(ingestId: string, r: ItemResult | undefined): IngestResult {
  const out: IngestResult = { ingestId, duplicate: r?.duplicate ?? false, rejected: r?.rejected ?? [] };
  if (r?.refused !== undefined) out.refused = r.refused;
  return out;
}

/** Ids a batch changed or removed; the last word about an id wins. */
function changeSet() {
  const changed = new Set<string>();
  const removed = new Set<string>();
  return {
    changed,
    removed,
    change(id: string) {
      changed.add(id);
      removed.delete(id);
    },
    remove(id: string) {
      removed.add(id);
      changed.delete(id);
    },
  };
}

export function createRuntime(opts: RuntimeOptions): Runtime {
  const { core, store, log } = opts;
  const now = opts.now ?? Date.now;
  const hasChildren = opts.hasChildren ?? defaultHasChildren;
  const isAlive = opts.isAlive ?? defaultIsAlive;
  const kill = opts.kill ?? ((pid, signal) => process.kill(pid, signal));
  const processes = opts.processes ?? createProcessInspector();
  const checkInterval = opts.processCheckIntervalMs ?? 15_000;

  let state: CoreState = store.loadCoreState() ?? core.initialState();
  const queue: QueueItem[] = [];
  const timers = new Map<string, NodeJS.Timeout>();
  const watched = new Map<string, number>(); // sessionId -> pid
  let scheduled = false;
  let processing = false;
  let stopped = false;
  let livenessTimer: NodeJS.Timeout | null = null;
  let drainWaiters: Array<() => void> = [];
  /** What the runtime counts itself; the rest of `RuntimeStats` is read from the queue, timers and store. */
  const stats = {
    batches: 0,
    inputs: 0,
    hookEvents: 0,
    duplicates: 0,
    refused: 0,
    lastBatchSize: 0,
    maxBatchSize: 0,
  };
  const batchDurations: number[] = [];
  let batchDurationNext = 0;

  const hub = createLiveHub(
    {
      getSession: (id) => own(state.sessions, id),
      getTeam: (id) => own(state.teams, id),
      snapshot: () => ({ sessions: Object.values(state.sessions), teams: Object.values(state.teams) }),
    },
    opts.live,
  );

  /**
   * Next batch: in the next turn of the event loop (`setImmediate`, after the pending IO has been read). That is
   * the group commit: everything that arrived while a batch was being processed is committed by the next one,
   * so under load batches grow by themselves and the server never waits idle for more events (a deliberate
   * delay only stalls clients that wait for their acknowledgement before sending more).
   */
  function schedule() {
    if (scheduled || stopped) return;
    scheduled = true;
    setImmediate(runBatch);
  }

  function submit(input: CoreInput, ingest: IngestEvent | null) {
    return new Promise<ItemResult>((resolve, reject) => {
      if (stopped) {
        reject(new Error('runtime stopped'));
        return;
      }
      queue.push({ input, ingest, resolve, reject });
      schedule();
    });
  }

  interface BatchOutcome {
    results: ItemResult[];
    /** Resolves when the batch is committed. */
    committed: Promise<void>;
  }

  /** Reduce + staging + effects + broadcast, synchronously. */
  function processItems(
    items: ReadonlyArray<{ input: CoreInput; ingest: IngestEvent | null; at?: number }>,
    checkDelivered = false,
  ): BatchOutcome {
    const t = now();
    let next = state;
    const sessionIds = changeSet();
    const teamIds = changeSet();
    const rekeys: Array<{ oldId: string; newId: string }> = [];
    const sideEffects: Effect[] = [];
    const events: PreparedEvent[] = [];
    const results: BatchOutcome['results'] = [];
    const seenInBatch = new Set<string>();
    // Ids the server generated cannot repeat, so the queued path skips the store lookup for them; spool batches
    // (`checkDelivered`) and events carrying their sender's id (a retry may repeat one) consult the store, so an
    // event already committed or staged is never reduced or stored twice.
    const ingestIds: string[] = [];
    for (const i of items) {
      const id = i.ingest?.ingestId;
      if (id !== undefined && (checkDelivered || id.startsWith(SENDER_ID_PREFIX))) ingestIds.push(id);
    }
    const delivered = ingestIds.length > 0 ? store.hasIngestIds(ingestIds) : new Set<string>();
    /** An input that is not a logged hook event changed the state: the event log cannot replay it. */
    let unlogged = false;

    for (const item of items) {
      if (item.ingest) {
        const id = item.ingest.ingestId;
        if (delivered.has(id) || seenInBatch.has(id)) {
          results.push({ rejected: [], effects: [], duplicate: true });
          stats.duplicates += 1;
          continue;
        }
        let prepared: PreparedEvent;
        try {
          prepared = store.prepareEvent(item.ingest);
        } catch (err) {
          // It cannot be stored: refused alone, before it changes anything; the rest of the batch goes on.
          const reason = `event cannot be stored: ${err instanceof Error ? err.message : String(err)}`;
          log.warn({ ingestId: id, reason }, 'hook event refused');
          stats.refused += 1;
          results.push({ rejected: [], effects: [], duplicate: false, refused: reason });
          continue;
        }
        seenInBatch.add(id);
        events.push(prepared);
      }
      let out: { state: CoreState; effects: Effect[] };
      try {
        out = core.reduce(next, item.input, item.at ?? t);
      } catch (err) {
        // The core promises never to throw; if it does, keep the event (raw) and skip its state change.
        log.error({ err, input: item.input.type }, 'core reduce threw');
        results.push({
          rejected: [`internal error: ${(err as Error).message}`],
          effects: [],
          duplicate: false,
        });
        continue;
      }
      if (!item.ingest && out.state !== next) unlogged = true;
      next = out.state;
      const rejected: string[] = [];
      for (const eff of out.effects) {
        switch (eff.type) {
          case 'session-changed':
            sessionIds.change(eff.sessionId);
            break;
          case 'session-removed':
            sessionIds.remove(eff.sessionId);
            break;
          case 'session-rekeyed':
            rekeys.push({ oldId: eff.oldId, newId: eff.newId });
            break;
          case 'team-changed':
            teamIds.change(eff.teamId);
            break;
          case 'team-removed':
            teamIds.remove(eff.teamId);
            break;
          case 'rejected':
            rejected.push(eff.reason);
            break;
          default:
            sideEffects.push(eff);
        }
      }
      results.push({ rejected, effects: out.effects, duplicate: false });
    }

    const sessions: Session[] = [];
    for (const id of sessionIds.changed) {
      const s = own(next.sessions, id);
      if (s) sessions.push(s);
      else sessionIds.removed.add(id);
    }
    const committed = store.stage({
      events,
      sessions,
      removedSessionIds: [...sessionIds.removed],
      rekeys,
      coreState: next,
      stateChanged: next !== state,
      checkpoint: unlogged,
    });
    state = next;
    stats.batches += 1;
    stats.inputs += items.length;
    stats.hookEvents += events.length;
    stats.lastBatchSize = items.length;
    stats.maxBatchSize = Math.max(stats.maxBatchSize, items.length);

    for (const eff of sideEffects) runEffect(eff);
    for (const id of rekeys) hub.sessionRemoved(id.oldId);
    for (const id of sessionIds.changed) hub.sessionChanged(id);
    for (const id of sessionIds.removed) hub.sessionRemoved(id);
    for (const id of teamIds.changed) hub.teamChanged(id);
    for (const id of teamIds.removed) hub.teamRemoved(id);
    return { results, committed };
  }

  function runBatch() {
    scheduled = false;
    if (processing) return;
    if (queue.length === 0) {
      notifyDrained();
      return;
    }
    processing = true;
    const items = queue.splice(0, MAX_INPUTS_PER_TURN);
    const batchStarted = performance.now();
    try {
      const { results, committed } = processItems(items);
      // Only the callbacks wait for the commit, not the items: their envelopes (parsed payloads) would otherwise
      // live until it, and every young collection in between would copy them.
      const resolvers = items.map((item) => item.resolve);
      committed.then(() => {
        for (let i = 0; i < resolvers.length; i++) {
          resolvers[i]?.(results[i] ?? { rejected: [], effects: [], duplicate: false });
        }
      });
    } catch (err) {
      log.error({ err, batch: items.length }, 'batch failed; inputs not applied');
      for (const item of items) item.reject(err instanceof Error ? err : new Error(String(err)));
    } finally {
      processing = false;
      const lastBatchMs = performance.now() - batchStarted;
      if (batchDurations.length < 1000) batchDurations.push(lastBatchMs);
      else batchDurations[batchDurationNext] = lastBatchMs;
      batchDurationNext = (batchDurationNext + 1) % 1000;
    }
    if (queue.length > 0) schedule();
    else notifyDrained();
  }

  /** Resolves once everything queued now has been processed (staged, not necessarily committed). */
  function queueEmpty(): Promise<void> {
    if (queue.length === 0 && !processing) return Promise.resolve();
    return new Promise<void>((resolveDrain) => {
      drainWaiters.push(resolveDrain);
      schedule();
    });
  }

  function notifyDrained() {
    const waiters = drainWaiters;
    drainWaiters = [];
    for (const w of waiters) w();
  }

  function armTimer(key: string, deadline: number, input: CoreInput) {
    const existing = timers.get(key);
    if (existing) clearTimeout(existing);
    const delay = Math.max(0, Math.min(deadline - now(), 2_147_483_000));
    const handle = setTimeout(() => {
      timers.delete(key);
      submit(input, null).catch((err) => log.warn({ err, key }, 'timer input failed'));
    }, delay);
    handle.unref();
    timers.set(key, handle);
  }

  function runEffect(eff: Effect) {
    try {
      switch (eff.type) {
        case 'arm-timer':
          armTimer(eff.key, eff.deadline, eff.input);
          break;
        case 'cancel-timer': {
          const h = timers.get(eff.key);
          if (h) clearTimeout(h);
          timers.delete(eff.key);
          break;
        }
        case 'check-children':
          // A dead agent is reported first: the core ends the session instead of keeping its work open.
          if (!isAlive(eff.pid)) {
            watched.delete(eff.sessionId);
            submit({ type: 'pid-dead', sessionId: eff.sessionId, pid: eff.pid }, null).catch((err) =>
              log.warn({ err }, 'pid-dead failed'),
            );
          }
          hasChildren(eff.pid)
            .then((has) =>
              submit(
                { type: 'children-checked', sessionId: eff.sessionId, hasChildren: has, key: eff.key },
                null,
              ),
            )
            .catch((err) => log.warn({ err }, 'children check failed'));
          break;
        case 'watch-pid':
          watched.set(eff.sessionId, eff.pid);
          identifyProcess(eff.sessionId, eff.pid, eff.at);
          break;
        case 'kill-pid': {
          // Checked again right before the signal: the process may have changed since the core decided.
          const v = eff.identity.pid === eff.pid ? processes.verify(eff.identity) : null;
          if (!v?.ok) {
            log.warn({ pid: eff.pid, sessionId: eff.sessionId, reason: v?.reason }, 'kill refused');
            break;
          }
          try {
            kill(eff.pid, eff.signal);
          } catch (err) {
            log.warn({ err, pid: eff.pid }, 'kill failed');
          }
          break;
        }
        default:
          log.debug({ effect: eff.type }, 'effect ignored by the shell');
      }
    } catch (err) {
      log.error({ err, effect: eff.type }, 'effect failed');
    }
  }

  /**
   * Records who `pid` is, the first time the session is seen from it (not again after a restart: the record is
   * part of the persisted state). Read now, while the event that named the PID is fresh.
   */
  function identifyProcess(sessionId: string, pid: number, at: number) {
    const s = own(state.sessions, sessionId);
    const rec = own(state.runtime, sessionId)?.process;
    if (!s || s.pid !== pid || rec?.pid === pid) return;
    const v = processes.identify(pid, s.cli, at);
    if (!v.ok) log.info({ sessionId, pid, reason: v.reason }, 'process not recorded as the agent');
    submit(
      v.ok
        ? { type: 'process-identified', sessionId, pid, identity: v.identity, refused: null }
        : { type: 'process-identified', sessionId, pid, identity: null, refused: v.reason },
      null,
    ).catch((err) => log.warn({ err }, 'process-identified failed'));
  }

  function checkLiveness() {
    for (const [sessionId, pid] of watched) {
      const s = own(state.sessions, sessionId);
      if (!s || s.status === 'ended' || s.pid !== pid) {
        watched.delete(sessionId);
        continue;
      }
      if (!isAlive(pid)) {
        watched.delete(sessionId);
        submit({ type: 'pid-dead', sessionId, pid }, null).catch((err) =>
          log.warn({ err }, 'pid-dead failed'),
        );
      }
    }
  }

  // Events stored after the last checkpoint: reduced again, at the time they were received, so the state is what
  // it was when they were acknowledged. Their effects run (timers are armed again); the next checkpoint saves it.
  const replay = store.eventsAfterCheckpoint();
  const replayedOnStart = replay.length;
  if (replay.length > 0) {
    processItems(
      replay.map((ev) => ({
        input: { type: 'hook', envelope: ev.envelope },
        ingest: null,
        at: ev.receivedAt,
      })),
    );
    log.info({ events: replay.length }, 'replayed the events stored after the last checkpoint');
  }

  const runtime: Runtime = {
    hub,
    get state() {
      return state;
    },
    start() {
      for (const eff of core.rehydrate(state, now())) runEffect(eff);
      checkLiveness();
      livenessTimer = setInterval(checkLiveness, checkInterval);
      livenessTimer.unref();
    },
    ingest(envelope, fallbackId, receivedAt) {
      const ingestId = ingestIdOf(envelope, fallbackId);
      const ingest: IngestEvent = { ingestId, envelope, receivedAt: receivedAt ?? now() };
      // Not an async function: its frame would keep the envelope until the commit.
      return submit({ type: 'hook', envelope }, ingest).then((r) => toIngestResult(ingestId, r));
    },
    async ingestRecords(records) {
      if (stopped) throw new Error('runtime stopped');
      // Anything queued before must be applied first, to keep order.
      while (queue.length > 0 && !processing) runBatch();
      const items = records.map((r) => ({
        input: { type: 'hook', envelope: r.envelope } as CoreInput,
        ingest: { ingestId: r.id, envelope: r.envelope, receivedAt: r.receivedAt ?? now() },
      }));
      const { results, committed } = processItems(items, true);
      await committed;
      return records.map((r, i) => toIngestResult(r.id, results[i]));
    },
    ingestMany(events) {
      if (events.length === 0) return Promise.resolve([]);
      if (stopped) return Promise.reject(new Error('runtime stopped'));
      // The callbacks below keep the ids, not the events: no closure refers to `events`, so their envelopes
      // need not live until the commit.
      let resolveAll: (results: IngestResult[]) => void = () => {};
      let rejectAll: (err: Error) => void = () => {};
      const all = new Promise<IngestResult[]>((resolve, reject) => {
        resolveAll = resolve;
        rejectAll = reject;
      });
      const out: IngestResult[] = new Array(events.length);
      let left = events.length;
      let failed = false;
      const t = now();
      for (let i = 0; i < events.length; i++) {
        const e = events[i] as (typeof events)[number];
        const ingestId = ingestIdOf(e.envelope, e.ingestId);
        const ingest: IngestEvent = { ingestId, envelope: e.envelope, receivedAt: e.receivedAt ?? t };
        queue.push({
          input: { type: 'hook', envelope: e.envelope },
          ingest,
          resolve: (r) => {
            out[i] = toIngestResult(ingestId, r);
            left -= 1;
            if (left === 0 && !failed) resolveAll(out);
          },
          reject: (err) => {
            if (failed) return;
            failed = true;
            rejectAll(err);
          },
        });
      }
      schedule();
      return all;
    },
    async dispatch(input) {
      const r = await submit(input, null);
      return { rejected: r.rejected, effects: r.effects };
    },
    listSessions: () => Object.values(state.sessions),
    getSession: (id) => own(state.sessions, id),
    listTeams: () => Object.values(state.teams),
    getTeam: (id) => own(state.teams, id),
    checkKill(sessionId) {
      const s = own(state.sessions, sessionId);
      if (!s) return { ok: false, reason: `session not found: ${sessionId}` };
      if (s.pid === null) return { ok: false, reason: `session ${sessionId} has no known pid` };
      if (s.status === 'ended') return { ok: false, reason: `session ${sessionId} has already ended` };
      const rec = own(state.runtime, sessionId)?.process ?? null;
      const agent = `process ${s.pid} is not the agent of this session`;
      if (!rec || rec.pid !== s.pid)
        return { ok: false, reason: `${agent} (not identified yet; try again in a moment)` };
      if (!rec.identity) return { ok: false, reason: `${agent} (${rec.refused})` };
      const v = processes.verify(rec.identity);
      return v.ok ? { ok: true, pid: s.pid } : { ok: false, reason: `${agent} (${v.reason})` };
    },
    isDelivered: (ids) => store.hasIngestIds(ids),
    inputCount: () => stats.inputs,
    stats(): RuntimeStats {
      const sorted = [...batchDurations].sort((a, b) => a - b);
      const at = (q: number) =>
        Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 1000) / 1000;
      const stored = store.stats();
      return {
        ...stats,
        commitErrors: stored.failures,
        lastCommitMs: stored.lastWriteMs,
        uncommitted: stored.pendingBatches,
        writer: {
          mode: stored.mode,
          nice: stored.nice,
          transactions: stored.writes,
          failures: stored.failures,
          busyMs: Math.round(stored.busyMs),
          operations: stored.operations,
          checkpoints: stored.checkpoints,
        },
        replayedOnStart,
        queued: queue.length,
        timers: timers.size,
        watchedPids: watched.size,
        batchMs: { p50: at(0.5), p99: at(0.99), max: at(1) },
      };
    },
    async drain() {
      await queueEmpty();
      await store.settled();
    },
    async sync(timeoutMs = SYNC_TIMEOUT_MS) {
      const synced = queueEmpty().then(() => store.checkpoint());
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          log.warn({ timeoutMs }, 'database checkpoint still pending; reading what is committed');
          resolve();
        }, timeoutMs);
        timer.unref();
      });
      await Promise.race([synced, gaveUp]);
      clearTimeout(timer);
    },
    async stop() {
      await runtime.drain();
      stopped = true;
      if (livenessTimer) clearInterval(livenessTimer);
      for (const h of timers.values()) clearTimeout(h);
      timers.clear();
      hub.close();
      notifyDrained();
    },
  };
  return runtime;
}
