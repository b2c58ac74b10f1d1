/**
 * What a checkpoint must write of a session's stored rings, by sequence number (pure, no IO). The core gives every
 * entry it adds to a ring or changes in one the session's next `seq` and keeps the last in `ringSeq`; a writer that
 * wrote a session up to `seq` n writes the entries with `seq > n`. Entries without a sequence (a state saved
 * before ring sequences, or rebuilt from the database: `seq` 0) count as written.
 */
import type { LifecycleEvent, PromptEntry, ResponseEntry, Session, ToolCall } from '@flightdeck/shared-types';

/** The entries of each stored ring, in ring order. */
export interface RingEntries {
  promptHistory: PromptEntry[];
  toolLog: ToolCall[];
  responseLog: ResponseEntry[];
  events: LifecycleEvent[];
}

type RingSession = Pick<Session, 'ringSeq' | keyof RingEntries>;

/** A sequence number as given, or 0 when it is not a non-negative safe integer (missing, corrupt). */
function seqOr0(n: unknown): number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : 0;
}

function after<T extends { seq: number }>(ring: readonly T[], afterSeq: number): T[] {
  const out: T[] = [];
  for (const e of ring) if (e.seq > afterSeq) out.push(e);
  return out;
}

/**
 * The entries of the four stored rings with `seq > afterSeq`, each ring in its order: what is new or changed since
 * the session was written up to `afterSeq` (a corrupt `afterSeq` reads as 0). An entry that left its ring before
 * it was written (the ring wrapped) is not here: `ringsAtRisk` tells when that can happen.
 */
export function ringEntriesAfter(session: RingSession, afterSeq: number): RingEntries {
  const n = seqOr0(afterSeq);
  return {
    promptHistory: after(session.promptHistory, n),
    toolLog: after(session.toolLog, n),
    responseLog: after(session.responseLog, n),
    events: after(session.events, n),
  };
}

/**
 * How many ring changes the session had since it was written up to `afterSeq` (`ringSeq - afterSeq`, never
 * negative; a missing or corrupt `ringSeq` or `afterSeq` reads as 0). Each change adds at most one entry, so below
 * the smallest ring's capacity no entry appended since has left its ring; a tool call changed in place can leave
 * sooner (it keeps its old position): `ringsAtRisk` tells exactly.
 */
export function ringGap(session: Pick<Session, 'ringSeq'>, afterSeq: number): number {
  return Math.max(0, seqOr0(session.ringSeq) - seqOr0(afterSeq));
}

/** How many entries each stored ring keeps (the core's `LIMITS`). */
export type RingCapacities = Record<keyof RingEntries, number>;

const RING_KEYS: readonly (keyof RingEntries)[] = ['promptHistory', 'toolLog', 'responseLog', 'events'];

/**
 * True when `margin` more entries appended to a ring (the most one input appends to one ring) would push out of it
 * an entry not written yet (`seq > afterSeq`): the session must be written first. Exact where `ringGap` is a bound:
 * a tool call replaced in place keeps its old position, so a changed call among a full ring's oldest leaves with
 * the next appends however small the gap; and entries appended since leave only after a ring's capacity of appends.
 */
export function ringsAtRisk(
  session: RingSession,
  afterSeq: number,
  capacity: RingCapacities,
  margin: number,
): boolean {
  const n = seqOr0(afterSeq);
  for (const key of RING_KEYS) {
    const ring: readonly { seq: number }[] = session[key];
    const leaving = Math.min(ring.length, ring.length + Math.max(0, margin) - capacity[key]);
    for (let i = 0; i < leaving; i++) if ((ring[i] as { seq: number }).seq > n) return true;
  }
  return false;
}
