/**
 * Migration 0003: `sessions.host`, the machine the agent runs on (from the hook's `meta.host`), so History lists
 * and filters by it; and the two columns nothing ever wrote (`summary`, `character_model`) are dropped.
 *
 * Frozen in time: this file never imports application code.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sessions').addColumn('host', 'text').execute();
  // The snapshot already holds the host of sessions recorded since the core kept it.
  await sql`UPDATE sessions SET host = json_extract(snapshot, '$.host')`.execute(db);
  await db.schema.alterTable('sessions').dropColumn('summary').execute();
  await db.schema.alterTable('sessions').dropColumn('character_model').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sessions').addColumn('character_model', 'text').execute();
  await db.schema.alterTable('sessions').addColumn('summary', 'text').execute();
  await db.schema.alterTable('sessions').dropColumn('host').execute();
}
