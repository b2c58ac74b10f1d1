/**
 * Migration 0002: the full-text index covers everything the History page searches.
 *
 * 0001 indexed prompts, responses and tool inputs only; tool outputs (`result_excerpt`, `error`), notes and
 * session titles were not searchable. This migration rebuilds `search_index` with one row per searchable
 * item and a `kind` naming what it is, and backfills it from the existing rows so old data stays searchable.
 *
 * rowid = ref_id * 8 + kind code (1 prompt, 2 response, 3 tool_input, 4 tool_output, 5 note, 6 title), so an
 * entry is found by primary key. ref_id is the row id in `prompts`, `responses`, `tool_calls`, `notes`, or,
 * for a title, the `sessions` rowid (stable: nothing runs VACUUM; a VACUUM would need a rebuild of the title
 * rows). Prompts, responses, tool inputs and tool outputs of freshly inserted rows are ADDED by the ingest
 * code (sqlite/apply.ts); every other change is followed by the triggers below. A session title equal to the
 * project name (the default) is not indexed. Control chars 2 and 3 are stripped: they mark snippet matches.
 *
 * Frozen in time: this file never imports application code.
 */
import { type Kysely, sql } from 'kysely';

const clean = (expr: string) => `replace(replace(${expr}, char(2), ''), char(3), '')`;

interface Source {
  /** Trigger name prefix. */
  name: string;
  table: string;
  code: number;
  kind: string;
  /** Expressions over the row alias `X`. */
  id: string;
  session: string;
  timestamp: string;
  text: string;
  /** Only rows where this holds are indexed. */
  when: string;
  /** Columns whose update re-indexes the row. */
  cols: string[];
}

const SOURCES: Source[] = [
  {
    name: 'prompts',
    table: 'prompts',
    code: 1,
    kind: 'prompt',
    id: 'X.id',
    session: 'X.session_id',
    timestamp: 'X.timestamp',
    text: 'X.text',
    when: '1',
    cols: ['session_id', 'text', 'timestamp'],
  },
  {
    name: 'responses',
    table: 'responses',
    code: 2,
    kind: 'response',
    id: 'X.id',
    session: 'X.session_id',
    timestamp: 'X.timestamp',
    text: 'X.text_excerpt',
    when: '1',
    cols: ['session_id', 'text_excerpt', 'timestamp'],
  },
  {
    name: 'tool_calls',
    table: 'tool_calls',
    code: 3,
    kind: 'tool_input',
    id: 'X.id',
    session: 'X.session_id',
    timestamp: 'X.timestamp',
    text: "X.tool_name || ' ' || X.tool_input_summary || ' ' || ifnull(X.tool_input, '')",
    when: '1',
    cols: ['session_id', 'tool_name', 'tool_input_summary', 'tool_input', 'timestamp'],
  },
  {
    name: 'tool_output',
    table: 'tool_calls',
    code: 4,
    kind: 'tool_output',
    id: 'X.id',
    session: 'X.session_id',
    timestamp: 'X.timestamp',
    text: "trim(ifnull(X.result_excerpt, '') || ' ' || ifnull(X.error, ''))",
    when: "trim(ifnull(X.result_excerpt, '') || ifnull(X.error, '')) <> ''",
    cols: ['session_id', 'result_excerpt', 'error', 'timestamp'],
  },
  {
    name: 'notes',
    table: 'notes',
    code: 5,
    kind: 'note',
    id: 'X.id',
    session: 'X.session_id',
    timestamp: 'X.updated_at',
    text: 'X.text',
    when: '1',
    cols: ['session_id', 'text', 'updated_at'],
  },
  {
    name: 'session_title',
    table: 'sessions',
    code: 6,
    kind: 'title',
    id: 'X.rowid',
    session: 'X.id',
    timestamp: 'X.started_at',
    text: 'X.title',
    when: "X.title <> '' AND X.title <> X.project_name",
    cols: ['id', 'title', 'project_name', 'started_at'],
  },
];

/** Sources whose inserts the triggers index (the ingest code adds the others right after its inserts). */
const TRIGGER_INSERTS = new Set(['notes', 'session_title']);

