/**
 * The SQLite writer thread (a worker): applies the write plans the main thread sends, one transaction per message,
 * on a connection of its own, and runs the WAL checkpoints (PASSIVE, when the WAL has grown or writes pause), so
 * neither commits nor checkpoints run on the event loop of the thread that opened the database (`thread.ts`).
 *
 * Messages in: `{ type: 'write', id, ops }`, `{ type: 'stop' }`. Out: `{ type: 'priority', nice, reason }` (once,
 * at start), `{ type: 'done', id, ms }`, `{ type: 'failed', id, message }`, `{ type: 'checkpoint-failed', message }`.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { WriteOp } from '../write-op.js';
import { openWriterConnection } from './writer.js';

export interface WriterData {
  dbFile: string;
  /** A checkpoint runs at the latest this long after the last one, when there were writes. */
  checkpointMs: number;
  /** The thread's `nice` value (0: as the process; higher: lower priority). */
  nice: number;
}

export type WriterRequest = { type: 'write'; id: number; ops: readonly WriteOp[] } | { type: 'stop' };
export type WriterReply =
  | { type: 'priority'; nice: number | null; reason: string | null }
  | { type: 'done'; id: number; ms: number }
  | { type: 'failed'; id: number; message: string }
  | { type: 'checkpoint-failed'; message: string };

/**
 * Sets the calling thread's `nice` (Linux: a thread is a task of its own, `/proc/thread-self` names it); returns the
 * `nice` it has then, or null and why not. Elsewhere the priority applies to the whole process, so it stays.
 */
function setThreadNice(nice: number): { nice: number | null; reason: string | null } {
  if (process.platform !== 'linux') return { nice: null, reason: `not on ${process.platform}` };
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return { nice: null, reason: 'no thread id' };
    if (nice !== 0) setPriority(tid, nice);
    return { nice: getPriority(tid), reason: null };
  } catch (err) {
    return { nice: null, reason: err instanceof Error ? err.message : String(err) };
  }
}

const port = parentPort;
if (!port) throw new Error('the SQLite writer runs as a worker thread');
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
