/**
 * Applying write plans: the half of recording a batch that needs nothing but a SQLite connection. A plan is a
 * list of `WriteOp`s (strings, numbers, null and one flat object per session row), made by the planner in
 * `ingest.ts` and applied here in order, in one transaction per `write`. This module imports no other part
 * of the package at runtime but its error class and the session row's column table (`session-row.ts`), so a
 * worker thread can load it alone.
 */
import BetterSqlite3 from 'better-sqlite3';
import { DbInputError } from './errors.js';
import { UPSERT_SESSION_SQL } from './session-row.js';

/** Result of applying hook-event writes. */
export interface IngestResult {
  insertedIngestIds: string[];
  duplicateIngestIds: string[];
}

/**
 * `kv` key of the checkpoint watermark: the id of the last raw hook event whose effect the saved state (session
 * rows, ring entries, core state) includes. Events after it are replayed on start.
 */
export const WATERMARK_KEY = 'core.watermark';

export const SQL = {
  insertHookEvent: `INSERT OR IGNORE INTO hook_events (ingest_id, session_id, cli, event_type, payload, meta, received_at, sent_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  upsertSession: UPSERT_SESSION_SQL,
  insertPrompt: `INSERT OR IGNORE INTO prompts (session_id, text, prompt_id, timestamp) VALUES (?, ?, ?, ?)`,
  insertResponse: `INSERT OR IGNORE INTO responses (session_id, text_excerpt, agent_id, timestamp) VALUES (?, ?, ?, ?)`,
  insertEvent: `INSERT OR IGNORE INTO events (session_id, event_type, detail, timestamp) VALUES (?, ?, ?, ?)`,
  insertTool: `INSERT OR IGNORE INTO tool_calls (session_id, tool_use_id, tool_name, tool_input_summary, tool_input, status,
      timestamp, ended_at, duration_ms, result_excerpt, error, agent_id)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  updateToolById: `UPDATE tool_calls SET status = ?, ended_at = ?, duration_ms = ?, result_excerpt = ?, error = ?, agent_id = ?
    WHERE session_id = ? AND tool_use_id = ?`,
  updateToolByTime: `UPDATE tool_calls SET status = ?, ended_at = ?, duration_ms = ?, result_excerpt = ?, error = ?, agent_id = ?
    WHERE session_id = ? AND tool_use_id IS NULL AND timestamp = ? AND tool_name = ?`,
  insertSearch: `INSERT INTO search_index (rowid, session_id, kind, ref_id, timestamp, text) VALUES (?, ?, ?, ?, ?, ?)`,
  saveCoreState: `INSERT INTO core_state (id, state, updated_at) VALUES (1, ?, ?)
    ON CONFLICT (id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
  upsertKv: `INSERT INTO kv (key, value, updated_at) VALUES (?, ?, ?)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  deleteKv: `DELETE FROM kv WHERE key = ?`,
  saveWatermark: `INSERT INTO kv (key, value, updated_at)
    VALUES ('${WATERMARK_KEY}', (SELECT ifnull(max(id), 0) FROM hook_events), ?)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  hasIngestId: `SELECT 1 FROM hook_events WHERE ingest_id = ?`,
  sessionExists: `SELECT 1 FROM sessions WHERE id = ?`,
  deleteSession: `DELETE FROM sessions WHERE id = ?`,
  deleteHookEventsOf: `DELETE FROM hook_events WHERE session_id = ?`,
} as const;

/** Opcodes of `WriteOp`. */
export const OP = {
  hook: 1,
  session: 2,
  prompt: 3,
  response: 4,
  tool: 5,
  event: 6,
  rekey: 7,
  remove: 8,
  core: 9,
  kv: 10,
  watermark: 11,
} as const;

type N = string | null;
/** One write: plain data (strings, numbers, null, one flat object for a session row). */
export type WriteOp =
  | [typeof OP.hook, string, N, string, N, string, string, number, number | null]
  | [typeof OP.session, Record<string, string | number | null>]
  | [typeof OP.prompt, string, string, N, number]
  | [typeof OP.response, string, string, N, number]
  | [typeof OP.tool, string, N, string, string, N, string, number, number | null, number | null, N, N, N]
  | [typeof OP.event, string, string, string, number]
  | [typeof OP.rekey, string, string]
  | [typeof OP.remove, string]
  | [typeof OP.core, string, number]
  | [typeof OP.kv, string, N, number]
  /** The state written so far in this transaction includes every raw event stored so far (the checkpoint). */
  | [typeof OP.watermark, number];

/** A connection and its prepared statements. */
export interface Statements {
  sqlite: BetterSqlite3.Database;
  statements: Map<string, BetterSqlite3.Statement>;
}

/** A cached prepared statement of this connection. */
export function prepared(h: Statements, sqlText: string): BetterSqlite3.Statement {
  let s = h.statements.get(sqlText);
  if (!s) {
    s = h.sqlite.prepare(sqlText);
    h.statements.set(sqlText, s);
  }
  return s;
}

/** Kind codes of `search_index` rowids (rowid = ref id * 8 + code; migration 0002). */
const KIND_CODE = { prompt: 1, response: 2, tool_input: 3, tool_output: 4 } as const;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the snippet markers are control characters on purpose
const MARKERS = /[\u0002\u0003]/g;

/**
 * Adds a freshly inserted child row to the full-text index (an FTS5 insert from a trigger costs ~10x more; later
 * updates are followed by the triggers of migration 0002).
 */
function index(
  h: Statements,
  kind: keyof typeof KIND_CODE,
  refId: number | bigint,
  sessionId: string,
  timestamp: number,
  text: string,
): void {
  const id = Number(refId);
  prepared(h, SQL.insertSearch).run(
    id * 8 + KIND_CODE[kind],
    sessionId,
    kind,
    id,
    timestamp,
    text.replace(MARKERS, ''),
  );
}

function applyTool(h: Statements, op: Extract<WriteOp, [typeof OP.tool, ...unknown[]]>): void {
  const [, sessionId, useId, tool, summary, input, status, startedAt, ended, duration, result, error, agent] =
    op;
  const r = prepared(h, SQL.insertTool).run(
    sessionId,
    useId,
    tool,
    summary,
    input,
    status,
    startedAt,
    ended,
    duration,
    result,
    error,
    agent,
  );
  if (r.changes > 0) {
    index(h, 'tool_input', r.lastInsertRowid, sessionId, startedAt, `${tool} ${summary} ${input ?? ''}`);
    const output = `${result ?? ''} ${error ?? ''}`.trim();
    if (output !== '') index(h, 'tool_output', r.lastInsertRowid, sessionId, startedAt, output);
  } else if (useId) {
    prepared(h, SQL.updateToolById).run(status, ended, duration, result, error, agent, sessionId, useId);
  } else {
    prepared(h, SQL.updateToolByTime).run(
      status,
      ended,
      duration,
      result,
      error,
      agent,
      sessionId,
      startedAt,
      tool,
    );
  }
}

function deleteSessionWith(h: Statements, id: string): boolean {
  prepared(h, SQL.deleteHookEventsOf).run(id);
  return prepared(h, SQL.deleteSession).run(id).changes > 0;
}

const CHILD_TABLES = ['prompts', 'responses', 'tool_calls', 'events', 'notes'] as const;

function migrateWith(h: Statements, oldId: string, newId: string): boolean {
  if (oldId === newId) return false;
  const exists = (id: string) => prepared(h, SQL.sessionExists).get(id) !== undefined;
  prepared(h, 'UPDATE hook_events SET session_id = ? WHERE session_id = ?').run(newId, oldId);
  if (!exists(oldId)) return false;
  if (!exists(newId)) {
    // ON UPDATE CASCADE carries every child row (and the FTS triggers follow).
    prepared(h, 'UPDATE sessions SET id = ? WHERE id = ?').run(newId, oldId);
    return true;
  }
  // Both exist: move the children that do not collide with the new session's own, drop the old row.
  for (const t of CHILD_TABLES) {
    prepared(h, `UPDATE OR IGNORE ${t} SET session_id = ? WHERE session_id = ?`).run(newId, oldId);
  }
  prepared(h, SQL.deleteSession).run(oldId);
  return true;
}

/** Runs `ops` in order on the connection (the caller holds the transaction). */
export function applyOps(h: Statements, ops: readonly WriteOp[]): IngestResult {
  const inserted: string[] = [];
  const duplicates: string[] = [];
  for (const op of ops) {
    switch (op[0]) {
      case OP.hook: {
        const r = prepared(h, SQL.insertHookEvent).run(
          op[1],
          op[2],
          op[3],
          op[4],
          op[5],
          op[6],
          op[7],
          op[8],
        );
        (r.changes > 0 ? inserted : duplicates).push(op[1]);
        break;
      }
      case OP.session:
        prepared(h, SQL.upsertSession).run(op[1]);
        break;
      case OP.prompt: {
        const r = prepared(h, SQL.insertPrompt).run(op[1], op[2], op[3], op[4]);
        if (r.changes > 0) index(h, 'prompt', r.lastInsertRowid, op[1], op[4], op[2]);
        break;
      }
      case OP.response: {
        const r = prepared(h, SQL.insertResponse).run(op[1], op[2], op[3], op[4]);
        if (r.changes > 0) index(h, 'response', r.lastInsertRowid, op[1], op[4], op[2]);
        break;
      }
      case OP.tool:
        applyTool(h, op);
        break;
      case OP.event:
        prepared(h, SQL.insertEvent).run(op[1], op[2], op[3], op[4]);
        break;
      case OP.rekey:
        migrateWith(h, op[1], op[2]);
        break;
      case OP.remove:
        deleteSessionWith(h, op[1]);
        break;
      case OP.core:
        prepared(h, SQL.saveCoreState).run(op[1], op[2]);
        break;
      case OP.kv:
        if (op[2] === null) prepared(h, SQL.deleteKv).run(op[1]);
        else prepared(h, SQL.upsertKv).run(op[1], op[2], op[3]);
        break;
      case OP.watermark:
        prepared(h, SQL.saveWatermark).run(op[1]);
        break;
      default:
        throw new DbInputError(`write plan: unknown operation ${String((op as unknown[])[0])}`, 'ops');
    }
  }
  return { insertedIngestIds: inserted, duplicateIngestIds: duplicates };
}

/** Applies write plans on a connection of its own (e.g. in a worker thread): each call is one transaction. */
export interface OpWriter {
  write(ops: readonly WriteOp[]): IngestResult;
}

export function createOpWriter(sqlite: BetterSqlite3.Database): OpWriter {
  const h: Statements = { sqlite, statements: new Map() };
  const tx = sqlite.transaction((ops: readonly WriteOp[]) => applyOps(h, ops));
  return { write: (ops) => tx(ops) };
}

/**
 * The connection settings every Flightdeck connection uses: WAL journal (WAL file capped at 64 MB after a
 * checkpoint), `synchronous = NORMAL`, foreign keys on, a 4 MB page cache and a busy timeout.
 */
export function configureConnection(sqlite: BetterSqlite3.Database, busyTimeoutMs = 5000): void {
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('cache_size = -4000');
  sqlite.pragma('journal_size_limit = 67108864');
  sqlite.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
}

/** A writer connection of its own to an existing database file (migrated by `openDatabase` before). */
export interface WriterConnection extends OpWriter {
  /** Copies the WAL into the database without waiting for readers or blocking writers (PASSIVE). */
  checkpoint(): void;
  close(): void;
}

/** Opens `file` for writes: automatic checkpoints off (call `checkpoint()` when it suits you). */
export function openWriterConnection(file: string): WriterConnection {
  const sqlite = new BetterSqlite3(file);
  try {
    configureConnection(sqlite);
    sqlite.pragma('wal_autocheckpoint = 0');
  } catch (err) {
    sqlite.close();
    throw err;
  }
  const writer = createOpWriter(sqlite);
  return {
    write: (ops) => writer.write(ops),
    checkpoint() {
      sqlite.pragma('wal_checkpoint(PASSIVE)');
    },
    close() {
      if (sqlite.open) sqlite.close();
    },
  };
}
