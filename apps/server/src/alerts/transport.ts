/**
 * The one way an alert leaves the machine: an HTTP(S) POST to a URL someone configured (a webhook, a browser's
 * push service). Bounded on every side: http: and https: only, no redirects followed (a 3xx is an answer, not a
 * new target), a timeout over the whole exchange, and no more of the response read than a short excerpt.
 */

/** Most characters of a response body kept (and read: the rest of the body is cancelled). */
export const EXCERPT_CHARS = 500;

export interface PostResult {
  status: number;
  /** The first `EXCERPT_CHARS` characters of the body ('' when empty). */
  excerpt: string;
}

/** Thrown when no HTTP answer came (DNS, refused, reset, timeout): worth retrying. */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
}

async function readExcerpt(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < EXCERPT_CHARS) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return text.slice(0, EXCERPT_CHARS);
}

/** POSTs `body` to `url`; resolves with the status whatever it is, throws `NetworkError` when none came. */
export async function postBounded(
  url: string,
  headers: Record<string, string>,
  body: string | Uint8Array<ArrayBuffer>,
  timeoutMs: number,
): Promise<PostResult> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new Error(`not a URL: ${url.slice(0, 100)}`);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    throw new Error(`refused: ${target.protocol} is not http(s)`);
  const signal = AbortSignal.timeout(timeoutMs);
  let res: Response;
  try {
    res = await fetch(target, { method: 'POST', headers, body, redirect: 'manual', signal });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why =
      signal.aborted || (err as Error).name === 'TimeoutError'
        ? `no answer within ${timeoutMs} ms`
        : (cause?.code ?? cause?.message ?? (err as Error).message);
    throw new NetworkError(why);
  }
  try {
    return { status: res.status, excerpt: await readExcerpt(res) };
  } catch (err) {
    // The status came; the body broke off or timed out: the status is the answer.
    return { status: res.status, excerpt: `(body unreadable: ${(err as Error).message})` };
  }
}

export type Post = typeof postBounded;

/**
 * `post` with at most `max` requests in flight (an alert storm — every session ending at once — must not open
 * hundreds of connections to one receiver); the others wait their turn, in order.
 */
export function limitConcurrency(post: Post, max: number): Post {
  let active = 0;
  const waiting: Array<() => void> = [];
  const release = () => {
    active -= 1;
    waiting.shift()?.();
  };
  return async (...args) => {
    if (active >= max) await new Promise<void>((r) => waiting.push(r));
    active += 1;
    try {
      return await post(...args);
    } finally {
      release();
    }
  };
}
