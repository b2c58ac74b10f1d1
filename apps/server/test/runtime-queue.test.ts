/**
 * The runtime's input queue on its own: batches in FIFO order, sized by the turn's time budget from the measured
 * cost per input (a fake clock that the batch's `apply` advances), between `MIN_PER_TURN` and `maxPerTurn`.
 */
import { describe, expect, it } from 'vitest';
import type { CoreInput } from '../src/ports.js';
import type { BatchItem, ItemResult } from '../src/runtime-batch.js';
import { createInputQueue, MIN_PER_TURN } from '../src/runtime-queue.js';

const silent = { info() {}, warn() {}, error() {}, debug() {} };
const result: ItemResult = { rejected: [], effects: [], duplicate: false };

function item(n: number): BatchItem {
  const input = { type: 'timer', sessionId: `s${n}`, key: `k${n}` } as unknown as CoreInput;
  return { input, ingest: null, checkStore: false };
}

/** A queue whose batches cost `costMs(batchIndex)` ms per input on a fake clock; records each batch's inputs. */
function costedQueue(opts: { turnBudgetMs?: number; maxPerTurn: number; costMs: (batch: number) => number }) {
  let clock = 0;
  const batches: number[][] = [];
  const queue = createInputQueue({
    lookupIds: () => [],
    lookup: async () => new Set(),
    apply(items) {
      clock += items.length * opts.costMs(batches.length);
      batches.push(items.map((i) => Number((i.input as unknown as { key: string }).key.slice(1))));
      return { results: items.map(() => result), committed: Promise.resolve() };
    },
    maxPerTurn: opts.maxPerTurn,
    turnBudgetMs: opts.turnBudgetMs,
    now: () => clock,
    log: silent,
    batchTook: () => {},
  });
  return { queue, batches };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('input queue', () => {
  it('without a budget, takes maxPerTurn inputs per batch, in order', async () => {
    const { queue, batches } = costedQueue({ maxPerTurn: 100, costMs: () => 5 });
    const results = await queue.submitAll(range(250).map(item));
    expect(results).toHaveLength(250);
    expect(batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(batches.flat()).toEqual(range(250));
  });

  it('with a budget, a slow start takes small batches, and batches grow as inputs get cheap', async () => {
    // 2 ms per input in the first two batches (a cold start), then 0.01 ms.
    const { queue, batches } = costedQueue({
      turnBudgetMs: 25,
      maxPerTurn: 2000,
      costMs: (b) => (b < 2 ? 2 : 0.01),
    });
    await queue.submitAll(range(20_000).map(item));
    const sizes = batches.map((b) => b.length);
    // Before any measurement: the assumed cold cost (0.5 ms) → 50; after a slow batch, never below the minimum.
    expect(sizes[0]).toBe(50);
    expect(sizes[1]).toBe(MIN_PER_TURN);
    expect(sizes[2]).toBe(MIN_PER_TURN);
    // Cheap inputs: the batches grow to maxPerTurn, not past it.
    expect(Math.max(...sizes)).toBe(2000);
    expect(sizes.slice(-3, -1)).toEqual([2000, 2000]);
    expect(batches.flat()).toEqual(range(20_000));
  });

  it('with a budget, inputs that turn slow shrink the next batches (the cost is a running average)', async () => {
    // Cheap for 25 batches, then 1 ms per input: batches fall toward 25 ms / 1 ms, held at the minimum.
    const { queue, batches } = costedQueue({
      turnBudgetMs: 25,
      maxPerTurn: 2000,
      costMs: (b) => (b < 25 ? 0.01 : 1),
    });
    await queue.submitAll(range(40_000).map(item));
    const sizes = batches.map((b) => b.length);
    expect(sizes.slice(23, 26)).toEqual([2000, 2000, 2000]);
    expect(sizes[26]).toBeLessThan(200);
    expect(sizes.slice(40, -1).every((n) => n === MIN_PER_TURN)).toBe(true);
    expect(batches.flat()).toEqual(range(40_000));
  });
});
