/**
 * PostgreSQL counterpart of SQLite's migration 0012: `hosts` (see `../../migrations/2026_12_07_0012_hosts.ts` for
 * what each column holds). Times `bigint`.
 *
 * Frozen in time: this file never imports application code.
 */
import { type Kysely, sql } from 'kysely';

const TEXT = sql`text COLLATE "C"`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('hosts')
    .addColumn('name', TEXT, (c) => c.primaryKey())
    .addColumn('token_hash', TEXT, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .addColumn('last_report', TEXT)
    .execute();
  await db.schema.createIndex('hosts_token_hash').on('hosts').column('token_hash').unique().execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('hosts').execute();
}
