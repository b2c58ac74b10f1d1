/**
 * The SQLite adapter's writer thread, seen from the thread that opened the database: plans go to the worker
 * (`writer-worker.ts`) by `postMessage`, one transaction each; the worker's connection runs the WAL checkpoints
 * (the main connection stops its own). If the thread cannot start, or fails or exits later, pending and later
 * plans are applied on the main connection instead (`mode` becomes 'main').
 */
import { Worker } from 'node:worker_threads';
import type { WriteOp } from '../write-op.js';
import { openWriterChannel } from '../writer-channel.js';
import type { ApplyPlan } from './apply.js';
import type { WriterData, WriterReply } from './writer-worker.js';

export interface WriterThreadOptions {
  /** The worker script (e.g. a production bundle of `writer-worker.ts`); default: the sources, through tsx. */
  script?: URL;
  /** The thread's `nice` (Linux, this thread only; 0 keeps the process's). Default 0. */
  nice?: number;
  /** Longest time between WAL checkpoints while there are writes (ms). Default 500. */
  checkpointMs?: number;
  /** The thread's young generation (MB): it only copies plans into SQLite. Default 3. */
  youngGenerationMb?: number;
}

/** Where the adapter's problems are told (the thread failing over, a failed checkpoint). */
export interface WriterLog {
  error(obj: unknown, msg: string): void;
  warn?(obj: unknown, msg: string): void;
  debug?(obj: unknown, msg: string): void;
}

export interface WriterThread {
  readonly mode: 'thread' | 'main';
  /** The thread's `nice` once it reported it; null on the main connection or where unknown. */
  readonly nice: number | null;
  write(ops: readonly WriteOp[]): Promise<number>;
  /** Stops the thread at once, as if it had crashed (tests): later writes go to the main connection. */
  terminate(): Promise<void>;
  /** Lets the thread finish what it was sent, checkpoint and stop. */
  close(): Promise<void>;
}

/** Applies plans on the main connection, synchronously inside `write`. */
export function inlineWrite(apply: ApplyPlan): (ops: readonly WriteOp[]) => Promise<number> {
  return (ops) => {
    try {
      const started = performance.now();
      apply(ops);
      return Promise.resolve(performance.now() - started);
    } catch (err) {
      return Promise.reject(err);
    }
  };
}

function startWorker(data: WriterData, options: WriterThreadOptions): Worker {
  const resourceLimits = { maxYoungGenerationSizeMb: options.youngGenerationMb ?? 3 };
  if (options.script) return new Worker(options.script, { workerData: data, resourceLimits });
  return new Worker(new URL('../worker-boot.mjs', import.meta.url), {
    workerData: { ...data, entry: new URL('./writer-worker.ts', import.meta.url).href },
    resourceLimits,
  });
}

/**
 * Starts the writer thread on `file` (opened and migrated already by the main connection, `main`, which stops
 * checkpointing: the thread does it).
 */
export function startWriterThread(
  main: { sqlite: { pragma(source: string): unknown }; apply: ApplyPlan },
  file: string,
  log: WriterLog,
  options: WriterThreadOptions = {},
): WriterThread {
  const inline = inlineWrite(main.apply);
  let threadNice: number | null = null;
  let worker: Worker;
  try {
    worker = startWorker(
      { dbFile: file, checkpointMs: options.checkpointMs ?? 500, nice: options.nice ?? 0 },
      options,
    );
  } catch (err) {
    log.warn?.({ err }, 'database writer thread unavailable; writing on the main thread');
    return {
      mode: 'main',
      nice: null,
      write: inline,
      terminate: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
  }
  main.sqlite.pragma('wal_autocheckpoint = 0');
  const channel = openWriterChannel(worker, {
    name: 'database writer thread',
    log,
    onFailOver() {
      try {
        main.sqlite.pragma('wal_autocheckpoint = 1000');
      } catch {
        // closed
      }
    },
    onOther(msg) {
      const m = msg as WriterReply;
      if (m.type === 'priority') {
        threadNice = m.nice;
        if (m.nice === null) log.debug?.({ reason: m.reason }, 'database writer thread keeps its priority');
      } else if (m.type === 'checkpoint-failed') log.warn?.({ message: m.message }, 'WAL checkpoint failed');
    },
  });

  return {
    get mode() {
      return channel.failed ? 'main' : 'thread';
    },
    get nice() {
      return channel.failed ? null : threadNice;
    },
    write: (ops) => (channel.failed ? inline(ops) : channel.write(ops)),
    terminate: () => channel.terminate(),
    close: () => channel.close(),
  };
}
