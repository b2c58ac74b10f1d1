/**
 * Limits of the tRPC WebSocket and of HTTP batching, decided in one place, and the backpressure every WebSocket
 * answer goes through.
 *
 * Decision record (issue 12, "memory exhaustion over WebSocket"). One 183 KB WebSocket message of 3,000 batched
 * `sessions.list` calls, from a client that never read, grew the server from 250 MB to 3 GB: every answer was
 * queued in memory for a socket that did not drain. What real clients put on the socket: the web app and
 * @flightdeck/client send only subscriptions over it (queries and mutations go over HTTP batching): one
 * connectionParams message with a token, `subscription` / `subscription.stop` messages whose input is under 1 KB,
 * and PING/PONG. What the server queues for a healthy client: `sessions.live` waits while more than
 * `pauseReadingAboveBytes` is buffered (live-stream.ts), so a slow client holds that plus one message (at most a
 * snapshot: about 2 KB a session in the full view).
 * - `maxPayloadBytes` 64 KiB: about 60 times the largest real message; a larger one closes the socket (1009).
 * - `maxBatchCalls` 50, per WebSocket message and per HTTP batch (`/trpc/a,b,c?batch=1`): more than a page issues
 *   in one tick; both clients set `httpBatchLink({ maxItems })` to it. tRPC's own `maxBatchSize` refuses a larger
 *   batch with BAD_REQUEST "Batch call exceeds maximum size" (HTTP 400; on the socket, each call's id gets it).
 * - `pauseReadingAboveBytes` 4 MiB / `resumeReadingBelowBytes` 1 MiB: while more than 4 MiB of answers wait on a
 *   socket the server stops reading it (the underlying net.Socket is paused, so the client's further calls stay
 *   in the kernel and the client's buffers, not ours); it reads again once the queue is under 1 MiB.
 * - `closeAboveBytes` 16 MiB: a socket with more queued output is terminated at once (a close frame would wait
 *   behind the queue). A healthy client never gets there: 4 MiB plus one snapshot of up to ~6,000 sessions.
 */
import type { WebSocket } from 'ws';

export const WS_LIMITS = {
  maxPayloadBytes: 64 * 1024,
  maxBatchCalls: 50,
  pauseReadingAboveBytes: 4 * 1024 * 1024,
  resumeReadingBelowBytes: 1024 * 1024,
  closeAboveBytes: 16 * 1024 * 1024,
} as const;

export type WsLimits = { -readonly [K in keyof typeof WS_LIMITS]: number };

type SendCallback = (err?: Error) => void;

/**
 * Puts every answer on `socket` through backpressure: after each send, more than `pauseReadingAboveBytes` queued
 * pauses reading (resumed when a flush brings it under `resumeReadingBelowBytes`), more than `closeAboveBytes`
 * terminates the connection (`onOverLimit` is told first). Answers to a socket that is closing are dropped.
 */
export function applyWsBackpressure(
  socket: WebSocket,
  limits: Pick<
    WsLimits,
    'pauseReadingAboveBytes' | 'resumeReadingBelowBytes' | 'closeAboveBytes'
  > = WS_LIMITS,
  onOverLimit?: (queuedBytes: number) => void,
): void {
  const send = socket.send.bind(socket) as (data: unknown, options: object, cb?: SendCallback) => void;
  let paused = false;
  const flushed = () => {
    if (
      paused &&
      socket.readyState === socket.OPEN &&
      socket.bufferedAmount < limits.resumeReadingBelowBytes
    ) {
      paused = false;
      socket.resume();
    }
  };
  const guardedSend = (data: unknown, optionsOrCb?: object | SendCallback, cb?: SendCallback): void => {
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
    if (queued > limits.closeAboveBytes) {
      onOverLimit?.(queued);
      socket.terminate();
    } else if (!paused && queued > limits.pauseReadingAboveBytes) {
      paused = true;
      socket.pause();
    }
  };
  socket.send = guardedSend as WebSocket['send'];
}
