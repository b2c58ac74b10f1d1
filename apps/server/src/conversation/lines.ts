/**
 * Complete lines of an open file, read backwards from a byte offset or forwards from one, in chunks, with bounded
 * work: at most `maxScan` bytes read per call and no line longer than `maxLine` kept (a longer one is skipped,
 * never buffered whole). A line is complete when it ends with `\n`: a line still being written is not read.
 *
 * Offsets are cursors that callers hand back; any offset is safe: a piece of a line cut by the offset (only an
 * oversize line's middle, or the unfinished last line) is dropped, so each complete line is read by exactly one of
 * the pages that `[start, end)` cursors partition a file into.
 */
import type { FileHandle } from 'node:fs/promises';

const NEWLINE = 0x0a;

export interface LineBounds {
  /** Bytes read per `read` call. */
  chunk: number;
  /** Most bytes read per call (a bound on work whatever the file holds). */
  maxScan: number;
  /** Longest line kept (bytes, newline excluded). */
  maxLine: number;
}

/** A complete line: its text and the byte offset where it starts. */
export interface Line {
  offset: number;
  text: string;
}

/** What a reader's `take` says of a line: read on, stop after it, or stop before it (it is left for the next read). */
export type Take = 'more' | 'enough' | 'exclude';

export interface LinesRead {
  /** Where the lines read start (`before`-side cursor) or end (`after`-side cursor). */
  boundary: number;
  /** Lines longer than `maxLine`, skipped. */
  oversize: number;
  /** Whether the read stopped at a bound with more of the file to read. */
  more: boolean;
}

async function readAt(fh: FileHandle, pos: number, len: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(len);
  let got = 0;
  while (got < len) {
    const { bytesRead } = await fh.read(buf, got, len - got, pos + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === len ? buf : buf.subarray(0, got);
}

/**
 * Reads the complete lines before `before`, newest first, handing each to `take` until it returns false (enough)
 * or a bound is reached. `boundary` is where the oldest line handed over (or skipped) starts: the next page's
 * `before`; `end` is just past the newest complete line: where newer lines will start.
 */
export async function readLinesBackward(
  fh: FileHandle,
  before: number,
  bounds: LineBounds,
  take: (line: Line) => Take,
): Promise<LinesRead & { end: number }> {
  let pos = before;
  let oversize = 0;
  // the newline that ends the line being put together; null while in the piece cut by `before`
  let lineEnd: number | null = null;
  let firstEnd: number | null = null;
  // that line's pieces, newest first (only counted once it is too long)
  let pieces: Buffer[] = [];
  let piecesLen = 0;
  const done = (): LinesRead & { end: number } => {
    const boundary = lineEnd === null ? pos : lineEnd + 1;
    const end = firstEnd === null ? boundary : firstEnd + 1;
    return { boundary, end, oversize, more: boundary > 0 };
  };
  /** The line from `start` to `lineEnd` is complete; false when `take` has enough. */
  const finish = (start: number, head: Buffer): boolean => {
    const len = piecesLen + head.length;
    const parts = [head, ...pieces.reverse()];
    pieces = [];
    piecesLen = 0;
    if (len > bounds.maxLine) {
      oversize += 1;
      lineEnd = start - 1;
      return true;
    }
    const said = take({ offset: start, text: Buffer.concat(parts, len).toString('utf8') });
    if (said !== 'exclude') lineEnd = start - 1;
    return said === 'more';
  };
  while (pos > 0 && before - pos < bounds.maxScan) {
    const n = Math.min(bounds.chunk, pos);
    const buf = await readAt(fh, pos - n, n);
    pos -= n;
    let stop = buf.length;
    let i = buf.lastIndexOf(NEWLINE, stop - 1);
    while (i !== -1) {
      if (lineEnd === null) {
        lineEnd = pos + i;
        firstEnd = lineEnd;
      } else if (!finish(pos + i + 1, buf.subarray(i + 1, stop))) {
        return done();
      }
      stop = i;
      i = stop > 0 ? buf.lastIndexOf(NEWLINE, stop - 1) : -1;
    }
    if (lineEnd !== null && stop > 0) {
      if (piecesLen + stop <= bounds.maxLine) pieces.push(Buffer.from(buf.subarray(0, stop)));
      else pieces = [];
      piecesLen += stop;
    }
  }
  // the file's first line
  if (pos === 0 && lineEnd !== null && lineEnd >= 0) finish(0, Buffer.alloc(0));
  return done();
}

/**
 * Reads complete lines starting at or after `after`, oldest first, until `take` returns false, the end of the
 * file (`size`) or a bound. `boundary` is the offset just past the last line handed over (or skipped): the next
 * read's `after`.
 */
export async function readLinesForward(
  fh: FileHandle,
  after: number,
  size: number,
  bounds: LineBounds,
  take: (line: Line) => Take,
): Promise<LinesRead> {
  let pos = after;
  let boundary = after;
  let oversize = 0;
  // a cursor inside a line: that line's rest is dropped
  let dropping = after > 0 && (await readAt(fh, after - 1, 1))[0] !== NEWLINE;
  let parts: Buffer[] = [];
  let partsLen = 0;
  let lineStart = after;
  while (pos < size && pos - after < bounds.maxScan) {
    const buf = await readAt(fh, pos, Math.min(bounds.chunk, size - pos));
    if (buf.length === 0) break;
    let from = 0;
    let nl = buf.indexOf(NEWLINE, from);
    while (nl !== -1) {
      const len = partsLen + nl - from;
      const skip = dropping || len > bounds.maxLine;
      if (!dropping && len > bounds.maxLine) oversize += 1;
      const text = skip ? '' : Buffer.concat([...parts, buf.subarray(from, nl)], len).toString('utf8');
      const offset = lineStart;
      parts = [];
      partsLen = 0;
      dropping = false;
      const said = skip ? 'more' : take({ offset, text });
      if (said === 'exclude') return { boundary, oversize, more: true };
      boundary = pos + nl + 1;
      lineStart = boundary;
      if (said === 'enough') return { boundary, oversize, more: boundary < size };
      from = nl + 1;
      nl = buf.indexOf(NEWLINE, from);
    }
    if (from < buf.length && !dropping) {
      if (partsLen + buf.length - from > bounds.maxLine) {
        parts = [];
        partsLen = 0;
        dropping = true;
        oversize += 1;
      } else {
        parts.push(Buffer.from(buf.subarray(from)));
        partsLen += buf.length - from;
      }
    }
    pos += buf.length;
  }
  return { boundary, oversize, more: boundary < size && pos < size };
}
