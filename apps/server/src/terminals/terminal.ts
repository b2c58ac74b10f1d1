/**
 * One open terminal: its PTY, its output ring buffer, its viewers and its single writer. Output goes to the ring
 * as it is read, and to every viewer's bounded queue in frames (see `onData`); the PTY is paused only while every
 * viewer is behind (flow control), never for one slow viewer (that one gets a resync instead).
 */
import type { TerminalExit, TerminalInfo, TerminalOutputMessage } from '@flightdeck/shared-types';
import type { IPty } from 'node-pty';
import { type DataFrame, sharedFrame } from './frames.js';
import { OutputRing } from './ring.js';
import { Viewer } from './viewer.js';

/** A frame at least this big means output is streaming: the next one is gathered (see `Terminal.onData`). */
const STREAMING_BYTES = 2 * 1024;
/** While output streams, at most one frame per this many ms (the most it adds to what the viewers show). */
const FRAME_MS = 4;
/** A frame's size, at most, before it is sent regardless (plus one read). */
const FRAME_BYTES = 128 * 1024;

export interface TerminalLimits {
  /** Ring buffer size, bytes (spec §8.4: 128 KiB). */
  bufferBytes: number;
  /** A viewer's queue bound, bytes: past it the viewer gets a resync. */
  viewerQueueBytes: number;
  /** The PTY pauses while every viewer has more than this queued, and resumes below a quarter of it. */
  pauseAboveBytes: number;
  /** A pause lasts at most this long: then the viewers still behind get a resync and the PTY resumes. */
  maxPauseMs: number;
}

/** What a terminal is made with; the rest of its `TerminalInfo` is its state. */
export type TerminalSpec = Omit<TerminalInfo, 'pid' | 'exit' | 'writer' | 'viewers' | 'sessionId'>;

export class TerminalError extends Error {
  constructor(
    readonly code: 'NOT_FOUND' | 'CONFLICT' | 'BAD_REQUEST' | 'TOO_MANY_REQUESTS' | 'PRECONDITION_FAILED',
    message: string,
  ) {
    super(message);
  }
}

export class Terminal {
  readonly ring: OutputRing;
  seq = 0;
  exit: TerminalExit | null = null;
  writer: string | null = null;
  sessionId: string | null = null;
  private readonly viewers = new Set<Viewer>();
  private readonly outputListeners = new Set<(data: string) => void>();
  private paused = false;
  private pauseTimer: NodeJS.Timeout | null = null;
  private readonly exited: Promise<void>;
  private closing = false;
  /** Output read but not yet sent to the viewers (see `onData`): its reads, their size, the seq of the last. */
  private pending: string[] = [];
  private pendingBytes = 0;
  private pendingSeq = 0;
  private frameTimer: NodeJS.Timeout | null = null;
  /** When the previous frame went to the viewers, and its size. */
  private frameAt = 0;
  private frameBytes = 0;

  constructor(
    readonly spec: TerminalSpec,
    private readonly pty: IPty,
    private readonly limits: TerminalLimits,
    private readonly now: () => number,
  ) {
    this.ring = new OutputRing(limits.bufferBytes);
    pty.onData((data) => this.onData(data));
    this.exited = new Promise((resolve) => {
      pty.onExit(({ exitCode, signal }) => {
        const sig = signal ? signal : null;
        this.exit = { code: sig === null ? exitCode : null, signal: sig, at: this.now() };
        if (this.writer !== null) this.writer = null;
        this.unpause();
        this.broadcast({ type: 'exit', code: this.exit.code, signal: this.exit.signal }, 0);
        this.broadcastInfo();
        resolve();
      });
    });
  }

  get id(): string {
    return this.spec.id;
  }

  info(): TerminalInfo {
    return {
      ...this.spec,
      pid: this.pty.pid ?? null,
      exit: this.exit,
      writer: this.writer,
      viewers: this.viewers.size,
      sessionId: this.sessionId,
    };
  }

  /** The server's own reader of the output (shell-ready detection); returns the unsubscribe. */
  onOutput(listener: (data: string) => void): () => void {
    this.outputListeners.add(listener);
    return () => this.outputListeners.delete(listener);
  }

  get ended(): boolean {
    return this.exit !== null || this.closing;
  }

  /** Types for the server itself (a launch's command line), outside the single-writer rule. */
  send(data: string): void {
    if (!this.ended) this.pty.write(data);
  }

  /**
   * Output comes from the PTY in reads of at most 4 KiB, one per event-loop turn, and every message costs the server
   * (serialising, framing, a socket write per viewer) and each viewer (parsing, dispatching) about the same whatever
   * its size. So while output streams (the previous frame was at least `STREAMING_BYTES` and went out less than
   * `FRAME_MS` ago) reads are gathered until `FRAME_MS` after that frame or `FRAME_BYTES`, and go to the viewers as
   * one frame: the same object for all, encoded once (frames.ts). A keystroke's echo, or the first read of a burst,
   * goes out at once. The ring gets every read as it comes.
   */
  private onData(data: string): void {
    this.seq += 1;
    this.ring.push(this.seq, data);
    for (const l of this.outputListeners) l(data);
    if (this.viewers.size === 0) return;
    this.pending.push(data);
    this.pendingBytes += data.length;
    this.pendingSeq = this.seq;
    const streaming = this.frameBytes >= STREAMING_BYTES && performance.now() - this.frameAt < FRAME_MS;
    if (!streaming || this.pendingBytes >= FRAME_BYTES) this.sendFrame();
    else this.frameTimer ??= setTimeout(() => this.sendFrame(), this.frameAt + FRAME_MS - performance.now());
  }

