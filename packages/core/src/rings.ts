/**
 * The stored rings of a session: the bounded logs whose entries the database keeps in tables of their own. Every
 * entry the core adds to one or changes in one gets the session's next sequence number (`seq = ringSeq + 1`, with
 * `ringSeq` moved on in the same patch), so a writer tells what it has not written yet by `seq > last written`,
 * without comparing entries. Subagents, the status timeline and lineage are not stored rings: they go with the
 * session's row and carry no sequence.
 */
import type { Session } from '@flightdeck/shared-types';
import { LIMITS, pushRing } from './limits.js';
import type { Tx } from './tx.js';

export type StoredRingKey = 'promptHistory' | 'toolLog' | 'responseLog' | 'events';

export type RingEntry<K extends StoredRingKey> = Session[K][number];

/**
 * The session's ring sequence. A state saved before ring sequences has none (and its entries have no `seq`): both
 * read as 0, i.e. written already; the first change after the upgrade numbers from 1.
 */
export function ringSeqOf(s: Session): number {
  const n: unknown = s.ringSeq;
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : 0;
}

/**
 * Puts `entry` into ring `key` of session `id` with the next sequence number: appended when `index` is null (the
 * oldest entry drops out past the ring's `LIMITS`), else replacing the entry at `index` (a tool call that finished,
 * was denied or interrupted). The ring, `ringSeq` and `extra` (other fields of the same change) go into one patch.
 * `entry` and `extra` must be fresh objects (nobody else holds them): they are taken over, and `entry.seq` is set
 * here. Callers build the entry with its `seq` field in place (any value): every entry of a ring then has one
 * shape, which keeps the loops over the rings (finding a tool call) fast.
 */
export function putRingEntry<K extends StoredRingKey>(
  tx: Tx,
  id: string,
  key: K,
  index: number | null,
  entry: RingEntry<K>,
  extra?: Partial<Session>,
): RingEntry<K> {
  const s = tx.session(id)!;
  const seq = ringSeqOf(s) + 1;
  entry.seq = seq;
  const ring = s[key] as readonly RingEntry<K>[];
  let next: RingEntry<K>[];
  if (index === null) {
    next = pushRing(ring, entry, LIMITS[key]);
  } else {
    next = ring.slice();
    next[index] = entry;
  }
  const fields: Partial<Session> = extra ?? {};
  (fields as Record<K, RingEntry<K>[]>)[key] = next;
  fields.ringSeq = seq;
  tx.patch(id, fields);
  return entry;
}
