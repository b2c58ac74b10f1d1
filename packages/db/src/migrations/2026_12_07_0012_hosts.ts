/**
 * Migration 0012: `hosts`, one row per machine allowed to send hook events with its own token (issue 19): its name
 * (what its events carry as `meta.host`), the SHA-256 of its token (the token itself is never stored), when it was
 * made, last heard from and revoked, and its last report (JSON: metrics and agent PIDs, from its forwarder).
 *
 * Frozen in time: this file never imports application code.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('hosts')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('last_seen_at', 'integer')
    .addColumn('revoked_at', 'integer')
    .addColumn('last_report', 'text')
    .execute();
  await db.schema.createIndex('hosts_token_hash').on('hosts').column('token_hash').unique().execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('hosts').execute();
}
