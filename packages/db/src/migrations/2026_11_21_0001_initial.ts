/**
 * Migration 0001: the initial Flightdeck schema.
 *
 * Frozen in time: this file never imports application code or types that may change later.
 * A schema change is a new migration file, registered in `./index.ts`.
 */
import { type Kysely, sql } from 'kysely';

const CHILD_TABLES = ['prompts', 'responses', 'tool_calls', 'events', 'notes'] as const;

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
    .addColumn('summary', 'text')
    .addColumn('team_id', 'text')
    .addColumn('team_role', 'text')
    .addColumn('character_model', 'text')
    .addColumn('accent_color', 'text')
    .addColumn('parent_session_id', 'text')
    .addColumn('agent_name', 'text')
    .addColumn('agent_type', 'text')
    .addColumn('permission_mode', 'text')
    .addColumn('transcript_path', 'text')
    .addColumn('started_at', 'integer', (c) => c.notNull())
    .addColumn('ended_at', 'integer')
    .addColumn('end_reason', 'text')
    .addColumn('last_activity_at', 'integer', (c) => c.notNull())
    .addColumn('total_prompts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('total_tool_calls', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('archived', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('previous_session_ids', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('resume_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('snapshot', 'text', (c) => c.notNull())
    .addColumn('ring_lengths', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  for (const col of ['project_path', 'status', 'started_at', 'last_activity_at', 'cli', 'ended_at']) {
    await db.schema.createIndex(`sessions_${col}_idx`).on('sessions').column(col).execute();
  }

  await db.schema
    .createTable('prompts')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('session_id', 'text', (c) =>
      c.notNull().references('sessions.id').onDelete('cascade').onUpdate('cascade'),
    )
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('prompt_id', 'text')
    .addColumn('timestamp', 'integer', (c) => c.notNull())
    .execute();
  // Dedupe (spec §12.2: session + timestamp), plus the CLI's prompt id so two prompts stamped in the same
  // millisecond (one server batch) both survive.
  await sql`CREATE UNIQUE INDEX prompts_session_ts_uq ON prompts (session_id, timestamp, ifnull(prompt_id, ''))`.execute(
    db,
  );
  await db.schema.createIndex('prompts_timestamp_idx').on('prompts').column('timestamp').execute();

  await db.schema
    .createTable('responses')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('session_id', 'text', (c) =>
      c.notNull().references('sessions.id').onDelete('cascade').onUpdate('cascade'),
    )
    .addColumn('text_excerpt', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text')
    .addColumn('timestamp', 'integer', (c) => c.notNull())
    .execute();
  await sql`CREATE UNIQUE INDEX responses_session_ts_agent_uq ON responses (session_id, timestamp, ifnull(agent_id, ''))`.execute(
    db,
  );
  await db.schema.createIndex('responses_timestamp_idx').on('responses').column('timestamp').execute();

  await db.schema
    .createTable('tool_calls')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('session_id', 'text', (c) =>
      c.notNull().references('sessions.id').onDelete('cascade').onUpdate('cascade'),
    )
    .addColumn('tool_use_id', 'text')
    .addColumn('tool_name', 'text', (c) => c.notNull())
    .addColumn('tool_input_summary', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('tool_input', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('timestamp', 'integer', (c) => c.notNull())
    .addColumn('ended_at', 'integer')
    .addColumn('duration_ms', 'integer')
    .addColumn('result_excerpt', 'text')
    .addColumn('error', 'text')
    .addColumn('agent_id', 'text')
    .execute();
  // Dedupe: by tool_use_id where the CLI gives one, else by (session, start time, tool) as in spec §12.2.
  await sql`CREATE UNIQUE INDEX tool_calls_session_use_uq ON tool_calls (session_id, tool_use_id) WHERE tool_use_id IS NOT NULL`.execute(
    db,
  );
  await sql`CREATE UNIQUE INDEX tool_calls_session_ts_name_uq ON tool_calls (session_id, timestamp, tool_name) WHERE tool_use_id IS NULL`.execute(
    db,
  );
  await db.schema.createIndex('tool_calls_session_idx').on('tool_calls').column('session_id').execute();
  await db.schema.createIndex('tool_calls_tool_name_idx').on('tool_calls').column('tool_name').execute();
  await db.schema.createIndex('tool_calls_timestamp_idx').on('tool_calls').column('timestamp').execute();

  await db.schema
    .createTable('events')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('session_id', 'text', (c) =>
      c.notNull().references('sessions.id').onDelete('cascade').onUpdate('cascade'),
    )
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('timestamp', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('events_session_ts_type_uq')
    .on('events')
    .columns(['session_id', 'timestamp', 'event_type', 'detail'])
    .unique()
    .execute();

  await db.schema
    .createTable('notes')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('session_id', 'text', (c) =>
      c.notNull().references('sessions.id').onDelete('cascade').onUpdate('cascade'),
    )
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('notes_session_idx').on('notes').column('session_id').execute();

  // Raw hook log. No foreign key: events for sessions the DB has never seen must be storable.
  await db.schema
    .createTable('hook_events')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('ingest_id', 'text', (c) => c.notNull().unique())
    .addColumn('session_id', 'text')
    .addColumn('cli', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('meta', 'text', (c) => c.notNull())
    .addColumn('received_at', 'integer', (c) => c.notNull())
    .addColumn('sent_at', 'integer')
    .execute();
  await db.schema.createIndex('hook_events_session_idx').on('hook_events').column('session_id').execute();
  await db.schema.createIndex('hook_events_received_idx').on('hook_events').column('received_at').execute();

  await db.schema
    .createTable('core_state')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('kv')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'integer', (c) => c.notNull())
    .execute();

  // Full-text index over prompts, responses and tool inputs. rowid = ref_id * 4 + kind code
  // (1 prompt, 2 response, 3 tool) so an entry is found by primary key. Rows are ADDED by the ingest code
  // right after it inserts a child row (an FTS5 insert from a trigger costs ~10x more); updates and deletes
  // (re-keys, cascades) are followed by the triggers below. Control chars 2 and 3 are stripped from the
  // text: they mark matches in snippets.
  await sql`CREATE VIRTUAL TABLE search_index USING fts5(
    session_id UNINDEXED, kind UNINDEXED, ref_id UNINDEXED, timestamp UNINDEXED, text,
    tokenize = 'unicode61 remove_diacritics 2'
  )`.execute(db);
  const sources = [
    { table: 'prompts', code: 1, kind: 'prompt', text: 'X.text', cols: 'session_id, text, timestamp' },
    {
      table: 'responses',
      code: 2,
      kind: 'response',
      text: 'X.text_excerpt',
      cols: 'session_id, text_excerpt, timestamp',
    },
    {
      table: 'tool_calls',
      code: 3,
      kind: 'tool',
      text: "X.tool_name || ' ' || X.tool_input_summary || ' ' || ifnull(X.tool_input, '')",
      cols: 'session_id, tool_name, tool_input_summary, tool_input, timestamp',
    },
  ];
  for (const s of sources) {
    const text = `replace(replace(${s.text.replaceAll('X.', 'new.')}, char(2), ''), char(3), '')`;
    const insert = `INSERT INTO search_index (rowid, session_id, kind, ref_id, timestamp, text) VALUES (new.id * 4 + ${s.code}, new.session_id, '${s.kind}', new.id, new.timestamp, ${text});`;
    const del = `DELETE FROM search_index WHERE rowid = old.id * 4 + ${s.code};`;
    await sql
      .raw(`CREATE TRIGGER ${s.table}_search_ad AFTER DELETE ON ${s.table} BEGIN ${del} END`)
      .execute(db);
    await sql
      .raw(
        `CREATE TRIGGER ${s.table}_search_au AFTER UPDATE OF ${s.cols} ON ${s.table} BEGIN ${del} ${insert} END`,
      )
      .execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['prompts', 'responses', 'tool_calls']) {
    for (const suffix of ['ad', 'au']) {
      await sql.raw(`DROP TRIGGER IF EXISTS ${t}_search_${suffix}`).execute(db);
    }
  }
  await sql`DROP TABLE IF EXISTS search_index`.execute(db);
  for (const t of ['kv', 'core_state', 'hook_events', ...CHILD_TABLES, 'sessions']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
