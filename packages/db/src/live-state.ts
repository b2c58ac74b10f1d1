/** What a restart loads: the core state saved by the last checkpoint and the live sessions, rebuilt. */
import type { Session } from '@flightdeck/shared-types';
import type { Kysely } from 'kysely';
import { DbInputError } from './errors.js';
import { hydrateSession } from './hydrate.js';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

/** The queries of a restart. */
export const liveStateQueries = {
  coreState: (db: Db) => db.selectFrom('core_state').select(['state', 'updated_at']).where('id', '=', 1),
  liveSessions: (db: Db, cutoff: number) =>
    db
      .selectFrom('sessions')
      .select(['id', 'snapshot', 'ring_lengths'])
      .where((eb) =>
        eb.or([
          eb('status', '!=', 'ended'),
          eb(eb.fn.coalesce('ended_at', 'last_activity_at'), '>=', cutoff),
        ]),
      )
      .orderBy('last_activity_at', 'desc'),
};

export function toCoreState(
  row: { state: string; updated_at: number } | undefined,
): { state: unknown; updatedAt: number } | null {
  if (!row) return null;
  return { state: JSON.parse(row.state) as unknown, updatedAt: row.updated_at };
}

/** The core state saved by the last batch that carried one, or `null`. */
export async function loadCoreState(db: Db): Promise<{ state: unknown; updatedAt: number } | null> {
  return toCoreState(await liveStateQueries.coreState(db).executeTakeFirst());
}

/** The oldest end (or last activity) of an ended session that `loadLiveSessions` still loads. */
export function liveCutoff(options: { now: number; recentlyEndedMinutes?: number }): number {
  if (!Number.isFinite(options?.now)) throw new DbInputError('loadLiveSessions: now must be a number', 'now');
  const minutes = options.recentlyEndedMinutes ?? 30;
  if (!Number.isFinite(minutes) || minutes < 0) {
    throw new DbInputError('loadLiveSessions: recentlyEndedMinutes must be >= 0', 'recentlyEndedMinutes');
  }
  return options.now - minutes * 60_000;
}

/**
 * Snapshots of the sessions not ended, plus those that ended within the last `recentlyEndedMinutes`
 * (default 30, spec §4.6), most recently active first.
 */
export async function loadLiveSessions(
  db: Db,
  options: { now: number; recentlyEndedMinutes?: number },
): Promise<Session[]> {
  const rows = await liveStateQueries.liveSessions(db, liveCutoff(options)).execute();
  return Promise.all(rows.map((r) => hydrateSession(db, r)));
}
