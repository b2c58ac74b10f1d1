/**
 * The runtime's one queue of inputs (FIFO): every source submits here, and batches are taken from its head, one
 * per turn of the event loop, one at a time: as many as fit in `turnBudgetMs` at the cost per input measured so far
 * (at most `maxPerTurn`, at least `MIN_PER_TURN`). Before a batch is applied, the ingest ids it must
 * look up are asked of the store (asynchronously; no later batch starts meanwhile); then the batch is handed to
 * `apply` synchronously. An input's promise resolves once its batch is committed.
 */
import type { Logger } from './effects/index.js';
import type { BatchItem, ItemResult } from './runtime-batch.js';

interface QueueItem extends BatchItem {
  resolve: (r: ItemResult) => void;
  reject: (err: Error) => void;
}

const NO_RESULT: ItemResult = { rejected: [], effects: [], duplicate: false };
const NONE: ReadonlySet<string> = new Set();

export interface InputQueue {
  /** Queues an input behind everything submitted before it; resolves once it is committed. */
  submit(item: BatchItem): Promise<ItemResult>;
  /**
   * Queues several inputs, in order, with one promise: it resolves once all of them are committed (they may span
   * batches when the queue is cut between them, never reordered).
   */
  submitAll(items: readonly BatchItem[]): Promise<ItemResult[]>;
  /** Resolves once everything queued now has been applied (staged, not necessarily committed). */
  empty(): Promise<void>;
  readonly length: number;
  /** Refuses later submissions (what is queued stays; call `empty()` first to apply it). */
  close(): void;
}

export interface InputQueueOptions {
  /** The ids of a batch that may have been stored before (empty: none to ask). */
  lookupIds(items: readonly BatchItem[]): string[];
  /** Which of those ids the store has already. */
  lookup(ids: readonly string[]): Promise<Set<string>>;
  /**
   * Applies a batch synchronously, given which of its looked-up ids were delivered before; `committed` resolves
   * once it is durable.
   */
  apply(
    items: readonly BatchItem[],
    delivered: ReadonlySet<string>,
  ): { results: ItemResult[]; committed: Promise<void> };
  maxPerTurn: number;
  /**
   * How long a turn should take (ms): a batch holds as many inputs as the measured cost per input allows, so that
   * requests, subscribers and commits get the loop in between even when inputs are slow (a cold start, where the
   * code is not compiled yet and every session is new; a loaded machine). Default: no budget (`maxPerTurn`).
   */
  turnBudgetMs?: number;
  /** Clock of the batch timings (ms; default `performance.now`). */
  now?: () => number;
  log: Logger;
  /** Told how long each batch took (ms). */
  batchTook(ms: number): void;
}

/**
 * One promise for several inputs. Its callbacks keep indexes, not the inputs (nothing here sees them): their
 * envelopes need not live until the commit.
 */
function resultGroup(size: number) {
  let resolveAll: (results: ItemResult[]) => void = () => {};
  let rejectAll: (err: Error) => void = () => {};
  const all = new Promise<ItemResult[]>((resolve, reject) => {
    resolveAll = resolve;
    rejectAll = reject;
  });
  const out: ItemResult[] = new Array(size);
  let left = size;
  let failed = false;
  return {
    all,
    resolver: (i: number) => (r: ItemResult) => {
      out[i] = r;
      left -= 1;
      if (left === 0 && !failed) resolveAll(out);
    },
    reject: (err: Error) => {
      if (failed) return;
      failed = true;
      rejectAll(err);
    },
  };
}

/** The fewest inputs a batch takes (when there are that many): slow inputs still go through in sizeable batches. */
export const MIN_PER_TURN = 32;
/** The cost per input assumed before any was measured (ms): a cold start's, so the first batch is small. */
const INITIAL_ITEM_MS = 0.5;
/** Weight of the last batch in the running cost per input. */
const COST_WEIGHT = 0.3;

