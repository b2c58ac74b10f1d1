/**
 * Several servers on one PostgreSQL (issue 19): each session row a server writes says which logged hook events it
 * holds, so a restarted server replays exactly what its loaded rows miss, whichever server wrote each row and however
 * far behind another server's checkpoint is. (One watermark for the whole state cannot say it: a server leaves the
 * rows of sessions only other servers' events changed to those servers, which write them up to 500 ms later.)
 *
 * A session's record, `kv` `core.applied:<id>`, is written with its row in the same transaction:
 * - `p`: every logged event with an id up to `p` is in the state (the server's applied prefix, `AppliedSource`);
 * - `r`: the ingest ids of the last `RECENT` events applied to the session, so the ones after `p` (this server's
 *   events not read back yet, another server's read past a gap) are known too.
 * The checkpoint watermark is the prefix, not the highest id stored.
 *
 * On load (in one snapshot: other servers commit meanwhile), the events after the watermark or received in the last
 * `WINDOW_MS`, and those of loaded sessions after their `p`, are weighed: an event of a session with a record is
 * replayed when its id is after `p` and its ingest id is not in `r`; of a session with a row and no record, when
 * its id is after the watermark; of a session with no row, always (the server that took it stopped before writing
 * it). Pure decisions in `toReplay`; the queries in `loadReplay`.
 */
import {
  checkpointWatermark,
  type DatabaseAdapter,
  hookEventsSince,
  type LoggedSessionEvent,
  sessionEventsBetween,
  WATERMARK_KEY,
  type WriteOp,
} from '@flightdeck/db';
import type { CommitBatch } from '../ports.js';

export const APPLIED_PREFIX = 'core.applied:';
/** Ingest ids kept per session: more than a session takes in the few hundred ms a prefix can lag. */
export const RECENT = 64;
/** Events received this recently are weighed whatever their id (a session whose rows were never written). */
export const WINDOW_MS = 10 * 60_000;
const CHUNK = 500;

/** What the server's state holds of the event log. */
export interface AppliedSource {
  /** Every logged event with an id up to this is in the state staged so far. */
  prefix(): number;
}

export interface SessionRecord {
  p: number;
  r: readonly string[];
}

/** What the state and each of some sessions held at one moment. */
export interface Held {
  prefix: number;
  /** Each session's record and id, in order; null once its session could not be planned (nothing to describe). */
  records: Array<(SessionRecord & { id: string }) | null>;
}

export interface AppliedTracker {
  /** Follows a staged batch; returns the deletions of records of sessions it removed, re-keyed or evicted. */
  stage(batch: CommitBatch, at: number): WriteOp[];
  /** What the state and each session hold now (taken when a checkpoint starts, written as it is planned). */
  take(sessions: ReadonlyArray<{ sessionId: string }>): Held;
  /** The write of the session's record (`rec`: taken earlier; default: now). */
  op(sessionId: string, at: number, rec?: SessionRecord): WriteOp;
  watermarkOp(prefix: number, at: number): WriteOp;
}

export function createAppliedTracker(source: AppliedSource): AppliedTracker {
  const recent = new Map<string, readonly string[]>();
  const gone = (id: string, at: number): WriteOp => {
    recent.delete(id);
    return { op: 'kv', key: APPLIED_PREFIX + id, value: null, at };
  };
  return {
    stage(batch, at) {
      const ops: WriteOp[] = [];
      for (const { oldId, newId } of batch.rekeys) {
        const moved = recent.get(oldId);
        ops.push(gone(oldId, at));
        if (moved) recent.set(newId, [...(recent.get(newId) ?? []), ...moved].slice(-RECENT));
      }
      for (const ev of batch.applied ?? []) {
        for (const id of ev.sessions) {
          const list = recent.get(id) ?? [];
          recent.set(id, list.length < RECENT ? [...list, ev.ingestId] : [...list.slice(1), ev.ingestId]);
        }
      }
      for (const id of batch.removedSessionIds) ops.push(gone(id, at));
      for (const id of batch.evictedSessionIds ?? []) ops.push(gone(id, at));
      return ops;
    },
    take(sessions) {
      const p = source.prefix();
      return {
        prefix: p,
        records: sessions.map((s) => ({ id: s.sessionId, p, r: recent.get(s.sessionId) ?? [] })),
      };
    },
    op: (sessionId, at, rec) => ({
      op: 'kv',
      key: APPLIED_PREFIX + sessionId,
      value: JSON.stringify({ p: rec?.p ?? source.prefix(), r: rec?.r ?? recent.get(sessionId) ?? [] }),
      at,
    }),
    watermarkOp: (prefix, at) => ({ op: 'kv', key: WATERMARK_KEY, value: String(prefix), at }),
  };
}

