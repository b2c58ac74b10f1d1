import type { AgentCli, HookEnvelope } from '@flightdeck/shared-types';
import { agentCliSchema } from '@flightdeck/shared-types';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkPayload, validateEnvelope } from '../validate.js';
import { createRateLimiter } from './rate-limit.js';

export interface HookIngestContext {
  /** Unix ms when the request arrived. */
  receivedAt: number;
  /** Where it came from: the client IP. */
  source: string;
}

export interface HookIngestRouteOptions {
  /** Commits one envelope. May return a promise: the route answers 202 once it resolves, 500 if it rejects. */
  onEnvelope: (envelope: HookEnvelope, context: HookIngestContext) => unknown;
  /** Requests per second per source IP (sliding window of 1 s). Default 200. */
  rateLimitPerSecond?: number;
  /** Largest accepted body. Default 2 MB. */
  maxBodyBytes?: number;
  /** Route path. Default `/api/hooks`. */
  path?: string;
  /** Clock (unix ms). Default `Date.now`. */
  now?: () => number;
}

const JSON_TYPE = 'application/json; charset=utf-8';
/** The 202 body for an envelope. */
const ACCEPTED_BODY = JSON.stringify({ ok: true });
/** The 202 body for a raw payload: an empty object, which Claude Code reads as "no decision". */
const NO_DECISION_BODY = JSON.stringify({});

export const DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024;
export const DEFAULT_HOOK_RATE_LIMIT = 200;

interface IngestQuery {
  cli?: string;
}

function errorReply(reply: FastifyReply, status: number, error: string): FastifyReply {
  return reply.code(status).type('application/json').send({ error });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Fastify plugin: `POST /api/hooks`. Body: a `HookEnvelope`, or with `?cli=claude|codex|gemini` the CLI's raw
 * payload (what Claude Code's native `type: "http"` hooks send). Answers 202 `{ok: true}` after `onEnvelope`
 * committed (for raw payloads `{}`, which Claude Code reads as "no decision"); 400/413/415/429 with
 * `{error}` naming the problem; 500 when `onEnvelope` fails. Register with `fastify.register(hookIngestRoutes, opts)`.
 */
export async function hookIngestRoutes(
  fastify: FastifyInstance,
  options: HookIngestRouteOptions,
): Promise<void> {
  const now = options.now ?? Date.now;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const limiter = createRateLimiter(options.rateLimitPerSecond ?? DEFAULT_HOOK_RATE_LIMIT, 1000);

  fastify.route<{ Querystring: IngestQuery; Body: unknown }>({
    method: 'POST',
    url: options.path ?? '/api/hooks',
    bodyLimit: maxBodyBytes,
    // Callback-style hooks: an async hook costs a promise and a microtask turn per request, on the hottest
    // route of the server.
    onRequest: (request, reply, done) => {
      const verdict = limiter.hit(request.ip, now());
      if (!verdict.allowed) {
        reply.header('Retry-After', String(Math.max(1, Math.ceil(verdict.retryAfterMs / 1000))));
        errorReply(reply, 429, `rate limited: more than ${limiter.limit} hook requests per second`);
        return;
      }
      done();
    },
    preValidation: (request, reply, done) => {
      const type = request.headers['content-type'];
      if (!type || !/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
        errorReply(reply, 415, `unsupported content type ${type ?? '(none)'}: send application/json`);
        return;
      }
      done();
    },
    errorHandler: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      switch (error.code) {
        case 'FST_ERR_CTP_BODY_TOO_LARGE':
          return errorReply(reply, 413, `body larger than ${maxBodyBytes} bytes`);
        case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
          return errorReply(reply, 415, 'unsupported content type: send application/json');
        case 'FST_ERR_CTP_EMPTY_JSON_BODY':
          return errorReply(reply, 400, 'body: Required (empty JSON body)');
        case 'FST_ERR_CTP_INVALID_JSON_BODY':
          return errorReply(reply, 400, `body is not valid JSON: ${error.message}`);
      }
      if (error instanceof SyntaxError || error.statusCode === 400) {
        return errorReply(reply, 400, `body is not valid JSON: ${error.message}`);
      }
      if (error.statusCode === 413) return errorReply(reply, 413, `body larger than ${maxBodyBytes} bytes`);
      if (error.statusCode === 415)
        return errorReply(reply, 415, 'unsupported content type: send application/json');
      fastify.log.error({ err: error }, 'hook ingest failed');
      return errorReply(reply, 500, 'internal error while ingesting the hook event');
    },
    handler: async (request, reply) => {
      const receivedAt = now();
      const context: HookIngestContext = { receivedAt, source: request.ip };
      const body = request.body;
      let envelope: HookEnvelope;
      const rawCli = request.query.cli;
      if (rawCli !== undefined) {
        const cli = agentCliSchema.safeParse(rawCli);
        if (!cli.success)
          return errorReply(reply, 400, `cli: must be one of claude, codex, gemini (got ${rawCli})`);
        if (!isPlainObject(body)) return errorReply(reply, 400, 'payload: expected a JSON object');
        const error = checkPayload(cli.data, body);
        if (error) return errorReply(reply, 400, error);
        envelope = { cli: cli.data as AgentCli, payload: body, meta: { sentAt: receivedAt } };
      } else {
        const checked = validateEnvelope(body);
        if (!checked.ok) return errorReply(reply, 400, checked.error);
        envelope = checked.envelope;
      }
      try {
        await options.onEnvelope(envelope, context);
      } catch (err) {
        request.log.error({ err }, 'hook ingest: onEnvelope failed');
        return errorReply(reply, 500, 'internal error while ingesting the hook event');
      }
      // Bodies sent as prepared JSON text: nothing to serialize per request.
      return reply
        .code(202)
        .type(JSON_TYPE)
        .send(rawCli !== undefined ? NO_DECISION_BODY : ACCEPTED_BODY);
    },
  });
}
