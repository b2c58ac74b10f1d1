/**
 * Ended sessions leave memory (`evict-ended`): each session that ended before `before` is dropped from the state
 * with its timers, team membership, aliases and pending resumes, as a delete does, but announced as
 * `session-evicted`: the shell stops broadcasting it and keeps its database row (History still has it).
 */
import { valuesOf } from './pmap.js';
import { onSessionDeleted } from './teams.js';
import { Tx } from './tx.js';
import type { CoreState, Effect } from './types.js';

/**
 * Drops sessions from the state with everything kept about them (a delete: one; an eviction: many), `each` called
 * after a session's timers and team are gone. The maps, aliases and pending resumes are cut once for them all:
 * one by one, evicting thousands of sessions copied a leaf of each map per session and scanned every alias and
 * pending resume per session.
 */
export function forgetSessions(tx: Tx, ids: readonly string[], each?: (id: string) => void): void {
  for (const id of ids) {
    tx.cancelAllSessionTimers(id);
    onSessionDeleted(tx, id);
    each?.(id);
  }
  tx.dropSessions(ids);
  const gone = new Set(ids);
  tx.dropAliasesTo(gone);
  if (tx.state.pendingResumes.some((r) => gone.has(r.sessionId)))
    tx.state.pendingResumes = tx.state.pendingResumes.filter((r) => !gone.has(r.sessionId));
}

/** Drops a session from the state with everything kept about it (`forgetSessions` of one). */
export function forgetSession(tx: Tx, id: string): void {
  forgetSessions(tx, [id]);
}

export function evictEnded(
  state: CoreState,
  before: number,
  now: number,
): { state: CoreState; effects: Effect[] } {
  if (typeof before !== 'number' || !Number.isFinite(before))
    return { state, effects: [{ type: 'rejected', reason: 'evict-ended: before must be a number' }] };
  const ids: string[] = [];
  for (const s of valuesOf(state.sessions))
    if (s.status === 'ended' && s.endedAt !== null && s.endedAt < before) ids.push(s.sessionId);
  if (ids.length === 0) return { state, effects: [] };
  const tx = new Tx(state, now);
  forgetSessions(tx, ids, (id) => tx.emit({ type: 'session-evicted', sessionId: id }));
  return tx.finish();
}
