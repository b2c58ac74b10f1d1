/**
 * The core state as the database keeps it: each session in its row (with its ring entries in their tables), the
 * per-session runtime bookkeeping one `kv` row per session, each session's prompt queue in `prompt_queue` rows, the
 * rest as one JSON document. Planning what changed
 * since the last checkpoint, and putting the parts back together on load.
 */
import {
  emptyPMap,
  forEachChange,
  getOwn,
  keysOf,
  pmapOf,
  type SessionQueue,
  type SessionRuntime,
} from '@flightdeck/core';
import {
  approvalDecisionOp,
  type DatabaseAdapter,
  hookEventsAfterCheckpoint,
  loadCoreState,
  loadLiveSessions,
  loadPromptQueues,
  promptQueueOp,
  usageOp,
  type WriteOp,
} from '@flightdeck/db';
import type { Session } from '@flightdeck/shared-types';
import type { CommitBatch, CoreState, IngestEvent } from '../ports.js';
import { loadReplay } from './applied.js';

const RUNTIME_PREFIX = 'core.runtime:';

/**
 * The records a batch carries that go out with the next transaction as they are: closed approvals' audit rows (a
 * repeated id is ignored) and API responses' usage (one row per response, replaced when stored again).
 */
export function recordOps(batch: CommitBatch): WriteOp[] {
  const ops = (batch.approvals ?? []).map(approvalDecisionOp);
  for (const u of batch.usage ?? []) for (const r of u.records) ops.push(usageOp(u.sessionId, r));
  return ops;
}
type RuntimeEntry = SessionRuntime;

/**
 * The sessions changed since the last checkpoint, by id (servers on one PostgreSQL lock rows in one order), each
 * in its latest version (another server's events applied since this server's own change are in it too).
 */
export function dirtyInOrder(dirty: ReadonlyMap<string, Session>, latest: CoreState | null): Session[] {
  return [...dirty.keys()]
    .sort()
    .map((id) => (latest ? getOwn(latest.sessions, id) : undefined) ?? (dirty.get(id) as Session));
}

/**
 * Several servers on one PostgreSQL: the sessions only another server's inputs changed are its to write (their
 * runtime entries are skipped by `planState`), until one of this server's inputs changes them.
 */
export function trackForeign(foreign: Set<string>, batch: CommitBatch): void {
  for (const id of batch.foreignSessionIds ?? []) foreign.add(id);
  for (const s of batch.sessions) foreign.delete(s.sessionId);
}

/** Parts of the core state kept in rows of their own (not in the JSON document). */
const IN_ROWS = new Set<string>(['sessions', 'runtime', 'queues']);

/**
 * The part of the core state saved as JSON: everything but the sessions and the per-session runtime (saved as
 * `{}`, as they always were) and the prompt queues (left out).
 */
function rest(
  state: CoreState,
): Omit<CoreState, 'sessions' | 'runtime' | 'queues'> & { sessions: object; runtime: object } {
  const { queues: _inRows, ...others } = state;
  return { ...others, sessions: {}, runtime: {} };
}

/** True when a top-level part other than `sessions`/`runtime` changed (reference comparison: the core is immutable). */
function restChanged(prev: CoreState | null, next: CoreState): boolean {
  if (!prev) return true;
  for (const key of Object.keys(next) as Array<keyof CoreState>) {
    if (!IN_ROWS.has(key) && prev[key] !== next[key]) return true;
  }
  return Object.keys(prev).length !== Object.keys(next).length;
}

/**
 * The kv rows of per-session runtime entries that changed since `planned`, and the rest as JSON when it changed.
 * The sessions in `skip` are another server's (several servers on one PostgreSQL): their entries are its to write.
 */
export function planState(
  ops: WriteOp[],
  planned: CoreState | null,
  next: CoreState,
  at: number,
  skip: ReadonlySet<string> = new Set(),
): void {
  // The entries that changed since the last plan: the parts both versions share are not visited.
  forEachChange(planned?.runtime ?? emptyPMap(), next.runtime, (id, entry) => {
    if (skip.has(id)) return;
    ops.push({
      op: 'kv',
      key: RUNTIME_PREFIX + id,
      value: entry === undefined ? null : JSON.stringify(entry),
      at,
    });
  });
  // A changed queue is replaced whole (its rows deleted and written again), a dropped one deleted.
  forEachChange(planned?.queues ?? emptyPMap<SessionQueue>(), next.queues ?? emptyPMap(), (id, queue) =>
    ops.push(promptQueueOp(id, queue ? { items: queue.items, state: queueState(queue) } : null)),
  );
  if (restChanged(planned, next)) ops.push({ op: 'coreState', state: JSON.stringify(rest(next)), at });
}

