/**
 * PostgreSQL migration 0001: the tables and columns of the SQLite schema up to `2026_12_07_0009_usage` (sessions
 * with `host`, the child tables, the raw hook log, core state, kv, approval decisions, alerts, the prompt queue and
 * usage). Times and counters are `bigint` (Unix milliseconds overflow `integer`); ids are identity columns. The
 * unique keys are the SQLite ones (`coalesce` where SQLite has `ifnull`). The full-text index is migration 0002.
 *
 * Frozen in time: this file never imports application code.
 */
import { type CreateTableBuilder, type Kysely, sql } from 'kysely';

type Table = CreateTableBuilder<string, never>;

const id = (t: Table) => t.addColumn('id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity());
const child = (t: Table) =>
  id(t).addColumn('session_id', 'text', (c) =>
    c.notNull().references('sessions.id').onDelete('cascade').onUpdate('cascade'),
  );

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('cli', 'text', (c) => c.notNull())
    .addColumn('project_path', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('project_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('title', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('model', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_reason', 'text')
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('hook'))
    .addColumn('label', 'text')
    .addColumn('team_id', 'text')
    .addColumn('team_role', 'text')
    .addColumn('accent_color', 'text')
    .addColumn('parent_session_id', 'text')
    .addColumn('agent_name', 'text')
    .addColumn('agent_type', 'text')
    .addColumn('permission_mode', 'text')
    .addColumn('transcript_path', 'text')
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .addColumn('end_reason', 'text')
    .addColumn('last_activity_at', 'bigint', (c) => c.notNull())
    .addColumn('total_prompts', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('total_tool_calls', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('archived', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('previous_session_ids', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('resume_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('snapshot', 'text', (c) => c.notNull())
    .addColumn('ring_lengths', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('host', 'text')
    .execute();
  for (const col of ['project_path', 'status', 'started_at', 'last_activity_at', 'cli', 'ended_at']) {
    await db.schema.createIndex(`sessions_${col}_idx`).on('sessions').column(col).execute();
  }

  await child(db.schema.createTable('prompts'))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('prompt_id', 'text')
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .execute();
  await sql`CREATE UNIQUE INDEX prompts_session_ts_uq ON prompts (session_id, timestamp, coalesce(prompt_id, ''))`.execute(
    db,
  );
  await db.schema.createIndex('prompts_timestamp_idx').on('prompts').column('timestamp').execute();

  await child(db.schema.createTable('responses'))
    .addColumn('text_excerpt', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text')
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .execute();
  await sql`CREATE UNIQUE INDEX responses_session_ts_agent_uq ON responses (session_id, timestamp, coalesce(agent_id, ''))`.execute(
    db,
  );
  await db.schema.createIndex('responses_timestamp_idx').on('responses').column('timestamp').execute();

  await child(db.schema.createTable('tool_calls'))
    .addColumn('tool_use_id', 'text')
    .addColumn('tool_name', 'text', (c) => c.notNull())
    .addColumn('tool_input_summary', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('tool_input', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .addColumn('duration_ms', 'bigint')
    .addColumn('result_excerpt', 'text')
    .addColumn('error', 'text')
    .addColumn('agent_id', 'text')
    .execute();
  await sql`CREATE UNIQUE INDEX tool_calls_session_use_uq ON tool_calls (session_id, tool_use_id) WHERE tool_use_id IS NOT NULL`.execute(
    db,
  );
  await sql`CREATE UNIQUE INDEX tool_calls_session_ts_name_uq ON tool_calls (session_id, timestamp, tool_name) WHERE tool_use_id IS NULL`.execute(
    db,
  );
  for (const col of ['session_id', 'tool_name', 'timestamp']) {
    await db.schema.createIndex(`tool_calls_${col}_idx`).on('tool_calls').column(col).execute();
  }

  await child(db.schema.createTable('events'))
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('events_session_ts_type_uq')
    .on('events')
    .columns(['session_id', 'timestamp', 'event_type', 'detail'])
    .unique()
    .execute();
  await db.schema.createIndex('events_timestamp_idx').on('events').column('timestamp').execute();

  await child(db.schema.createTable('notes'))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('notes_session_idx').on('notes').column('session_id').execute();

  // Raw hook log. No foreign key: events for sessions the database has never seen must be storable.
  await id(db.schema.createTable('hook_events'))
    .addColumn('ingest_id', 'text', (c) => c.notNull().unique())
    .addColumn('session_id', 'text')
    .addColumn('cli', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('meta', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'bigint')
    .execute();
  await db.schema.createIndex('hook_events_session_idx').on('hook_events').column('session_id').execute();
  await db.schema.createIndex('hook_events_received_idx').on('hook_events').column('received_at').execute();

  await db.schema
    .createTable('core_state')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('kv')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('approval_decisions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('tool', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('opened_at', 'bigint', (c) => c.notNull())
    .addColumn('closed_at', 'bigint', (c) => c.notNull())
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

  await alertTables(db);

  await db.schema
    .createTable('prompt_queue')
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('item_id', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'bigint')
    .addColumn('queue_state', 'text')
    .addPrimaryKeyConstraint('prompt_queue_pk', ['session_id', 'position'])
    .execute();

  // No foreign key (as in SQLite): a response may be written before its session's row.
  await id(db.schema.createTable('usage_messages'))
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('agent_id', 'text')
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('input_tokens', 'bigint', (c) => c.notNull())
    .addColumn('output_tokens', 'bigint', (c) => c.notNull())
    .addColumn('cache_read_tokens', 'bigint', (c) => c.notNull())
    .addColumn('cache_write_5m_tokens', 'bigint', (c) => c.notNull())
    .addColumn('cache_write_1h_tokens', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('usage_messages_response')
    .on('usage_messages')
    .columns(['session_id', 'message_id', 'request_id'])
    .unique()
    .execute();
  await db.schema.createIndex('usage_messages_at').on('usage_messages').columns(['at']).execute();
}

async function alertTables(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('alert_rules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('condition', 'text', (c) => c.notNull())
    .addColumn('channels', 'text', (c) => c.notNull())
    .addColumn('webhook_url', 'text')
    .addColumn('webhook_secret', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
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
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_success_at', 'bigint')
    .execute();

  await id(db.schema.createTable('alert_deliveries'))
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
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('alert_deliveries_at_idx').on('alert_deliveries').column('at').execute();
}

const TABLES = [
  'usage_messages',
  'prompt_queue',
  'alert_deliveries',
  'push_subscriptions',
  'alert_rules',
  'approval_decisions',
  'kv',
  'core_state',
  'hook_events',
  'notes',
  'events',
  'tool_calls',
  'responses',
  'prompts',
  'sessions',
];

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of TABLES) await db.schema.dropTable(t).ifExists().execute();
}
