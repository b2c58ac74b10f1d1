/**
 * Binding of the runtime's StorePort to @flightdeck/db (synchronous better-sqlite3 transactions).
 *
 * The core state is persisted in three parts, all inside the ONE transaction of each batch:
 * - the sessions, as rows of the `sessions` table (written by `recordIngestBatch` for the sessions that changed);
 * - the per-session runtime bookkeeping (timers, approval heuristic, title source), one `kv` row per session
 *   (`core.runtime:<sessionId>`), written only for the sessions whose entry changed;
 * - everything else (teams, aliases, pending links/resumes/subagents, team timers, counters) as the core-state
 *   JSON, saved only when one of those parts changed.
 * That keeps each commit proportional to what changed rather than to the whole state. On load the parts are
 * put back together; sessions come from their rows (live ones, plus those ended in the last 30 minutes, §4.6).
 */
import {
  type FlightdeckDatabase,
  hasIngestIds,
  loadCoreState,
  loadLiveSessions,
  openDatabase,
  recordIngestBatch,
} from '@flightdeck/db';
import type { Session } from '@flightdeck/shared-types';
import type { CommitBatch, CoreState, StorePort } from './ports.js';

export type Db = FlightdeckDatabase['db'];
export type { FlightdeckDatabase };
export { openDatabase };

const RUNTIME_PREFIX = 'core.runtime:';
type RuntimeEntry = CoreState['runtime'][string];

/** The part of the core state saved as JSON: everything but the sessions and the per-session runtime. */
function rest(state: CoreState): CoreState {
  return { ...state, sessions: {}, runtime: {} };
}

/** True when a top-level part other than `sessions`/`runtime` changed (reference comparison: the core is immutable). */
function restChanged(prev: CoreState | null, next: CoreState): boolean {
  if (!prev) return true;
  for (const key of Object.keys(next) as Array<keyof CoreState>) {
    if (key !== 'sessions' && key !== 'runtime' && prev[key] !== next[key]) return true;
  }
  return Object.keys(prev).length !== Object.keys(next).length;
}

export function createStore(database: FlightdeckDatabase, now: () => number = Date.now): StorePort {
  const { db, sqlite } = database;
  let lastSaved: CoreState | null = null;
  const upsertRuntime = sqlite.prepare(
    'INSERT INTO kv (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
  );
  const deleteRuntime = sqlite.prepare('DELETE FROM kv WHERE key = ?');
  const selectRuntime = sqlite.prepare('SELECT key, value FROM kv WHERE key >= ? AND key < ?');

  function writeRuntime(prev: CoreState | null, next: CoreState, at: number) {
    const before = prev?.runtime ?? {};
    const after = next.runtime ?? {};
    if (before === after) return;
    for (const id of Object.keys(after)) {
      const entry = after[id];
      if (entry !== before[id]) upsertRuntime.run(RUNTIME_PREFIX + id, JSON.stringify(entry), at);
    }
    for (const id of Object.keys(before)) if (!(id in after)) deleteRuntime.run(RUNTIME_PREFIX + id);
  }

  // The runtime rows go first: `recordIngestBatch` (a nested savepoint here) marks what it wrote once it
  // returns, so nothing of ours may fail after it.
  const commitTx = sqlite.transaction((batch: CommitBatch, saveRest: boolean) => {
    if (batch.stateChanged) writeRuntime(lastSaved, batch.coreState, now());
    recordIngestBatch(db, {
      events: batch.events,
      sessions: batch.sessions,
      removedSessionIds: batch.removedSessionIds,
      rekeys: batch.rekeys,
      coreState: saveRest ? rest(batch.coreState) : undefined,
      // The core never mutates a published object (a changed tool call is a new object).
      immutableEntries: true,
    });
  });

  return {
    loadCoreState() {
      const loaded = loadCoreState(db);
      if (!loaded) return null;
      const saved = loaded.state as CoreState;
      const sessions: Record<string, Session> = {};
      for (const s of loadLiveSessions(db, { now: now() })) sessions[s.sessionId] = s;
      const runtime: Record<string, RuntimeEntry> = { ...(saved.runtime ?? {}) };
      const rows = selectRuntime.all(RUNTIME_PREFIX, `${RUNTIME_PREFIX}\uffff`) as Array<{
        key: string;
        value: string;
      }>;
      for (const row of rows)
        runtime[row.key.slice(RUNTIME_PREFIX.length)] = JSON.parse(row.value) as RuntimeEntry;
      // Rows win over sessions saved inside the JSON by older versions.
      const state: CoreState = { ...saved, sessions: { ...(saved.sessions ?? {}), ...sessions }, runtime };
      lastSaved = state;
      return state;
    },
    hasIngestIds(ids) {
      return hasIngestIds(db, ids);
    },
    commit(batch: CommitBatch) {
      const saveRest = batch.stateChanged && restChanged(lastSaved, batch.coreState);
      const runtimeChanged = batch.stateChanged && lastSaved?.runtime !== batch.coreState.runtime;
      if (
        batch.events.length === 0 &&
        batch.sessions.length === 0 &&
        batch.removedSessionIds.length === 0 &&
        batch.rekeys.length === 0 &&
        !saveRest &&
        !runtimeChanged
      ) {
        return;
      }
      commitTx(batch, saveRest);
      if (batch.stateChanged) lastSaved = batch.coreState;
    },
  };
}
