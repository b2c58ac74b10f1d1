/**
 * The imperative shell around the pure core: a queue, `reduce`, commit and broadcast.
 *
 * Ordering rule: every input is applied in the order it was submitted to the runtime, whatever its source (a hook
 * over HTTP, single or batched; a spool record; a transcript entry; a user action; a timer or a process check):
 * there is one FIFO queue, and nothing reaches the core except through it.
 *
 * The queue is worked off in batches, one per turn of the event loop (at most `MAX_INPUTS_PER_TURN` inputs, as
 * many as fit in a turn's time budget):
 * each batch is reduced and staged for the store (runtime-batch.ts: raw events at once, the changed sessions and
 * core state in checkpoints, committed in order, group-committed by the store's writer) and broadcast at once:
 * subscribers see a change as soon as the core has decided it. An input is acknowledged (its promise resolves:
 * the HTTP 202, the spool file's deletion) only once its raw event is committed, so whatever was acknowledged
 * survives a crash (on start, the events stored after the last checkpoint are replayed), and whatever was not is
 * delivered again. The effects the core returns are carried out by the handlers registered in effects/index.ts;
 * statistics are kept by runtime-stats.ts.
 */
import { type CoreConfig, getOwn, valuesOf } from '@flightdeck/core';
import type { HookEnvelope, Session, Team } from '@flightdeck/shared-types';
import { type ApprovalsHub, createApprovalsHub } from './approvals-live.js';
import {
  type AlertSink,
  createEffectInterpreter,
  type EffectContext,
  type HoldEffects,
  type HoldOptions,
  isShellEffect,
  type KillCheck,
  type Logger,
  type TerminalTypingOptions,
} from './effects/index.js';
import { createLiveHub, type LiveHub, type LiveHubOptions } from './live.js';
import { own } from './own.js';
import type { CoreInput, CorePort, CoreState, Effect, IngestEvent, StorePort } from './ports.js';
import { createProcessInspector, type ProcessInspector } from './process-identity.js';
import { applyBatch, type BatchItem, type ItemResult, idsToLookUp } from './runtime-batch.js';

const NONE: ReadonlySet<string> = new Set();

import type { InputRedaction } from './redaction.js';
import { createInputQueue } from './runtime-queue.js';
import { createRuntimeStats, type RuntimeStats } from './runtime-stats.js';
import { TURN_BUDGET_MS } from './tuning.js';

export type { KillCheck, Logger } from './effects/index.js';
export type { RuntimeStats } from './runtime-stats.js';

export interface RuntimeOptions {
  core: CorePort;
  store: StorePort;
  log: Logger;
  /**
   * Several servers on one PostgreSQL: an input this server applied that the event log does not carry (a user
   * action, usage, a process gone) is shared with the other servers (store/cluster-inputs.ts).
   */
  shareInput?: ((input: CoreInput) => void) | undefined;
  now?: () => number;
  /** Time budget of one batch (ms; default `TURN_BUDGET_MS`, tuning.ts); null: `MAX_INPUTS_PER_TURN` only. */
  turnBudgetMs?: number | null;
  /** PID liveness check interval (ms). */
  processCheckIntervalMs?: number;
  live?: LiveHubOptions;
  /** Runs `pgrep -P pid`; injectable for platforms without pgrep. */
  hasChildren?: (pid: number) => Promise<boolean>;
  isAlive?: (pid: number) => boolean;
  kill?: (pid: number, signal: NodeJS.Signals) => void;
  /** Identifies agent processes and verifies them before a kill (default: /proc on Linux, refuse elsewhere). */
  processes?: ProcessInspector;
  /** Held approvals: the spools whose `hold/` FIFOs may be opened (default none), and the hook pid check. */
  holds?: HoldOptions;
  /** Where `alert-fire` effects go (the alert service); without it they are only logged. */
  onAlert?: AlertSink;
  /**
   * Secret redaction (redaction.ts), applied to every input as it is submitted: before its raw event is stored,
   * before the core sees it. Events replayed on start were stored redacted. Without it nothing is redacted.
   */
  redaction?: Pick<InputRedaction, 'envelope' | 'input'>;
  /** The terminals queued prompts are typed into (`terminal-type`): the server's own (`TerminalManager.find`). */
  typing?: TerminalTypingOptions;
  /**
   * The core's settings, applied to the loaded state before the stored events are replayed and before `start()`
   * rehydrates process checks (so a session of another host is never checked here, not even once at start).
   */
  config?: CoreConfig;
}

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
 * of at most this size, fewer when the measured cost per input says a turn would outlast `TURN_BUDGET_MS`
 * (tuning.ts), so requests, subscribers and commits get the loop in between.
 */
export const MAX_INPUTS_PER_TURN = 2000;

