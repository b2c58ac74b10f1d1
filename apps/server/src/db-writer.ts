/**
 * The database writer thread (a worker): applies the write plans the main thread sends, one transaction per
 * message, on a connection of its own, and runs the WAL checkpoints (PASSIVE, when the WAL has grown or
 * writes pause), so neither commits nor checkpoints ever run on the server's event loop.
 *
 * The thread runs at a lower CPU priority (`nice`; see tuning.ts, `writer-nice`).
 *
 * Messages in: `{ type: 'write', id, ops }`, `{ type: 'stop' }`. Out: `{ type: 'priority', nice, reason }` (once,
 * at start), `{ type: 'done', id, ms }`, `{ type: 'failed', id, message }`, `{ type: 'checkpoint-failed', message }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { WriteOp } from '@flightdeck/db';
import { openWriterConnection } from '@flightdeck/db/sqlite-writer';
import { setThreadNice } from './tuning.js';

export interface WriterData {
  dbFile: string;
  /** A checkpoint runs at the latest this long after the last one, when there were writes. */
  checkpointMs: number;
  /** The thread's `nice` value (0: as the process; higher: lower priority). */
  nice: number;
}

export type WriterRequest = { type: 'write'; id: number; ops: WriteOp[] } | { type: 'stop' };
export type WriterReply =
  | { type: 'priority'; nice: number | null; reason: string | null }
  | { type: 'done'; id: number; ms: number }
  | { type: 'failed'; id: number; message: string }
  | { type: 'checkpoint-failed'; message: string };

const port = parentPort;
if (!port) throw new Error('db-writer runs as a worker thread');
const { dbFile, checkpointMs, nice } = workerData as WriterData;
const reply = (msg: WriterReply) => port.postMessage(msg);

reply({ type: 'priority', ...setThreadNice(nice) });
const conn = openWriterConnection(dbFile);
let dirty = false;

function checkpoint() {
  if (!dirty) return;
  dirty = false;
  try {
    conn.checkpoint();
  } catch (err) {
    reply({ type: 'checkpoint-failed', message: err instanceof Error ? err.message : String(err) });
  }
}

const timer = setInterval(checkpoint, checkpointMs);

port.on('message', (msg: WriterRequest) => {
  if (msg.type === 'write') {
    const started = performance.now();
    try {
      conn.write(msg.ops);
      dirty = true;
      reply({ type: 'done', id: msg.id, ms: performance.now() - started });
    } catch (err) {
      reply({ type: 'failed', id: msg.id, message: err instanceof Error ? err.message : String(err) });
    }
  } else if (msg.type === 'stop') {
    clearInterval(timer);
    checkpoint();
    conn.close();
    port.close();
  }
});
