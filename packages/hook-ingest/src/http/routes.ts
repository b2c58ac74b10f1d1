import type { AgentCli, HookEnvelope } from '@flightdeck/shared-types';
import { agentCliSchema } from '@flightdeck/shared-types';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import secureJson from 'secure-json-parse';
import { checkPayload, validateEnvelope } from '../validate.js';
import {
  ACCEPTED_BODY,
  HOOK_AUTH_CHALLENGE,
  hookErrors,
  httpErrorJson,
  JSON_CONTENT_TYPE,
  JSON_TYPE,
  NO_DECISION_BODY,
  retryAfterSeconds,
  UNPARSABLE_JSON,
} from './messages.js';
import { createRateLimiter, type RateLimiter } from './rate-limit.js';
import { REFUSED_STATUS, refusalOf } from './refusal.js';

export interface HookIngestContext {
  /** Unix ms when the request arrived. */
  receivedAt: number;
  /** Where it came from: the client IP. */
  source: string;
}

/**
 * Decides whether a hook request may post, from its headers alone: null when it may, else the reason it may not
 * (the route answers 401 `{error: reason}` before reading the body).
 */
export type HookAuthorizer = (headers: Record<string, string | string[] | undefined>) => string | null;

export interface HookIngestRouteOptions {
  /**
   * Commits one envelope. May return a promise: the route answers 202 once it resolves, 500 if it rejects, 422
   * with the reason if it resolves to `{ refused: string }` (the event could not be stored).
   */
  onEnvelope: (envelope: HookEnvelope, context: HookIngestContext) => unknown;
  /** Requests per second per source IP (sliding window of 1 s). Default 200. */
  rateLimitPerSecond?: number;
  /** The limiter to count requests with; default: one of its own. */
  limiter?: RateLimiter;
  /** Largest accepted body. Default 2 MB. */
  maxBodyBytes?: number;
  /** Route path. Default `/api/hooks`. */
  path?: string;
  /** Clock (unix ms). Default `Date.now`. */
  now?: () => number;
  /** Hook sender authentication (e.g. a token header); default: every sender may post. */
  authorize?: HookAuthorizer;
  /** Told when `onEnvelope` fails (the sender gets a 500); default: the request's logger. */
  onError?: (err: unknown) => void;
  /**
   * Judges a valid envelope against who sent it (e.g. a host token and the envelope's `meta.host`) before
   * `onEnvelope`: the envelope to store (possibly completed), or the status and reason of a refusal (nothing stored).
   */
  admit?: EnvelopeAdmission;
}

export type EnvelopeAdmission = (
  envelope: HookEnvelope,
  headers: Record<string, string | string[] | undefined>,
) => { ok: true; envelope: HookEnvelope } | { ok: false; status: number; error: string };

export const DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024;
export const DEFAULT_HOOK_RATE_LIMIT = 200;

interface IngestQuery {
  cli?: string;
}

function errorReply(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).type(JSON_TYPE).send(httpErrorJson(status, message));
}

/**
 * A body the route's JSON parser could not parse, handed to the handler as the body: it is answered 400 on a
 * connection that stays open (the body was read whole), where Fastify's own parser fails the request and closes it.
 */
class UnparsableBody {
  constructor(readonly message: string) {}
}