export interface DispatchResult {
  rejected: string[];
  effects: Effect[];
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
   * For the spool reader: queues the records (in order, behind everything submitted before) and resolves once
   * they are committed (the reader deletes the files then). Ids already stored or staged are skipped.
   */
  ingestRecords(
    records: ReadonlyArray<{ id: string; envelope: HookEnvelope; receivedAt?: number }>,
  ): Promise<IngestResult[]>;
  dispatch(input: CoreInput): Promise<DispatchResult>;
  /**
   * Several servers on one PostgreSQL (store/cluster.ts): hook events another server stored, in the order of the
   * event log, reduced and broadcast here but not stored again (`BatchItem.foreign`). Resolves once applied.
   */
  applyForeign(
    events: ReadonlyArray<{ envelope: HookEnvelope; receivedAt: number; ingestId?: string }>,
  ): Promise<void>;
  /** An input another server applied (a decision of a hook it holds): reduced here, only its timers run. */
  dispatchForeign(input: CoreInput): Promise<DispatchResult>;
  listSessions(): Session[];
  getSession(id: string): Session | undefined;
  listTeams(): Team[];
  getTeam(id: string): Team | undefined;
  /** Re-reads the session's process and compares it with what was recorded (no signal is sent). */
  checkKill(sessionId: string): KillCheck;
  /** The held approvals' FIFOs (is the hook still there; was the reply written). */
  readonly holds: Pick<HoldEffects, 'holdState' | 'replied' | 'size'>;
  /** Pending approvals as the dashboard shows them, and their changes (`approvals.live`). */
  readonly approvals: ApprovalsHub;
  /** Which of these ingest ids are stored or staged (a refused event's id is neither). */
  isDelivered(ids: readonly string[]): Promise<Set<string>>;
  stats(): RuntimeStats;
  /** Inputs processed so far (`stats().inputs` without computing the rest; the idle collector reads it often). */
  inputCount(): number;
  /** Processes everything queued now and waits until it is committed (used on shutdown and by tests). */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

function toIngestResult(ingestId: string, r: ItemResult | undefined): IngestResult {
  const out: IngestResult = { ingestId, duplicate: r?.duplicate ?? false, rejected: r?.rejected ?? [] };
  if (r?.refused !== undefined) out.refused = r.refused;
  return out;
}

/**
 * A raw hook event as an input: `checkStore` when its id may have been stored before (see `BatchItem`). Its
 * envelope is already redacted: the stored event and the core's input are the same object.
 */
function hookItem(ingest: IngestEvent, fromSpool: boolean): BatchItem {
  return {
    input: { type: 'hook', envelope: ingest.envelope },
    ingest,
    checkStore: fromSpool || ingest.ingestId.startsWith(SENDER_ID_PREFIX),
  };
}

/**
 * Loads the last checkpoint from the store, replays the raw events stored after it, and returns the runtime (not
 * started: `start()` rehydrates timers and process checks).
 */
export async function createRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const { core, store, log } = opts;
  const now = opts.now ?? Date.now;
  const redaction = opts.redaction;
  const redact = redaction ? (e: HookEnvelope) => redaction.envelope(e) : (e: HookEnvelope) => e;

  const loaded = await store.load();
  let state: CoreState = loaded.state ?? core.initialState();
  if (opts.config) state = core.reduce(state, { type: 'configure', config: opts.config }, now()).state;
  const stats = createRuntimeStats();

  const hub = createLiveHub(
    {
      getSession: (id) => getOwn(state.sessions, id),
      getTeam: (id) => own(state.teams, id),
      snapshot: () => ({ sessions: valuesOf(state.sessions), teams: Object.values(state.teams) }),
    },
    opts.live,
  );

  /** Timer inputs armed by another server's inputs: they fire as that server's too (`BatchItem.foreign`). */
  const foreignTimers = new WeakSet<object>();
  const effectContext: EffectContext = {
    state: () => state,
    submit: (input, what) => {
      queue
        .submit({
          input,
          ingest: null,
          checkStore: false,
          ...(foreignTimers.has(input) ? { foreign: 'input' as const } : {}),
        })
        .catch((err) => log.warn({ err, input: what }, 'input from an effect failed'));
    },
    now,
    log,
  };
  const effects = createEffectInterpreter(effectContext, {
    processCheckIntervalMs: opts.processCheckIntervalMs ?? 15_000,
    processes: opts.processes ?? createProcessInspector(),
    ...(opts.hasChildren ? { hasChildren: opts.hasChildren } : {}),
    ...(opts.isAlive ? { isAlive: opts.isAlive } : {}),
    ...(opts.kill ? { kill: opts.kill } : {}),
    ...(opts.holds ? { holds: opts.holds } : {}),
    ...(opts.onAlert ? { onAlert: opts.onAlert } : {}),
    ...(opts.typing ? { typing: opts.typing } : {}),
  });
  const approvals = createApprovalsHub(() => state);

