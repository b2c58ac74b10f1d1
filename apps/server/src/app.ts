/**
 * `buildApp(deps)`: the Fastify instance (not listening) with the request guard (Host/Origin), tRPC over HTTP and
 * WebSocket at `/trpc`, the hook ingest routes at `/api/hooks`, the OTLP receiver at `/v1/*`, and the web app at `/`. Connections are bounded in
 * time (`HttpTimeouts`), WebSocket traffic in size and queued output (ws-limits.ts), and every HTTP error outside
 * tRPC has one form (http-errors.ts).
 */
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import { TRPCError } from '@trpc/server';
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import { type Encoder, getWSConnectionHandler, jsonEncoder } from '@trpc/server/adapters/ws';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
  LogController,
} from 'fastify';
import { createRequestGuard, extractToken, type RevocableSocket } from './auth.js';
import { clientErrorHandler, errorHandler, httpError } from './http-errors.js';
import { registerHookIngest } from './ingest.js';
import { type AppRouter, appRouter } from './router/index.js';
import { registerOtlpReceiver } from './routes/otlp.js';
import type { Services } from './services.js';
import { encodeAnswer, sendAsText } from './terminals/frames.js';
import type { Context } from './trpc.js';
import { createWsBackpressure, WS_LIMITS, type WsLimits } from './ws-limits.js';

export const TRPC_PREFIX = '/trpc';

/**
 * How long a connection may take (WebSockets excepted: tRPC pings them and closes one that does not answer).
 * Node checks the header and request timeouts every `checkIntervalMs`, so a connection is closed at most that much
 * later than its timeout.
 */
export interface HttpTimeouts {
  /** The request line and headers must have arrived this long after the request began (a silent connection too). */
  headersTimeoutMs: number;
  /** The whole request, body included, must have arrived within this (≥ `headersTimeoutMs`). */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /**
   * A socket with no traffic either way for this long is closed without an answer (e.g. a client that stopped
   * reading one). Longer than `requestTimeoutMs`, so that a slow request is told 408 first.
   */
  idleSocketTimeoutMs: number;
  checkIntervalMs: number;
}

export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 20_000,
  keepAliveTimeoutMs: 10_000,
  idleSocketTimeoutMs: 30_000,
  checkIntervalMs: 1_000,
};

export interface AppDeps {
  services: Services;
  /** Fastify logger option (default: off). */
  logger?: FastifyServerOptions['logger'];
  loggerInstance?: FastifyServerOptions['loggerInstance'];
  /** Directory of the built web app; default `apps/web/dist`. `null` disables static serving. */
  webDist?: string | null;
  /** Host the server binds to (for the Host check). */
  bindHost?: string;
  /** Log every request (debug). */
  requestLogging?: boolean;
  /** Connection timeouts; default `DEFAULT_HTTP_TIMEOUTS`. */
  timeouts?: Partial<HttpTimeouts>;
  /** WebSocket and batching limits; default `WS_LIMITS`. */
  wsLimits?: Partial<WsLimits>;
}

const here = dirname(fileURLToPath(import.meta.url));
/**
 * The built web app: `web/` beside the bundle in the installed package (apps/server/scripts/pack.mjs lays it out),
 * else `apps/web/dist` of this checkout (`flightdeck start` builds it when it is missing or stale).
 */
export const DEFAULT_WEB_DIST = existsSync(join(here, 'web', 'index.html'))
  ? join(here, 'web')
  : resolve(here, '../../web/dist');

