/**
 * The Web Push channel of one alert: the message to every subscribed browser, each attempt logged; a subscription the
 * push service says is gone (404/410) is removed, a plain-http endpoint refused unless allowed (tests).
 */
import {
  deletePushSubscription,
  listPushSubscriptions,
  markPushDelivered,
  type NewAlertDelivery,
} from '@flightdeck/db';
import type { AlertFired, PushMessage } from '@flightdeck/shared-types';
import type { Logger } from '../effects/index.js';
import type { StorePort } from '../ports.js';
import { type PushOptions, sendPush } from './push.js';
import type { postBounded } from './transport.js';

export interface PushFanoutDeps {
  store: Pick<StorePort, 'read'>;
  log: Logger;
  now: () => number;
  post: typeof postBounded;
  logDelivery: (d: NewAlertDelivery) => Promise<void>;
  allowHttp: boolean;
  options: () => PushOptions;
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url.slice(0, 100);
  }
}

type Outcome = Pick<NewAlertDelivery, 'status' | 'httpStatus' | 'error' | 'responseExcerpt'>;

export async function pushToEverySubscriber(
  deps: PushFanoutDeps,
  alert: AlertFired,
  message: PushMessage,
): Promise<void> {
  const { store, log, now } = deps;
  const subs = await store.read(({ db }) => listPushSubscriptions(db));
  const opts = deps.options();
  await Promise.all(
    subs.map(async (sub) => {
      const target = originOf(sub.endpoint);
      let outcome: Outcome;
      if (!deps.allowHttp && !sub.endpoint.startsWith('https:')) {
        outcome = {
          status: 'failed',
          httpStatus: null,
          error: 'refused: push endpoints must be https',
          responseExcerpt: null,
        };
      } else {
        const out = await sendPush(sub, message, opts, deps.post);
        if (out.kind === 'ok') {
          await store.read(({ db }) => markPushDelivered(db, sub.endpoint, now())).catch(() => {});
          outcome = { status: 'ok', httpStatus: out.status, error: null, responseExcerpt: null };
        } else if (out.kind === 'gone') {
          await store.read(({ db }) => deletePushSubscription(db, sub.endpoint)).catch(() => {});
          log.info({ target, status: out.status }, 'push subscription gone: removed');
          outcome = {
            status: 'gone',
            httpStatus: out.status,
            error: 'subscription expired or unsubscribed: removed',
            responseExcerpt: out.excerpt || null,
          };
        } else {
          outcome = {
            status: 'failed',
            httpStatus: out.status,
            error: out.error,
            responseExcerpt: out.excerpt,
          };
        }
      }
      await deps.logDelivery({
        ruleId: alert.ruleId,
        sessionId: alert.sessionId,
        dedupeKey: alert.dedupeKey,
        channel: 'push',
        target,
        attempt: 1,
        ...outcome,
        at: now(),
      });
    }),
  );
}