/** As Fastify parses JSON bodies: a `__proto__` or `constructor.prototype` key is refused. */
function parseJsonBody(text: string): unknown {
  if (text.length === 0) return new UnparsableBody(hookErrors.emptyBody);
  try {
    return secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch {
    return new UnparsableBody(UNPARSABLE_JSON);
  }
}

/**
 * `meta.hold`/`meta.holdPid` name a FIFO the server writes a decision into: only the spool reader may set them
 * (from a record's `hold=1`), so an HTTP sender's values are dropped and it cannot choose a file to write into.
 */
function withoutHold(envelope: HookEnvelope): HookEnvelope {
  const meta = envelope.meta;
  if (meta.hold === undefined && meta.holdPid === undefined) return envelope;
  const { hold: _hold, holdPid: _holdPid, ...rest } = meta;
  return { ...envelope, meta: rest };
}

type Checked = { ok: true; envelope: HookEnvelope } | { ok: false; status: number; error: string };

/** The envelope a request carries: the body as is, or with `?cli=` the CLI's raw payload wrapped. */
function envelopeOf(
  request: FastifyRequest<{ Querystring: IngestQuery; Body: unknown }>,
  rawCli: string | undefined,
  receivedAt: number,
  unsupportedType: (type: string | undefined) => string,
): Checked {
  // Other content types have no parser here (Fastify answers 415 through `errorHandler`) or one of the
  // application's (e.g. text/plain): refused all the same.
  const type = request.headers['content-type'];
  if (!type || !JSON_CONTENT_TYPE.test(type)) return { ok: false, status: 415, error: unsupportedType(type) };
  const body = request.body;
  if (body instanceof UnparsableBody) return { ok: false, status: 400, error: body.message };
  if (rawCli === undefined) {
    const checked = validateEnvelope(body);
    return checked.ok
      ? { ok: true, envelope: withoutHold(checked.envelope) }
      : { ok: false, status: 400, error: checked.error };
  }
  const cli = agentCliSchema.safeParse(rawCli);
  if (!cli.success) {
    return { ok: false, status: 400, error: `cli: must be one of claude, codex, gemini (got ${rawCli})` };
  }
  if (!isPlainObject(body)) return { ok: false, status: 400, error: 'payload: expected a JSON object' };
  const error = checkPayload(cli.data, body);
  if (error) return { ok: false, status: 400, error };
  return { ok: true, envelope: { cli: cli.data as AgentCli, payload: body, meta: { sentAt: receivedAt } } };
}

/**
 * Answers once `pending` (what `onEnvelope` returned) settles: 202 with `okBody`, 422 with the reason of a refusal,
 * 500 when it fails. A function of its own, so that what waits for the commit holds the reply, not the envelope:
 * a parsed body kept alive until its commit would be copied by every young collection in between.
 */
function answerWhenCommitted(
  pending: unknown,
  reply: FastifyReply,
  okBody: string,
  report: (err: unknown) => void,
): Promise<void> {
  return Promise.resolve(pending).then(
    (result) => {
      const refused = refusalOf(result);
      if (refused !== null) errorReply(reply, REFUSED_STATUS, refused);
      // Bodies sent as prepared JSON text: nothing to serialize per request.
      else reply.code(202).type(JSON_TYPE).send(okBody);
    },
    (err: unknown) => {
      report(err);
      errorReply(reply, 500, hookErrors.internal);
    },
  );
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Fastify plugin: `POST /api/hooks`. Body: a `HookEnvelope`, or with `?cli=claude|codex|gemini` the CLI's raw
 * payload (what Claude Code's native `type: "http"` hooks send). Answers 202 `{ok: true}` after `onEnvelope`
 * committed (for raw payloads `{}`, which Claude Code reads as "no decision"); 400/401/413/415/422/429 with
 * `{statusCode, error, message}` (`httpErrorBody`), the message naming the problem; 500 when `onEnvelope` fails.
 * Register with `fastify.register(hookIngestRoutes, opts)`.
 */
export async function hookIngestRoutes(
  fastify: FastifyInstance,
  options: HookIngestRouteOptions,
): Promise<void> {
  const now = options.now ?? Date.now;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const limiter =
    options.limiter ?? createRateLimiter(options.rateLimitPerSecond ?? DEFAULT_HOOK_RATE_LIMIT, 1000);
  const path = options.path ?? '/api/hooks';
  const unsupportedType = (type: string | undefined) => hookErrors.unsupportedType(`POST ${path}`, type);
  // This plugin's own JSON parser (its context only): see `UnparsableBody`.
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    done(null, parseJsonBody(body as string));
  });

  fastify.route<{ Querystring: IngestQuery; Body: unknown }>({
    method: 'POST',
    url: path,
    bodyLimit: maxBodyBytes,
    // Callback-style hooks: an async hook costs a promise and a microtask turn per request, on the hottest
    // route of the server.
    onRequest: (request, reply, done) => {
      const verdict = limiter.hit(request.ip, now());
      if (!verdict.allowed) {
        reply.header('Retry-After', retryAfterSeconds(verdict.retryAfterMs));
        errorReply(reply, 429, hookErrors.rateLimited(limiter.limit));
        return;
      }
      const refusal = options.authorize?.(request.headers) ?? null;
      if (refusal !== null) {
        // The body is not read: the connection cannot carry another request after it.
        reply.header('WWW-Authenticate', HOOK_AUTH_CHALLENGE).header('Connection', 'close');
        errorReply(reply, 401, refusal);
        return;
      }
      done();
    },
    errorHandler: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      switch (error.code) {
        case 'FST_ERR_CTP_BODY_TOO_LARGE':
          return errorReply(reply, 413, hookErrors.tooLarge(maxBodyBytes));
        case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
          return errorReply(reply, 415, unsupportedType(request.headers['content-type']));
        case 'FST_ERR_CTP_EMPTY_JSON_BODY':
          return errorReply(reply, 400, hookErrors.emptyBody);
        case 'FST_ERR_CTP_INVALID_JSON_BODY':
          return errorReply(reply, 400, UNPARSABLE_JSON);
      }
      if (error instanceof SyntaxError || error.statusCode === 400) {
        return errorReply(reply, 400, hookErrors.invalidJson(error.message));
      }
      if (error.statusCode === 413) return errorReply(reply, 413, hookErrors.tooLarge(maxBodyBytes));
      if (error.statusCode === 415)
        return errorReply(reply, 415, unsupportedType(request.headers['content-type']));
      fastify.log.error({ err: error }, 'hook ingest failed');
      return errorReply(reply, 500, hookErrors.internal);
    },
    handler: (request, reply) => {
      const receivedAt = now();
      const rawCli = request.query.cli;
      const parsed = envelopeOf(request, rawCli, receivedAt, unsupportedType);
      const checked = parsed.ok && options.admit ? options.admit(parsed.envelope, request.headers) : parsed;
      // The envelope is the consumer's now: nothing of the request holds it until the commit.
      request.body = null;
      if (!checked.ok) {
        errorReply(reply, checked.status, checked.error);
        return;
      }
      const report = (err: unknown) => {
        if (options.onError) options.onError(err);
        else request.log.error({ err }, 'hook ingest: onEnvelope failed');
      };
      let pending: unknown;
      try {
        pending = options.onEnvelope(checked.envelope, { receivedAt, source: request.ip });
      } catch (err) {
        report(err);
        errorReply(reply, 500, hookErrors.internal);
        return;
      }
      return answerWhenCommitted(
        pending,
        reply,
        rawCli !== undefined ? NO_DECISION_BODY : ACCEPTED_BODY,
        report,
      );
    },
  });
}
