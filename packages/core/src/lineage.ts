import type { LineageLink } from '@flightdeck/shared-types';
import { LIMITS, pushRing } from './limits.js';
import type { Tx } from './tx.js';

/**
 * Links two cards both ways: `toId` came from `fromId` (`/clear` ended one session and started the other in the
 * same process). Each side gets one link; linking the same pair again changes nothing.
 */
export function linkLineage(tx: Tx, fromId: string, toId: string, relation: LineageLink['relation']): void {
  const from = tx.session(fromId);
  const to = tx.session(toId);
  if (!from || !to || fromId === toId) return;
  if (!(from.lineage ?? []).some((l) => l.sessionId === toId)) {
    const link: LineageLink = { sessionId: toId, relation, direction: 'successor', at: tx.now };
    tx.patch(fromId, { lineage: pushRing(from.lineage ?? [], link, LIMITS.lineage) });
  }
  const cur = tx.session(toId)!;
  if (!(cur.lineage ?? []).some((l) => l.sessionId === fromId)) {
    const link: LineageLink = { sessionId: fromId, relation, direction: 'predecessor', at: tx.now };
    tx.patch(toId, { lineage: pushRing(cur.lineage ?? [], link, LIMITS.lineage) });
  }
}

/** The card this one continues (its predecessor link), if any. */
export function predecessorOf(lineage: readonly LineageLink[] | undefined): LineageLink | undefined {
  return (lineage ?? []).find((l) => l.direction === 'predecessor');
}
