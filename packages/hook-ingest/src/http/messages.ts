/** What the hook endpoints answer: shared by the Fastify route and the direct handler, so both say the same. */

/** Content types accepted as JSON: `application/json` and `application/<anything>+json`. */
export const JSON_CONTENT_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i;

export const JSON_TYPE = 'application/json; charset=utf-8';
/** The 202 body for an envelope. */
export const ACCEPTED_BODY = JSON.stringify({ ok: true });
/** The 202 body for a raw payload: an empty object, which Claude Code reads as "no decision". */
export const NO_DECISION_BODY = JSON.stringify({});

export const hookErrors = {
  rateLimited: (limit: number) => `rate limited: more than ${limit} hook requests per second`,
  unsupportedType: (type: string | undefined) =>
    `unsupported content type ${type ?? '(none)'}: send application/json`,
  tooLarge: (maxBodyBytes: number) => `body larger than ${maxBodyBytes} bytes`,
  emptyBody: 'body: Required (empty JSON body)',
  invalidJson: (message: string) => `body is not valid JSON: ${message}`,

  internal: 'internal error while ingesting the hook event',
} as const;

/** What the route answers for any body Fastify's JSON parser cannot parse (its error keeps no detail). */
export const UNPARSABLE_JSON = hookErrors.invalidJson(
  "Body is not valid JSON but content-type is set to 'application/json'",
);

/** `WWW-Authenticate` of a 401 from a hook route whose sender must authenticate. */
export const HOOK_AUTH_CHALLENGE = 'Bearer realm="flightdeck-hooks"';

/** `Retry-After` (whole seconds, at least 1) for a refusal that may be retried after `retryAfterMs`. */
export const retryAfterSeconds = (retryAfterMs: number): string =>
  String(Math.max(1, Math.ceil(retryAfterMs / 1000)));