const TRIGGERS = SOURCES.flatMap((s) => [
  `${s.name}_search_ai`,
  `${s.name}_search_au`,
  `${s.name}_search_ad`,
]);

function insertSql(s: Source, alias: string, from: string): string {
  const x = (e: string) => e.replaceAll('X.', `${alias}.`);
  return `INSERT INTO search_index (rowid, session_id, kind, ref_id, timestamp, text)
    SELECT ${x(s.id)} * 8 + ${s.code}, ${x(s.session)}, '${s.kind}', ${x(s.id)}, ${x(s.timestamp)}, ${clean(x(s.text))}
    ${from} WHERE ${x(s.when)};`;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const t of ['prompts', 'responses', 'tool_calls']) {
    for (const suffix of ['ad', 'au'])
      await sql.raw(`DROP TRIGGER IF EXISTS ${t}_search_${suffix}`).execute(db);
  }
  await sql`DROP TABLE IF EXISTS search_index`.execute(db);
  await sql`CREATE VIRTUAL TABLE search_index USING fts5(
    session_id UNINDEXED, kind UNINDEXED, ref_id UNINDEXED, timestamp UNINDEXED, text,
    tokenize = 'unicode61 remove_diacritics 2'
  )`.execute(db);
  for (const s of SOURCES) {
    // Backfill: everything recorded before this migration stays searchable.
    await sql.raw(insertSql(s, 'r', `FROM ${s.table} r`)).execute(db);
    const del = `DELETE FROM search_index WHERE rowid = ${s.id.replace('X.', 'old.')} * 8 + ${s.code};`;
    const ins = insertSql(s, 'new', '');
    const changed = s.cols.map((c) => `old.${c} IS NOT new.${c}`).join(' OR ');
    if (TRIGGER_INSERTS.has(s.name)) {
      await sql
        .raw(`CREATE TRIGGER ${s.name}_search_ai AFTER INSERT ON ${s.table} BEGIN ${ins} END`)
        .execute(db);
    }
    await sql
      .raw(
        `CREATE TRIGGER ${s.name}_search_au AFTER UPDATE OF ${s.cols.join(', ')} ON ${s.table}
          WHEN ${changed} BEGIN ${del} ${ins} END`,
      )
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER ${s.name}_search_ad AFTER DELETE ON ${s.table} BEGIN ${del} END`)
      .execute(db);
  }
}

/** Back to the 0001 index (prompts, responses, tool inputs; rowid = id * 4 + code), rebuilt from the rows. */
export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of TRIGGERS) await sql.raw(`DROP TRIGGER IF EXISTS ${t}`).execute(db);
  await sql`DROP TABLE IF EXISTS search_index`.execute(db);
  await sql`CREATE VIRTUAL TABLE search_index USING fts5(
    session_id UNINDEXED, kind UNINDEXED, ref_id UNINDEXED, timestamp UNINDEXED, text,
    tokenize = 'unicode61 remove_diacritics 2'
  )`.execute(db);
  for (const s of SOURCES.slice(0, 3)) {
    const kind = s.kind === 'tool_input' ? 'tool' : s.kind;
    const text = (alias: string) => clean(s.text.replaceAll('X.', `${alias}.`));
    await sql
      .raw(
        `INSERT INTO search_index (rowid, session_id, kind, ref_id, timestamp, text)
          SELECT r.id * 4 + ${s.code}, r.session_id, '${kind}', r.id, r.timestamp, ${text('r')} FROM ${s.table} r`,
      )
      .execute(db);
    const insert = `INSERT INTO search_index (rowid, session_id, kind, ref_id, timestamp, text) VALUES (new.id * 4 + ${s.code}, new.session_id, '${kind}', new.id, new.timestamp, ${text('new')});`;
    const del = `DELETE FROM search_index WHERE rowid = old.id * 4 + ${s.code};`;
    await sql
      .raw(`CREATE TRIGGER ${s.table}_search_ad AFTER DELETE ON ${s.table} BEGIN ${del} END`)
      .execute(db);
    await sql
      .raw(
        `CREATE TRIGGER ${s.table}_search_au AFTER UPDATE OF ${s.cols.join(', ')} ON ${s.table} BEGIN ${del} ${insert} END`,
      )
      .execute(db);
  }
}
