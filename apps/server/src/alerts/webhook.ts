/**
 * Webhook deliveries: a JSON POST signed with HMAC-SHA256 of the raw body under the rule's secret
 * (`X-Flightdeck-Signature: sha256=<hex>`), with the send time in `X-Flightdeck-Timestamp` (and in the signed body,
 * so a receiver can refuse replays). Retried with exponential backoff on network errors, timeouts, 429 and 5xx;
 * any other answer is final. Every attempt is reported (the caller logs it).
 */
import { createHmac } from 'node:crypto';
import { NetworkError, type Post, postBounded } from './transport.js';

export const SIGNATURE_HEADER = 'x-flightdeck-signature';
export const TIMESTAMP_HEADER = 'x-flightdeck-timestamp';

export interface WebhookOptions {
  timeoutMs: number;
  /** Delay before each retry (its length is the number of retries): default 1 s, 4 s, 16 s. */
  retryDelaysMs: readonly number[];
}

export const DEFAULT_WEBHOOK_OPTIONS: WebhookOptions = {
  timeoutMs: 10_000,
  retryDelaysMs: [1_000, 4_000, 16_000],
};

export interface WebhookAttempt {
  attempt: number;
  status: 'ok' | 'retrying' | 'failed';
  httpStatus: number | null;
  error: string | null;
  excerpt: string | null;
}

/** `sha256=<hex>` of the body under the secret. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function retryable(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * Posts `body` (JSON text) to `url` until it is accepted (2xx), refused for good, or the retries are spent;
 * `onAttempt` hears every attempt. `sleep` is cancelled by the caller's stop (resolves false: give up).
 */
export async function deliverWebhook(
  url: string,
  secret: string,
  body: string,
  sentAt: number,
  o: WebhookOptions,
  onAttempt: (a: WebhookAttempt) => Promise<void> | void,
  sleep: (ms: number) => Promise<boolean>,
  post: Post = postBounded,
): Promise<WebhookAttempt> {
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'Flightdeck-Webhook',
    [SIGNATURE_HEADER]: signBody(secret, body),
    [TIMESTAMP_HEADER]: String(sentAt),
  };
  for (let attempt = 1; ; attempt++) {
    const last = attempt > o.retryDelaysMs.length;
    let result: WebhookAttempt;
    try {
      const res = await post(url, headers, body, o.timeoutMs);
      const ok = res.status >= 200 && res.status < 300;
      result = {
        attempt,
        status: ok ? 'ok' : retryable(res.status) && !last ? 'retrying' : 'failed',
        httpStatus: res.status,
        error: ok ? null : `answered ${res.status}`,
        excerpt: res.excerpt === '' ? null : res.excerpt,
      };
    } catch (err) {
      const again = err instanceof NetworkError && !last;
      result = {
        attempt,
        status: again ? 'retrying' : 'failed',
        httpStatus: null,
        error: (err as Error).message,
        excerpt: null,
      };
    }
    await onAttempt(result);
    if (result.status !== 'retrying') return result;
    const delay = o.retryDelaysMs[attempt - 1] ?? 0;
    if (!(await sleep(delay)))
      return { ...result, status: 'failed', error: `${result.error} (stopped before retrying)` };
  }
}
