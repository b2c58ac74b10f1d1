/**
 * Migration 0015: `host_samples`, the recent metric samples of each host (issue 19), behind its sparklines: one row
 * per report a server took in, with the host's name, when the server received it (Unix ms, the server's clock) and
 * the host's figures (JSON of its `HostMetrics`). A few minutes' worth per host: older rows are pruned. Stored so
 * that a restarted server, and every server sharing a PostgreSQL database, shows the same samples.
 *
 * Frozen in time: this file never imports application code.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('host_samples')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    // no foreign key: a sample of a host deleted meanwhile is pruned with the others
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('received_at', 'integer', (c) => c.notNull())
    .addColumn('metrics', 'text', (c) => c.notNull())
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
