/**
 * `POST /api/hooks` answered straight from Node's HTTP server, before the web framework: the hottest request of
 * the server (one per hook event) without a router lookup, framework request/reply objects, hook chains and a
 * response serializer per event. It says exactly what the Fastify route (`hookIngestRoutes`) says, and counts
 * against the same rate limiter; anything it does not take (another method or path, a query string such as
 * `?cli=`, a content type that is not JSON) it leaves to the framework, which answers as before.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HookEnvelope } from '@flightdeck/shared-types';
import secureJson from 'secure-json-parse';
import { validateEnvelope } from '../validate.js';
import {
  ACCEPTED_BODY,
  HOOK_AUTH_CHALLENGE,
  hookErrors,
  httpErrorJson,
  JSON_TYPE,
  retryAfterSeconds,
  UNPARSABLE_JSON,
} from './messages.js';
import type { RateLimiter } from './rate-limit.js';
import { REFUSED_STATUS, refusalOf } from './refusal.js';
import type { HookAuthorizer, HookIngestContext } from './routes.js';

export interface HookFastPathOptions {
  /** Commits one envelope; the answer (202) waits for it, 500 if it rejects. */
  onEnvelope: (envelope: HookEnvelope, context: HookIngestContext) => unknown;
  limiter: RateLimiter;
  maxBodyBytes: number;
  /** Route path (exact; a query string goes to the framework). Default `/api/hooks`. */
  path?: string;
  /** Clock (unix ms). Default `Date.now`. */
  now?: () => number;
  /** Called when `onEnvelope` fails (the client gets a 500). */
  onError?: (err: unknown) => void;
  /** Null when the request may post, else the reason it may not (answered 401 before the body is read). */
  authorize?: HookAuthorizer;
}

export interface HookFastPath {
  /** Answers the request and returns true, or returns false without touching it (the framework's turn). */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Requests answered here so far. */
  readonly answered: number;
}

function send(res: ServerResponse, status: number, body: string, close = false): void {
  if (res.headersSent || res.destroyed) return;
  res.statusCode = status;
  res.setHeader('content-type', JSON_TYPE);
  res.setHeader('content-length', Buffer.byteLength(body));
  // The rest of a refused body is not read: the connection cannot carry another request after it.
  if (close) res.setHeader('connection', 'close');
  res.end(body);
}

/** An error answer in the form the route gives (`httpErrorBody`). */
function fail(res: ServerResponse, status: number, message: string, close = false): void {
  send(res, status, httpErrorJson(status, message), close);
}

function isApplicationJson(contentType: string): boolean {
  const semi = contentType.indexOf(';');
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase() === 'application/json';
}

export function createHookFastPath(options: HookFastPathOptions): HookFastPath {
  const path = options.path ?? '/api/hooks';
  const now = options.now ?? Date.now;
  const { limiter, maxBodyBytes } = options;
  let answered = 0;

  function ingest(res: ServerResponse, body: Buffer, source: string): void {
    if (body.length === 0) {
      fail(res, 400, hookErrors.emptyBody);
      return;
    }
    let input: unknown;
    try {
      // As Fastify parses JSON bodies: a `__proto__` or `constructor.prototype` key is refused.
      input = secureJson.parse(body.toString('utf8'), undefined, {
        protoAction: 'error',
        constructorAction: 'error',
      });
    } catch {
      fail(res, 400, UNPARSABLE_JSON);
      return;
    }
    const checked = validateEnvelope(input);
    if (!checked.ok) {
      fail(res, 400, checked.error);
      return;
    }
    const context: HookIngestContext = { receivedAt: now(), source };
    let pending: unknown;
    try {
      pending = options.onEnvelope(checked.envelope, context);
    } catch (err) {
      options.onError?.(err);
      fail(res, 500, hookErrors.internal);
      return;
    }
    Promise.resolve(pending).then(
      (result) => {
        const refused = refusalOf(result);
        if (refused === null) send(res, 202, ACCEPTED_BODY);
        else fail(res, REFUSED_STATUS, refused);
      },
      (err: unknown) => {
        options.onError?.(err);
        fail(res, 500, hookErrors.internal);
      },
    );
  }

  return {
    get answered() {
      return answered;
    },
    handle(req, res) {
      if (req.method !== 'POST' || req.url !== path) return false;
      // Only what Fastify's JSON parser takes (`application/json`, any parameters): the route answers the rest.
      const type = req.headers['content-type'];
      if (!type || !isApplicationJson(type)) return false;
      answered += 1;
      const source = req.socket.remoteAddress ?? 'unknown';
      const verdict = limiter.hit(source, now());
      if (!verdict.allowed) {
        res.setHeader('retry-after', retryAfterSeconds(verdict.retryAfterMs));
        fail(res, 429, hookErrors.rateLimited(limiter.limit));
        return true;
      }
      const refusal = options.authorize?.(req.headers) ?? null;
      if (refusal !== null) {
        res.setHeader('www-authenticate', HOOK_AUTH_CHALLENGE);
        fail(res, 401, refusal, true);
        return true;
      }
      const declared = Number(req.headers['content-length']);
      if (declared > maxBodyBytes) {
        fail(res, 413, hookErrors.tooLarge(maxBodyBytes), true);
        return true;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      let refused = false;
      req.on('data', (chunk: Buffer) => {
        if (refused) return;
        size += chunk.length;
        if (size > maxBodyBytes) {
          refused = true;
          chunks.length = 0;
          fail(res, 413, hookErrors.tooLarge(maxBodyBytes), true);
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => {
        if (refused) return;
        const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
        // The request lives until it is answered (after the commit); its body need not.
        chunks.length = 0;
        ingest(res, body, source);
      });
      // A client that goes away mid-body: nothing was accepted, nothing to answer.
      req.on('error', () => {});
      return true;
    },
  };
}
