/**
 * Migration 0008: an index on `events.timestamp`, so retention (`pruneConversation`) finds the old lifecycle
 * events as it finds old prompts, responses and tool calls (those have theirs since 0001).
 *
 * Frozen in time: this file never imports application code.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('events_timestamp_idx').on('events').column('timestamp').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('events_timestamp_idx').execute();
}
