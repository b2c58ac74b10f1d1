/**
 * PostgreSQL counterpart of SQLite's migration 0015: `host_samples`, each host's recent metric samples (see
 * `../../migrations/2026_12_07_0015_host_samples.ts` for what each column holds). Times `bigint`.
 *
 * Frozen in time: this file never imports application code.
 */
import { type Kysely, sql } from 'kysely';

const TEXT = sql`text COLLATE "C"`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('host_samples')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('host', TEXT, (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('metrics', TEXT, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('host_samples_host_received')
    .on('host_samples')
    .columns(['host', 'received_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('host_samples').execute();
}
