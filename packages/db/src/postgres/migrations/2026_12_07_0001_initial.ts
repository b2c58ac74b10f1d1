/**
 * PostgreSQL migration 0001: the tables and columns of the SQLite schema up to `2026_12_07_0009_usage` (sessions
 * with `host`, the child tables, the raw hook log, core state, kv, approval decisions, alerts, the prompt queue and
 * usage). Times and counters are `bigint` (Unix milliseconds overflow `integer`); ids are identity columns. The
 * unique keys are the SQLite ones (`coalesce` where SQLite has `ifnull`); text collates as in SQLite (`C`: bytes).
 * The full-text index is migration 0002.
 *
 * Frozen in time: this file never imports application code.
 */
import { type CreateTableBuilder, type Kysely, sql } from 'kysely';

type Table = CreateTableBuilder<string, never>;

/**
 * Text compared and ordered byte by byte, as SQLite does (BINARY), whatever the database's locale: names sort the
 * same on both (`project_name`, `tool_name`, ids).
 */
const TEXT = sql`text COLLATE "C"`;

const id = (t: Table) => t.addColumn('id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity());
const child = (t: Table) =>
  id(t).addColumn('session_id', TEXT, (c) =>
    c.notNull().references('sessions.id').onDelete('cascade').onUpdate('cascade'),
  );

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sessions')
    .addColumn('id', TEXT, (c) => c.primaryKey())
    .addColumn('cli', TEXT, (c) => c.notNull())
    .addColumn('project_path', TEXT, (c) => c.notNull().defaultTo(''))
    .addColumn('project_name', TEXT, (c) => c.notNull().defaultTo(''))
    .addColumn('title', TEXT, (c) => c.notNull().defaultTo(''))
    .addColumn('model', TEXT)
    .addColumn('status', TEXT, (c) => c.notNull())
    .addColumn('status_reason', TEXT)
    .addColumn('source', TEXT, (c) => c.notNull().defaultTo('hook'))
    .addColumn('label', TEXT)
    .addColumn('team_id', TEXT)
    .addColumn('team_role', TEXT)
    .addColumn('accent_color', TEXT)
    .addColumn('parent_session_id', TEXT)
    .addColumn('agent_name', TEXT)
    .addColumn('agent_type', TEXT)
    .addColumn('permission_mode', TEXT)
    .addColumn('transcript_path', TEXT)
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .addColumn('end_reason', TEXT)
    .addColumn('last_activity_at', 'bigint', (c) => c.notNull())
    .addColumn('total_prompts', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('total_tool_calls', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('archived', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('previous_session_ids', TEXT, (c) => c.notNull().defaultTo('[]'))
    .addColumn('resume_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('snapshot', TEXT, (c) => c.notNull())
    .addColumn('ring_lengths', TEXT, (c) => c.notNull().defaultTo('{}'))
    .addColumn('host', TEXT)
    .execute();
  for (const col of ['project_path', 'status', 'started_at', 'last_activity_at', 'cli', 'ended_at']) {
    await db.schema.createIndex(`sessions_${col}_idx`).on('sessions').column(col).execute();
  }

  await child(db.schema.createTable('prompts'))
    .addColumn('text', TEXT, (c) => c.notNull())
    .addColumn('prompt_id', TEXT)
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .execute();
  await sql`CREATE UNIQUE INDEX prompts_session_ts_uq ON prompts (session_id, timestamp, coalesce(prompt_id, ''))`.execute(
    db,
  );
  await db.schema.createIndex('prompts_timestamp_idx').on('prompts').column('timestamp').execute();

  await child(db.schema.createTable('responses'))
    .addColumn('text_excerpt', TEXT, (c) => c.notNull())
    .addColumn('agent_id', TEXT)
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .execute();
  await sql`CREATE UNIQUE INDEX responses_session_ts_agent_uq ON responses (session_id, timestamp, coalesce(agent_id, ''))`.execute(
    db,
  );
  await db.schema.createIndex('responses_timestamp_idx').on('responses').column('timestamp').execute();

  await child(db.schema.createTable('tool_calls'))
    .addColumn('tool_use_id', TEXT)
    .addColumn('tool_name', TEXT, (c) => c.notNull())
    .addColumn('tool_input_summary', TEXT, (c) => c.notNull().defaultTo(''))
    .addColumn('tool_input', TEXT)
    .addColumn('status', TEXT, (c) => c.notNull())
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .addColumn('duration_ms', 'bigint')
    .addColumn('result_excerpt', TEXT)
    .addColumn('error', TEXT)
    .addColumn('agent_id', TEXT)
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
    .addColumn('event_type', TEXT, (c) => c.notNull())
    .addColumn('detail', TEXT, (c) => c.notNull().defaultTo(''))
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
    .addColumn('text', TEXT, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('notes_session_idx').on('notes').column('session_id').execute();

  // Raw hook log. No foreign key: events for sessions the database has never seen must be storable.
  await id(db.schema.createTable('hook_events'))
    .addColumn('ingest_id', TEXT, (c) => c.notNull().unique())
    .addColumn('session_id', TEXT)
    .addColumn('cli', TEXT, (c) => c.notNull())
    .addColumn('event_type', TEXT)
    .addColumn('payload', TEXT, (c) => c.notNull())
    .addColumn('meta', TEXT, (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'bigint')
    .execute();
  await db.schema.createIndex('hook_events_session_idx').on('hook_events').column('session_id').execute();
  await db.schema.createIndex('hook_events_received_idx').on('hook_events').column('received_at').execute();

  await db.schema
    .createTable('core_state')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('state', TEXT, (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('kv')
    .addColumn('key', TEXT, (c) => c.primaryKey())
    .addColumn('value', TEXT, (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('approval_decisions')
    .addColumn('id', TEXT, (c) => c.primaryKey())
    .addColumn('session_id', TEXT, (c) => c.notNull())
    .addColumn('tool', TEXT, (c) => c.notNull())
    .addColumn('summary', TEXT, (c) => c.notNull())
    .addColumn('opened_at', 'bigint', (c) => c.notNull())
    .addColumn('closed_at', 'bigint', (c) => c.notNull())
    .addColumn('outcome', TEXT, (c) => c.notNull())
    .addColumn('message', TEXT)
    .addColumn('remember', TEXT)
    .addColumn('by_address', TEXT)
    .addColumn('by_authenticated', 'integer')
    .addColumn('via', TEXT)
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
    .addColumn('session_id', TEXT, (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('item_id', TEXT, (c) => c.notNull())
    .addColumn('text', TEXT, (c) => c.notNull())
    .addColumn('state', TEXT, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'bigint')
    .addColumn('queue_state', TEXT)
    .addPrimaryKeyConstraint('prompt_queue_pk', ['session_id', 'position'])
    .execute();

  // No foreign key (as in SQLite): a response may be written before its session's row.
  await id(db.schema.createTable('usage_messages'))
    .addColumn('session_id', TEXT, (c) => c.notNull())
    .addColumn('message_id', TEXT, (c) => c.notNull())
    .addColumn('request_id', TEXT, (c) => c.notNull().defaultTo(''))
    .addColumn('agent_id', TEXT)
    .addColumn('model', TEXT, (c) => c.notNull())
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
    .addColumn('id', TEXT, (c) => c.primaryKey())
    .addColumn('name', TEXT, (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('condition', TEXT, (c) => c.notNull())
    .addColumn('channels', TEXT, (c) => c.notNull())
    .addColumn('webhook_url', TEXT)
    .addColumn('webhook_secret', TEXT)
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  const now = Date.now();
  await sql`INSERT INTO alert_rules (id, name, enabled, condition, channels, created_at, updated_at)
    VALUES ('builtin-approval-opened', 'Approval needed', 1, '{"type":"approval-opened"}', '["push","browser"]',
      ${now}, ${now})`.execute(db);

  await db.schema
    .createTable('push_subscriptions')
    .addColumn('endpoint', TEXT, (c) => c.primaryKey())
    .addColumn('p256dh', TEXT, (c) => c.notNull())
    .addColumn('auth', TEXT, (c) => c.notNull())
    .addColumn('user_agent', TEXT)
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_success_at', 'bigint')
    .execute();

  await id(db.schema.createTable('alert_deliveries'))
    .addColumn('rule_id', TEXT, (c) => c.notNull())
    .addColumn('session_id', TEXT)
    .addColumn('dedupe_key', TEXT, (c) => c.notNull())
    .addColumn('channel', TEXT, (c) => c.notNull())
    .addColumn('target', TEXT, (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('status', TEXT, (c) => c.notNull())
    .addColumn('http_status', 'integer')
    .addColumn('error', TEXT)
    .addColumn('response_excerpt', TEXT)
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
