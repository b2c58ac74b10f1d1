/** The store's options and the defaults of its checkpoint policy. */
import { LIMITS } from '@flightdeck/core';
import type { Logger } from '../runtime.js';

export interface StoreOptions {
  now?: () => number;
  log?: Pick<Logger, 'error'>;
  /** Delay before sending a failed transaction again, by the number of failures in a row. */
  retryDelayMs?: (failures: number) => number;
  /** Longest time between checkpoints while the state changes (default 500 ms; 0: every transaction). */
  checkpointMs?: number;
  /** Longest the event loop is held planning a checkpoint before it goes on in the next turn (default 1 ms). */
  checkpointSliceMs?: number;
  /** Longest a read waits for the checkpoint it needs before it fails (default `READ_WAIT_MS`). */
  readWaitMs?: number;
}

/** Default longest time between checkpoints. */
export const CHECKPOINT_MS = 500;
/**
 * Hook events of one session after which a checkpoint is due at once: below the smallest of the core's ring
 * buffers (with room for the few entries one event can add), so no entry can leave a ring before it was planned.
 */
export const RING_GUARD_EVENTS =
  Math.min(LIMITS.promptHistory, LIMITS.toolLog, LIMITS.responseLog, LIMITS.events) - 10;
/** Longest the event loop is held planning a checkpoint before it goes on in the next turn. */
export const CHECKPOINT_SLICE_MS = 1;
