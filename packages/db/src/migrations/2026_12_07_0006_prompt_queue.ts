/**
 * Migration 0006: `prompt_queue`, the prompts queued for sessions (issue 16), one row per item in its place in its
 * session's queue. Written from the core state by the checkpoints (the queue of a changed session is replaced as a
 * whole, in the checkpoint's transaction), read back on start.
 *
 * Frozen in time: this file never imports application code.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('prompt_queue')
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('item_id', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    // `queued` or `sent`
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'integer', (c) => c.notNull())
    .addColumn('sent_at', 'integer')
    // JSON: the queue's own bookkeeping (`promptsAtSend`, `blocked`), on the row at position 0
    .addColumn('queue_state', 'text')
    .addPrimaryKeyConstraint('prompt_queue_pk', ['session_id', 'position'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('prompt_queue').execute();
}
