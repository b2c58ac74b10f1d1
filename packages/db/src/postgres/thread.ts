/**
 * The PostgreSQL adapter's writer thread, seen from the thread that opened the database: plans go to the worker
 * (`writer-worker.ts`) by `postMessage` and are applied there, one transaction each, in the order sent. If the
 * thread cannot start, or fails or exits later, pending plans are refused (their callers write them again, as after
 * any failed transaction) and later ones are applied on this thread (`mode` becomes 'main').
 *
 * Why a thread: building a plan's statements (Kysely) and binding their values (`pg`) took the server's event loop,
 * and a transaction's statements waited for that loop between them. Measured 2026-12-08, alternated runs, load
 * 1.9–2.2: `pnpm bench:team --quick --database=postgres` acknowledged 4,693 and 4,961 events/s with the thread,
 * 3,662 and 4,010 without; `pnpm bench:live --quick --database=postgres`: the server's main thread at 47–50 % of a
 * core instead of 54–59 % over the ramp, the highest rate reached within the noise (5.6–6.5k events/s either way).
 */
import { Worker } from 'node:worker_threads';
import type { WriteOp } from '../write-op.js';
import { openWriterChannel } from '../writer-channel.js';
import type { EventNotify, PgWriterData, PgWriterRequest } from './writer-worker.js';

export interface PgWriterThreadOptions {
  /** The worker script (a production bundle of `writer-worker.ts`); default: the sources, through tsx. */
  script?: URL;
}

export interface PgWriterThread {
  readonly mode: 'thread' | 'main';
  write(ops: readonly WriteOp[]): Promise<number>;
  /** What a plan with raw events NOTIFYs from now on (null: nothing). */
  setNotify(notify: EventNotify | null): void;
  /** Stops the thread at once, as if it had crashed (tests): later writes go to this thread's connection. */
  terminate(): Promise<void>;
  /** Lets the thread finish what it was sent and stop. */
  close(): Promise<void>;
}

function startWorker(data: PgWriterData, options: PgWriterThreadOptions): Worker {
  if (options.script) return new Worker(options.script, { workerData: data });
  return new Worker(new URL('../worker-boot.mjs', import.meta.url), {
    workerData: { ...data, entry: new URL('./writer-worker.ts', import.meta.url).href },
  });
}

/**
 * Starts the writer thread on the database of `data` (migrated already); `inline` writes a plan on this thread
 * (with `notify` applied) once the thread is gone.
 */
export function startPgWriterThread(
  data: PgWriterData,
  inline: { write(ops: readonly WriteOp[]): Promise<number>; setNotify(notify: EventNotify | null): void },
  log: { error(obj: unknown, msg: string): void; warn?(obj: unknown, msg: string): void },
  options: PgWriterThreadOptions = {},
): PgWriterThread {
  let worker: Worker;
  try {
    worker = startWorker(data, options);
  } catch (err) {
    log.warn?.({ err }, 'PostgreSQL writer thread unavailable; writing on the main thread');
    return {
      mode: 'main',
      write: inline.write,
      setNotify: inline.setNotify,
      terminate: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
  }
  const channel = openWriterChannel(worker, { name: 'PostgreSQL writer thread', log });
  return {
    get mode() {
      return channel.failed ? 'main' : 'thread';
    },
    write: (ops) => (channel.failed ? inline.write(ops) : channel.write(ops)),
    setNotify(notify) {
      // Both: the thread's for now, this thread's for after a fail-over.
      inline.setNotify(notify);
      if (!channel.failed) channel.post({ type: 'notify', notify } satisfies PgWriterRequest);
    },
    terminate: () => channel.terminate(),
    close: () => channel.close(),
  };
}
