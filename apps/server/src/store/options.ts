/** The store's options and the defaults of its checkpoint policy. */
import { LIMITS } from '@flightdeck/core';
import type { RingCapacities } from '@flightdeck/db';
import type { Logger } from '../runtime.js';
import type { AppliedSource } from './applied.js';

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
  /** Several servers on one PostgreSQL: each session row records which logged events it holds (applied.ts). */
  applied?: AppliedSource;
}

/** Default longest time between checkpoints. */
export const CHECKPOINT_MS = 500;
/** Longest the event loop is held planning a checkpoint before it goes on in the next turn. */
export const CHECKPOINT_SLICE_MS = 1;
/** How many entries each stored ring buffer keeps (the core's limits). */
export const RING_CAPACITY: RingCapacities = {
  promptHistory: LIMITS.promptHistory,
  toolLog: LIMITS.toolLog,
  responseLog: LIMITS.responseLog,
  events: LIMITS.events,
};
/**
 * Entries one input may append to one ring, with room to spare (a Stop interrupts the running calls and logs an
 * event; a tool batch denies several calls): a session is planned once that many more appends would push out an
 * entry not written yet (`StorePort.keepRings`).
 */
export const ENTRIES_PER_INPUT = 16;
