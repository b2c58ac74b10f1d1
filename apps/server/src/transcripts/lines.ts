/** Splitting what was read of a transcript into lines, within the follower's memory bound (see `follower.ts`). */
import type { Follow } from './follow.js';

const NEWLINE = 0x0a;

/** The follower's counters this touches. */
export interface LineCounters {
  lines: number;
  entries: number;
  skipped: number;
  oversizeLines: number;
  largestPartialLine: number;
}

export interface ChunkContext {
  /** Longest line kept; a longer one is skipped and counted, never buffered whole. */
  maxLine: number;
  counters: LineCounters;
  /** Whether `f`'s next input is full (hand it over before reading on). */
  full: (f: Follow) => boolean;
}

/**
 * Splits a chunk read at `f.readPos` into lines from `start` and parses the complete ones. Stops after a line
 * that fills the input (returns where it stopped: hand the input over, then go on from there); `readPos` moves
 * past the chunk once all of it is consumed.
 */
export function consumeChunk(f: Follow, buf: Buffer, from: number, ctx: ChunkContext): number {
  const { maxLine, counters } = ctx;
  const base = f.readPos;
  let start = from;
  while (start < buf.length) {
    const nl = buf.indexOf(NEWLINE, start);
    if (nl === -1) {
      const rest = buf.length - start;
      if (f.discarding) break;
      if (f.pendingLen + rest > maxLine) {
        // too long: drop what is kept and the rest of it as it comes
        f.pending = [];
        f.pendingLen = 0;
        f.discarding = 'oversize';
        counters.oversizeLines += 1;
        counters.skipped += 1;
        f.skipped += 1;
      } else {
        f.pending.push(Buffer.from(buf.subarray(start)));
        f.pendingLen += rest;
        if (f.pendingLen > counters.largestPartialLine) counters.largestPartialLine = f.pendingLen;
      }
      break;
    }
    if (f.discarding) {
      f.discarding = null;
    } else if (f.pendingLen + (nl - start) > maxLine) {
      counters.oversizeLines += 1;
      counters.skipped += 1;
      f.skipped += 1;
      f.pending = [];
      f.pendingLen = 0;
    } else {
      const line =
        f.pendingLen > 0
          ? Buffer.concat([...f.pending, buf.subarray(start, nl)]).toString('utf8')
          : buf.toString('utf8', start, nl);
      f.pending = [];
      f.pendingLen = 0;
      counters.lines += 1;
      const r = f.parser(line);
      if (r.verdict === 'entries') {
        for (const e of r.entries) {
          f.entries.push(e);
          f.entryText +=
            e.kind === 'assistant-text'
              ? e.text.length
              : e.kind === 'api-error'
                ? e.message.length
                : e.kind === 'tool-failed'
                  ? e.error.length
                  : 0;
        }
        counters.entries += r.entries.length;
      } else if (r.verdict === 'skipped') {
        counters.skipped += 1;
        f.skipped += 1;
      }
    }
    f.offset = base + nl + 1;
    start = nl + 1;
    if (ctx.full(f) && start < buf.length) return start;
  }
  f.readPos = base + buf.length;
  return buf.length;
}
