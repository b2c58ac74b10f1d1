/**
 * Every write statement of a write plan, once, in portable Kysely (no dialect's SQL text): each takes the database
 * (any dialect) and its values, and returns the query to run. The SQLite adapter compiles each once per connection
 * with placeholder values and runs it as a prepared statement (`sqlite/compiled.ts`); an adapter of another
 * dialect runs them through Kysely in a transaction. The inserts that take an array write many rows in one statement
 * (the PostgreSQL adapter's, one round trip for many rows). What only SQLite has (the FTS5 index) stays in `sqlite/`.
 */
import type { ExpressionBuilder, Kysely } from 'kysely';
import type { Database } from './schema.js';
import { SESSION_ROW_COLUMNS } from './session-row.js';
import {
  type ApprovalDecisionInsert,
  type EventInsert,
  type HookEventInsert,
  type ImportFileInsert,
  type PromptInsert,
  type PromptQueueInsert,
  type ResponseInsert,
  type SessionInsert,
  type ToolCallInsert,
  type UsageInsert,
  WATERMARK_KEY,
} from './write-op.js';

type Db = Kysely<Database>;

export const insertHookEvent = (db: Db, row: HookEventInsert | readonly HookEventInsert[]) =>
  db
    .insertInto('hook_events')
    .values(row)
    .onConflict((oc) => oc.doNothing());

/** The session's row, inserted, or every column but the id replaced (rows of one statement: distinct ids). */
export const upsertSession = (db: Db, row: SessionInsert | readonly SessionInsert[]) =>
  db
    .insertInto('sessions')
    .values(row)
    .onConflict((oc) =>
      oc.column('id').doUpdateSet((eb) => {
        const set: Record<string, unknown> = {};
        for (const c of SESSION_ROW_COLUMNS) {
          if (c !== 'id') set[c] = eb.ref(`excluded.${c}` as `excluded.${keyof SessionInsert}`);
        }
        return set as never;
      }),
    );

export const insertPrompt = (db: Db, row: PromptInsert | readonly PromptInsert[]) =>
  db
    .insertInto('prompts')
    .values(row)
    .onConflict((oc) => oc.doNothing());

export const insertResponse = (db: Db, row: ResponseInsert | readonly ResponseInsert[]) =>
  db
    .insertInto('responses')
    .values(row)
    .onConflict((oc) => oc.doNothing());

export const insertEvent = (db: Db, row: EventInsert | readonly EventInsert[]) =>
  db
    .insertInto('events')
    .values(row)
    .onConflict((oc) => oc.doNothing());

export const insertTool = (db: Db, row: ToolCallInsert) =>
  db
    .insertInto('tool_calls')
    .values(row)
    .onConflict((oc) => oc.doNothing());

/** What a tool call that is stored already may still change. */
const TOOL_PROGRESS = [
  'status',
  'ended_at',
  'duration_ms',
  'result_excerpt',
  'error',
  'agent_id',
] as const satisfies readonly (keyof ToolCallInsert)[];
type ToolProgress = Pick<ToolCallInsert, (typeof TOOL_PROGRESS)[number]>;

export const toolProgress = (row: ToolCallInsert): ToolProgress =>
  Object.fromEntries(TOOL_PROGRESS.map((c) => [c, row[c]])) as ToolProgress;

/**
 * Tool calls inserted, or, where stored already, their progress updated: one statement for many rows of one kind
 * of key (`tool_use_id` set, or null and keyed by start time and tool; the partial unique indexes of each). What
 * `insertTool` then `updateToolById`/`updateToolByTime` do row by row; the rows of one statement have distinct keys.
 */
export const upsertTools = (db: Db, rows: readonly ToolCallInsert[], keyed: 'byId' | 'byTime') =>
  db
    .insertInto('tool_calls')
    .values(rows)
    .onConflict((oc) => {
      const target =
        keyed === 'byId'
          ? oc.columns(['session_id', 'tool_use_id']).where('tool_use_id', 'is not', null)
          : oc.columns(['session_id', 'timestamp', 'tool_name']).where('tool_use_id', 'is', null);
      return target.doUpdateSet(
        (eb) => Object.fromEntries(TOOL_PROGRESS.map((c) => [c, eb.ref(`excluded.${c}`)])) as never,
      );
    });

/** A stored tool call that has a `tool_use_id`: its progress. */
export const updateToolById = (db: Db, row: ToolCallInsert) =>
  db
    .updateTable('tool_calls')
    .set(toolProgress(row))
    .where('session_id', '=', row.session_id)
    .where('tool_use_id', '=', row.tool_use_id);