export function createInputQueue(opts: InputQueueOptions): InputQueue {
  const queue: QueueItem[] = [];
  const now = opts.now ?? (() => performance.now());
  let itemMs = INITIAL_ITEM_MS;
  /** Inputs in the next batch. */
  const batchSize = () =>
    opts.turnBudgetMs === undefined
      ? opts.maxPerTurn
      : Math.max(
          Math.min(MIN_PER_TURN, opts.maxPerTurn),
          Math.min(opts.maxPerTurn, Math.floor(opts.turnBudgetMs / itemMs)),
        );
  let scheduled = false;
  let processing = false;
  let closed = false;
  let drainWaiters: Array<() => void> = [];

  /**
   * Next batch: in the next turn of the event loop (`setImmediate`, after the pending IO has been read). That is
   * the group commit: everything that arrived while a batch was being processed is committed by the next one,
   * so under load batches grow by themselves and the server never waits idle for more events (a deliberate
   * delay only stalls clients that wait for their acknowledgement before sending more).
   */
  function schedule() {
    if (scheduled) return;
    scheduled = true;
    setImmediate(runBatch);
  }

  function runBatch() {
    scheduled = false;
    if (processing) return;
    if (queue.length === 0) {
      notifyDrained();
      return;
    }
    processing = true;
    const items = queue.splice(0, batchSize());
    const ids = opts.lookupIds(items);
    if (ids.length === 0) {
      applyItems(items, NONE);
      return;
    }
    opts.lookup(ids).then(
      (delivered) => applyItems(items, delivered),
      (err: unknown) => {
        // Not known whether they were stored: refused (their senders deliver them again), never doubled.
        opts.log.error({ err, batch: items.length }, 'stored ids could not be looked up; batch refused');
        const error = new Error('the database could not be asked whether these events were stored');
        for (const item of items) item.reject(error);
        done();
      },
    );
  }

  function applyItems(items: QueueItem[], delivered: ReadonlySet<string>) {
    const started = now();
    try {
      const { results, committed } = opts.apply(items, delivered);
      // Only the callbacks wait for the commit, not the items: their envelopes (parsed payloads) would otherwise
      // live until it, and every young collection in between would copy them.
      const resolvers = items.map((item) => item.resolve);
      committed.then(() => {
        for (let i = 0; i < resolvers.length; i++) resolvers[i]?.(results[i] ?? NO_RESULT);
      });
    } catch (err) {
      opts.log.error({ err, batch: items.length }, 'batch failed; inputs not applied');
      for (const item of items) item.reject(err instanceof Error ? err : new Error(String(err)));
    } finally {
      const took = now() - started;
      itemMs += COST_WEIGHT * (took / items.length - itemMs);
      opts.batchTook(took);
    }
    done();
  }

  /** The batch is over: the next one, or the drain waiters. */
  function done() {
    processing = false;
    if (queue.length > 0) schedule();
    else notifyDrained();
  }

  function notifyDrained() {
    const waiters = drainWaiters;
    drainWaiters = [];
    for (const w of waiters) w();
  }

  return {
    get length() {
      return queue.length;
    },
    submit(item) {
      return new Promise<ItemResult>((resolve, reject) => {
        if (closed) {
          reject(new Error('runtime stopped'));
          return;
        }
        queue.push({ ...item, resolve, reject });
        schedule();
      });
    },
    submitAll(items) {
      if (items.length === 0) return Promise.resolve([]);
      if (closed) return Promise.reject(new Error('runtime stopped'));
      const group = resultGroup(items.length);
      for (let i = 0; i < items.length; i++) {
        queue.push({ ...(items[i] as BatchItem), resolve: group.resolver(i), reject: group.reject });
      }
      schedule();
      return group.all;
    },
    empty() {
      if (queue.length === 0 && !processing) return Promise.resolve();
      return new Promise<void>((resolveDrain) => {
        drainWaiters.push(resolveDrain);
        schedule();
      });
    },
    close() {
      closed = true;
      notifyDrained();
    },
  };
}
