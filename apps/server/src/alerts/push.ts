/**
 * Web Push (RFC 8030 with VAPID, RFC 8292, and aes128gcm payload encryption, RFC 8291), through the `web-push`
 * library for the encryption and the VAPID JWT; the request goes out through `postBounded` (timeout, no redirect,
 * response excerpt). A push service answering 404 or 410 says the subscription is gone: the caller removes it.
 */
import type { ApprovalView, PushMessage } from '@flightdeck/shared-types';
import webpush from 'web-push';
import { type Post, postBounded } from './transport.js';
import type { VapidKeys } from './vapid.js';

/** Largest push message body (JSON) sent: push services take 4 KB encrypted; this leaves room for the framing. */
export const MAX_PUSH_JSON_BYTES = 3000;

export interface PushTarget {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface PushOptions {
  keys: VapidKeys;
  /** VAPID `sub` claim: a mailto: or https: URL. */
  subject: string;
  ttlSeconds: number;
  timeoutMs: number;
}

export type PushOutcome =
  | { kind: 'ok'; status: number }
  | { kind: 'gone'; status: number; excerpt: string }
  | { kind: 'failed'; status: number | null; error: string; excerpt: string | null };

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const bytes = (m: PushMessage) => Buffer.byteLength(JSON.stringify(m));

/**
 * The message as it fits a push: an approval keeps its id, session, tool and a readable rendering; its raw input
 * is dropped and long texts shortened as needed (the page reads the whole approval with `approvals.list`).
 */
export function fitPushMessage(m: PushMessage): PushMessage {
  if (bytes(m) <= MAX_PUSH_JSON_BYTES) return m;
  if (m.type === 'alert') {
    return { ...m, title: clip(m.title, 200), body: clip(m.body, 1000) };
  }
  const a = m.approval;
  const r = a.rendering;
  const slim: ApprovalView = {
    ...a,
    toolInput: null,
    suggestions: [],
    sessionTitle: a.sessionTitle === null ? null : clip(a.sessionTitle, 120),
    rendering: {
      kind: r.kind,
      title: clip(r.title, 200),
      text: clip(r.text, 1000),
      ...(r.diff
        ? {
            diff: {
              path: clip(r.diff.path, 300),
              before: clip(r.diff.before, 300),
              after: clip(r.diff.after, 300),
            },
          }
        : {}),
      ...(r.questions ? { questions: r.questions.slice(0, 4) } : {}),
    },
  };
  let out: PushMessage = { ...m, approval: slim };
  if (bytes(out) > MAX_PUSH_JSON_BYTES) {
    const { diff: _d, questions: _q, ...rest } = slim.rendering;
    out = { ...m, approval: { ...slim, rendering: { ...rest, text: clip(rest.text, 400) } } };
  }
  return out;
}

/** Sends one push message to one subscription. Never throws. */
export async function sendPush(
  target: PushTarget,
  message: PushMessage,
  o: PushOptions,
  post: Post = postBounded,
): Promise<PushOutcome> {
  let details: ReturnType<typeof webpush.generateRequestDetails>;
  try {
    details = webpush.generateRequestDetails(
      { endpoint: target.endpoint, keys: target.keys },
      JSON.stringify(fitPushMessage(message)),
      {
        vapidDetails: { subject: o.subject, publicKey: o.keys.publicKey, privateKey: o.keys.privateKey },
        TTL: o.ttlSeconds,
        urgency: message.type === 'approval' ? 'high' : 'normal',
        contentEncoding: 'aes128gcm',
      },
    );
  } catch (err) {
    // e.g. keys of the wrong length: the subscription cannot be used
    return { kind: 'failed', status: null, error: `not sent: ${(err as Error).message}`, excerpt: null };
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(details.headers)) headers[k] = String(v);
  try {
    const body = details.body ? new Uint8Array(details.body) : new Uint8Array();
    const res = await post(details.endpoint, headers, body, o.timeoutMs);
    if (res.status >= 200 && res.status < 300) return { kind: 'ok', status: res.status };
    if (res.status === 404 || res.status === 410)
      return { kind: 'gone', status: res.status, excerpt: res.excerpt };
    return {
      kind: 'failed',
      status: res.status,
      error: `push service answered ${res.status}`,
      excerpt: res.excerpt,
    };
  } catch (err) {
    return { kind: 'failed', status: null, error: (err as Error).message, excerpt: null };
  }
}