  /** Reduce, stage, carry out the effects and broadcast, synchronously; resolves when committed. */
  function apply(
    items: ReadonlyArray<BatchItem>,
    delivered: ReadonlySet<string>,
  ): { results: ItemResult[]; committed: Promise<void> } {
    const out = applyBatch({ core, store, log, stats }, state, items, delivered, now());
    state = out.state;
    for (const eff of out.foreignTimers) foreignTimers.add(eff);
    if (opts.shareInput) for (const input of out.unlogged) opts.shareInput(input);
    for (const eff of out.shellEffects) effects.run(eff);
    for (const id of out.rekeys) hub.sessionRemoved(id.oldId);
    for (const id of out.sessions.changed) hub.sessionChanged(id);
    for (const id of out.sessions.removed) hub.sessionRemoved(id);
    for (const id of out.evicted) hub.sessionRemoved(id);
    for (const id of out.teams.changed) hub.teamChanged(id);
    for (const id of out.teams.removed) hub.teamRemoved(id);
    approvals.update(
      out.sessions.changed,
      [...out.sessions.removed, ...out.evicted, ...out.rekeys.map((r) => r.oldId)],
      out.approvals,
    );
    return { results: out.results, committed: out.committed };
  }

  const queue = createInputQueue({
    lookupIds: idsToLookUp,
    lookup: (ids) => store.hasIngestIds(ids),
    apply,
    maxPerTurn: MAX_INPUTS_PER_TURN,
    turnBudgetMs: opts.turnBudgetMs === null ? undefined : (opts.turnBudgetMs ?? TURN_BUDGET_MS),
    log,
    batchTook: stats.batchTook,
  });
  /** Queues hook events; the callback keeps their ids, not the events (their envelopes need not wait for the commit). */
  function ingestAll(items: BatchItem[]): Promise<IngestResult[]> {
    const ids = items.map((item) => item.ingest?.ingestId ?? '');
    return queue.submitAll(items).then((results) => results.map((r, i) => toIngestResult(ids[i] ?? '', r)));
  }

  function runEffects(list: readonly Effect[]) {
    for (const eff of list) {
      if (isShellEffect(eff)) effects.run(eff);
      else log.debug({ effect: eff.type }, 'effect ignored by the shell');
    }
  }

  // Events stored after the last checkpoint: reduced again, at the time they were received, so the state is what
  // it was when they were acknowledged, before anything else is submitted. Their effects run (timers are armed
  // again); the next checkpoint saves it.
  const { replay } = loaded;
  const replayedOnStart = replay.length;
  if (replay.length > 0) {
    apply(
      replay.map((ev) => ({
        input: { type: 'hook', envelope: ev.envelope },
        ingest: null,
        checkStore: false,
        at: ev.receivedAt,
        logged: ev.ingestId,
      })),
      NONE,
    );
    log.info({ events: replay.length }, 'replayed the events stored after the last checkpoint');
  }

  const runtime: Runtime = {
    hub,
    get state() {
      return state;
    },
    start() {
      runEffects(core.rehydrate(state, now()));
      effects.start();
    },
    ingest(envelope, fallbackId, receivedAt) {
      const ingestId = ingestIdOf(envelope, fallbackId);
      const item = hookItem({ ingestId, envelope: redact(envelope), receivedAt: receivedAt ?? now() }, false);
      // Not an async function: its frame would keep the envelope until the commit.
      return queue.submit(item).then((r) => toIngestResult(ingestId, r));
    },
    ingestMany(events) {
      const t = now();
      return ingestAll(
        events.map((e) =>
          hookItem(
            {
              ingestId: ingestIdOf(e.envelope, e.ingestId),
              envelope: redact(e.envelope),
              receivedAt: e.receivedAt ?? t,
            },
            false,
          ),
        ),
      );
    },
    ingestRecords(records) {
      const t = now();
      return ingestAll(
        records.map((r) =>
          hookItem({ ingestId: r.id, envelope: redact(r.envelope), receivedAt: r.receivedAt ?? t }, true),
        ),
      );
    },
    async dispatch(input) {
      const item = { input: redaction ? redaction.input(input) : input, ingest: null, checkStore: false };
      const r = await queue.submit(item);
      return { rejected: r.rejected, effects: r.effects };
    },
    async applyForeign(events) {
      await queue.submitAll(
        events.map((e) => ({
          input: { type: 'hook', envelope: e.envelope },
          ingest: null,
          checkStore: false,
          at: e.receivedAt,
          foreign: 'event',
          ...(e.ingestId !== undefined ? { logged: e.ingestId } : {}),
        })),
      );
    },
    async dispatchForeign(input) {
      const r = await queue.submit({ input, ingest: null, checkStore: false, foreign: 'input' });
      return { rejected: r.rejected, effects: r.effects };
    },
    listSessions: () => valuesOf(state.sessions),
    getSession: (id) => getOwn(state.sessions, id),
    listTeams: () => Object.values(state.teams),
    getTeam: (id) => own(state.teams, id),
    checkKill: (sessionId) => effects.checkKill(sessionId),
    holds: effects.holds,
    approvals,
    isDelivered: (ids) => store.hasIngestIds(ids),
    inputCount: () => stats.counters.inputs,
    stats: () =>
      stats.snapshot({ store: store.stats(), queued: queue.length, replayedOnStart, ...effects.stats() }),
    async drain() {
      await queue.empty();
      await store.settled();
    },
    async stop() {
      await runtime.drain();
      queue.close();
      effects.stop();
      hub.close();
      approvals.close();
    },
  };
  return runtime;
}
