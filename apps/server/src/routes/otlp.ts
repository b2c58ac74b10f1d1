/**
 * The OpenTelemetry receiver: OTLP/HTTP at the paths an exporter appends to `OTEL_EXPORTER_OTLP_ENDPOINT`.
 *
 * - `POST /v1/logs`: Claude Code's events; its `claude_code.api_request` records (session, model, tokens, cost,
 *   request id) go to the core as one `otel` input, which counts each once into its session's `usage.otel`.
 * - `POST /v1/metrics`: decoded and checked (a malformed export is a 400), not stored: the api_request events carry
 *   the same usage per request, which is what can be counted once.
 * - `POST /v1/traces`: accepted and ignored (200), so an exporter configured for every signal does not error.
 *
 * `application/json` or `application/x-protobuf` (else 415), `Content-Encoding: gzip` or none (else 415), at most
 * `maxBytes` on the wire and after inflating (413). Success is 200 with an empty export response, or with
 * `partialSuccess` counting the api_request records that were dropped (no session id, or a session Flightdeck does
 * not know: see packages/core/src/otel.ts); the answer is sent once the input is committed. Authenticated like the
 * hook routes (the hook token as `Authorization: Bearer`, needed once a password is set, or a host's token, whose
 * records count only for that host's sessions; the exporter sends it with
 * `OTEL_EXPORTER_OTLP_HEADERS`), rate-limited per source address like them; the Host/Origin guard of app.ts runs
 * before, as for every route.
 */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { MAX_OTEL_RECORDS, type OtelApiRequest } from '@flightdeck/core';
import { createRateLimiter, DEFAULT_HOOK_RATE_LIMIT } from '@flightdeck/hook-ingest';
import type { OtlpLogRecord } from '@flightdeck/shared-types';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hostAwareAuthorizer } from '../hosts/admission.js';
import { httpError } from '../http-errors.js';
import { hookSenderGate } from '../ingest.js';
import {
  decodeOtlpLogs,
  decodeOtlpMetrics,
  mediaType,
  OTLP_MAX_BYTES,
  type OtlpRefusal,
} from '../otlp/decode.js';
import { exportAnswer, type OtlpAnswerSignal, statusProtobuf } from '../otlp/respond.js';
import type { Services } from '../services.js';

const inflate = promisify(gunzip);

export const OTLP_PATHS = { logs: '/v1/logs', metrics: '/v1/metrics', traces: '/v1/traces' } as const;

/** What the receiver saw since the server started. */
export interface OtlpStats {
  /** Export requests answered 200. */
  exports: number;
  /** Requests refused (400, 413, 415). */
  refused: number;
  /** `api_request` records handed to the core. */
  apiRequests: number;
  /** `api_request` records dropped: no session id, or a session not known. */
  dropped: number;
}

export interface OtlpReceiverOptions {
  /** Largest body, on the wire and inflated (default `OTLP_MAX_BYTES`). */
  maxBytes?: number;
}

/** An `api_request` record as the core takes it, or null without a session id. */
function toCore(r: OtlpLogRecord): OtelApiRequest | null {
  if (r.kind !== 'api-request' || r.sessionId === null) return null;
  const count = (v: number | null) => (v !== null && v >= 0 ? v : null);
  return {
    sessionId: r.sessionId,
    requestId: r.requestId,
    at: r.at,
    model: r.model,
    costUsd: count(r.costUsd),
    inputTokens: count(r.inputTokens),
    outputTokens: count(r.outputTokens),
    cacheReadTokens: count(r.cacheReadTokens),
    cacheCreationTokens: count(r.cacheCreationTokens),
  };
}

