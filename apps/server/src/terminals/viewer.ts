/**
 * One viewer of a terminal (one `terminals.output` subscription): a bounded queue of what it has not been sent
 * yet. Past the bound the queue is dropped and the viewer is marked for a resync (a fresh `hello` and the replay
 * of the ring buffer), so a slow viewer never grows memory and never holds back the others.
 */
import type { TerminalOutputMessage } from '@flightdeck/shared-types';

export interface Queued {
  seq: number;
  msg: TerminalOutputMessage;
  bytes: number;
}

export type ViewerBatch = Queued[] | 'resync';

export class Viewer {
  private queue: Queued[] = [];
  private queuedBytes = 0;
  private resync = false;
  private ended = false;
  private wake: (() => void) | null = null;
  /** Times this viewer fell behind past its bound. */
  resyncs = 0;

  constructor(
    readonly viewerId: string,
    private readonly capBytes: number,
  ) {}

  /** Bytes queued, or null while a resync is pending (this viewer no longer holds the PTY back). */
  get behind(): number | null {
    return this.resync ? null : this.queuedBytes;
  }

  /** Drops what is queued: this viewer gets a resync next. */
  dropBehind(): void {
    if (this.ended || this.resync) return;
    this.queue = [];
    this.queuedBytes = 0;
    this.resync = true;
    this.resyncs += 1;
    this.notify();
  }

  push(seq: number, msg: TerminalOutputMessage, bytes: number): void {
    if (this.ended) return;
    if (!this.resync) {
      this.queue.push({ seq, msg, bytes });
      this.queuedBytes += bytes;
      if (this.queuedBytes > this.capBytes) this.dropBehind();
    }
    this.notify();
  }

  end(): void {
    this.ended = true;
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** What is queued now, without waiting ([] when nothing). */
  take(): ViewerBatch {
    if (this.resync) {
      this.resync = false;
      return 'resync';
    }
    const out = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    return out;
  }

  /** Drops what is queued up to `seq` (a replay up to it is being sent instead). */
  skipThrough(seq: number): void {
    const before = this.queue.length;
    this.queue = this.queue.filter((q) => q.seq > seq);
    if (this.queue.length === before) return;
    this.queuedBytes = 0;
    for (const q of this.queue) this.queuedBytes += q.bytes;
  }

  /** The next messages (or 'resync'); null once the terminal is closed or `signal` aborts. */
  async next(signal: AbortSignal | undefined): Promise<ViewerBatch | null> {
    for (;;) {
      if (signal?.aborted) return null;
      if (this.resync || this.queue.length > 0) return this.take();
      if (this.ended) return null;
      await new Promise<void>((resolve) => {
        const onAbort = () => resolve();
        this.wake = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
  }
}
