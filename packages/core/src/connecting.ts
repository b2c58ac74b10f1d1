/**
 * The ids of the sessions in `connecting` (a Flightdeck terminal's card waiting for its agent's first event), per
 * sessions map: the matcher's priority-3 lookup (§5) without scanning every session in memory on every event of an
 * unknown session. Derived data, memoised per immutable map: a step's `Tx` carries it from the map it started
 * with to the one it made by the ids it touched; a map never seen is scanned once, on first use.
 */
import type { Session } from '@flightdeck/shared-types';
import { filterValues, getOwn, type PMap } from './pmap.js';

const memo = new WeakMap<PMap<Session>, readonly string[]>();

export function connectingIds(m: PMap<Session>): readonly string[] {
  let ids = memo.get(m);
  if (ids === undefined) {
    ids = filterValues(m, (s) => s.status === 'connecting').map((s) => s.sessionId);
    memo.set(m, ids);
  }
  return ids;
}

/** After a step: `to`'s list from `from`'s and the ids the step put, patched or dropped. */
export function carryConnecting(from: PMap<Session>, to: PMap<Session>, touched: ReadonlySet<string>): void {
  if (from === to || memo.has(to)) return;
  const prev = memo.get(from);
  if (prev === undefined) return;
  const next = prev.filter((id) => !touched.has(id));
  for (const id of touched) if (getOwn(to, id)?.status === 'connecting') next.push(id);
  memo.set(to, next);
}
