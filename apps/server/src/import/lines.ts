/**
 * Reads a transcript file from a byte offset as batches of whole lines, streaming (one chunk in memory at a time,
 * plus the line being assembled). A line without its newline yet (the file is still being written) is left for
 * later: `end` is always just after a newline, so the import continues from it. A line longer than `maxLineBytes`
 * is passed over (null), never held.
 */
import { createReadStream } from 'node:fs';

export interface LineBatch {
  /** The lines (without newline); null for a line too long to read. */
  lines: Array<string | null>;
  /** Byte offset just after the batch's last newline. */
  end: number;
}

export interface ReadOptions {
  /** Bytes of lines per batch (a batch holds at least one line). */
  batchBytes: number;
  maxLineBytes: number;
  /** Read size. */
  chunkBytes?: number;
}

export async function* readLineBatches(
  path: string,
  start: number,
  o: ReadOptions,
): AsyncGenerator<LineBatch> {
  const stream = createReadStream(path, { start, highWaterMark: o.chunkBytes ?? 1 << 20 });
  let offset = start;
  let parts: Buffer[] = [];
  let partLen = 0;
  let tooLong = false;
  let lines: Array<string | null> = [];
  let bytes = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let i = 0;
      while (i < chunk.length) {
        const nl = chunk.indexOf(10, i);
        if (nl < 0) {
          const rest = chunk.length - i;
          if (tooLong || partLen + rest > o.maxLineBytes) {
            tooLong = true;
            parts = [];
          } else parts.push(Buffer.from(chunk.subarray(i)));
          partLen += rest;
          break;
        }
        const piece = chunk.subarray(i, nl);
        let line: string | null;
        if (tooLong || partLen + piece.length > o.maxLineBytes) line = null;
        else if (partLen === 0) line = piece.toString('utf8');
        else line = Buffer.concat([...parts, piece]).toString('utf8');
        const len = partLen + piece.length + 1;
        offset += len;
        bytes += len;
        lines.push(line);
        parts = [];
        partLen = 0;
        tooLong = false;
        i = nl + 1;
        if (bytes >= o.batchBytes) {
          yield { lines, end: offset };
          lines = [];
          bytes = 0;
        }
      }
    }
    if (lines.length > 0) yield { lines, end: offset };
  } finally {
    stream.destroy();
  }
}
