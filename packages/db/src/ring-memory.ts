/**
 * Which ring-buffer entries of a session a plan must write: the ones not planned before. This file is the one
 * place that decides it, behind `RingDiff`; the planner only asks it.
 *
 * By sequence number (`ring-diff.ts`): the core gives every entry it adds to a ring or replaces in one the
 * session's next `seq` and keeps the last in `ringSeq`; a session planned up to `ringSeq` n next writes the entries
 * with `seq > n` (`ringEntriesAfter`). Entries rebuilt from the database carry `seq` 0: written. What is remembered
 * per session is one number, under the session's generation (bumped when the id is deleted or re-keyed, so a plan
 * made before that is not remembered after it); a `ringSeq` below the remembered one is another session under the
 * same id, planned whole.
 */
import type { Session } from '@flightdeck/shared-types';
import { type RingEntries, ringEntriesAfter } from './ring-diff.js';

export interface RingDiff {
  /**
   * The entries of `s` not planned before; `remember()` records them as planned (call it once the plan holding
   * them is complete).
   */
  entries(s: Session): { rings: RingEntries; remember(): void };
  /** The `ringSeq` session `id` was planned up to (0: nothing planned, or forgotten). */
  plannedUpTo(id: string): number;
  /** A session id deleted or re-keyed: what was planned under it no longer counts. */
  forgetSession(id: string): void;
  /** Forgets everything (after a failed write: the next plan of each session writes its whole rings). */
  clear(): void;
}

export function createRingDiff(): RingDiff {
  /** Bumped when a session id is deleted or re-keyed. */
  const generations = new Map<string, number>();
  /** The `ringSeq` each session was planned up to. */
  const planned = new Map<string, number>();
  return {
    entries(s) {
      const id = s.sessionId;
      const gen = generations.get(id) ?? 0;
      const upTo = planned.get(id) ?? 0;
      const ringSeq = s.ringSeq;
      const rings = ringEntriesAfter(s, ringSeq < upTo ? 0 : upTo);
      return {
        rings,
        remember() {
          if ((generations.get(id) ?? 0) === gen) planned.set(id, ringSeq);
        },
      };
    },
    plannedUpTo: (id) => planned.get(id) ?? 0,
    forgetSession(id) {
      generations.set(id, (generations.get(id) ?? 0) + 1);
      planned.delete(id);
    },
    clear() {
      planned.clear();
    },
  };
}
