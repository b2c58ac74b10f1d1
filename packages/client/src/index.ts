/**
 * Typed client for the Flightdeck server: queries and mutations over HTTP (batched), subscriptions and terminal
 * keystrokes (`terminals.input`) over a reconnecting WebSocket that resumes from the last event id.
 */
import type { AppRouter } from '@flightdeck/server';
import {
  createTRPCClient,
  createWSClient,
  httpBatchLink,
  splitLink,
  type TRPCClient,
  wsLink,
} from '@trpc/client';
import WebSocketImpl from 'ws';

export type { AppRouter };

export interface FlightdeckClientOptions {
  /** Server base URL, e.g. `http://127.0.0.1:3333`. */
  url: string;
  /** Bearer token from `auth.login` (only needed when the server has a password). */
  token?: string | null;
  /** Reconnect delay (ms) for attempt n; default exponential backoff capped at 5 s. */
  retryDelayMs?: (attempt: number) => number;
  /** Extra HTTP headers for queries and mutations. */
  headers?: Record<string, string>;
  /** Called when the WebSocket opens / closes. */
  onOpen?: () => void;
  onClose?: (cause?: { code?: number }) => void;
}

export type FlightdeckTRPCClient = TRPCClient<AppRouter>;

/**
 * The typed tRPC client itself (`fd.sessions.list.query()`, `fd.sessions.live.subscribe(…)`), plus `close()`
 * and `trpc` (the same client, for code that prefers `fd.trpc.sessions…`).
 */
export type FlightdeckClient = FlightdeckTRPCClient & {
  trpc: FlightdeckTRPCClient;
  /** Closes the WebSocket (pending subscriptions end). */
  close(): Promise<void>;
};

/**
 * A `terminals.input` of at most this many characters goes over the WebSocket (in order with the others, without an
 * HTTP round trip: a keystroke's echo comes back sooner). Even JSON-escaped (6 bytes a character at worst) it fits
 * the server's 64 KiB limit of one WebSocket message with its envelope; a longer input goes over HTTP (a larger
 * message would close the socket with 1009).
 */
export const TERMINAL_INPUT_OVER_WS_CHARS = 8192;

function overSocket(op: { type: string; path: string; input: unknown }): boolean {
  if (op.type === 'subscription') return true;
  if (op.path !== 'terminals.input') return false;
  const data = (op.input as { data?: unknown } | null)?.data;
  return typeof data === 'string' && data.length <= TERMINAL_INPUT_OVER_WS_CHARS;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** The `ws` package on Node (no global WebSocket on Node 20); the browser's own WebSocket elsewhere. */
function webSocketClass(): typeof WebSocket {
  const g = globalThis as { WebSocket?: typeof WebSocket };
  if (typeof g.WebSocket === 'function' && typeof process === 'undefined') return g.WebSocket;
  return WebSocketImpl as unknown as typeof WebSocket;
}

export function createFlightdeckClient(opts: FlightdeckClientOptions): FlightdeckClient {
  const base = trimSlash(opts.url);
  const httpUrl = `${base}/trpc`;
  const wsUrl = `${base.replace(/^http/, 'ws')}/trpc`;
  const token = opts.token ?? null;
  const wsClient = createWSClient({
    url: wsUrl,
    WebSocket: webSocketClass(),
    // The token travels in the first message, never in the URL.
    connectionParams: token ? { token } : null,
    // Connect on the first subscription, close when none is left.
    lazy: { enabled: true, closeMs: 1000 },
    retryDelayMs: opts.retryDelayMs ?? ((attempt) => Math.min(250 * 2 ** attempt, 5000)),
    ...(opts.onOpen ? { onOpen: opts.onOpen } : {}),
    ...(opts.onClose ? { onClose: opts.onClose } : {}),
  });
  const trpc = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: overSocket,
        true: wsLink<AppRouter>({ client: wsClient }),
        false: httpBatchLink<AppRouter>({
          url: httpUrl,
          // The server answers a batch of more than 50 calls with 400 (WS_LIMITS.maxBatchCalls).
          maxItems: 50,
          headers: () => ({
            ...(opts.headers ?? {}),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          }),
        }),
      }),
    ],
  });
  const extra: Record<string | symbol, unknown> = { trpc, close: () => wsClient.close() };
  return new Proxy(trpc, {
    get(target, prop, receiver) {
      if (Object.hasOwn(extra, prop)) return extra[prop];
      return Reflect.get(target, prop, receiver);
    },
  }) as FlightdeckClient;
}
