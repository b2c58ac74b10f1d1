/**
 * Applies write plans on PostgreSQL: the statements of `statements.ts` run through Kysely, one transaction per
 * plan. The full-text index follows by itself (the triggers of PostgreSQL migration 0002).
 */
import type { Kysely, Transaction } from 'kysely';
import { DbInputError, IMPORT_CONFLICT } from '../errors.js';
import type { Database } from '../schema.js';
import * as S from '../statements.js';
import type { ToolCallInsert, WriteOp } from '../write-op.js';

type Tx = Transaction<Database>;

/** Called inside a write plan's transaction after its operations (the NOTIFY of `PostgresAdapter.setEventNotify`). */
export type TransactionHook = (tx: Tx, ops: readonly WriteOp[]) => Promise<void>;
type Ids = { oldId: string; newId: string };

const exists = async (tx: Tx, id: string) =>
  (await S.sessionExists(tx, { id }).executeTakeFirst()) !== undefined;

/** Raw events and usage rows move; the session row is renamed, or merged into the new id's when that exists. */
async function rekey(tx: Tx, ids: Ids): Promise<void> {
  if (ids.oldId === ids.newId) return;
  await S.moveHookEvents(tx, ids).execute();
  await S.dropMergeCollisions(tx, 'usage_messages', ids)?.execute();
  await S.moveChildren(tx, 'usage_messages', ids).execute();
  if (!(await exists(tx, ids.oldId))) return;
  if (!(await exists(tx, ids.newId))) {
    // ON UPDATE CASCADE carries every child row (and the index triggers follow).
    await S.renameSession(tx, ids).execute();
    return;
  }
  for (const t of S.CHILD_TABLES) {
    await S.dropMergeCollisions(tx, t, ids)?.execute();
    await S.moveChildren(tx, t, ids).execute();
  }
  await S.deleteSession(tx, { id: ids.oldId }).execute();
}

/** A step of the history import: refused (the whole plan) when the session is live. */
async function applyImportFile(tx: Tx, op: Extract<WriteOp, { op: 'importFile' }>): Promise<void> {
  const { row } = op;
  if (row.status !== 'live') {
    if ((await S.sessionNotImported(tx, { id: row.session_id }).executeTakeFirst()) !== undefined)
      throw new Error(`${IMPORT_CONFLICT}: session ${row.session_id} is live`);
    if (op.session !== null) {
      if (op.replaceSession) await S.upsertSession(tx, op.session).execute();
      else await S.insertSessionIfAbsent(tx, op.session).execute();
    }
  }
  await S.upsertImportFile(tx, row).execute();
}

async function applyOp(tx: Tx, op: WriteOp): Promise<void> {
  switch (op.op) {
    case 'hookEvent':
      return void (await S.insertHookEvent(tx, op.row).execute());
    case 'session':
      return void (await S.upsertSession(tx, op.row).execute());
    case 'prompt':
      return void (await S.insertPrompt(tx, op.row).execute());
    case 'response':
      return void (await S.insertResponse(tx, op.row).execute());
    case 'event':
      return void (await S.insertEvent(tx, op.row).execute());
    case 'tool':
      return void (await S.upsertTools(tx, [op.row], op.row.tool_use_id ? 'byId' : 'byTime').execute());
    case 'rekey':
      return rekey(tx, op);
    case 'remove':
      await S.deleteHookEventsOf(tx, { id: op.sessionId }).execute();
      await S.deleteUsageOf(tx, { id: op.sessionId }).execute();
      await S.deleteSession(tx, { id: op.sessionId }).execute();
      return;
    case 'approval':
      return void (await S.insertApprovalDecision(tx, op.row).execute());
    case 'usage':
      return void (await S.upsertUsage(tx, op.row).execute());
    case 'promptQueue':
      await S.deletePromptQueue(tx, { id: op.sessionId }).execute();
      for (const row of op.rows) await S.insertPromptQueueRow(tx, row).execute();
      return;
    case 'coreState':
      return void (await S.saveCoreState(tx, op).execute());
    case 'kv':
      if (op.value === null) await S.deleteKv(tx, op).execute();
      else await S.upsertKv(tx, { key: op.key, value: op.value, at: op.at }).execute();
      return;
    case 'watermark':
      return void (await S.saveWatermark(tx, op).execute());
    case 'importFile':
      return applyImportFile(tx, op);
    default:
      throw new DbInputError(`write plan: unknown operation ${String((op as { op: unknown }).op)}`, 'ops');
  }
}

/** Row inserts that one statement can carry many of (`INSERT … VALUES (…), (…) ON CONFLICT DO NOTHING`). */
const MANY = {
  hookEvent: S.insertHookEvent,
  prompt: S.insertPrompt,
  response: S.insertResponse,
  event: S.insertEvent,
} as const;
type ManyKind = keyof typeof MANY;
type RowOp = Extract<WriteOp, { op: ManyKind | 'session' }>;
/** Ops of a session's part of a plan: its row and its new ring entries (and its usage). */
const SESSION_PART = new Set<WriteOp['op']>(['session', 'prompt', 'response', 'event', 'tool', 'usage']);
/** Rows per statement: far below PostgreSQL's 65,535 parameters for the widest of these rows. */
const ROWS_PER_STATEMENT = 500;

async function insertMany(tx: Tx, kind: ManyKind | 'session', rows: readonly unknown[]): Promise<void> {
  const run = kind === 'session' ? S.upsertSession : MANY[kind];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT)
    await run(tx, rows.slice(i, i + ROWS_PER_STATEMENT) as never).execute();
}

