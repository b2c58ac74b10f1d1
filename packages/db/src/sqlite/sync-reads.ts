/**
 * Synchronous reads on the SQLite adapter's connection, for the server's StorePort while it is still synchronous
 * (`loadCoreState`, `eventsAfterCheckpoint`, `hasIngestIds`): the portable queries of the repositories, compiled by
 * Kysely and run as cached better-sqlite3 statements. Delete this once the StorePort is async (use the async
 * repositories then).
 */
import type { Session } from '@flightdeck/shared-types';
import type { Compilable } from 'kysely';
import { eventLogQueries, type LoggedHookEvent, toLoggedEvent, watermarkOf } from '../event-log.js';
import { assembleSession, type RingRows, ringLengths, ringQueries } from '../hydrate.js';
import { liveCutoff, liveStateQueries, toCoreState } from '../live-state.js';
import { compile, placeholders, sqliteCompiler } from './compiled.js';
import type { SqliteAdapter } from './open.js';

export interface SyncReads {
  hasIngestIds(ids: Iterable<string>): Set<string>;
  loadCoreState(): { state: unknown; updatedAt: number } | null;
  loadLiveSessions(options: { now: number; recentlyEndedMinutes?: number }): Session[];
  hookEventsAfterCheckpoint(): LoggedHookEvent[];
}

export function createSyncReads(adapter: Pick<SqliteAdapter, 'db' | 'sqlite'>): SyncReads {
  const { db, sqlite } = adapter;
  const statements = new Map<string, ReturnType<typeof sqlite.prepare>>();
  /** The rows of a query (typed as the query's result). */
  const all = <R>(q: Compilable<R>): R[] => {
    const c = q.compile();
    let s = statements.get(c.sql);
    if (!s) {
      s = sqlite.prepare(c.sql);
      statements.set(c.sql, s);
    }
    return s.all(c.parameters as unknown[]) as R[];
  };
  const first = <R>(q: Compilable<R>): R | undefined => all(q)[0];
  const rowsOf = (q: Compilable<unknown> | null) => (q === null ? [] : all(q));
  const ingestId = compile<{ id: string }>(
    sqlite,
    eventLogQueries.ingestId(sqliteCompiler, placeholders(['id'] as const).id),
  );
  return {
    hasIngestIds(ids) {
      const found = new Set<string>();
      for (const id of ids) if (ingestId.get({ id }) !== undefined) found.add(id);
      return found;
    },
    loadCoreState: () => toCoreState(first(liveStateQueries.coreState(db))),
    loadLiveSessions(options) {
      return all(liveStateQueries.liveSessions(db, liveCutoff(options))).map((row) => {
        const q = ringQueries(db, row.id, ringLengths(row.ring_lengths));
        const rows = {
          prompts: rowsOf(q.prompts),
          responses: rowsOf(q.responses),
          tools: rowsOf(q.tools),
          events: rowsOf(q.events),
        };
        return assembleSession(row, rows as unknown as RingRows);
      });
    },
    hookEventsAfterCheckpoint() {
      let after = watermarkOf(first(eventLogQueries.watermark(db)));
      if (after === null) {
        if (first(eventLogQueries.coreStateSaved(db)) !== undefined) return [];
        after = 0;
      }
      return all(eventLogQueries.after(db, after)).map(toLoggedEvent);
    },
  };
}
