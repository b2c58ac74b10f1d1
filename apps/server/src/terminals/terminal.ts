/**
 * One open terminal: its PTY, its output ring buffer, its viewers and its single writer. Output goes to the ring
 * and to every viewer's bounded queue; the PTY is paused only while every viewer is behind (flow control), never
 * for one slow viewer (that one gets a resync instead).
 */
import type { TerminalExit, TerminalInfo, TerminalOutputMessage } from '@flightdeck/shared-types';
import type { IPty } from 'node-pty';
import { OutputRing } from './ring.js';
import { Viewer } from './viewer.js';

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

  private onData(data: string): void {
    this.seq += 1;
    this.ring.push(this.seq, data);
    for (const l of this.outputListeners) l(data);
    if (this.viewers.size === 0) return;
    const bytes = data.length;
    for (const v of this.viewers) v.push(this.seq, { type: 'data', data }, bytes);
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
    this.seq += 1;
    for (const v of this.viewers) v.push(this.seq, msg, bytes);
  }

  broadcastInfo(): void {
    this.broadcast({ type: 'info', info: this.info() }, 0);
  }

  attach(viewerId: string): Viewer {
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
    }
  }
}