/** A stored record, or null when it is not one. */
export function parseRecord(value: string): SessionRecord | null {
  try {
    const v = JSON.parse(value) as Partial<SessionRecord>;
    if (typeof v?.p !== 'number' || !Array.isArray(v.r)) return null;
    return { p: v.p, r: v.r.filter((x): x is string => typeof x === 'string') };
  } catch {
    return null;
  }
}

/**
 * The events to replay, oldest first, out of `candidates` (deduplicated by id): see the module comment. `watermark`
 * null with a saved state means a database written before watermarks (nothing after it is replayed but rowless
 * sessions' events).
 */
export function toReplay(
  candidates: readonly LoggedSessionEvent[],
  records: ReadonlyMap<string, SessionRecord>,
  withRow: ReadonlySet<string>,
  watermark: number,
): LoggedSessionEvent[] {
  const seen = new Set<number>();
  const out: LoggedSessionEvent[] = [];
  for (const e of [...candidates].sort((a, b) => a.id - b.id)) {
    if (seen.has(e.id)) continue;
    seen.add(e.id);
    const sid = e.sessionId ?? '';
    const rec = records.get(sid);
    const held = rec
      ? e.id <= rec.p || rec.r.includes(e.ingestId)
      : withRow.has(sid)
        ? e.id <= watermark
        : false;
    if (!held) out.push(e);
  }
  return out;
}

type Db = DatabaseAdapter['db'];

async function chunked<T>(ids: readonly string[], q: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) out.push(...(await q(ids.slice(i, i + CHUNK))));
  return out;
}

/**
 * The events a restarted server replays on top of the rows it loaded (`live`: the loaded sessions' ids), and the
 * watermark it weighed them from (the cluster's reader goes on after it). Run inside the load's snapshot.
 */
export async function loadReplay(
  db: Db,
  live: readonly string[],
  now: number,
): Promise<{ replay: LoggedSessionEvent[]; after: number; weighed: number[] }> {
  const { watermark, stateSaved } = await checkpointWatermark(db);
  const after = watermark ?? (stateSaved ? Number.MAX_SAFE_INTEGER : 0);
  const fresh = await hookEventsSince(db, { after, receivedSince: now - WINDOW_MS });
  const recordsOf = async (ids: readonly string[]) =>
    chunked(ids, (chunk) =>
      db
        .selectFrom('kv')
        .select(['key', 'value'])
        .where(
          'key',
          'in',
          chunk.map((id) => APPLIED_PREFIX + id),
        )
        .execute(),
    );
  const records = new Map<string, SessionRecord>();
  const sessionIds = new Set<string>(live);
  for (const e of fresh) if (e.sessionId) sessionIds.add(e.sessionId);
  for (const row of await recordsOf([...sessionIds])) {
    const rec = parseRecord(row.value);
    if (rec) records.set(row.key.slice(APPLIED_PREFIX.length), rec);
  }
  // Loaded sessions whose rows were written before the watermark: their events since, up to it.
  const behind = live.filter((id) => (records.get(id)?.p ?? after) < after);
  const older = await chunked(behind, (chunk) =>
    sessionEventsBetween(db, chunk, {
      after: Math.min(...chunk.map((id) => records.get(id)?.p ?? after)),
      upTo: after,
    }),
  );
  const loaded = new Set(live);
  const rowless = [...sessionIds].filter((id) => !loaded.has(id));
  const withRow = new Set<string>(loaded);
  for (const r of await chunked(rowless, (chunk) =>
    db.selectFrom('sessions').select('id').where('id', 'in', chunk).execute(),
  ))
    withRow.add(r.id);
  const replay = toReplay([...fresh, ...older], records, withRow, after);
  return { replay, after: watermark ?? 0, weighed: fresh.map((e) => e.id) };
}