/** A stored tool call without a `tool_use_id` (keyed by start time and tool): its progress. */
export const updateToolByTime = (db: Db, row: ToolCallInsert) =>
  db
    .updateTable('tool_calls')
    .set(toolProgress(row))
    .where('session_id', '=', row.session_id)
    .where('tool_use_id', 'is', null)
    .where('timestamp', '=', row.timestamp)
    .where('tool_name', '=', row.tool_name);

export const insertApprovalDecision = (db: Db, row: ApprovalDecisionInsert) =>
  db
    .insertInto('approval_decisions')
    .values(row)
    .onConflict((oc) => oc.doNothing());

/** A response's usage: inserted, or its row replaced by the later (final) count. */
export const upsertUsage = (db: Db, row: UsageInsert) =>
  db
    .insertInto('usage_messages')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['session_id', 'message_id', 'request_id']).doUpdateSet((eb) => ({
        agent_id: eb.ref('excluded.agent_id'),
        model: eb.ref('excluded.model'),
        at: eb.ref('excluded.at'),
        input_tokens: eb.ref('excluded.input_tokens'),
        output_tokens: eb.ref('excluded.output_tokens'),
        cache_read_tokens: eb.ref('excluded.cache_read_tokens'),
        cache_write_5m_tokens: eb.ref('excluded.cache_write_5m_tokens'),
        cache_write_1h_tokens: eb.ref('excluded.cache_write_1h_tokens'),
      })),
    );

export const deletePromptQueue = (db: Db, v: { id: string }) =>
  db.deleteFrom('prompt_queue').where('session_id', '=', v.id);

export const insertPromptQueueRow = (db: Db, row: PromptQueueInsert) =>
  db.insertInto('prompt_queue').values(row);

