/**
 * Migration 0005: alert rules, the browsers subscribed to Web Push, and the delivery log (one row per attempt on
 * the push and webhook channels). Every database starts with the built-in rule: a decidable approval opened →
 * push + browser.
 *
 * Frozen in time: this file never imports application code.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('alert_rules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    // JSON: `{ "type": "idle", "minutes": 30 }`, …
    .addColumn('condition', 'text', (c) => c.notNull())
    // JSON array of channel names
    .addColumn('channels', 'text', (c) => c.notNull())
    .addColumn('webhook_url', 'text')
    .addColumn('webhook_secret', 'text')
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'integer', (c) => c.notNull())
    .execute();
  const now = Date.now();
  await sql`INSERT INTO alert_rules (id, name, enabled, condition, channels, created_at, updated_at)
    VALUES ('builtin-approval-opened', 'Approval needed', 1, '{"type":"approval-opened"}', '["push","browser"]',
      ${now}, ${now})`.execute(db);

  await db.schema
    .createTable('push_subscriptions')
    .addColumn('endpoint', 'text', (c) => c.primaryKey())
    .addColumn('p256dh', 'text', (c) => c.notNull())
    .addColumn('auth', 'text', (c) => c.notNull())
    .addColumn('user_agent', 'text')
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('last_success_at', 'integer')
    .execute();

  await db.schema
    .createTable('alert_deliveries')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('rule_id', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text')
    .addColumn('dedupe_key', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('http_status', 'integer')
    .addColumn('error', 'text')
    .addColumn('response_excerpt', 'text')
    .addColumn('at', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('alert_deliveries_at_idx').on('alert_deliveries').column('at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('alert_deliveries').execute();
  await db.schema.dropTable('push_subscriptions').execute();
  await db.schema.dropTable('alert_rules').execute();
}