export async function registerOtlpReceiver(
  app: FastifyInstance,
  services: Services,
  opts: OtlpReceiverOptions = {},
): Promise<OtlpStats> {
  const maxBytes = opts.maxBytes ?? OTLP_MAX_BYTES;
  const stats: OtlpStats = { exports: 0, refused: 0, apiRequests: 0, dropped: 0 };
  // The hook token, or a host's token (a forwarded machine's agents; counted only for that host's sessions).
  const hosts = services.hosts?.tokens;
  const authorize = hostAwareAuthorizer(hosts, services.auth.hookTokens.authorize);
  const limiter = createRateLimiter(
    services.config.get().hookRateLimitPerSecond ?? DEFAULT_HOOK_RATE_LIMIT,
    1000,
  );

  const refuse = (reply: FastifyReply, asProtobuf: boolean, r: OtlpRefusal) => {
    stats.refused += 1;
    if (!asProtobuf) return httpError(reply, r.status, r.error);
    return reply.code(r.status).type('application/x-protobuf').send(statusProtobuf(r.status, r.error));
  };

  /** The request body, inflated when gzip, or why not. */
  async function bodyOf(
    request: FastifyRequest,
    signal: OtlpAnswerSignal,
  ): Promise<{ ok: true; body: Buffer } | OtlpRefusal> {
    const raw = request.body instanceof Buffer ? request.body : Buffer.alloc(0);
    const encoding = String(request.headers['content-encoding'] ?? 'identity')
      .trim()
      .toLowerCase();
    if (encoding === 'identity' || encoding === '') return { ok: true, body: raw };
    if (encoding !== 'gzip') {
      return {
        ok: false,
        status: 415,
        error: `unsupported content-encoding ${JSON.stringify(encoding)} for OTLP ${signal}: expected gzip or none`,
      };
    }
    try {
      return { ok: true, body: await inflate(raw, { maxOutputLength: maxBytes }) };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
        return {
          ok: false,
          status: 413,
          error: `OTLP ${signal} body inflates to more than the ${maxBytes}-byte limit`,
        };
      }
      return {
        ok: false,
        status: 400,
        error: `OTLP ${signal} body is not valid gzip: ${(e as Error).message}`,
      };
    }
  }

  const answer = (
    reply: FastifyReply,
    signal: OtlpAnswerSignal,
    asProtobuf: boolean,
    rejected = 0,
    why = '',
  ) => {
    stats.exports += 1;
    const a = exportAnswer(signal, asProtobuf, rejected, why);
    return reply.code(200).type(a.contentType).send(a.body);
  };

  async function logs(
    records: OtlpLogRecord[],
    host: string | null,
  ): Promise<{ dropped: number; why: string }> {
    const calls: OtelApiRequest[] = [];
    let dropped = 0;
    let why = '';
    for (const r of records) {
      if (r.kind !== 'api-request') continue;
      const c = toCore(r);
      if (c) calls.push(c);
      else {
        dropped += 1;
        why ||= `api_request ${r.requestId ?? '(no request id)'} has no session.id`;
      }
    }
    for (let i = 0; i < calls.length; i += MAX_OTEL_RECORDS) {
      const chunk = calls.slice(i, i + MAX_OTEL_RECORDS);
      const result = await services.runtime.dispatch({
        type: 'otel',
        records: chunk,
        receivedAt: Date.now(),
        ...(host !== null ? { host } : {}),
      });
      dropped += result.rejected.length;
      why ||= result.rejected[0] ?? '';
    }
    stats.apiRequests += calls.length;
    stats.dropped += dropped;
    return { dropped, why };
  }

  await app.register(async (scope) => {
    // Every body as bytes (the decoder judges the content type: 415 for one it does not take).
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBytes }, (_req, body, done) =>
      done(null, body),
    );
    // Before the body is read: an unauthenticated or rate-limited sender never gets it parsed.
    scope.addHook('onRequest', hookSenderGate(authorize, limiter));

    for (const signal of ['logs', 'metrics', 'traces'] as const) {
      scope.post(OTLP_PATHS[signal], { bodyLimit: maxBytes }, async (request, reply) => {
        const type = mediaType(request.headers['content-type']);
        const asProtobuf = type === 'application/x-protobuf';
        const body = await bodyOf(request, signal);
        if (!body.ok) return refuse(reply, asProtobuf, body);
        if (signal === 'traces') {
          if (asProtobuf || type === 'application/json') return answer(reply, signal, asProtobuf);
          return refuse(reply, false, {
            ok: false,
            status: 415,
            error: `unsupported content-type ${JSON.stringify(request.headers['content-type'] ?? '')} for OTLP traces: expected application/json or application/x-protobuf`,
          });
        }
        const input = { contentType: request.headers['content-type'], body: body.body };
        if (signal === 'metrics') {
          const decoded = decodeOtlpMetrics(input, maxBytes);
          return decoded.ok ? answer(reply, signal, asProtobuf) : refuse(reply, asProtobuf, decoded);
        }
        const decoded = decodeOtlpLogs(input, maxBytes);
        if (!decoded.ok) return refuse(reply, asProtobuf, decoded);
        const who = hosts?.resolve(request.headers);
        const { dropped, why } = await logs(decoded.records, who?.kind === 'host' ? who.host : null);
        return answer(reply, signal, asProtobuf, dropped, why);
      });
    }
  });
  return stats;
}
