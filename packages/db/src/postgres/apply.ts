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

/** Called inside a write plan's transaction after its operations (see `PostgresAdapter.setTransactionHook`). */
export type TransactionHook = (tx: Tx, ops: readonly WriteOp[]) => Promise<void>;
type Ids = { oldId: string; newId: string };

async function applyTool(tx: Tx, row: ToolCallInsert): Promise<void> {
  const r = await S.insertTool(tx, row).executeTakeFirst();
  if (Number(r.numInsertedOrUpdatedRows ?? 0) > 0) return;
  if (row.tool_use_id) await S.updateToolById(tx, row).execute();
  else await S.updateToolByTime(tx, row).execute();
}

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
      return applyTool(tx, op.row);
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
          for (const op of ops) await applyOp(tx, op);
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
