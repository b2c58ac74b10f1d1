/**
 * What the shell needs from the core and from persistence, as small interfaces. `adapters.ts` binds them to
 * @flightdeck/core and @flightdeck/db.
 */
import type { DatabaseAdapter } from '@flightdeck/db';
import type { ApprovalDecisionRecord, IngestEvent, Session } from '@flightdeck/shared-types';

export type { CoreInput, CoreState, Effect } from '@flightdeck/core';

import type { CoreInput, CoreState, Effect, UsageRecord } from '@flightdeck/core';

export interface CorePort {
  initialState(): CoreState;
  reduce(state: CoreState, input: CoreInput, now: number): { state: CoreState; effects: Effect[] };
  rehydrate(state: CoreState, now: number): Effect[];
}

/** One raw hook event as persisted (`hook_events`): declared in @flightdeck/shared-types. */
export type { IngestEvent };

/**
 * A raw hook event the store has already turned into its write (`StorePort.prepareEvent`): an event that cannot be
 * written is found out before the core sees it, alone, instead of failing the batch it would have joined.
 */
export interface PreparedEvent extends IngestEvent {
  /** The store's own encoding of the write (opaque to the runtime). */
  readonly prepared: unknown;
}

export interface CommitBatch {
  events: PreparedEvent[];
  sessions: Session[];
  removedSessionIds: string[];
  /** Sessions that left memory (retention): their rows stay; the store forgets what it tracked of them. */
  evictedSessionIds?: string[];
  rekeys: Array<{ oldId: string; newId: string }>;
  coreState: CoreState;
  /** Held approvals the batch closed: their audit records (absent: none). */
  approvals?: ApprovalDecisionRecord[];
  /** API responses counted or recounted (`usage-recorded`): their usage rows (absent: none). */
  usage?: Array<{ sessionId: string; records: UsageRecord[] }>;
  /** False when no input changed the state (e.g. only duplicates). */
  stateChanged: boolean;
  /**
   * Sessions only another server's inputs changed (several servers on one PostgreSQL): that server writes their
   * rows and runtime entries; this one leaves them alone until one of its own inputs changes them (absent: none).
   */
  foreignSessionIds?: string[];
  /**
   * The state must be checkpointed with the next transaction: an input that is not a hook event (a timer, a
   * liveness check, a user action) changed it, and the event log cannot replay that.
   */
  checkpoint?: boolean;
  /**
   * Each logged hook event the batch reduced (stored now, replayed, another server's) and the sessions it changed,
   * in order; only when the store follows them (`StorePort.tracksApplied`).
   */
  applied?: Array<{ ingestId: string; sessions: string[] }>;
}

export interface StoreStats {
  /** Where transactions run: the database writer thread, or the main connection. */
  mode: 'thread' | 'main';
  /** The writer thread's `nice` (null: main connection, or not known). */
  nice: number | null;
  /** Transactions committed. */
  writes: number;
  /** Transactions that failed (each is retried). */
  failures: number;
  /** Duration of the last transaction, ms. */
  lastWriteMs: number;
  /** Time spent in transactions so far, ms (the writer's busy time). */
  busyMs: number;
  /** Write operations committed (rows written or updated, roughly). */
  operations: number;
  /** Batches staged but not committed yet. */
  pendingBatches: number;
  /** Checkpoints planned (session rows, state and watermark). */
  checkpoints: number;
}

/** What a reader of the database gets: the portable query builder and the dialect's full-text search. */
export type StoreReader = Pick<DatabaseAdapter, 'db' | 'fullTextSearch' | 'searchSessions'>;

/**
 * Persistence as the runtime sees it. Asynchronous wherever the database is asked something, so any database
 * (SQLite on a writer thread, PostgreSQL over the network) can stand behind it.
 */
export interface StorePort {
  /**
   * The last checkpoint's state (null when none was ever written) and the raw hook events stored after it, oldest
   * first: what the runtime starts from and replays.
   */
  load(): Promise<{
    state: CoreState | null;
    replay: IngestEvent[];
    /** Several servers on one PostgreSQL: the watermark and the event ids weighed after it (store/applied.ts). */
    weighed?: { after: number; ids: number[] };
  }>;
  /**
   * Encodes one raw event for its write. Throws when the event cannot be stored (e.g. a payload no serializer can
   * write): the runtime then refuses that event alone, before it changes any state.
   */
  prepareEvent(event: IngestEvent): PreparedEvent;
  /** The store records which logged events each session holds (`CommitBatch.applied`; store/applied.ts). */
  readonly tracksApplied?: boolean;
  /** Which ids are stored or staged (accepted and waiting for their transaction). */
  hasIngestIds(ids: readonly string[]): Promise<Set<string>>;
  /**
   * Told after every input that changed a session, before the next one is reduced: when the next input could push
   * an entry not written yet out of one of its ring buffers, the store plans the session now (its rows then go
   * out ahead of the next checkpoint, which follows in the same transaction), so no entry ever leaves a ring
   * unwritten, however many inputs of one session a batch holds.
   */
  keepRings(session: Session): void;
  /**
   * Queues a batch for the next transaction; resolves once it is committed. Staged batches are written in order,
   * as many per transaction as have accumulated (group commit). A failed transaction is retried, never dropped:
   * the promise waits.
   */
  stage(batch: CommitBatch): Promise<void>;
  /** Resolves once everything staged so far is committed, with a checkpoint of the state. */
  settled(): Promise<void>;
  /**
   * Checkpoints the state with the next transaction and resolves once that is committed (for readers of the
   * database: what they read then includes every change staged before the call).
   */
  checkpoint(): Promise<void>;
  /**
   * Runs `fn` against the database once it holds every change staged before the call (the only way procedures
   * reach the database: nothing reads rows that lag behind what was acknowledged). Fails with a clear error when
   * the database cannot take them in within the read wait (it keeps failing).
   */
  read<T>(fn: (reader: StoreReader) => Promise<T>): Promise<T>;
  /** Runs `fn` against what is committed now, without waiting (statistics: counts of rows). */
  peek<T>(fn: (reader: StoreReader) => Promise<T>): Promise<T>;
  stats(): StoreStats;
  /** Waits (up to `timeoutMs`) for pending writes and stops its timers (the database stays open: its owner closes it). */
  close(timeoutMs?: number): Promise<void>;
}
