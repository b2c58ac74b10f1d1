/**
 * Terminal output frames, made and encoded once for all viewers.
 *
 * Decision record (issue 16, terminal throughput). Targets: keystroke → echo p99 ≤ 10 ms through the server and the
 * WebSocket; a PTY printing 100 MB at ≥ 20 MB/s per viewer for one viewer and for five. Before: each PTY read
 * (4 KiB at most) was sent as its own message, about 25,000 per 100 MB per viewer, each serialised to JSON, turned
 * into UTF-8 and written for each viewer apart. Kept on tRPC, with:
 * - keystrokes over the WebSocket (both clients), not an HTTP request each;
 * - output gathered into frames while it streams (terminal.ts, `Terminal.onData`): one per 4 ms at most, up to
 *   128 KiB, an echo never held;
 * - each frame one object shared by every viewer's stream, whose JSON is made once, as UTF-8 bytes, by the first
 *   socket that sends it (`encodeAnswer`, the tRPC WebSocket adapter's encoder in app.ts); every viewer's answer is
 *   its own short envelope around those same bytes, sent as one text message in three fragments (`sendAsText`:
 *   no copy per viewer). tRPC's wire format and both clients are unchanged.
 * Not a dedicated binary WebSocket for output: it would repeat, in the server and in both clients, what /trpc
 * already does (cookie, bearer and connectionParams auth, token revocation, Host/Origin checks, backpressure and
 * its limits, reconnect with `lastEventId` resume), for what is left to save: JSON's escaping of control
 * characters (ESC is 6 bytes, `\u001b`) and the viewer's JSON.parse.
 * Measured (`pnpm bench:terminals`, before and after alternately, three runs each, medians; a shared 2-core machine
 * at load 13 to 16, so CPU time per MB is the figure to compare, MB/s moves with the load): server CPU per MB with
 * five viewers 77 ms before, 24 ms after (one viewer: 27, 21); each viewer's own 14 ms, 7 ms; 4 KiB a message
 * before, 50 to 90 KiB after; MB/s per viewer with five 6.4 before, 11.1 after; peak RSS 314 MiB, 317 MiB.
 */
import type { TerminalOutputMessage } from '@flightdeck/shared-types';
import type { WebSocket } from 'ws';

export type DataFrame = Extract<TerminalOutputMessage, { type: 'data' }>;

/** The frames made by `sharedFrame`, and the JSON of each once a socket has sent it (UTF-8). */
const frames = new WeakSet<object>();
const encoded = new WeakMap<object, Buffer>();

/** A `data` message that every viewer sends as it is: its JSON is made once (see `encodeAnswer`). */
export function sharedFrame(data: string): DataFrame {
  const frame: DataFrame = { type: 'data', data };
  frames.add(frame);
  return frame;
}

/** Where a frame's JSON goes in its envelope (no other value of an answer is after it). */
const MARK = '\u0000frame\u0000';
const MARK_JSON = JSON.stringify(MARK);

interface TrackedAnswer {
  result: { data: { data: unknown } };
}

function frameOf(answer: unknown): object | null {
  const data = (answer as Partial<TrackedAnswer> | null)?.result?.data?.data;
  return typeof data === 'object' && data !== null && frames.has(data) ? data : null;
}

/**
 * A tRPC answer around a shared frame: the two ends of its own envelope, and the frame's JSON as UTF-8 bytes, the
 * same for every viewer. `sendAsText` sends it as one text message in three fragments (no copy per viewer).
 */
export class FramedAnswer {
  constructor(
    readonly head: string,
    readonly body: Buffer,
    readonly tail: string,
  ) {}

  toString(): string {
    return this.head + this.body.toString('utf8') + this.tail;
  }
}

/**
 * A tRPC answer as the WebSocket sends it: JSON text, or, for one that carries a shared frame (a tracked `data`
 * message of `terminals.output`), a `FramedAnswer` whose frame JSON is made once for every viewer.
 */
export function encodeAnswer(answer: unknown): string | FramedAnswer {
  const frame = frameOf(answer);
  if (!frame) return JSON.stringify(answer);
  let body = encoded.get(frame);
  if (!body) {
    body = Buffer.from(JSON.stringify(frame), 'utf8');
    encoded.set(frame, body);
  }
  const { result } = answer as TrackedAnswer;
  const outer = JSON.stringify({
    ...(answer as object),
    result: { ...result, data: { ...result.data, data: MARK } },
  });
  const at = outer.lastIndexOf(MARK_JSON);
  return new FramedAnswer(outer.slice(0, at), body, outer.slice(at + MARK_JSON.length));
}

/**
 * Lets `socket` send a `FramedAnswer`: one text message in three fragments, the frame's bytes (shared by every
 * viewer) handed to the socket as they are. Any other message goes out as before.
 */
export function sendAsText(socket: WebSocket): void {
  type Done = (err?: Error) => void;
  const send = socket.send.bind(socket) as (data: unknown, options: object, cb?: Done) => void;
  socket.send = ((data: unknown, optionsOrCb?: object | Done, cb?: Done) => {
    if (!(data instanceof FramedAnswer)) {
      send(data, optionsOrCb as object, cb);
      return;
    }
    const done = typeof optionsOrCb === 'function' ? (optionsOrCb as Done) : cb;
    send(data.head, { binary: false, fin: false });
    send(data.body, { binary: false, fin: false });
    send(data.tail, { binary: false, fin: true }, done);
  }) as WebSocket['send'];
}
