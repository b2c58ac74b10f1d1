/**
 * A reader's position in a table whose ids come from a sequence (`hook_events`, `cluster_inputs` on PostgreSQL):
 * several servers insert at once, so a row can become visible after rows with higher ids. The cursor is the highest
 * id read; the ids it skipped are kept as gaps, read again until they appear or `gapMs` passes (a rolled-back
 * insert leaves an id that never comes). No IO: the reader asks `pending()` what to read and tells `take()` what it
 * read.
 */
/** Most ids kept as gaps (the oldest are given up first). */
export const MAX_GAPS = 10_000;

export interface IdCursor {
  /** The highest id read. */
  readonly position: number;
  /** Ids skipped and still looked for. */
  readonly gapCount: number;
  /** Forgets gaps older than `gapMs`; then what to read: ids after `from`, and `gapIds`. */
  pending(at: number): { from: number; gapIds: number[] };
  /** A row read: true when it is new (after the cursor, or a gap filled); false when it was read before. */
  take(id: number, at: number): boolean;
  /** Whether an id was read (at or below the cursor and not a gap). */
  seen(id: number): boolean;
  /** Every id up to this one was read. */
  prefix(): number;
  /** Starts again at `position`: ids after `from` up to it that are not in `seen` become gaps. */
  reset(from: number, position: number, seen: ReadonlySet<number>, at: number): void;
}

export function createIdCursor(start: number, gapMs: number): IdCursor {
  let cursor = start;
  const gaps = new Map<number, number>();

  const trim = () => {
    if (gaps.size <= MAX_GAPS) return;
    for (const k of gaps.keys()) {
      gaps.delete(k);
      if (gaps.size <= MAX_GAPS) break;
    }
  };

  return {
    get position() {
      return cursor;
    },
    get gapCount() {
      return gaps.size;
    },
    pending(at) {
      for (const [id, since] of gaps) if (at - since > gapMs) gaps.delete(id);
      return { from: cursor, gapIds: [...gaps.keys()] };
    },
    take(id, at) {
      if (id > cursor) {
        for (let i = Math.max(cursor + 1, id - MAX_GAPS); i < id; i++) gaps.set(i, at);
        cursor = id;
        trim();
        return true;
      }
      return gaps.delete(id);
    },
    seen: (id) => id <= cursor && !gaps.has(id),
    prefix() {
      let p = cursor;
      for (const id of gaps.keys()) if (id <= p) p = id - 1;
      return p;
    },
    reset(from, position, seen, at) {
      gaps.clear();
      for (let i = Math.max(from + 1, position - MAX_GAPS); i <= position; i++)
        if (!seen.has(i)) gaps.set(i, at);
      cursor = position;
    },
  };
}
