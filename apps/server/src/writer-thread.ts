/**
 * Where write plans go: the database writer thread (`db-writer.ts`), or, for an in-memory database or when
 * the thread cannot run, the main connection itself (`inlineSink`).
 */
import { Worker } from 'node:worker_threads';
import type { SqliteAdapter, WriteOp } from '@flightdeck/db';
import type { WriterData, WriterReply, WriterRequest } from './db-writer.js';
import type { Logger } from './runtime.js';
import { WRITER_NICE, WRITER_YOUNG_GENERATION_MB } from './tuning.js';

/**
 * Applies one write plan as one transaction; resolves with the time the transaction took (ms), rejects when it
 * failed (nothing written).
 */
export interface OpSink {
  /** Where the transactions run now: the writer thread, or the main connection. */
  readonly mode: 'thread' | 'main';
  /** The writer thread's `nice` value once it reported it; null on the main connection or where unknown. */
  readonly nice: number | null;
  write(ops: WriteOp[]): Promise<number>;
  close(): Promise<void>;
}

/** Writes on the adapter's own connection (`SqliteAdapter.write`, synchronous inside it). */
export function inlineSink(main: Pick<SqliteAdapter, 'write'>): OpSink {
  return {
    mode: 'main',
    nice: null,
    write: (ops) => main.write(ops),
    close: () => Promise.resolve(),
  };
}

declare global {
  /** Set by the production bundle's banner: the URL of the bundle, next to which `db-writer.mjs` lies. */
  var __FLIGHTDECK_BUNDLE_URL__: string | undefined;
}

function startWorker(data: WriterData): Worker {
  const bundle = globalThis.__FLIGHTDECK_BUNDLE_URL__;
  // The thread only copies plans into SQLite: a small young generation is plenty (it would otherwise inherit the
  // main thread's `--max-semi-space-size`, and keep that memory).
  const resourceLimits = { maxYoungGenerationSizeMb: WRITER_YOUNG_GENERATION_MB };
  if (bundle) return new Worker(new URL('./db-writer.mjs', bundle), { workerData: data, resourceLimits });
  return new Worker(new URL('./db-writer-boot.mjs', import.meta.url), {
    workerData: { ...data, entry: new URL('./db-writer.ts', import.meta.url).href },
    resourceLimits,
  });
}

/**
 * Starts the writer thread on `dbFile` (already opened and migrated by `main`, whose connection stops
 * checkpointing: the thread does it). If the thread fails, pending and later writes go to `main` instead.
 */
export interface WriterThread extends OpSink {
  /** Stops the thread at once, as if it had crashed (tests): later writes go to the main connection. */
  terminate(): Promise<void>;
}

export function startWriterThread(
  main: Pick<SqliteAdapter, 'write' | 'sqlite'>,
  dbFile: string,
  log: Logger,
  checkpointMs = 500,
): WriterThread {
  const pending = new Map<number, { resolve: (ms: number) => void; reject: (err: Error) => void }>();
  let nextId = 1;
  let fallback: OpSink | null = null;
  let stopping = false;
  let worker: Worker;
  let threadNice: number | null = null;
  try {
    worker = startWorker({ dbFile, checkpointMs, nice: WRITER_NICE });
  } catch (err) {
    log.warn({ err }, 'database writer thread unavailable; writing on the main thread');
    return { ...inlineSink(main), terminate: () => Promise.resolve() };
  }
  main.sqlite.pragma('wal_autocheckpoint = 0');

  const failOver = (err: Error) => {
    if (fallback) return;
    fallback = inlineSink(main);
    try {
      main.sqlite.pragma('wal_autocheckpoint = 1000');
    } catch {
      // closed
    }
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  worker.on('message', (msg: WriterReply) => {
    if (msg.type === 'priority') {
      threadNice = msg.nice;
      if (msg.nice === null) log.debug({ reason: msg.reason }, 'database writer thread keeps its priority');
      return;
    }
    if (msg.type === 'checkpoint-failed') {
      log.warn({ message: msg.message }, 'WAL checkpoint failed');
      return;
    }
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.type === 'done') p.resolve(msg.ms);
    else p.reject(new Error(msg.message));
  });
  worker.on('error', (err) => {
    log.error({ err }, 'database writer thread failed; writing on the main thread from now on');
    failOver(err);
  });
  worker.on('exit', (code) => {
    if (!stopping) {
      log.error({ code }, 'database writer thread exited; writing on the main thread from now on');
      failOver(new Error(`database writer thread exited with code ${code}`));
    }
  });

  return {
    get mode() {
      return fallback ? 'main' : 'thread';
    },
    get nice() {
      return fallback ? null : threadNice;
    },
    write(ops) {
      if (fallback) return fallback.write(ops);
      const id = nextId++;
      return new Promise<number>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ type: 'write', id, ops } satisfies WriterRequest);
      });
    },
    async terminate() {
      await worker.terminate();
    },
    close() {
      if (fallback || stopping) return Promise.resolve();
      stopping = true;
      return new Promise<void>((resolveStop) => {
        const timer = setTimeout(() => {
          void worker.terminate().then(() => resolveStop());
        }, 5000);
        worker.once('exit', () => {
          clearTimeout(timer);
          resolveStop();
        });
        worker.postMessage({ type: 'stop' } satisfies WriterRequest);
      });
    },
  };
}
