/**
 * PostgreSQL only (several servers share one database; SQLite runs one server and never needs it): `cluster_inputs`,
 * the inputs a server applied that the event log does not carry (user actions, transcript and OpenTelemetry usage, a
 * forwarder's "process gone"), so every other server applies them too. Rows are read in id order and pruned after a
 * few minutes: a server that starts later has them in the rows it loads.
 *
 * Frozen in time: this file never imports application code.
 */
import { type Kysely, sql } from 'kysely';

const TEXT = sql`text COLLATE "C"`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('cluster_inputs')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('server_id', TEXT, (c) => c.notNull())
    .addColumn('input', TEXT, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('cluster_inputs_created_idx')
    .on('cluster_inputs')
    .column('created_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('cluster_inputs').execute();
}
