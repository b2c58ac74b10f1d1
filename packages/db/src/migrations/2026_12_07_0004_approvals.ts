/**
 * Migration 0004: `approval_decisions`, the audit of held approvals (issue 15): one row per approval closed — who
 * decided from where, or how it closed without a decision (answered in the terminal, timed out, …).
 *
 * Frozen in time: this file never imports application code.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('approval_decisions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('tool', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('opened_at', 'integer', (c) => c.notNull())
    .addColumn('closed_at', 'integer', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('message', 'text')
    .addColumn('remember', 'text')
    .addColumn('by_address', 'text')
    .addColumn('by_authenticated', 'integer')
    .addColumn('via', 'text')
    .execute();
  await db.schema
    .createIndex('approval_decisions_closed')
    .on('approval_decisions')
    .columns(['closed_at', 'id'])
    .execute();
  await db.schema
    .createIndex('approval_decisions_session')
    .on('approval_decisions')
    .columns(['session_id', 'closed_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('approval_decisions').execute();
}
