/**
 * The raw event log (`hook_events`): which deliveries are stored, what a restart replays (the events after the
 * checkpoint watermark), and retention (pruning what is older and already in a checkpoint). Synchronous, like the
 * rest of the ingest path.
 */
import type { HookEnvelope, IngestEvent } from '@flightdeck/shared-types';
import type { Kysely } from 'kysely';
import { DbInputError } from './errors.js';
import { type Handle, handleOf } from './open.js';
import type { Database } from './schema.js';
import { prepared, SQL, WATERMARK_KEY } from './write-ops.js';

/** Which of `ids` are already stored in `hook_events`. */
export function hasIngestIds(db: Kysely<Database>, ids: Iterable<string>): Set<string> {
  const h = handleOf(db);
  const stmt = prepared(h, SQL.hasIngestId).pluck();
  const found = new Set<string>();
  for (const id of ids) if (stmt.get(id) !== undefined) found.add(id);
  return found;
}

/** A raw hook event as stored, with its row id. */
export interface LoggedHookEvent extends IngestEvent {
  id: number;
}

/** Row id of the last raw event the checkpoint includes; `null` when no checkpoint was written. */
function watermark(h: Handle): number | null {
  const mark = prepared(h, 'SELECT value FROM kv WHERE key = ?').pluck().get(WATERMARK_KEY);
  if (mark === undefined || mark === null) return null;
  const n = Number(mark);
  return Number.isFinite(n) ? n : null;
}

/**
 * The raw hook events that the saved state does not include yet (stored after the checkpoint watermark), oldest
 * first: what a restart replays. Without a watermark: none when a core state was saved (a database written before
 * checkpoints existed, when every transaction carried the whole state), else all of them.
 */
export function hookEventsAfterCheckpoint(db: Kysely<Database>): LoggedHookEvent[] {
  const h = handleOf(db);
  let after = watermark(h);
  if (after === null) {
    if (prepared(h, 'SELECT 1 FROM core_state WHERE id = 1').get() !== undefined) return [];
    after = 0;
  }
  const rows = prepared(
    h,
    'SELECT id, ingest_id, cli, payload, meta, received_at FROM hook_events WHERE id > ? ORDER BY id',
  ).all(after) as Array<{
    id: number;
    ingest_id: string;
    cli: string;
    payload: string;
    meta: string;
    received_at: number;
  }>;
  return rows.map((r) => ({
    id: r.id,
    ingestId: r.ingest_id,
    envelope: {
      cli: r.cli as HookEnvelope['cli'],
      payload: JSON.parse(r.payload) as HookEnvelope['payload'],
      meta: JSON.parse(r.meta) as HookEnvelope['meta'],
    },
    receivedAt: r.received_at,
  }));
}

/**
 * Deletes raw hook events received before `before` (Unix ms), oldest first, at most `limit` of them (default: all),
 * keeping the newest `keepAtLeast` (default 0) and every event the saved state does not include yet (after the
 * checkpoint watermark; all of them when no checkpoint and no core state was ever written): a restart replays those.
 * Their ingest ids are forgotten, so only prune what the spool can no longer redeliver. Returns rows deleted.
 */
export function pruneHookEvents(
  db: Kysely<Database>,
  options: { before: number; keepAtLeast?: number; limit?: number },
): number {
  if (!Number.isFinite(options?.before))
    throw new DbInputError('pruneHookEvents: before must be a number', 'before');
  if (options.limit !== undefined && !(Number.isInteger(options.limit) && options.limit > 0))
    throw new DbInputError('pruneHookEvents: limit must be a positive integer', 'limit');
  const keep = Math.max(0, Math.floor(options.keepAtLeast ?? 0));
  const h = handleOf(db);
  const floor =
    keep > 0
      ? ((prepared(h, 'SELECT id FROM hook_events ORDER BY id DESC LIMIT 1 OFFSET ?')
          .pluck()
          .get(keep - 1) as number | undefined) ?? 0)
      : Number.MAX_SAFE_INTEGER;
  // Events after the checkpoint watermark are still needed: a restart replays them (see hookEventsAfterCheckpoint).
  const mark =
    watermark(h) ??
    (prepared(h, 'SELECT 1 FROM core_state WHERE id = 1').get() !== undefined ? Number.MAX_SAFE_INTEGER : 0);
  return prepared(
    h,
    `DELETE FROM hook_events WHERE id IN
       (SELECT id FROM hook_events WHERE received_at < ? AND id < ? AND id <= ? ORDER BY id LIMIT ?)`,
  ).run(options.before, floor, mark, options.limit ?? -1).changes;
}
