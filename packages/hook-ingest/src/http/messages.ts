/** What the hook endpoints answer (`POST /api/hooks` and the server's batch route). */
import { STATUS_CODES } from 'node:http';

/** Content types accepted as JSON: `application/json` and `application/<anything>+json`. */
export const JSON_CONTENT_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i;

export const JSON_TYPE = 'application/json; charset=utf-8';
/** The 202 body for an envelope. */
export const ACCEPTED_BODY = JSON.stringify({ ok: true });
/** The 202 body for a raw payload: an empty object, which Claude Code reads as "no decision". */
export const NO_DECISION_BODY = JSON.stringify({});

/**
 * The one form of every HTTP error answer (4xx and 5xx) outside tRPC: the status code, its reason phrase and a
 * message naming the problem, e.g. `{"statusCode":415,"error":"Unsupported Media Type","message":"POST /api/hooks
 * takes application/json, got text/plain"}`. The same fields Fastify's own errors carry.
 */
export interface HttpErrorBody {
  statusCode: number;
  error: string;
  message: string;
}

export function httpErrorBody(statusCode: number, message: string): HttpErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

/** `httpErrorBody` as JSON text. */
export const httpErrorJson = (statusCode: number, message: string): string =>
  JSON.stringify(httpErrorBody(statusCode, message));

export const hookErrors = {
  rateLimited: (limit: number) => `rate limited: more than ${limit} hook requests per second`,
  unsupportedType: (route: string, type: string | undefined) =>
    `${route} takes application/json, got ${type ? type : 'no content type'}`,
  tooLarge: (maxBodyBytes: number) => `body larger than ${maxBodyBytes} bytes`,
  emptyBody: 'body: Required (empty JSON body)',
  invalidJson: (message: string) => `body is not valid JSON: ${message}`,

  internal: 'internal error while ingesting the hook event',
} as const;

/**
 * What both hook entry points answer for a body the JSON parser refuses. Fastify's parser keeps no detail, and it
 * refuses the same way a syntax error and a `__proto__` / `constructor.prototype` key (prototype poisoning): the
 * message names both, so a sender whose payload has such a key learns why.
 */
export const UNPARSABLE_JSON =
  'body is not valid JSON, or has a "__proto__" or "constructor.prototype" key (refused: prototype poisoning)';

/** `WWW-Authenticate` of a 401 from a hook route whose sender must authenticate. */
export const HOOK_AUTH_CHALLENGE = 'Bearer realm="flightdeck-hooks"';

/** `Retry-After` (whole seconds, at least 1) for a refusal that may be retried after `retryAfterMs`. */
export const retryAfterSeconds = (retryAfterMs: number): string =>
  String(Math.max(1, Math.ceil(retryAfterMs / 1000)));
