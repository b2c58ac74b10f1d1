/**
 * The prompt queues (issue 16) as `prompt_queue` rows (migration 0006): a session's queue is written whole (its rows
 * replaced) by the checkpoint that carries its change, and read back whole on start. The queue's own bookkeeping
 * (opaque here: the core's) rides on the row at position 0.
 */
import { QUEUED_PROMPT_STATES, type QueuedPrompt, type QueuedPromptState } from '@flightdeck/shared-types';
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { WriteOp } from './write-op.js';

/** One session's queue as stored: its items in order and the queue's bookkeeping (JSON-able). */
export interface StoredPromptQueue {
  items: QueuedPrompt[];
  state: unknown;
}

/** The write that replaces `sessionId`'s queue (no items: it is deleted). */
export function promptQueueOp(sessionId: string, queue: StoredPromptQueue | null): WriteOp {
  const items = queue?.items ?? [];
  return {
    op: 'promptQueue',
    sessionId,
    rows: items.map((item, position) => ({
      session_id: sessionId,
      position,
      item_id: item.id,
      text: item.text,
      state: item.state,
      created_at: item.createdAt,
      updated_at: item.updatedAt,
      sent_at: item.sentAt,
      queue_state: position === 0 ? JSON.stringify(queue?.state ?? null) : null,
    })),
  };
}

function stateOf(v: string): QueuedPromptState {
  return (QUEUED_PROMPT_STATES as readonly string[]).includes(v) ? (v as QueuedPromptState) : 'queued';
}

/** Every stored queue, by session id, its items in order. */
export async function loadPromptQueues(db: Kysely<Database>): Promise<Map<string, StoredPromptQueue>> {
  const rows = await db
    .selectFrom('prompt_queue')
    .selectAll()
    .orderBy('session_id')
    .orderBy('position')
    .execute();
  const out = new Map<string, StoredPromptQueue>();
  for (const row of rows) {
    let q = out.get(row.session_id);
    if (!q) {
      q = { items: [], state: row.queue_state === null ? null : (JSON.parse(row.queue_state) as unknown) };
      out.set(row.session_id, q);
    }
    q.items.push({
      id: row.item_id,
      text: row.text,
      state: stateOf(row.state),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      sentAt: row.sent_at,
    });
  }
  return out;
}
