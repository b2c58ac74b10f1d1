/**
 * The raw event log (`hook_events`): which deliveries are stored, what a restart replays (the events after the
 * checkpoint watermark), and retention (pruning what is older and already in a checkpoint). Portable Kysely.
 */
import type { HookEnvelope, IngestEvent } from '@flightdeck/shared-types';
import type { Kysely } from 'kysely';
import { DbInputError } from './errors.js';
import type { Database, HookEventRow } from './schema.js';
import { WATERMARK_KEY } from './write-op.js';

type Db = Kysely<Database>;

/** Ids looked up per query. */
const ID_CHUNK = 500;

/** Which of `ids` are already stored in `hook_events`. */
export async function hasIngestIds(db: Db, ids: Iterable<string>): Promise<Set<string>> {
  const list = [...ids];
  const found = new Set<string>();
  for (let i = 0; i < list.length; i += ID_CHUNK) {
    const rows = await db
      .selectFrom('hook_events')
      .select('ingest_id')
      .where('ingest_id', 'in', list.slice(i, i + ID_CHUNK))
      .execute();
    for (const r of rows) found.add(r.ingest_id);
  }
  return found;
}

/** A raw hook event as stored, with its row id. */
export interface LoggedHookEvent extends IngestEvent {
  id: number;
}

/** The queries of the event log (also run synchronously by the SQLite adapter). */
export const eventLogQueries = {
  ingestId: (db: Db, id: string) =>
    db.selectFrom('hook_events').select('ingest_id').where('ingest_id', '=', id),
  watermark: (db: Db) => db.selectFrom('kv').select('value').where('key', '=', WATERMARK_KEY),
  coreStateSaved: (db: Db) => db.selectFrom('core_state').select('id').where('id', '=', 1),
  after: (db: Db, id: number) =>
    db
      .selectFrom('hook_events')
      .select(['id', 'ingest_id', 'cli', 'payload', 'meta', 'received_at'])
      .where('id', '>', id)
      .orderBy('id'),
};

/** Row id of the last raw event the checkpoint includes; `null` when no checkpoint was written. */
export function watermarkOf(row: { value: string } | undefined): number | null {
  if (row === undefined || row.value === null) return null;
  const n = Number(row.value);
  return Number.isFinite(n) ? n : null;
}

/** A stored row as the event the runtime replays. */
export function toLoggedEvent(
  r: Pick<HookEventRow, 'id' | 'ingest_id' | 'cli' | 'payload' | 'meta' | 'received_at'>,
): LoggedHookEvent {
  return {
    id: r.id,
    ingestId: r.ingest_id,
    envelope: {
      cli: r.cli as HookEnvelope['cli'],
      payload: JSON.parse(r.payload) as HookEnvelope['payload'],
      meta: JSON.parse(r.meta) as HookEnvelope['meta'],
    },
    receivedAt: r.received_at,
  };
}

/**
 * The raw hook events that the saved state does not include yet (stored after the checkpoint watermark), oldest
 * first: what a restart replays. Without a watermark: none when a core state was saved (a database written before
 * checkpoints existed, when every transaction carried the whole state), else all of them.
 */
export async function hookEventsAfterCheckpoint(db: Db): Promise<LoggedHookEvent[]> {
  let after = watermarkOf(await eventLogQueries.watermark(db).executeTakeFirst());
  if (after === null) {
    if ((await eventLogQueries.coreStateSaved(db).executeTakeFirst()) !== undefined) return [];
    after = 0;
  }
  return (await eventLogQueries.after(db, after).execute()).map(toLoggedEvent);
}

/**
 * Deletes raw hook events received before `before` (Unix ms), oldest first, at most `limit` of them (default: all),
 * keeping the newest `keepAtLeast` (default 0) and every event the saved state does not include yet (after the
 * checkpoint watermark; all of them when no checkpoint and no core state was ever written): a restart replays those.
 * Their ingest ids are forgotten, so only prune what the spool can no longer redeliver. Returns rows deleted.
 */
export async function pruneHookEvents(
  db: Db,
  options: { before: number; keepAtLeast?: number; limit?: number },
): Promise<number> {
  if (!Number.isFinite(options?.before))
    throw new DbInputError('pruneHookEvents: before must be a number', 'before');
  if (options.limit !== undefined && !(Number.isInteger(options.limit) && options.limit > 0))
    throw new DbInputError('pruneHookEvents: limit must be a positive integer', 'limit');
  const keep = Math.max(0, Math.floor(options.keepAtLeast ?? 0));
  const floor =
    keep > 0
      ? ((
          await db
            .selectFrom('hook_events')
            .select('id')
            .orderBy('id', 'desc')
            .limit(1)
            .offset(keep - 1)
            .executeTakeFirst()
        )?.id ?? 0)
      : Number.MAX_SAFE_INTEGER;
  // Events after the checkpoint watermark are still needed: a restart replays them (see hookEventsAfterCheckpoint).
  const mark =
    watermarkOf(await eventLogQueries.watermark(db).executeTakeFirst()) ??
    ((await eventLogQueries.coreStateSaved(db).executeTakeFirst()) !== undefined
      ? Number.MAX_SAFE_INTEGER
      : 0);
  let oldest = db
    .selectFrom('hook_events')
    .select('id')
    .where('received_at', '<', options.before)
    .where('id', '<', floor)
    .where('id', '<=', mark)
    .orderBy('id');
  if (options.limit !== undefined) oldest = oldest.limit(options.limit);
  const r = await db.deleteFrom('hook_events').where('id', 'in', oldest).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** A raw hook event as stored, with its row id and the session its payload names (`hook_events.session_id`). */
export interface LoggedSessionEvent extends LoggedHookEvent {
  sessionId: string | null;
}

/**
 * The raw hook events after row id `after` or received at or after `receivedSince` (Unix ms), oldest first, with
 * the checkpoint watermark (null: none written) and whether a core state was saved: what a server of several on
 * one PostgreSQL weighs against the sessions' own records of what they hold (the server's store/applied.ts).
 */
export async function hookEventsSince(
  db: Db,
  o: { after: number; receivedSince: number },
): Promise<LoggedSessionEvent[]> {
  const rows = await db
    .selectFrom('hook_events')
    .select(['id', 'ingest_id', 'session_id', 'cli', 'payload', 'meta', 'received_at'])
    .where((eb) => eb.or([eb('id', '>', o.after), eb('received_at', '>=', o.receivedSince)]))
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ ...toLoggedEvent(r), sessionId: r.session_id }));
}

/** The stored events of `sessionIds` with ids in (`after`, `upTo`], in id order (ids are ≤ 1,000 per call). */
export async function sessionEventsBetween(
  db: Db,
  sessionIds: readonly string[],
  o: { after: number; upTo: number },
): Promise<LoggedSessionEvent[]> {
  if (sessionIds.length === 0) return [];
  const rows = await db
    .selectFrom('hook_events')
    .select(['id', 'ingest_id', 'session_id', 'cli', 'payload', 'meta', 'received_at'])
    .where('session_id', 'in', sessionIds)
    .where('id', '>', o.after)
    .where('id', '<=', o.upTo)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ ...toLoggedEvent(r), sessionId: r.session_id }));
}

/** The checkpoint watermark (null: none written), and whether a core state was ever saved. */
export async function checkpointWatermark(
  db: Db,
): Promise<{ watermark: number | null; stateSaved: boolean }> {
  const watermark = watermarkOf(await eventLogQueries.watermark(db).executeTakeFirst());
  const stateSaved = (await eventLogQueries.coreStateSaved(db).executeTakeFirst()) !== undefined;
  return { watermark, stateSaved };
}
