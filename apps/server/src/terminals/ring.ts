/**
 * The output ring buffer of one terminal (spec §8.4): the newest output, at most `capBytes` (UTF-8 bytes), in
 * chunks numbered by a sequence shared with the terminal's other events. A new viewer gets it all; a viewer resuming
 * from a sequence number still covered gets only what came after it.
 */

export interface RingChunk {
  seq: number;
  data: string;
  bytes: number;
}

/** The end of `text`, at most `maxBytes` UTF-8 bytes. */
function keepTailBytes(text: string, maxBytes: number): string {
  let out = text.length > maxBytes ? text.slice(text.length - maxBytes) : text;
  let bytes = Buffer.byteLength(out, 'utf8');
  while (bytes > maxBytes) {
    out = out.slice(Math.max(1, Math.ceil((bytes - maxBytes) / 4)));
    bytes = Buffer.byteLength(out, 'utf8');
  }
  return out;
}

export class OutputRing {
  private chunks: RingChunk[] = [];
  private head = 0;
  private total = 0;
  /** The sequence number of the newest output dropped from the buffer (0: nothing dropped yet). */
  private droppedThrough = 0;

  constructor(readonly capBytes: number) {}

  get bytes(): number {
    return this.total;
  }

  push(seq: number, data: string): void {
    let text = data;
    let bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > this.capBytes) {
      // One chunk larger than the buffer: it replaces everything, its tail kept.
      text = keepTailBytes(text, this.capBytes);
      bytes = Buffer.byteLength(text, 'utf8');
      this.droppedThrough = seq;
      this.chunks = [];
      this.head = 0;
      this.total = 0;
    }
    this.chunks.push({ seq, data: text, bytes });
    this.total += bytes;
    while (this.total > this.capBytes) {
      const old = this.chunks[this.head] as RingChunk;
      this.droppedThrough = old.seq;
      const excess = this.total - this.capBytes;
      if (old.bytes <= excess) {
        this.total -= old.bytes;
        this.head += 1;
        continue;
      }
      // Keep the tail of the oldest chunk so the buffer holds as much as it may (its head is dropped).
      const tail = keepTailBytes(old.data, old.bytes - excess);
      const tailBytes = Buffer.byteLength(tail, 'utf8');
      this.total -= old.bytes - tailBytes;
      this.chunks[this.head] = { seq: old.seq, data: tail, bytes: tailBytes };
    }
    if (this.head > 1024 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }

  /** Everything buffered, oldest first. */
  text(): string {
    let out = '';
    for (let i = this.head; i < this.chunks.length; i++) out += (this.chunks[i] as RingChunk).data;
    return out;
  }

  /** The buffered chunks, oldest first. */
  all(): RingChunk[] {
    return this.chunks.slice(this.head);
  }

  /**
   * The chunks after `seq`, or null when part of that output was dropped (the viewer must replay the whole buffer)
   * or `seq` is past `newestSeq` (not a number this terminal gave).
   */
  since(seq: number, newestSeq: number): RingChunk[] | null {
    if (seq < this.droppedThrough || seq > newestSeq) return null;
    return this.all().filter((c) => c.seq > seq);
  }
}
