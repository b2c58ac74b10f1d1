/**
 * Ended sessions leave memory (`evict-ended`): each session that ended before `before` is dropped from the state
 * with its timers, team membership, aliases and pending resumes, as a delete does, but announced as
 * `session-evicted`: the shell stops broadcasting it and keeps its database row (History still has it).
 */
import { valuesOf } from './pmap.js';
import { onSessionDeleted } from './teams.js';
import { Tx } from './tx.js';
import type { CoreState, Effect } from './types.js';

/** Drops a session from the state with everything kept about it (a delete and an eviction). */
export function forgetSession(tx: Tx, id: string): void {
  tx.cancelAllSessionTimers(id);
  onSessionDeleted(tx, id);
  tx.dropSession(id);
  tx.dropAliasesTo(id);
  tx.state.pendingResumes = tx.state.pendingResumes.filter((r) => r.sessionId !== id);
}

export function evictEnded(
  state: CoreState,
  before: number,
  now: number,
): { state: CoreState; effects: Effect[] } {
  if (typeof before !== 'number' || !Number.isFinite(before))
    return { state, effects: [{ type: 'rejected', reason: 'evict-ended: before must be a number' }] };
  let tx: Tx | null = null;
  for (const s of valuesOf(state.sessions)) {
    if (s.status !== 'ended' || s.endedAt === null || s.endedAt >= before) continue;
    const id = s.sessionId;
    tx ??= new Tx(state, now);
    forgetSession(tx, id);
    tx.emit({ type: 'session-evicted', sessionId: id });
  }
  return tx ? tx.finish() : { state, effects: [] };
}