export const saveCoreState = (db: Db, v: { state: string; at: number }) =>
  db
    .insertInto('core_state')
    .values({ id: 1, state: v.state, updated_at: v.at })
    .onConflict((oc) =>
      oc.column('id').doUpdateSet((eb) => ({
        state: eb.ref('excluded.state'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    );

type KvRow = { key: string; value: string; at: number };

/** `kv` rows inserted or replaced: one row, or several in one statement (distinct keys). */
export const upsertKv = (db: Db, v: KvRow | readonly KvRow[]) =>
  db
    .insertInto('kv')
    .values(
      (Array.isArray(v) ? v : [v]).map((r: KvRow) => ({ key: r.key, value: r.value, updated_at: r.at })),
    )
    .onConflict((oc) =>
      oc.column('key').doUpdateSet((eb) => ({
        value: eb.ref('excluded.value'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    );

export const deleteKv = (db: Db, v: { key: string }) => db.deleteFrom('kv').where('key', '=', v.key);

/** Several `kv` rows deleted in one statement. */
export const deleteKvKeys = (db: Db, keys: readonly string[]) => db.deleteFrom('kv').where('key', 'in', keys);

/** The checkpoint watermark: the id of the last raw event stored (0 when none), as text. */
export const saveWatermark = (db: Db, v: { at: number }) =>
  db
    .insertInto('kv')
    .values((eb) => ({
      key: WATERMARK_KEY,
      value: eb
        .selectFrom('hook_events')
        .select((s) => s.cast<string>(s.fn.coalesce(s.fn.max('id'), s.lit(0)), 'text').as('v')),
      updated_at: v.at,
    }))
    .onConflict((oc) =>
      oc.column('key').doUpdateSet((eb) => ({
        value: eb.ref('excluded.value'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    );

/* Re-keys and removals. ----------------------------------------------------------------------------------- */

export const sessionExists = (db: Db, v: { id: string }) =>
  db.selectFrom('sessions').select('id').where('id', '=', v.id);

export const moveHookEvents = (db: Db, v: { oldId: string; newId: string }) =>
  db.updateTable('hook_events').set({ session_id: v.newId }).where('session_id', '=', v.oldId);

/** The session row's id changed: the child rows follow (`ON UPDATE CASCADE`). */
export const renameSession = (db: Db, v: { oldId: string; newId: string }) =>
  db.updateTable('sessions').set({ id: v.newId }).where('id', '=', v.oldId);

/**
 * The child tables a merge moves, each with what makes two of its rows the same entry (its unique index).
 * `usage_messages` has no foreign key (ON UPDATE CASCADE does not carry it): a rename moves it too.
 */
export const CHILD_TABLES = [
  'prompts',
  'responses',
  'tool_calls',
  'events',
  'notes',
  'usage_messages',
] as const;
type Child = (typeof CHILD_TABLES)[number];

type Eb = ExpressionBuilder<Database & { n: Database[Child] }, Child | 'n'>;
/** `n` (a row of the new session) is the same entry as the table's row (of the old session); null = no key. */
const SAME_ENTRY: Record<Child, ((eb: Eb, t: Child) => ReturnType<Eb['and']>) | null> = {
  prompts: (eb, t) =>
    eb.and([
      eb('n.timestamp' as never, '=', eb.ref(`${t}.timestamp` as never)),
      eb(
        eb.fn.coalesce('n.prompt_id' as never, eb.val('')),
        '=',
        eb.fn.coalesce(`${t}.prompt_id` as never, eb.val('')),
      ),
    ]),
  responses: (eb, t) =>
    eb.and([
      eb('n.timestamp' as never, '=', eb.ref(`${t}.timestamp` as never)),
      eb(
        eb.fn.coalesce('n.agent_id' as never, eb.val('')),
        '=',
        eb.fn.coalesce(`${t}.agent_id` as never, eb.val('')),
      ),
    ]),
  tool_calls: (eb, t) =>
    eb.or([
      eb.and([
        eb(`${t}.tool_use_id` as never, 'is not', null),
        eb('n.tool_use_id' as never, '=', eb.ref(`${t}.tool_use_id` as never)),
      ]),
      eb.and([
        eb(`${t}.tool_use_id` as never, 'is', null),
        eb('n.tool_use_id' as never, 'is', null),
        eb('n.timestamp' as never, '=', eb.ref(`${t}.timestamp` as never)),
        eb('n.tool_name' as never, '=', eb.ref(`${t}.tool_name` as never)),
      ]),
    ]),
  events: (eb, t) =>
    eb.and([
      eb('n.timestamp' as never, '=', eb.ref(`${t}.timestamp` as never)),
      eb('n.event_type' as never, '=', eb.ref(`${t}.event_type` as never)),
      eb('n.detail' as never, '=', eb.ref(`${t}.detail` as never)),
    ]),
  notes: null,
  usage_messages: (eb, t) =>
    eb.and([
      eb('n.message_id' as never, '=', eb.ref(`${t}.message_id` as never)),
      eb('n.request_id' as never, '=', eb.ref(`${t}.request_id` as never)),
    ]),
};

/**
 * Merge, first step: the old session's rows of `table` that the new session has already (same entry) are
 * dropped; `null` for a table without such a key.
 */
export const dropMergeCollisions = (db: Db, table: Child, v: { oldId: string; newId: string }) => {
  const same = SAME_ENTRY[table];
  if (same === null) return null;
  return (db as unknown as Kysely<Database & { n: Database[Child] }>)
    .deleteFrom(table)
    .where('session_id', '=', v.oldId)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom(`${table} as n` as 'n')
          .select('n.id' as never)
          .where('n.session_id' as never, '=', v.newId as never)
          .where((inner) => same(inner as unknown as Eb, table)),
      ),
    );
};

/** Merge, second step: the old session's remaining rows of `table` move to the new session. */
export const moveChildren = (db: Db, table: Child, v: { oldId: string; newId: string }) =>
  (db as unknown as Kysely<Record<Child, { session_id: string }>>)
    .updateTable(table)
    .set({ session_id: v.newId })
    .where('session_id', '=', v.oldId);

export const deleteSession = (db: Db, v: { id: string }) => db.deleteFrom('sessions').where('id', '=', v.id);

export const deleteUsageOf = (db: Db, v: { id: string }) =>
  db.deleteFrom('usage_messages').where('session_id', '=', v.id);

export const deleteHookEventsOf = (db: Db, v: { id: string }) =>
  db.deleteFrom('hook_events').where('session_id', '=', v.id);

/** A session's row inserted when it has none (the history import's subagent files). */
export const insertSessionIfAbsent = (db: Db, row: SessionInsert) =>
  db
    .insertInto('sessions')
    .values(row)
    .onConflict((oc) => oc.doNothing());

/** A transcript file the history import read, inserted or replaced. */
export const upsertImportFile = (db: Db, row: ImportFileInsert) =>
  db
    .insertInto('import_files')
    .values(row)
    .onConflict((oc) =>
      oc.column('path').doUpdateSet((eb) => ({
        cli: eb.ref('excluded.cli'),
        session_id: eb.ref('excluded.session_id'),
        size: eb.ref('excluded.size'),
        mtime_ms: eb.ref('excluded.mtime_ms'),
        bytes_done: eb.ref('excluded.bytes_done'),
        status: eb.ref('excluded.status'),
        state: eb.ref('excluded.state'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    );

/** A row of session `id` that no import wrote (a live session's): the import leaves it alone. */
export const sessionNotImported = (db: Db, v: { id: string }) =>
  db
    .selectFrom('sessions')
    .select('id')
    .where('id', '=', v.id)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('import_files')
            .select('path')
            .where('import_files.session_id', '=', v.id)
            .where('import_files.status', '<>', 'live'),
        ),
      ),
    );
