/**
 * Which ring-buffer entries of a session a plan must write: the ones not planned before. This file is the one
 * place that decides it, behind `RingDiff`; the planner only asks it.
 *
 * Today's rule is by identity: ring entries are immutable (the core makes a new object when one changes), and
 * ring buffers append at the end and drop from the front, so a ring's array is lined up with the last planned
 * array of the same ring, and what is not at its place there is new. An array planned whole before is skipped at
 * once (the core shares unchanged arrays between states).
 *
 * When ring entries carry a per-session `seq` (`ring-diff.ts`, `ringEntriesAfter(session, afterSeq)`), a
 * `RingDiff` is: `entries(s)` → `{ rings: ringEntriesAfter(s, planned.get(s.sessionId) ?? 0), remember: () =>
 * planned.set(s.sessionId, s.ringSeq) }`, `forgetSession(id)` → `planned.delete(id)`, `clear()` → `planned.clear()`.
 */
import type { Session } from '@flightdeck/shared-types';
import type { TABLE_RINGS } from './session-row.js';

/** The entries of each stored ring that a plan writes. */
export type RingEntries = { [R in (typeof TABLE_RINGS)[number]]: Session[R] };

export interface RingDiff {
  /**
   * The entries of `s` not planned before; `remember()` records them as planned (call it once the plan holding
   * them is complete).
   */
  entries(s: Session): { rings: RingEntries; remember(): void };
  /** A session id deleted or re-keyed: what was planned under it no longer counts. */
  forgetSession(id: string): void;
  /** Forgets everything (after a failed write: the next plan of each session writes its whole rings). */
  clear(): void;
}

function isObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null;
}

/** The identity-based `RingDiff` (see above). */
export function createRingDiff(): RingDiff {
  /** Bumped when a session id is deleted or re-keyed, which invalidates its entries in `rings`. */
  const generations = new Map<string, number>();
  /** The last planned array of each ring of each session (`<ring>\0<id>`), under the key `<generation>:<id>`. */
  const rings = new Map<string, { key: string; arr: readonly unknown[] }>();

  function fresh<T>(slot: string, key: string, arr: T[] | undefined, later: Array<() => void>): T[] {
    if (!Array.isArray(arr) || arr.length === 0) return [];
    const prev = rings.get(slot);
    if (prev !== undefined && prev.key === key && prev.arr === arr) return [];
    const last = prev !== undefined && prev.key === key ? prev.arr : null;
    const offset = last !== null ? last.indexOf(arr[0]) : -1;
    const out: T[] = [];
    for (let i = 0; i < arr.length; i++) {
      const entry = arr[i] as T;
      if (!isObject(entry)) continue;
      if (offset >= 0 && (last as readonly unknown[])[i + offset] === entry) continue;
      out.push(entry);
    }
    later.push(() => rings.set(slot, { key, arr }));
    return out;
  }

  return {
    entries(s) {
      const id = s.sessionId;
      const key = `${generations.get(id) ?? 0}:${id}`;
      const later: Array<() => void> = [];
      const rings: RingEntries = {
        promptHistory: fresh(`p\u0000${id}`, key, s.promptHistory, later),
        toolLog: fresh(`t\u0000${id}`, key, s.toolLog, later),
        responseLog: fresh(`r\u0000${id}`, key, s.responseLog, later),
        events: fresh(`e\u0000${id}`, key, s.events, later),
      };
      return {
        rings,
        remember() {
          for (const f of later) f();
        },
      };
    },
    forgetSession(id) {
      generations.set(id, (generations.get(id) ?? 0) + 1);
      for (const ring of ['p', 'r', 't', 'e']) rings.delete(`${ring}\u0000${id}`);
    },
    clear() {
      rings.clear();
    },
  };
}
