/**
 * Applies write plans on a better-sqlite3 connection: the statements of `statements.ts`, compiled once per
 * connection (on first use), in one transaction per plan; plus what only SQLite has: the FTS5 index rows of the
 * entries inserted (an FTS5 insert from a trigger costs ~10x more; later updates and deletes are followed by the
 * triggers of migration 0002).
 */
import type BetterSqlite3 from 'better-sqlite3';
import { DbInputError, IMPORT_CONFLICT } from '../errors.js';
import { SESSION_ROW_COLUMNS } from '../session-row.js';
import * as S from '../statements.js';
import { TOOL_CALL_FIELDS, type ToolCallInsert, type WriteOp } from '../write-op.js';
import { type Compiled, compile, sqliteCompiler as k, placeholders } from './compiled.js';

const HOOK = [
  'ingest_id',
  'session_id',
  'cli',
  'event_type',
  'payload',
  'meta',
  'received_at',
  'sent_at',
] as const;
const PROMPT = ['session_id', 'text', 'prompt_id', 'timestamp'] as const;
const RESPONSE = ['session_id', 'text_excerpt', 'agent_id', 'timestamp'] as const;
const EVENT = ['session_id', 'event_type', 'detail', 'timestamp'] as const;
const TOOL = ['session_id', ...TOOL_CALL_FIELDS] as const;
const APPROVAL = [
  'id',
  'session_id',
  'tool',
  'summary',
  'opened_at',
  'closed_at',
  'outcome',
  'message',
  'remember',
  'by_address',
  'by_authenticated',
  'via',
] as const;
const USAGE = [
  'session_id',
  'message_id',
  'request_id',
  'agent_id',
  'model',
  'at',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_5m_tokens',
  'cache_write_1h_tokens',
] as const;
const QUEUE_ROW = [
  'session_id',
  'position',
  'item_id',
  'text',
  'state',
  'created_at',
  'updated_at',
  'sent_at',
  'queue_state',
] as const;
const IMPORT_FILE = [
  'path',
  'cli',
  'session_id',
  'size',
  'mtime_ms',
  'bytes_done',
  'status',
  'state',
  'updated_at',
] as const;
const IDS = placeholders(['oldId', 'newId', 'id'] as const);

/** Kind codes of `search_index` rowids (rowid = ref id * 8 + code; migration 0002). */
const KIND_CODE = { prompt: 1, response: 2, tool_input: 3, tool_output: 4 } as const;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the snippet markers are control characters on purpose
const MARKERS = /[\u0002\u0003]/g;
const INSERT_SEARCH = `INSERT INTO search_index (rowid, session_id, kind, ref_id, timestamp, text)
  VALUES (?, ?, ?, ?, ?, ?)`;

type Ids = { oldId: string; newId: string };

/** Every statement of a plan, compiled for one connection on first use. */
function statementsOf(sqlite: BetterSqlite3.Database) {
  const cache = new Map<string, Compiled<never>>();
  const once = <V extends object>(name: string, build: () => Parameters<typeof compile>[1]): Compiled<V> => {
    let c = cache.get(name);
    if (c === undefined) {
      c = compile<never>(sqlite, build());
      cache.set(name, c);
    }
    return c as unknown as Compiled<V>;
  };
  let search: BetterSqlite3.Statement | null = null;
  return {
    hookEvent: () => once('hookEvent', () => S.insertHookEvent(k, placeholders(HOOK))),
    session: () =>
      once('session', () => S.upsertSession(k, placeholders(SESSION_ROW_COLUMNS as never) as never)),
    prompt: () => once('prompt', () => S.insertPrompt(k, placeholders(PROMPT))),
    response: () => once('response', () => S.insertResponse(k, placeholders(RESPONSE))),
    event: () => once('event', () => S.insertEvent(k, placeholders(EVENT))),
    tool: () => once<ToolCallInsert>('tool', () => S.insertTool(k, placeholders(TOOL))),
    toolById: () => once<ToolCallInsert>('toolById', () => S.updateToolById(k, placeholders(TOOL))),
    toolByTime: () => once<ToolCallInsert>('toolByTime', () => S.updateToolByTime(k, placeholders(TOOL))),
    approval: () => once('approval', () => S.insertApprovalDecision(k, placeholders(APPROVAL))),
    usage: () => once('usage', () => S.upsertUsage(k, placeholders(USAGE))),
    deleteQueue: () => once<{ id: string }>('deleteQueue', () => S.deletePromptQueue(k, IDS)),
    queueRow: () => once('queueRow', () => S.insertPromptQueueRow(k, placeholders(QUEUE_ROW))),
    coreState: () => once('coreState', () => S.saveCoreState(k, placeholders(['state', 'at'] as const))),
    upsertKv: () => once('upsertKv', () => S.upsertKv(k, placeholders(['key', 'value', 'at'] as const))),
    deleteKv: () => once('deleteKv', () => S.deleteKv(k, placeholders(['key'] as const))),
    watermark: () => once('watermark', () => S.saveWatermark(k, placeholders(['at'] as const))),
    exists: () => once<{ id: string }>('exists', () => S.sessionExists(k, IDS)),
    moveHookEvents: () => once<Ids>('moveHookEvents', () => S.moveHookEvents(k, IDS)),
    rename: () => once<Ids>('rename', () => S.renameSession(k, IDS)),
    dropCollisions: (t: (typeof S.CHILD_TABLES)[number]) => {
      const q = S.dropMergeCollisions(k, t, IDS);
      return q === null ? null : once<Ids>(`drop:${t}`, () => q);
    },
    moveChildren: (t: (typeof S.CHILD_TABLES)[number]) =>
      once<Ids>(`move:${t}`, () => S.moveChildren(k, t, IDS)),
    deleteSession: () => once<{ id: string }>('deleteSession', () => S.deleteSession(k, IDS)),
    deleteHookEventsOf: () => once<{ id: string }>('deleteHookEventsOf', () => S.deleteHookEventsOf(k, IDS)),
    deleteUsageOf: () => once<{ id: string }>('deleteUsageOf', () => S.deleteUsageOf(k, IDS)),
    sessionIfAbsent: () =>
      once('sessionIfAbsent', () => S.insertSessionIfAbsent(k, placeholders(SESSION_ROW_COLUMNS as never))),
    importFile: () => once('importFile', () => S.upsertImportFile(k, placeholders(IMPORT_FILE))),
    notImported: () => once<{ id: string }>('notImported', () => S.sessionNotImported(k, IDS)),
    search: () => {
      search ??= sqlite.prepare(INSERT_SEARCH);
      return search;
    },
  };
}

