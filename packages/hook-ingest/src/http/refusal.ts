/**
 * `onEnvelope` may resolve to `{ refused: "<reason>" }`: the consumer could not store that event (it changed
 * nothing). The route answers it with 422 and the reason, never with a 5xx: the request
 * was understood, and sending it again would not help.
 */
export const REFUSED_STATUS = 422;

/** The consumer's reason for not storing the event, or null when it was stored. */
export function refusalOf(result: unknown): string | null {
  if (typeof result !== 'object' || result === null) return null;
  const refused = (result as { refused?: unknown }).refused;
  return typeof refused === 'string' ? refused : null;
}
