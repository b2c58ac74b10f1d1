/**
 * The runtime's statistics (`system.info.ingest`, `hooks.stats`): what the runtime counts itself, the duration of
 * its last 1,000 batches, and what it reads from the store and the effect handlers when asked.
 */
import type { StoreStats } from './ports.js';

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

/** What the runtime counts as it goes. */
export interface RuntimeCounters {
  batches: number;
  inputs: number;
  hookEvents: number;
  duplicates: number;
  refused: number;
  lastBatchSize: number;
  maxBatchSize: number;
}

const WINDOW = 1000;

export interface RuntimeStatsRecorder {
  readonly counters: RuntimeCounters;
  /** Counts a batch of `inputs` inputs of which `hookEvents` were stored. */
  batch(inputs: number, hookEvents: number): void;
  /** Records how long a batch took (ms). */
  batchTook(ms: number): void;
  snapshot(read: {
    store: StoreStats;
    queued: number;
    timers: number;
    watchedPids: number;
    replayedOnStart: number;
  }): RuntimeStats;
}

export function createRuntimeStats(): RuntimeStatsRecorder {
  const counters: RuntimeCounters = {
    batches: 0,
    inputs: 0,
    hookEvents: 0,
    duplicates: 0,
    refused: 0,
    lastBatchSize: 0,
    maxBatchSize: 0,
  };
  const durations: number[] = [];
  let next = 0;
  return {
    counters,
    batch(inputs, hookEvents) {
      counters.batches += 1;
      counters.inputs += inputs;
      counters.hookEvents += hookEvents;
      counters.lastBatchSize = inputs;
      counters.maxBatchSize = Math.max(counters.maxBatchSize, inputs);
    },
    batchTook(ms) {
      if (durations.length < WINDOW) durations.push(ms);
      else durations[next] = ms;
      next = (next + 1) % WINDOW;
    },
    snapshot({ store, queued, timers, watchedPids, replayedOnStart }) {
      const sorted = [...durations].sort((a, b) => a - b);
      const at = (q: number) =>
        Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 1000) / 1000;
      return {
        ...counters,
        commitErrors: store.failures,
        lastCommitMs: store.lastWriteMs,
        uncommitted: store.pendingBatches,
        writer: {
          mode: store.mode,
          nice: store.nice,
          transactions: store.writes,
          failures: store.failures,
          busyMs: Math.round(store.busyMs),
          operations: store.operations,
          checkpoints: store.checkpoints,
        },
        replayedOnStart,
        queued,
        timers,
        watchedPids,
        batchMs: { p50: at(0.5), p99: at(0.99), max: at(1) },
      };
    },
  };
}
