/**
 * The core state as the database keeps it: each session in its row (with its ring entries in their tables), the
 * per-session runtime bookkeeping one `kv` row per session, the rest as one JSON document. Planning what changed
 * since the last checkpoint, and putting the parts back together on load.
 */
import {
  type DatabaseAdapter,
  hookEventsAfterCheckpoint,
  loadCoreState,
  loadLiveSessions,
  type WriteOp,
} from '@flightdeck/db';
import type { Session } from '@flightdeck/shared-types';
import type { CoreState, IngestEvent } from '../ports.js';

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

/** The kv rows of per-session runtime entries that changed since `planned`, and the rest as JSON when it changed. */
export function planState(ops: WriteOp[], planned: CoreState | null, next: CoreState, at: number): void {
  const before = planned?.runtime ?? {};
  const after = next.runtime ?? {};
  if (before !== after) {
    // Own entries only: a session called `constructor` is not an Object.prototype member here.
    for (const id of Object.keys(after)) {
      const entry = after[id];
      if (!Object.hasOwn(before, id) || entry !== before[id])
        ops.push({ op: 'kv', key: RUNTIME_PREFIX + id, value: JSON.stringify(entry), at });
    }
    for (const id of Object.keys(before))
      if (!Object.hasOwn(after, id)) ops.push({ op: 'kv', key: RUNTIME_PREFIX + id, value: null, at });
  }
  if (restChanged(planned, next)) ops.push({ op: 'coreState', state: JSON.stringify(rest(next)), at });
}

/** What a store starts from: the last checkpoint's state (null: none yet), and the raw events stored after it. */
export interface Loaded {
  state: CoreState | null;
  replay: IngestEvent[];
}

/**
 * The last checkpoint, put back together: sessions from their rows (live ones, plus those ended in the last 30
 * minutes, §4.6), the runtime entries from their kv rows, the rest from its JSON; and the raw events after it.
 */
export async function loadCheckpoint(adapter: Pick<DatabaseAdapter, 'db'>, now: number): Promise<Loaded> {
  const { db } = adapter;
  const replay = await hookEventsAfterCheckpoint(db);
  const loaded = await loadCoreState(db);
  if (!loaded) return { state: null, replay };
  const saved = loaded.state as CoreState;
  // Built with fromEntries (own entries), not assignment: a session called `__proto__` stays an entry.
  const sessions: Record<string, Session> = Object.fromEntries(
    (await loadLiveSessions(db, { now })).map((s) => [s.sessionId, s]),
  );
  const rows = await db
    .selectFrom('kv')
    .select(['key', 'value'])
    .where('key', '>=', RUNTIME_PREFIX)
    .where('key', '<', `${RUNTIME_PREFIX}\uffff`)
    .execute();
  const runtime: Record<string, RuntimeEntry> = {
    ...(saved.runtime ?? {}),
    ...Object.fromEntries(
      rows.map((row) => [row.key.slice(RUNTIME_PREFIX.length), JSON.parse(row.value) as RuntimeEntry]),
    ),
  };
  // Rows win over sessions saved inside the JSON by older versions.
  return { state: { ...saved, sessions: { ...(saved.sessions ?? {}), ...sessions }, runtime }, replay };
}
