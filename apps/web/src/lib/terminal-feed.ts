import type { TerminalInfo, TerminalOutputMessage } from '../data/terminals.js';

/** What a terminal view does with the screen for one message of `terminals.output`. */
export type FeedAction =
  | { type: 'write'; data: string }
  /** Clear the screen and the scrollback: a replay of the server's buffer follows. */
  | { type: 'reset' }
  | { type: 'none' };

/**
 * The client side of `terminals.output`: what reaches the screen. tRPC resubscribes after a lost WebSocket with the
 * last tracked id as `lastEventId`; the server then resumes after it (`hello` with `resumed: true`: only newer data
 * follows) or, when that id has left its buffer or the viewer fell too far behind, starts over (`hello` with
 * `resumed: false`: the screen is reset, then the buffer is replayed). So that the screen never shows a chunk twice,
 * data whose id is not newer than the last one written since the last reset is dropped as well.
 */
export class TerminalFeed {
  private lastSeq = -1;
  info: TerminalInfo | null = null;
  viewerId: string | null = null;
  exit: { code: number | null; signal: number | null } | null = null;

  /** The id tRPC tracks (`tracked(seq, …)`) as a number; null when it is not one. */
  private static seqOf(id: string | null | undefined): number | null {
    if (id == null || !/^[0-9]{1,15}$/.test(id)) return null;
    return Number(id);
  }

  push(msg: TerminalOutputMessage, id: string | null | undefined): FeedAction {
    switch (msg.type) {
      case 'hello':
        this.viewerId = msg.viewerId;
        this.info = msg.info;
        if (msg.info.exit) this.exit = { code: msg.info.exit.code, signal: msg.info.exit.signal };
        if (msg.resumed) return { type: 'none' };
        this.lastSeq = -1;
        return { type: 'reset' };
      case 'info':
        this.info = msg.info;
        if (msg.info.exit) this.exit = { code: msg.info.exit.code, signal: msg.info.exit.signal };
        return { type: 'none' };
      case 'exit':
        this.exit = { code: msg.code, signal: msg.signal };
        return { type: 'none' };
      case 'data': {
        const seq = TerminalFeed.seqOf(id);
        if (seq !== null) {
          if (seq <= this.lastSeq) return { type: 'none' };
          this.lastSeq = seq;
        }
        return { type: 'write', data: msg.data };
      }
    }
  }
}

/** "exited (code 3)", "exited (signal 9)", or null while it runs. */
export function exitWords(
  exit: { code: number | null; signal: number | null } | null | undefined,
): string | null {
  if (!exit) return null;
  if (exit.code !== null) return `exited (code ${exit.code})`;
  if (exit.signal) return `exited (signal ${exit.signal})`;
  return 'exited';
}

/**
 * The most characters in one `terminals.input` call. Keystrokes go over the WebSocket, whose messages the server
 * takes up to 64 KiB (a larger one closes the socket): even JSON-escaped (6 bytes a character at worst) this many
 * fit with the call's envelope. A longer paste is sent in pieces of this size, in order.
 */
export const INPUT_PIECE_CHARS = 8192;

/** The first piece of `text` to send: at most `max` characters, never half of a surrogate pair. */
function pieceOf(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/**
 * Sends keystrokes in order: one `terminals.input` call in flight at a time, what is typed meanwhile sent together
 * next (calls that overlap could reach the server out of order), in pieces of at most `maxChars`. A refused call
 * drops what was queued behind it and reports the refusal.
 */
export function createInputQueue(
  send: (data: string) => Promise<void>,
  onError: (err: unknown) => void,
  maxChars = INPUT_PIECE_CHARS,
): (data: string) => void {
  let pending = '';
  let busy = false;
  const flush = async () => {
    busy = true;
    while (pending) {
      const data = pieceOf(pending, maxChars);
      pending = pending.slice(data.length);
      try {
        await send(data);
      } catch (err) {
        pending = '';
        onError(err);
      }
    }
    busy = false;
  };
  return (data: string) => {
    pending += data;
    if (!busy) void flush();
  };
}
