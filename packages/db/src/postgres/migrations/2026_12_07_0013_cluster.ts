/**
 * PostgreSQL only (several servers share one database; SQLite runs one server and never needs it):
 * `cluster_decisions`, one row per held approval decided on a server that does not hold its hook. The approval id
 * is the key, so a second decision of the same approval is refused by the database; the server holding the hook
 * claims the row (`claimed_by`), answers the hook and writes the `result` (JSON: `{ok: true}` or
 * `{ok: false, reason}`).
 *
 * Frozen in time: this file never imports application code.
 */
import { type Kysely, sql } from 'kysely';

const TEXT = sql`text COLLATE "C"`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('cluster_decisions')
    .addColumn('approval_id', TEXT, (c) => c.primaryKey())
    .addColumn('decision', TEXT, (c) => c.notNull())
    .addColumn('requested_by', TEXT, (c) => c.notNull())
    .addColumn('requested_at', 'bigint', (c) => c.notNull())
    .addColumn('claimed_by', TEXT)
    .addColumn('result', TEXT)
    .addColumn('decided_at', 'bigint')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('cluster_decisions').execute();
}