  /** Output read but not sent to the viewers yet (a frame being gathered), characters. */
  get unsentBytes(): number {
    return this.pendingBytes;
  }

  /** Sends what `onData` gathered to every viewer, as one frame. */
  sendFrame(): void {
    if (this.frameTimer) clearTimeout(this.frameTimer);
    this.frameTimer = null;
    if (this.pending.length === 0) return;
    const frame: DataFrame = sharedFrame(this.pending.join(''));
    const bytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    this.frameAt = performance.now();
    this.frameBytes = bytes;
    for (const v of this.viewers) v.push(this.pendingSeq, frame, bytes);
    this.flowControl();
  }

  /** Pauses the PTY while every viewer is behind; resumes when one catches up (see `drained`). */
  private flowControl(): void {
    if (this.exit) return;
    // The least behind of the viewers still served; resyncing viewers do not count (none left: no pause).
    let min = Number.POSITIVE_INFINITY;
    for (const v of this.viewers) min = Math.min(min, v.behind ?? Number.POSITIVE_INFINITY);
    if (min === Number.POSITIVE_INFINITY) min = 0;
    if (!this.paused && min > this.limits.pauseAboveBytes) {
      this.paused = true;
      this.pty.pause();
      // No viewer holds the PTY (and the program writing to it) for long: past the limit, those behind resync.
      this.pauseTimer = setTimeout(() => {
        for (const v of this.viewers) if ((v.behind ?? 0) > 0) v.dropBehind();
        this.unpause();
      }, this.limits.maxPauseMs);
    } else if (this.paused && min <= this.limits.pauseAboveBytes / 4) {
      this.unpause();
    }
  }

  private unpause(): void {
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.pauseTimer = null;
    if (!this.paused) return;
    this.paused = false;
    this.pty.resume();
  }

  /** A viewer took its queue: maybe resume the PTY. */
  drained(): void {
    if (this.paused) this.flowControl();
  }

  private broadcast(msg: TerminalOutputMessage, bytes: number): void {
    this.sendFrame(); // the output before this message goes first
    this.seq += 1;
    for (const v of this.viewers) v.push(this.seq, msg, bytes);
  }

  broadcastInfo(): void {
    this.broadcast({ type: 'info', info: this.info() }, 0);
  }

  attach(viewerId: string): Viewer {
    this.sendFrame(); // a new viewer's replay (the ring) has it already
    const v = new Viewer(viewerId, this.limits.viewerQueueBytes);
    this.viewers.add(v);
    this.broadcastInfo();
    return v;
  }

  detach(v: Viewer): void {
    if (!this.viewers.delete(v)) return;
    v.end();
    const stillHere = [...this.viewers].some((o) => o.viewerId === v.viewerId);
    if (this.writer === v.viewerId && !stillHere) this.writer = null;
    this.flowControl();
    this.broadcastInfo();
  }

  /** Types `data` for `viewerId`: the writer, or the first typist when there is none; CONFLICT for anyone else. */
  input(viewerId: string, data: string): void {
    if (this.exit) throw new TerminalError('CONFLICT', `terminal ${this.id} has exited`);
    if (this.writer === null) {
      this.writer = viewerId;
      this.broadcastInfo();
    } else if (this.writer !== viewerId) {
      throw new TerminalError('CONFLICT', 'another viewer is typing: take over first');
    }
    this.pty.write(data);
  }

  /**
   * Types `data` as the system (a queued prompt, issue 16): not a viewer, so the writer stays who it is; one write,
   * so it never interleaves with a viewer's keystrokes. CONFLICT once the terminal has exited.
   */
  typeAsSystem(data: string): void {
    if (this.exit) throw new TerminalError('CONFLICT', `terminal ${this.id} has exited`);
    this.pty.write(data);
  }

  takeover(viewerId: string): TerminalInfo {
    if (this.writer !== viewerId) {
      this.writer = viewerId;
      this.broadcastInfo();
    }
    return this.info();
  }

  resize(cols: number, rows: number): TerminalInfo {
    if (!this.exit && (cols !== this.spec.cols || rows !== this.spec.rows)) {
      this.pty.resize(cols, rows);
      this.spec.cols = cols;
      this.spec.rows = rows;
      this.broadcastInfo();
    }
    return this.info();
  }

  /** Ends the process (SIGHUP, then SIGKILL after `graceMs`) and every viewer's stream. */
  async close(graceMs: number): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      if (!this.exit) {
        this.unpause();
        try {
          this.pty.kill('SIGHUP');
        } catch {
          // already gone
        }
        const timer = setTimeout(() => {
          try {
            if (!this.exit) this.pty.kill('SIGKILL');
          } catch {
            // already gone
          }
        }, graceMs);
        await Promise.race([this.exited, new Promise((r) => setTimeout(r, graceMs + 1000))]);
        clearTimeout(timer);
      }
      for (const v of this.viewers) v.end();
      this.viewers.clear();
      if (this.frameTimer) clearTimeout(this.frameTimer);
      this.frameTimer = null;
    }
  }
}
