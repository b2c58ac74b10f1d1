/**
 * The PostgreSQL writer thread (a worker): applies the write plans the thread that opened the database sends, one
 * transaction each, in order, on a connection of its own (`thread.ts`). Building and binding a plan's statements
 * and waiting for their answers then happen on this thread's event loop, not on the server's.
 *
 * Messages in: `{ type: 'write', id, ops }`, `{ type: 'notify', notify }` (from then on, a plan with raw events
 * NOTIFYs `notify.channel` with `notify.server` in its transaction; null: no more), `{ type: 'stop' }`.
 * Out: `{ type: 'done', id, ms }`, `{ type: 'failed', id, message }`.
 */

import { parentPort, workerData } from 'node:worker_threads';
import { Kysely, PostgresDialect } from 'kysely';
import type { Database } from '../schema.js';
import type { WriteOp } from '../write-op.js';
import { createPostgresWriter } from './apply.js';
import { eventNotifyHook } from './notify.js';
import { createPool } from './pool.js';

export interface PgWriterData {
  url: string;
  schema: string | null;
}

/** What a plan that stores raw events tells the other servers on commit (`notifyEventsStored`). */
export interface EventNotify {
  channel: string;
  server: string;
}

export type PgWriterRequest =
  | { type: 'write'; id: number; ops: readonly WriteOp[] }
  | { type: 'notify'; notify: EventNotify | null }
  | { type: 'stop' };
export type PgWriterReply =
  | { type: 'done'; id: number; ms: number }
  | { type: 'failed'; id: number; message: string };

const port = parentPort;
if (!port) throw new Error('the PostgreSQL writer runs as a worker thread');
const { url, schema } = workerData as PgWriterData;
const reply = (msg: PgWriterReply) => port.postMessage(msg);

const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: createPool(url, schema, 1) }) });
const writer = createPostgresWriter(db);

port.on('message', (msg: PgWriterRequest) => {
  if (msg.type === 'write') {
    writer.write(msg.ops).then(
      (ms) => reply({ type: 'done', id: msg.id, ms }),
      (err: unknown) =>
        reply({ type: 'failed', id: msg.id, message: err instanceof Error ? err.message : String(err) }),
    );
  } else if (msg.type === 'notify') {
    // Before the plans posted after it: messages arrive in order.
    writer.setTransactionHook(eventNotifyHook(msg.notify));
  } else if (msg.type === 'stop') {
    void writer
      .drain()
      .then(() => db.destroy())
      .catch(() => undefined)
      .finally(() => port.close());
  }
});
