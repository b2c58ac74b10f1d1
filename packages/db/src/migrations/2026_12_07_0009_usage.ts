/**
 * Migration 0007: `usage_messages`, the token usage of every API response an agent's transcript reported (issue
 * 17): one row per session, message id and request id (`''` when the transcript names none), so a response
 * stored again (a transcript read again) replaces its row instead of adding one. Analytics sum it by day, project,
 * model and session; cost is computed when read, at the prices in force.
 *
 * Frozen in time: this file never imports application code.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('usage_messages')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    // no foreign key: a response may be written before its session's row (rows go out with checkpoints); a
    // re-key moves these rows and a removal deletes them explicitly
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('agent_id', 'text')
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('at', 'integer', (c) => c.notNull())
    .addColumn('input_tokens', 'integer', (c) => c.notNull())
    .addColumn('output_tokens', 'integer', (c) => c.notNull())
    .addColumn('cache_read_tokens', 'integer', (c) => c.notNull())
    .addColumn('cache_write_5m_tokens', 'integer', (c) => c.notNull())
    .addColumn('cache_write_1h_tokens', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('usage_messages_response')
    .on('usage_messages')
    .columns(['session_id', 'message_id', 'request_id'])
    .unique()
    .execute();
  await db.schema.createIndex('usage_messages_at').on('usage_messages').columns(['at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('usage_messages').execute();
}