/** What a store starts from: the last checkpoint's state (null: none yet), and the raw events stored after it. */
export interface Loaded {
  state: CoreState | null;
  replay: IngestEvent[];
  /**
   * Several servers on one PostgreSQL (`described`): the watermark the events were weighed from and the ids weighed
   * after it (replayed or already held); the cluster's reader goes on from there.
   */
  weighed?: { after: number; ids: number[] };
}

/**
 * The last checkpoint, put back together: sessions from their rows (live ones, plus those ended in the last 30
 * minutes, §4.6), the runtime entries from their kv rows, the rest from its JSON; and the raw events after it.
 * `described` (several servers on one PostgreSQL): read in one snapshot, other servers writing meanwhile, and the
 * events to replay weighed against each session's record of what it holds (applied.ts).
 */
export async function loadCheckpoint(
  adapter: Pick<DatabaseAdapter, 'db'>,
  now: number,
  described = false,
): Promise<Loaded> {
  if (!described) {
    const replay = await hookEventsAfterCheckpoint(adapter.db);
    return { ...(await loadState(adapter.db, now)), replay };
  }
  return adapter.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (tx) => {
      const { state } = await loadState(tx, now);
      const live = state ? keysOf(state.sessions) : [];
      const { replay, after, weighed } = await loadReplay(tx, live, now);
      return { state, replay, weighed: { after, ids: weighed } };
    });
}

async function loadState(db: DatabaseAdapter['db'], now: number): Promise<{ state: CoreState | null }> {
  const loaded = await loadCoreState(db);
  if (!loaded) return { state: null };
  // `sessions` and `runtime` are saved as plain records (`{}` since they are stored as rows).
  const saved = loaded.state as Omit<CoreState, 'sessions' | 'runtime'> & {
    sessions?: Record<string, Session>;
    runtime?: Record<string, RuntimeEntry>;
  };
  const sessions = (await loadLiveSessions(db, { now })).map((s): [string, Session] => [s.sessionId, s]);
  const rows = await db
    .selectFrom('kv')
    .select(['key', 'value'])
    .where('key', '>=', RUNTIME_PREFIX)
    .where('key', '<', `${RUNTIME_PREFIX}\uffff`)
    .execute();
  // Rows win over entries saved inside the JSON by older versions (later entries replace earlier ones).
  const runtime = pmapOf<RuntimeEntry>([
    ...Object.entries(saved.runtime ?? {}),
    ...rows.map((row): [string, RuntimeEntry] => [
      row.key.slice(RUNTIME_PREFIX.length),
      JSON.parse(row.value) as RuntimeEntry,
    ]),
  ]);
  const stored = await loadPromptQueues(db);
  const queues = pmapOf<SessionQueue>(
    [...stored].map(([id, q]): [string, SessionQueue] => [id, { items: q.items, ...queueStateOf(q.state) }]),
  );
  const state: CoreState = {
    ...saved,
    sessions: pmapOf([...Object.entries(saved.sessions ?? {}), ...sessions]),
    runtime,
    ...(queues.size > 0 ? { queues } : {}),
  };
  return { state };
}

/** A queue's bookkeeping as stored with its first row. */
function queueState(q: SessionQueue): Omit<SessionQueue, 'items'> {
  return { promptsAtSend: q.promptsAtSend, blocked: q.blocked };
}

function queueStateOf(v: unknown): Omit<SessionQueue, 'items'> {
  const o = (v !== null && typeof v === 'object' ? v : {}) as Partial<SessionQueue>;
  const blocked = o.blocked;
  return {
    promptsAtSend: typeof o.promptsAtSend === 'number' ? o.promptsAtSend : null,
    blocked:
      blocked && typeof blocked.terminalId === 'string' && typeof blocked.reason === 'string'
        ? { terminalId: blocked.terminalId, reason: blocked.reason }
        : null,
  };
}
