/**
 * `buildApp(deps)`: the Fastify instance (not listening) with the request guard (Host/Origin), tRPC over HTTP and
 * WebSocket at `/trpc`, the hook ingest routes at `/api/hooks`, and the web app at `/`.
 */
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import type { HookFastPath } from '@flightdeck/hook-ingest';
import { TRPCError } from '@trpc/server';
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
  LogController,
} from 'fastify';
import { createRequestGuard, extractToken, type RevocableSocket } from './auth.js';
import { registerHookIngest } from './ingest.js';
import { type AppRouter, appRouter } from './router/index.js';
import type { Services } from './services.js';
import type { Context } from './trpc.js';

export const TRPC_PREFIX = '/trpc';

declare module 'fastify' {
  interface FastifyInstance {
    /** The direct handler of `POST /api/hooks` in front of the framework; null with request logging on. */
    hookFastPath: HookFastPath | null;
  }
}

const KEEP_ALIVE_TIMEOUT_MS = 65_000;

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
}

const here = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_WEB_DIST = resolve(here, '../../web/dist');

const MISSING_WEB_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Flightdeck</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>Flightdeck server is running</h1>
<p>The web app has not been built yet. Run <code>pnpm --filter @flightdeck/web build</code>
(or start with <code>pnpm start</code>, which builds it first) and reload this page.</p>
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

  const app = Fastify({
    ...(deps.loggerInstance ? { loggerInstance: deps.loggerInstance } : { logger: deps.logger ?? false }),
    logController: new LogController({ disableRequestLogging: !deps.requestLogging }),
    bodyLimit: 5 * 1024 * 1024,
    forceCloseConnections: true,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // Node's server with one request taken before the framework: hook events (POST /api/hooks) that pass the
    // Host/Origin check go to the direct handler; everything else, and whatever it declines, to Fastify.
    serverFactory: (handler) => {
      const server = createServer((req, res) => {
        const fast = app.hookFastPath;
        if (fast && !guard.check(req.headers) && fast.handle(req, res)) return;
        handler(req, res);
      });
      // What Fastify sets on a server it creates itself.
      server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
      server.requestTimeout = 0;
      server.setTimeout(0);
      return server;
    },
  });
  app.decorate('hookFastPath', null);

  // Registered first: its onRequest hook marks upgrade requests (request.ws) and its onResponse hook destroys
  // the socket of an upgrade we refuse.
  await app.register(fastifyWebsocket, { options: { maxPayload: 1024 * 1024 } });

  // Host (DNS rebinding) and Origin (cross-site requests, cross-site WebSocket hijacking) on every request,
  // WebSocket upgrades included (@fastify/websocket routes upgrades through these hooks).
  // Callback style: every request passes here, and an async hook costs a promise and a microtask turn.
  app.addHook('onRequest', (request, reply, done) => {
    const refusal = guard.check(request.headers);
    if (refusal) {
      request.log.warn({ url: request.url, refusal }, 'request refused');
      reply.code(403).send({ error: 'Forbidden', message: refusal });
      return;
    }
    // WebSocket authentication at connection time: cookie or Authorization header now, or connectionParams
    // (first message, checked by createContext before any call runs). Never a token in the URL.
    if (request.ws && services.auth.required()) {
      const token = extractToken(request.headers);
      const url = new URL(request.url, 'http://localhost');
      if (!services.auth.tokens.validate(token) && url.searchParams.get('connectionParams') !== '1') {
        reply.code(401).send({ error: 'Unauthorized', message: 'login required' });
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

  await app.register(fastifyTRPCPlugin, {
    prefix: TRPC_PREFIX,
    useWSS: true,
    trpcOptions: {
      router: appRouter,
      createContext,
      keepAlive: { enabled: true, pingMs: 30_000, pongWaitMs: 10_000 },
      onError({ path, error }) {
        if (error.code === 'INTERNAL_SERVER_ERROR')
          app.log.error({ err: error, path }, 'tRPC procedure failed');
        else app.log.debug({ path, code: error.code, message: error.message }, 'tRPC error');
      },
    },
  } satisfies FastifyTRPCPluginOptions<AppRouter>);

  const fastPath = await registerHookIngest(app, services);
  // Debug request logging sees every request: then hook events go through Fastify as well.
  if (!deps.requestLogging) app.hookFastPath = fastPath;

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
    return reply.code(404).send({ error: 'Not Found', message: `${request.method} ${path} not found` });
  });

  return app;
}
