/**
 * Limits of the tRPC WebSocket and of HTTP batching, decided in one place, and the backpressure every WebSocket
 * answer goes through.
 *
 * Decision record (issue 12, "memory exhaustion over WebSocket"). One 183 KB WebSocket message of 3,000 batched
 * `sessions.list` calls, from a client that never read, grew the server from 250 MB to 3 GB: every answer was
 * queued in memory for a socket that did not drain. What real clients put on the socket: the web app and
 * @flightdeck/client send subscriptions and terminal keystrokes over it (other queries and mutations go over HTTP
 * batching): one connectionParams message with a token, `subscription` / `subscription.stop` messages whose input
 * is under 1 KB, `terminals.input` mutations of at most 8,192 characters (under 50 KB even JSON-escaped; the web
 * app sends a longer paste in pieces, @flightdeck/client sends it over HTTP), and PING/PONG. What the server queues for a healthy client: `sessions.live` waits while more than
 * `pauseReadingAboveBytes` is buffered (live-stream.ts), so a slow client holds that plus one message (at most a
 * snapshot, a few KB a session).
 * - `maxPayloadBytes` 64 KiB: above the largest real message; a larger one closes the socket (1009).
 * - `maxBatchCalls` 50, per WebSocket message and per HTTP batch (`/trpc/a,b,c?batch=1`): more than a page issues
 *   in one tick; both clients set `httpBatchLink({ maxItems })` to it. tRPC's own `maxBatchSize` refuses a larger
 *   batch with BAD_REQUEST "Batch call exceeds maximum size" (HTTP 400; on the socket, each call's id gets it).
 * - `pauseReadingAboveBytes` 4 MiB / `resumeReadingBelowBytes` 1 MiB: while more than 4 MiB of answers wait on a
 *   socket the server stops reading it (the underlying net.Socket is paused, so the client's further calls stay
 *   in the kernel and the client's buffers, not ours); it reads again once the queue is under 1 MiB.
 * - `closeAboveBytes` 16 MiB: a socket with more queued output is terminated at once (a close frame would wait
 *   behind the queue). A healthy client never gets there: it holds 4 MiB plus one message, and a snapshot must
 *   fit in 16 MiB (the board subscribes to the summary view, sessions without their history arrays).
 * - `totalQueuedAboveBytes` 64 MiB: the queued output of all sockets together; a socket over the pause mark that
 *   finds the total over it is terminated, so many paused connections cannot add up to gigabytes either.
 */
import type { WebSocket } from 'ws';

export const WS_LIMITS = {
  maxPayloadBytes: 64 * 1024,
  maxBatchCalls: 50,
  pauseReadingAboveBytes: 4 * 1024 * 1024,
  resumeReadingBelowBytes: 1024 * 1024,
  closeAboveBytes: 16 * 1024 * 1024,
  totalQueuedAboveBytes: 64 * 1024 * 1024,
} as const;

export type WsLimits = { -readonly [K in keyof typeof WS_LIMITS]: number };

type SendCallback = (err?: Error) => void;

export interface WsBackpressure {
  /** Puts every answer on `socket` through backpressure (call before tRPC takes the socket). */
  apply(socket: WebSocket): void;
  /** Bytes queued on all open sockets. */
  queuedBytes(): number;
}

/**
 * Backpressure for every answer on the sockets it is applied to. After each send: more than
 * `pauseReadingAboveBytes` queued pauses the connection; more than `closeAboveBytes` on it, or more than
 * `totalQueuedAboveBytes` on all sockets together, terminates it (`onOverLimit` is told first). Paused, the
 * underlying net.Socket is not read, and messages `ws` had already read from it are held back (not handed to
 * tRPC) until a flush brings the queue under `resumeReadingBelowBytes`; held messages are then handed over one
 * per event-loop turn, so that the answers of one are queued (and can pause again) before the next one runs. The
 * server's `allowSynchronousEvents: false` paces fresh messages the same way. Answers to a socket that is
 * closing are dropped.
 */
export function createWsBackpressure(
  limits: Pick<
    WsLimits,
    'pauseReadingAboveBytes' | 'resumeReadingBelowBytes' | 'closeAboveBytes' | 'totalQueuedAboveBytes'
  > = WS_LIMITS,
  onOverLimit?: (info: { queuedBytes: number; totalQueuedBytes: number }) => void,
): WsBackpressure {
  const open = new Set<WebSocket>();
  const queuedBytes = () => {
    let total = 0;
    for (const socket of open) total += socket.bufferedAmount;
    return total;
  };
  return {
    queuedBytes,
    apply(socket) {
      open.add(socket);
      socket.once('close', () => open.delete(socket));
      guard(socket, limits, queuedBytes, onOverLimit);
    },
  };
}

function guard(
  socket: WebSocket,
  limits: Pick<
    WsLimits,
    'pauseReadingAboveBytes' | 'resumeReadingBelowBytes' | 'closeAboveBytes' | 'totalQueuedAboveBytes'
  >,
  totalQueued: () => number,
  onOverLimit?: (info: { queuedBytes: number; totalQueuedBytes: number }) => void,
): void {
  const send = socket.send.bind(socket) as (data: unknown, options: object, cb?: SendCallback) => void;
  const emit = socket.emit.bind(socket) as (event: string | symbol, ...args: unknown[]) => boolean;
  const held: unknown[][] = [];
  let paused = false;
  let handing = false;

  const handOver = () => {
    handing = false;
    if (paused || socket.readyState !== socket.OPEN) return;
    const next = held.shift();
    if (next) emit('message', ...next);
    if (held.length > 0) {
      handing = true;
      setImmediate(handOver);
    }
  };
  const flushed = () => {
    if (!paused || socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount >= limits.resumeReadingBelowBytes) return;
    paused = false;
    socket.resume();
    if (held.length > 0 && !handing) {
      handing = true;
      setImmediate(handOver);
    }
  };

  socket.emit = ((event: string | symbol, ...args: unknown[]) => {
    if (event === 'message' && (paused || held.length > 0)) {
      held.push(args);
      return true;
    }
    return emit(event, ...args);
  }) as WebSocket['emit'];

  socket.send = ((data: unknown, optionsOrCb?: object | SendCallback, cb?: SendCallback): void => {
    const done = typeof optionsOrCb === 'function' ? optionsOrCb : cb;
    const options = typeof optionsOrCb === 'object' && optionsOrCb !== null ? optionsOrCb : {};
    if (socket.readyState !== socket.OPEN) {
      done?.(new Error('WebSocket is not open'));
      return;
    }
    send(data, options, (err) => {
      done?.(err);
      flushed();
    });
    const queued = socket.bufferedAmount;
    if (queued <= limits.pauseReadingAboveBytes && queued <= limits.closeAboveBytes) return;
    // Over a mark (the rare path): the total is worth counting.
    const total = queued > limits.closeAboveBytes ? queued : totalQueued();
    if (queued > limits.closeAboveBytes || total > limits.totalQueuedAboveBytes) {
      onOverLimit?.({ queuedBytes: queued, totalQueuedBytes: total });
      socket.terminate();
    } else if (!paused) {
      paused = true;
      socket.pause();
    }
  }) as WebSocket['send'];
}
