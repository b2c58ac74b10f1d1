/**
 * Moves SQLite WAL checkpoints to a worker thread (see checkpoint-worker.mjs). The server's connection stops
 * checkpointing by itself; if the worker fails, automatic checkpoints are switched back on.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { FlightdeckDatabase } from './db.js';
import type { Logger } from './runtime.js';

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(
  database: FlightdeckDatabase,
  dbFile: string,
  log: Logger,
  intervalMs = 500,
): Checkpointer {
  const dbEntry = createRequire(import.meta.url).resolve('@flightdeck/db');
  const fallback = () => {
    try {
      database.sqlite.pragma('wal_autocheckpoint = 1000');
    } catch {
      // database already closed
    }
  };
  let worker: Worker;
  try {
    worker = new Worker(new URL('./checkpoint-worker.mjs', import.meta.url), {
      workerData: { dbFile, dbEntry, intervalMs },
    });
  } catch (err) {
    log.warn({ err }, 'checkpoint worker unavailable; SQLite checkpoints stay on the main thread');
    return { stop: async () => {} };
  }
  database.sqlite.pragma('wal_autocheckpoint = 0');
  worker.unref();
  worker.on('message', (msg: { type?: string; message?: string }) => {
    if (msg?.type === 'error') log.warn({ message: msg.message }, 'WAL checkpoint failed');
  });
  worker.on('error', (err) => {
    log.warn({ err }, 'checkpoint worker failed; SQLite checkpoints back on the main thread');
    fallback();
  });
  return {
    stop() {
      return new Promise<void>((resolveStop) => {
        const timer = setTimeout(() => {
          void worker.terminate().then(() => resolveStop());
        }, 2000);
        worker.once('exit', () => {
          clearTimeout(timer);
          resolveStop();
        });
        worker.postMessage('stop');
      });
    },
  };
}