/** Served at `/` only when there is no web app to serve (the build that `flightdeck start` runs failed or was off). */
const MISSING_WEB_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Flightdeck</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>Flightdeck server is running</h1>
<p>The web app has not been built. In the Flightdeck checkout, run <code>pnpm --filter @flightdeck/web build</code>
and reload this page. (<code>flightdeck start</code> builds it when run from a checkout; its output says why it
did not. The installed package ships it built: reinstall it.)</p>
<p>The API is available at <code>/trpc</code>; hooks are received at <code>POST /api/hooks</code>.</p>
</body></html>
`;

/** What the tRPC WebSocket adapter hands `createContext` as `res`: the connection (a `ws` WebSocket). */
type WsConnection = RevocableSocket & { readonly bufferedAmount: number };

function headerRecord(req: IncomingMessage): Record<string, string | string[] | undefined> {
  return req.headers;
}

function isFastifyRequest(req: FastifyRequest | IncomingMessage): req is FastifyRequest {
  return 'raw' in req;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { services } = deps;
  const cfg = services.config.get();
  const guard = createRequestGuard({
    bindHost: deps.bindHost ?? cfg.host,
    allowedHosts: cfg.allowedHosts,
    allowedOrigins: cfg.allowedOrigins,
  });

  const timeouts: HttpTimeouts = { ...DEFAULT_HTTP_TIMEOUTS, ...deps.timeouts };
  const wsLimits: WsLimits = { ...WS_LIMITS, ...deps.wsLimits };

  const app = Fastify({
    ...(deps.loggerInstance ? { loggerInstance: deps.loggerInstance } : { logger: deps.logger ?? false }),
    logController: new LogController({ disableRequestLogging: !deps.requestLogging }),
    bodyLimit: 5 * 1024 * 1024,
    // An HTTP batch names its procedures in the path (`/trpc/a,b,c?batch=1`): room for `maxBatchCalls` of them
    // (Fastify's default of 100 characters answered 414 to a batch of more than a few calls).
    routerOptions: { maxParamLength: wsLimits.maxBatchCalls * 100 },
    forceCloseConnections: true,
    keepAliveTimeout: timeouts.keepAliveTimeoutMs,
    clientErrorHandler: clientErrorHandler(timeouts),
    // Node's server with the connection timeouts (`HttpTimeouts`).
    serverFactory: (handler) => {
      const server = createServer(
        {
          headersTimeout: timeouts.headersTimeoutMs,
          requestTimeout: timeouts.requestTimeoutMs,
          keepAliveTimeout: timeouts.keepAliveTimeoutMs,
          connectionsCheckingInterval: timeouts.checkIntervalMs,
        },
        handler,
      );
      // A WebSocket takes its socket over with no timeout (`ws` clears it); tRPC's ping/pong watches it.
      server.setTimeout(timeouts.idleSocketTimeoutMs);
      return server;
    },
  });
  // One form for every error outside tRPC (`{ statusCode, error, message }`), Fastify's own included.
  app.setErrorHandler(errorHandler);
  // No route takes text/plain: such a body is refused with a 415 that says so, not parsed into a string.
  app.removeContentTypeParser('text/plain');

  // Registered first: its onRequest hook marks upgrade requests (request.ws) and its onResponse hook destroys
  // the socket of an upgrade we refuse.
  await app.register(fastifyWebsocket, {
    // One message per event-loop turn (not every message of a read at once): see createWsBackpressure (ws-limits.ts).
    options: { maxPayload: wsLimits.maxPayloadBytes, allowSynchronousEvents: false },
  });

  // Host (DNS rebinding) and Origin (cross-site requests, cross-site WebSocket hijacking) on every request,
  // WebSocket upgrades included (@fastify/websocket routes upgrades through these hooks).
  // Callback style: every request passes here, and an async hook costs a promise and a microtask turn.
  app.addHook('onRequest', (request, reply, done) => {
    const refusal = guard.check(request.headers);
    if (refusal) {
      request.log.warn({ url: request.url, refusal }, 'request refused');
      httpError(reply, 403, refusal);
      return;
    }
    // WebSocket authentication at connection time: cookie or Authorization header now, or connectionParams
    // (first message, checked by createContext before any call runs). Never a token in the URL.
    if (request.ws && services.auth.required()) {
      const token = extractToken(request.headers);
      const url = new URL(request.url, 'http://localhost');
      if (!services.auth.tokens.validate(token) && url.searchParams.get('connectionParams') !== '1') {
        httpError(reply, 401, 'login required');
        return;
      }
    }
    done();
  });

  const createContext = ({
    req,
    res,
    info,
  }: {
    req: FastifyRequest | IncomingMessage;
    res: FastifyReply | WsConnection;
    info: { connectionParams: Record<string, string | undefined> | null };
  }): Context => {
    const raw = isFastifyRequest(req) ? req.raw : req;
    const paramToken = info.connectionParams?.token ?? null;
    const token = extractToken(headerRecord(raw)) ?? paramToken;
    const isWs = !isFastifyRequest(req);
    const socket = isWs ? (res as WsConnection) : null;
    if (socket) {
      const required = services.auth.required();
      if (required && !services.auth.tokens.validate(token)) {
        // Thrown at connection time: tRPC answers with UNAUTHORIZED and closes the socket.
        throw new TRPCError({ code: 'UNAUTHORIZED', message: 'login required' });
      }
      // Closed at once when its token ends (logout, expiry) or the password changes.
      services.auth.tokens.attach(required ? token : null, socket);
    }
    const reply = isWs ? null : (res as FastifyReply);
    return {
      services,
      token,
      ip: raw.socket?.remoteAddress ?? 'unknown',
      setHeader: reply ? (name, value) => void reply.header(name, value) : null,
      bufferedAmount: socket ? () => socket.bufferedAmount : () => 0,
    };
  };

  const onError = ({ path, error }: { path: string | undefined; error: TRPCError }) => {
    if (error.code === 'INTERNAL_SERVER_ERROR') app.log.error({ err: error, path }, 'tRPC procedure failed');
    else app.log.debug({ path, code: error.code, message: error.message }, 'tRPC error');
  };
  await app.register(fastifyTRPCPlugin, {
    prefix: TRPC_PREFIX,
    trpcOptions: { router: appRouter, createContext, maxBatchSize: wsLimits.maxBatchCalls, onError },
  } satisfies FastifyTRPCPluginOptions<AppRouter>);

  // tRPC over WebSocket, on a route of our own so that every answer goes through backpressure (ws-limits.ts).
  const onConnection = getWSConnectionHandler({
    // Required by the options type; only `applyWSSHandler` uses it.
    wss: app.websocketServer,
    router: appRouter,
    createContext,
    maxBatchSize: wsLimits.maxBatchCalls,
    keepAlive: { enabled: true, pingMs: 30_000, pongWaitMs: 10_000 },
    onError,
    // JSON as tRPC's own encoder makes it, but a terminal's output frame is encoded once for all its viewers.
    // (A `FramedAnswer` is not a Uint8Array: `sendAsText`, below, sends it.)
    experimental_encoder: {
      encode: encodeAnswer as unknown as Encoder['encode'],
      decode: jsonEncoder.decode,
    },
  });
  const backpressure = createWsBackpressure(wsLimits, (info) =>
    app.log.warn({ ...info, limits: wsLimits }, 'WebSocket terminated: queued output over the limit'),
  );
  app.get(TRPC_PREFIX, { websocket: true }, (socket, request) => {
    sendAsText(socket); // first: backpressure wraps it and counts what it queues
    backpressure.apply(socket);
    onConnection(socket, request.raw);
  });

  await registerHookIngest(app, services);
  // OpenTelemetry (OTLP/HTTP) at /v1/logs, /v1/metrics, /v1/traces: routes/otlp.ts.
  services.otlp = await registerOtlpReceiver(app, services);

  const webDist = deps.webDist === undefined ? DEFAULT_WEB_DIST : deps.webDist;
  const hasWeb = webDist !== null && existsSync(join(webDist, 'index.html'));
  if (hasWeb && webDist) {
    await app.register(fastifyStatic, { root: webDist, wildcard: false, index: ['index.html'] });
  }
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const isApi = path.startsWith('/api/') || path.startsWith(`${TRPC_PREFIX}/`) || path === TRPC_PREFIX;
    if (request.method === 'GET' && !isApi) {
      if (hasWeb) return reply.type('text/html').sendFile('index.html');
      return reply
        .code(path === '/' ? 200 : 404)
        .type('text/html')
        .send(MISSING_WEB_PAGE);
    }
    return httpError(reply, 404, `${request.method} ${path} not found`);
  });

  return app;
}
