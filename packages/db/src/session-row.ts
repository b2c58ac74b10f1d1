/**
 * The one mapping between a `Session` and its `sessions` row. `SESSION_COLUMNS` names, once, which field each
 * column mirrors and how it is stored; the row written for a session (`sessionRow`), the upsert statement
 * (`upsertSession` in statements.ts, from `SESSION_ROW_COLUMNS`), the columns a history listing selects and the history summary read back from them
 * (`toSessionSummary`) are all derived from it. Every other field lives in the row's `snapshot` (the session as
 * JSON without the rings kept in child tables), so a new field is stored without a line here; give it a column
 * (one line here, one migration) only to filter, sort or list by it.
 *
 * Loaded by the writer thread (through `sqlite/writer.ts`): no runtime import but the error class.
 */
import type { Session, SessionRingKey } from '@flightdeck/shared-types';
import { DbInputError } from './errors.js';
import type { SessionsTable } from './schema.js';

/** How a field is stored: as is (`value`), as JSON text (`json`), or as 0/1 (`bool`). */
type Codec = 'value' | 'json' | 'bool';

interface Column<F extends keyof Session = keyof Session> {
  field: F;
  codec: Codec;
  /** Stored when the field is null or missing (and read back for a JSON column that cannot be parsed). */
  empty: string | number | null;
}

const col = <F extends keyof Session>(field: F, codec: Codec = 'value', empty: Column['empty'] = null) => ({
  field,
  codec,
  empty,
});

/** The columns that mirror a `Session` field: column name → field. */
export const SESSION_COLUMNS = {
  id: col('sessionId'),
  cli: col('cli'),
  project_path: col('projectPath', 'value', ''),
  project_name: col('projectName', 'value', ''),
  title: col('title', 'value', ''),
  model: col('model'),
  status: col('status'),
  status_reason: col('statusReason', 'json'),
  source: col('source', 'value', 'unknown'),
  host: col('host'),
  label: col('label'),
  team_id: col('teamId'),
  team_role: col('teamRole'),
  accent_color: col('accentColor'),
  parent_session_id: col('parentSessionId'),
  agent_name: col('agentName'),
  agent_type: col('agentType'),
  permission_mode: col('permissionMode'),
  transcript_path: col('transcriptPath'),
  started_at: col('startedAt'),
  ended_at: col('endedAt'),
  end_reason: col('endReason'),
  last_activity_at: col('lastActivityAt'),
  total_prompts: col('totalPrompts', 'value', 0),
  total_tool_calls: col('totalToolCalls', 'value', 0),
  archived: col('archived', 'bool', 0),
  previous_session_ids: col('previousSessionIds', 'json', '[]'),
  resume_count: col('resumeCount', 'value', 0),
} as const satisfies { [C in keyof SessionsTable]?: Column };

export type SessionColumn = keyof typeof SESSION_COLUMNS;
/** The fields that have a column. */
export type ColumnField = (typeof SESSION_COLUMNS)[SessionColumn]['field'];

/** Columns that are not a field: the snapshot and the ring lengths. Every other column must be in the table. */
type DerivedColumn = 'snapshot' | 'ring_lengths';
type Unmapped = Exclude<keyof SessionsTable, SessionColumn | DerivedColumn>;
/** A column of the schema that nothing writes is a compile error here. */
export const EVERY_COLUMN_MAPPED: Unmapped extends never ? true : { unmapped: Unmapped } = true;

/** The rings stored in child tables (the others, subagents and the status timeline, stay in the snapshot). */
export const TABLE_RINGS = [
  'promptHistory',
  'toolLog',
  'responseLog',
  'events',
] as const satisfies readonly SessionRingKey[];

const ENTRIES = Object.entries(SESSION_COLUMNS) as [SessionColumn, Column][];

/** Column names of a session row, in the order of `SESSION_COLUMNS`, then `snapshot` and `ring_lengths`. */
export const SESSION_ROW_COLUMNS: readonly string[] = [
  ...ENTRIES.map(([c]) => c),
  'snapshot',
  'ring_lengths',
];

function isObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null;
}

/**
 * The expression that stores field `f` of `s` in its column (`empty` when the field is missing or null; JSON text;
 * 0/1), as source text for `compileRow`.
 */
function encodeExpr(c: Column): string {
  const v = `s[${JSON.stringify(c.field)}]`;
  const empty = JSON.stringify(c.empty);
  if (c.codec === 'json') return `${v} == null ? ${empty} : JSON.stringify(${v})`;
  if (c.codec === 'bool') return `${v} == null ? ${empty} : ${v} ? 1 : 0`;
  return `${v} ?? ${empty}`;
}

type RowBuilder = (s: Session, emptyRing: readonly never[]) => Record<string, string | number | null>;

/**
 * The row builder, compiled once from `SESSION_COLUMNS` and `TABLE_RINGS` into one object literal (the columns,
 * then the snapshot and the ring lengths): the row is one allocation with its fields in the object itself, the
 * snapshot one spread with the table rings emptied. A loop of keyed stores built the same row in dictionary mode,
 * at several times the memory per checkpointed session (apps/server/src/tuning.ts, entry 7).
 */
function compileRow(): RowBuilder {
  const key = (name: string) => JSON.stringify(name);
  const columns = ENTRIES.map(([column, c]) => `${key(column)}: ${encodeExpr(c)}`);
  const emptied = TABLE_RINGS.map((ring) => `${key(ring)}: empty`);
  const lengths = TABLE_RINGS.map((ring) => `${key(ring)}: s[${key(ring)}]?.length ?? 0`);
  return new Function(
    's',
    'empty',
    `return {\n${columns.join(',\n')},\nsnapshot: JSON.stringify({ ...s, ${emptied.join(', ')} }),\n` +
      `ring_lengths: JSON.stringify({ ${lengths.join(', ')} }),\n};`,
  ) as RowBuilder;
}

const buildRow = compileRow();
const NO_ENTRIES: readonly never[] = Object.freeze([]);

/** A session's row: its columns, the snapshot without the table rings, and those rings' lengths. */
export function sessionRow(s: Session): Record<string, string | number | null> {
  if (!isObject(s) || typeof s.sessionId !== 'string' || s.sessionId.length === 0) {
    throw new DbInputError('session: sessionId must be a non-empty string', 'sessionId');
  }
  return buildRow(s, NO_ENTRIES);
}

function decode(c: Column, v: unknown): unknown {
  if (c.codec === 'bool') return v === 1;
  if (c.codec !== 'json') return v ?? c.empty;
  const text = typeof v === 'string' ? v : c.empty;
  if (typeof text !== 'string') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return typeof c.empty === 'string' ? (JSON.parse(c.empty) as unknown) : null;
  }
}

/** A session as listed in history: the fields that have a column, read from the row (no snapshot). */
export type SessionSummary = Pick<Session, ColumnField>;

/** The history summary of a row (any row holding at least the `SESSION_COLUMNS`). */
export function toSessionSummary(row: { [C in SessionColumn]: unknown }): SessionSummary {
  const out: Record<string, unknown> = {};
  for (const [column, c] of ENTRIES) out[c.field] = decode(c, row[column]);
  return out as SessionSummary;
}

/** The column that mirrors `field`. */
export function columnOf<F extends ColumnField>(field: F): SessionColumn {
  const found = ENTRIES.find(([, c]) => c.field === field);
  if (!found) throw new DbInputError(`no column for ${field}`, 'field');
  return found[0];
}
