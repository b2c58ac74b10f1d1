/**
 * What the shell needs from the core and from persistence, as small interfaces. `adapters.ts` binds them to
 * @flightdeck/core and @flightdeck/db.
 */
import type { IngestEvent, Session } from '@flightdeck/shared-types';

export type { CoreInput, CoreState, Effect } from '@flightdeck/core';

import type { CoreInput, CoreState, Effect } from '@flightdeck/core';

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
  rekeys: Array<{ oldId: string; newId: string }>;
  coreState: CoreState;
  /** False when no input changed the state (e.g. only duplicates). */
  stateChanged: boolean;
  /**
   * The state must be checkpointed with the next transaction: an input that is not a hook event (a timer, a
   * liveness check, a user action) changed it, and the event log cannot replay that.
   */
  checkpoint?: boolean;
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

export interface StorePort {
  loadCoreState(): CoreState | null;
  /** The raw hook events stored after the last checkpoint, oldest first: what the runtime replays on start. */
  eventsAfterCheckpoint(): IngestEvent[];
  /**
   * Encodes one raw event for its write. Throws when the event cannot be stored (e.g. a payload no serializer can
   * write): the runtime then refuses that event alone, before it changes any state.
   */
  prepareEvent(event: IngestEvent): PreparedEvent;
  /** Which ids are stored or staged (accepted and waiting for their transaction). */
  hasIngestIds(ids: readonly string[]): Set<string>;
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
  stats(): StoreStats;
  /** Waits (up to `timeoutMs`) for pending writes, then releases the writer. */
  close(timeoutMs?: number): Promise<void>;
}
