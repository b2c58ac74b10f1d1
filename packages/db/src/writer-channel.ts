/**
 * What both writer threads (SQLite's `sqlite/thread.ts`, PostgreSQL's `postgres/thread.ts`) share, seen from the
 * thread that opened the database: plans posted to the worker as `{ type: 'write', id, ops }` and answered by id
 * (`{ type: 'done', id, ms }` or `{ type: 'failed', id, message }`). If the worker fails or exits other than by
 * `close`, every pending plan is refused (its caller writes it again, as after any failed transaction), the failure
 * is told to `log.error`, and `onFailOver` runs once: from then on `failed` is true and the caller writes on its own
 * connection. `close` lets the worker finish what it was sent and stop (`{ type: 'stop' }`; terminated after 5 s).
 */
import type { Worker } from 'node:worker_threads';
import type { WriteOp } from './write-op.js';

type Reply = { type: 'done'; id: number; ms: number } | { type: 'failed'; id: number; message: string };

export interface WriterChannel {
  readonly failed: boolean;
  /** Posts a plan; resolves with the time the worker's transaction took (ms), rejects with its error. */
  write(ops: readonly WriteOp[]): Promise<number>;
  /** Posts any other message to the worker. */
  post(msg: unknown): void;
  /** Stops the worker at once, as if it had crashed (tests). */
  terminate(): Promise<void>;
  close(): Promise<void>;
}

export function openWriterChannel(
  worker: Worker,
  o: {
    /** How the log names the thread ("database writer thread"). */
    name: string;
    log: { error(obj: unknown, msg: string): void };
    onFailOver?(): void;
    /** A message that is not a reply to a plan. */
    onOther?(msg: { type: string }): void;
  },
): WriterChannel {
  const pending = new Map<number, { resolve: (ms: number) => void; reject: (err: Error) => void }>();
  let nextId = 1;
  let failed = false;
  let stopping = false;
  const failOver = (err: Error) => {
    if (failed) return;
    failed = true;
    o.onFailOver?.();
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  worker.on('message', (msg: Reply | { type: string }) => {
    if (msg.type !== 'done' && msg.type !== 'failed') return o.onOther?.(msg);
    const reply = msg as Reply;
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if (reply.type === 'done') p.resolve(reply.ms);
    else p.reject(new Error(reply.message));
  });
  worker.on('error', (err) => {
    o.log.error({ err }, `${o.name} failed; writing on the main thread from now on`);
    failOver(err);
  });
  worker.on('exit', (code) => {
    if (stopping) return;
    o.log.error({ code }, `${o.name} exited; writing on the main thread from now on`);
    failOver(new Error(`${o.name} exited with code ${code}`));
  });
  return {
    get failed() {
      return failed;
    },
    write(ops) {
      const id = nextId++;
      return new Promise<number>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ type: 'write', id, ops });
      });
    },
    post: (msg) => worker.postMessage(msg),
    async terminate() {
      await worker.terminate();
    },
    close() {
      if (failed || stopping) return Promise.resolve();
      stopping = true;
      return new Promise<void>((resolveStop) => {
        const timer = setTimeout(() => {
          void worker.terminate().then(() => resolveStop());
        }, 5000);
        worker.once('exit', () => {
          clearTimeout(timer);
          resolveStop();
        });
        worker.postMessage({ type: 'stop' });
      });
    },
  };
}