/**
 * A plan in fewer round trips, with the result of applying its ops one by one: a run of raw events is one
 * statement; a run of sessions' parts becomes their rows first (one upsert, the last row of an id winning, as the
 * upserts one after another would), then each kind of entry in one statement, in the plan's order, tool calls in
 * one upsert per kind of key, and usage one by one. Children follow every session row of the run,
 * which the order of a plan (a session's row before its entries) already gave. Anything else runs alone, in order.
 */
async function applyOps(tx: Tx, ops: readonly WriteOp[]): Promise<void> {
  let i = 0;
  while (i < ops.length) {
    const op = ops[i] as WriteOp;
    if (op.op === 'hookEvent') {
      let j = i;
      while (j < ops.length && ops[j]?.op === 'hookEvent') j++;
      await insertMany(
        tx,
        'hookEvent',
        ops.slice(i, j).map((o) => (o as RowOp).row),
      );
      i = j;
    } else if (op.op === 'kv') {
      let j = i;
      while (j < ops.length && ops[j]?.op === 'kv') j++;
      await applyKvRun(tx, ops.slice(i, j) as Array<Extract<WriteOp, { op: 'kv' }>>);
      i = j;
    } else if (SESSION_PART.has(op.op)) {
      let j = i;
      while (j < ops.length && SESSION_PART.has((ops[j] as WriteOp).op)) j++;
      await applySessionParts(tx, ops.slice(i, j));
      i = j;
    } else {
      await applyOp(tx, op);
      i++;
    }
  }
}

/**
 * A run of `kv` writes (a checkpoint's runtime entries and the sessions' records) in two statements at most, with the
 * result of applying them one by one: the last write of a key wins; its deletes, then its upserts.
 */
async function applyKvRun(tx: Tx, run: ReadonlyArray<Extract<WriteOp, { op: 'kv' }>>): Promise<void> {
  const last = new Map<string, Extract<WriteOp, { op: 'kv' }>>();
  for (const op of run) {
    last.delete(op.key);
    last.set(op.key, op);
  }
  const gone = [...last.values()].filter((o) => o.value === null).map((o) => o.key);
  const kept = [...last.values()].flatMap((o) =>
    o.value === null ? [] : [{ key: o.key, value: o.value, at: o.at }],
  );
  for (let i = 0; i < gone.length; i += ROWS_PER_STATEMENT)
    await S.deleteKvKeys(tx, gone.slice(i, i + ROWS_PER_STATEMENT)).execute();
  for (let i = 0; i < kept.length; i += ROWS_PER_STATEMENT)
    await S.upsertKv(tx, kept.slice(i, i + ROWS_PER_STATEMENT)).execute();
}

async function applySessionParts(tx: Tx, part: readonly WriteOp[]): Promise<void> {
  const sessions = new Map<string, unknown>();
  const rows: Record<ManyKind, unknown[]> = { hookEvent: [], prompt: [], response: [], event: [] };
  const tools = { byId: new Map<string, ToolCallInsert>(), byTime: new Map<string, ToolCallInsert>() };
  const oneByOne: WriteOp[] = [];
  for (const op of part) {
    if (op.op === 'session') {
      sessions.delete(op.row.id);
      sessions.set(op.row.id, op.row);
    } else if (op.op === 'tool') addTool(tools, op.row);
    else if (op.op in MANY) rows[op.op as ManyKind].push((op as RowOp).row);
    else oneByOne.push(op);
  }
  if (sessions.size > 0) await insertMany(tx, 'session', [...sessions.values()]);
  for (const kind of ['prompt', 'response', 'event'] as const)
    if (rows[kind].length > 0) await insertMany(tx, kind, rows[kind]);
  for (const keyed of ['byId', 'byTime'] as const) {
    const list = [...tools[keyed].values()];
    for (let i = 0; i < list.length; i += ROWS_PER_STATEMENT)
      await S.upsertTools(tx, list.slice(i, i + ROWS_PER_STATEMENT), keyed).execute();
  }
  for (const op of oneByOne) await applyOp(tx, op);
}

/**
 * A tool call's row among the run's: the first one of its key with the progress of the last, which is what
 * inserting the first and updating with each later one leaves.
 */
function addTool(tools: Record<'byId' | 'byTime', Map<string, ToolCallInsert>>, row: ToolCallInsert): void {
  const [map, key] = row.tool_use_id
    ? [tools.byId, JSON.stringify([row.session_id, row.tool_use_id])]
    : [tools.byTime, JSON.stringify([row.session_id, row.timestamp, row.tool_name])];
  const first = map.get(key);
  if (!first) return void map.set(key, row);
  map.set(key, { ...first, ...S.toolProgress(row) });
}

/**
 * `write` of the PostgreSQL adapter: each plan in ONE transaction (rolled back entirely when an operation fails),
 * plans one after another in the order given (a plan never overtakes the one before it).
 */
export function createPostgresWriter(db: Kysely<Database>): {
  write(ops: readonly WriteOp[]): Promise<number>;
  drain(): Promise<void>;
  /** Runs last in every transaction, before its commit (a NOTIFY then goes out with the commit); null: none. */
  setTransactionHook(hook: TransactionHook | null): void;
} {
  let tail: Promise<unknown> = Promise.resolve();
  let hook: TransactionHook | null = null;
  return {
    setTransactionHook(h) {
      hook = h;
    },
    write(ops) {
      const run = tail.then(async () => {
        const start = performance.now();
        await db.transaction().execute(async (tx) => {
          await applyOps(tx, ops);
          if (hook) await hook(tx, ops);
        });
        return performance.now() - start;
      });
      tail = run.catch(() => undefined);
      return run;
    },
    async drain() {
      await tail;
    },
  };
}