type Statements = ReturnType<typeof statementsOf>;

/** Adds a freshly inserted child row to the full-text index. */
function index(
  st: Statements,
  kind: keyof typeof KIND_CODE,
  refId: number | bigint,
  sessionId: string,
  timestamp: number,
  text: string,
): void {
  const id = Number(refId);
  st.search().run(id * 8 + KIND_CODE[kind], sessionId, kind, id, timestamp, text.replace(MARKERS, ''));
}

function applyTool(st: Statements, row: ToolCallInsert): void {
  const r = st.tool().run(row);
  if (r.changes > 0) {
    const input = `${row.tool_name} ${row.tool_input_summary} ${row.tool_input ?? ''}`;
    index(st, 'tool_input', r.lastInsertRowid, row.session_id, row.timestamp, input);
    const output = `${row.result_excerpt ?? ''} ${row.error ?? ''}`.trim();
    if (output !== '') index(st, 'tool_output', r.lastInsertRowid, row.session_id, row.timestamp, output);
  } else if (row.tool_use_id) {
    st.toolById().run(row);
  } else {
    st.toolByTime().run(row);
  }
}

/** A step of the history import: refused (the whole plan) when the session is live. */
function applyImportFile(st: Statements, op: Extract<WriteOp, { op: 'importFile' }>): void {
  const { row } = op;
  if (row.status !== 'live') {
    if (st.notImported().get({ id: row.session_id }) !== undefined) {
      throw new Error(`${IMPORT_CONFLICT}: session ${row.session_id} is live`);
    }
    if (op.session !== null) {
      if (op.replaceSession) st.session().run(op.session);
      else st.sessionIfAbsent().run(op.session);
    }
  }
  st.importFile().run(row);
}

/** Raw events move; the session row is renamed, or merged into the new id's when that exists. */
function rekey(st: Statements, ids: Ids): void {
  if (ids.oldId === ids.newId) return;
  st.moveHookEvents().run(ids);
  // usage rows have no foreign key to follow a rename: moved here, a response both ids have counted once
  st.dropCollisions('usage_messages')?.run(ids);
  st.moveChildren('usage_messages').run(ids);
  if (st.exists().get({ id: ids.oldId }) === undefined) return;
  if (st.exists().get({ id: ids.newId }) === undefined) {
    // ON UPDATE CASCADE carries every child row (and the FTS triggers follow).
    st.rename().run(ids);
    return;
  }
  for (const t of S.CHILD_TABLES) {
    st.dropCollisions(t)?.run(ids);
    st.moveChildren(t).run(ids);
  }
  st.deleteSession().run({ id: ids.oldId });
}

function applyOps(st: Statements, ops: readonly WriteOp[]): void {
  for (const op of ops) {
    switch (op.op) {
      case 'hookEvent':
        st.hookEvent().run(op.row);
        break;
      case 'session':
        st.session().run(op.row);
        break;
      case 'prompt': {
        const r = st.prompt().run(op.row);
        if (r.changes > 0)
          index(st, 'prompt', r.lastInsertRowid, op.row.session_id, op.row.timestamp, op.row.text);
        break;
      }
      case 'response': {
        const { row } = op;
        const r = st.response().run(row);
        if (r.changes > 0)
          index(st, 'response', r.lastInsertRowid, row.session_id, row.timestamp, row.text_excerpt);
        break;
      }
      case 'tool':
        applyTool(st, op.row);
        break;
      case 'event':
        st.event().run(op.row);
        break;
      case 'rekey':
        rekey(st, op);
        break;
      case 'remove':
        st.deleteHookEventsOf().run({ id: op.sessionId });
        st.deleteUsageOf().run({ id: op.sessionId });
        st.deleteSession().run({ id: op.sessionId });
        break;
      case 'approval':
        st.approval().run(op.row);
        break;
      case 'usage':
        st.usage().run(op.row);
        break;
      case 'promptQueue':
        st.deleteQueue().run({ id: op.sessionId });
        for (const row of op.rows) st.queueRow().run(row);
        break;
      case 'importFile':
        applyImportFile(st, op);
        break;
      case 'coreState':
        st.coreState().run(op);
        break;
      case 'kv':
        if (op.value === null) st.deleteKv().run(op);
        else st.upsertKv().run(op);
        break;
      case 'watermark':
        st.watermark().run(op);
        break;
      default:
        throw new DbInputError(`write plan: unknown operation ${String((op as { op: unknown }).op)}`, 'ops');
    }
  }
}

/** Applies a whole plan in one transaction on `sqlite` (rolled back entirely when an operation fails). */
export type ApplyPlan = (ops: readonly WriteOp[]) => void;

export function createApplier(sqlite: BetterSqlite3.Database): ApplyPlan {
  const st = statementsOf(sqlite);
  const tx = sqlite.transaction((ops: readonly WriteOp[]) => applyOps(st, ops));
  return (ops) => {
    tx(ops);
  };
}
