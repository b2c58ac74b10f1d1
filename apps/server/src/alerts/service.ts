/**
 * Alerts, the shell side: the rules (stored in the database, sent to the core whenever they change), and the
 * channels an `alert-fire` effect goes out on — in-app and browser over `alerts.live`, Web Push to every
 * subscribed browser, and the rule's webhook — each push and webhook attempt written to the delivery log.
 */

import { randomBytes } from 'node:crypto';
import { type AlertFireEffect, type CoreAlertRule, isHostRule } from '@flightdeck/core';
import {
  addAlertDelivery,
  createAlertRule,
  deleteAlertRule,
  deletePushSubscription,
  getAlertRule,
  listAlertDeliveries,
  listAlertRules,
  type NewAlertDelivery,
  type StoredAlertRule,
  savePushSubscription,
  updateAlertRule,
} from '@flightdeck/db';
import type {
  AlertChannel,
  AlertDelivery,
  AlertFired,
  AlertRule,
  AlertRuleDraft,
  AlertRuleView,
  ApprovalView,
  PushMessage,
  PushSubscriptionInput,
  WebhookPayload,
} from '@flightdeck/shared-types';
import type { Logger } from '../effects/index.js';
import type { CoreInput, StorePort } from '../ports.js';
import { type AlertLiveHub, createAlertLiveHub } from './live.js';
import type { PushOptions } from './push.js';
import { pushToEverySubscriber } from './push-fanout.js';
import { limitConcurrency, postBounded } from './transport.js';
import { loadOrCreateVapidKeys, type VapidKeys } from './vapid.js';
import { DEFAULT_WEBHOOK_OPTIONS, deliverWebhook, type WebhookOptions } from './webhook.js';

export interface AlertServiceOptions {
  /** Push and webhook requests in flight at once (default 8): the rest wait their turn. */
  maxConcurrentRequests?: number;
  webhook?: Partial<WebhookOptions>;
  push?: {
    timeoutMs?: number;
    ttlSeconds?: number;
    /** VAPID subject (mailto: or https:). */
    subject?: string;
    /**
     * Accept http: push endpoints (tests serve one on 127.0.0.1). Off by default: browsers' push services are
     * https, and an http endpoint stored by a client would make the server post to any plain-HTTP address.
     */
    allowHttpEndpoints?: boolean;
  };
}

export interface AlertServiceDeps {
  dataDir: string | null;
  store: Pick<StorePort, 'read'>;
  log: Logger;
  now?: () => number;
  options?: AlertServiceOptions;
}

/** What the service needs from the runtime, bound once the runtime exists. */
export interface AlertRuntimeLink {
  dispatch(input: CoreInput): Promise<{ rejected: string[] }>;
  /** The pending approval `approvalId` of the session, rendered, or null when it is not pending any more. */
  approvalView(sessionId: string, approvalId: string): ApprovalView | null;
}

export class AlertInputError extends Error {
  override readonly name = 'AlertInputError';
}

/** A rule update: like a draft, with the id; a webhook given without its secret keeps the stored secret. */
export interface AlertRuleUpdate extends Omit<AlertRuleDraft, 'webhook'> {
  id: string;
  webhook?: { url: string; secret?: string | undefined } | null | undefined;
}

export interface AlertTestInput {
  /** Send on this rule's channels (its webhook included); without it, on `channels`. */
  ruleId?: string | undefined;
  channels?: AlertChannel[] | undefined;
}

export interface AlertService {
  readonly live: AlertLiveHub;
  vapidPublicKey(): string;
  attach(link: AlertRuntimeLink): void;
  /** Loads the rules and sends them to the core (at start and after every change). */
  syncRules(): Promise<void>;
  listRules(): Promise<AlertRuleView[]>;
  createRule(draft: AlertRuleDraft): Promise<AlertRuleView>;
  /** Null when no such rule. */
  updateRule(update: AlertRuleUpdate): Promise<AlertRuleView | null>;
  deleteRule(id: string): Promise<boolean>;
  deliveries(opts: { limit?: number; before?: number; ruleId?: string }): Promise<AlertDelivery[]>;
  subscribePush(sub: PushSubscriptionInput, userAgent: string | null): Promise<void>;
  unsubscribePush(endpoint: string): Promise<boolean>;
  /** Sends a test alert; resolves with its dedupe key once it is handed to the channels. */
  test(input: AlertTestInput): Promise<{ dedupeKey: string; channels: AlertChannel[] }>;
  /** The `alert-fire` effect. Never throws; the deliveries run in the background. */
  fire(effect: AlertFireEffect): void;
  /** The enabled rules on host conditions, as last loaded (the hosts' alerts evaluate them). */
  hostRules(): CoreAlertRule[];
  /** An alert the core did not make (a host's) sent on `channels`, as `fire` sends an effect's. Never throws. */
  deliver(alert: AlertFired, channels: readonly AlertChannel[]): void;
  /** Resolves once every delivery started so far is over (retries included), or after `timeoutMs` if given. */
  idle(timeoutMs?: number): Promise<void>;
  stop(): void;
}

const DEFAULT_SUBJECT = 'mailto:flightdeck@localhost.invalid';

export function toRuleView(r: StoredAlertRule): AlertRuleView {
  return {
    id: r.id,
    name: r.name,
    enabled: r.enabled,
    condition: r.condition,
    channels: r.channels,
    webhook: r.webhook ? { url: r.webhook.url, hasSecret: true } : null,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

export function createAlertService(deps: AlertServiceDeps): AlertService {
  const { store, log } = deps;
  const now = deps.now ?? Date.now;
  const webhookOptions: WebhookOptions = { ...DEFAULT_WEBHOOK_OPTIONS, ...deps.options?.webhook };
  const allowHttpPush = deps.options?.push?.allowHttpEndpoints === true;
  let keys: VapidKeys | null = null;
  const vapid = () => {
    keys ??= loadOrCreateVapidKeys(deps.dataDir);
    return keys;
  };
  const pushOptions = (): PushOptions => ({
    keys: vapid(),
    subject: deps.options?.push?.subject ?? DEFAULT_SUBJECT,
    ttlSeconds: deps.options?.push?.ttlSeconds ?? 3600,
    timeoutMs: deps.options?.push?.timeoutMs ?? 10_000,
  });
  const live = createAlertLiveHub();
  const post = limitConcurrency(postBounded, Math.max(1, deps.options?.maxConcurrentRequests ?? 8));
  let link: AlertRuntimeLink | null = null;
  /** The rules as last loaded (webhook secrets included): what a firing rule's webhook is looked up in. */
  let rules = new Map<string, StoredAlertRule>();
  const inFlight = new Set<Promise<void>>();
  const sleeping = new Set<{ timer: NodeJS.Timeout; done: (go: boolean) => void }>();
  let stopped = false;
  let syncing: Promise<void> = Promise.resolve();

  function track(p: Promise<void>) {
    const q = p.catch((err) => log.error({ err }, 'alert delivery failed')).finally(() => inFlight.delete(q));
    inFlight.add(q);
  }

  function sleep(ms: number): Promise<boolean> {
    if (stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          sleeping.delete(entry);
          resolve(true);
        }, ms),
        done: resolve,
      };
      sleeping.add(entry);
    });
  }

  async function logDelivery(d: NewAlertDelivery) {
    try {
      await store.read(({ db }) => addAlertDelivery(db, d));
    } catch (err) {
      log.warn({ err, dedupeKey: d.dedupeKey }, 'alert delivery not logged');
    }
  }

  const pushAll = (alert: AlertFired, message: PushMessage) =>
    pushToEverySubscriber(
      { store, log, now, post, logDelivery, allowHttp: allowHttpPush, options: pushOptions },
      alert,
      message,
    );

  async function webhookFor(alert: AlertFired, rule: StoredAlertRule) {
    if (!rule.webhook) return;
    const { url, secret } = rule.webhook;
    const sentAt = now();
    const payload: WebhookPayload = { type: 'alert', alert, sentAt };
    await deliverWebhook(
      url,
      secret,
      JSON.stringify(payload),
      sentAt,
      webhookOptions,
      (a) =>
        logDelivery({
          ruleId: alert.ruleId,
          sessionId: alert.sessionId,
          dedupeKey: alert.dedupeKey,
          channel: 'webhook',
          target: url,
          attempt: a.attempt,
          status: a.status,
          httpStatus: a.httpStatus,
          error: a.error,
          responseExcerpt: a.excerpt,
          at: now(),
        }),
      sleep,
      post,
    );
  }

  function send(alert: AlertFired, channels: readonly AlertChannel[], rule: StoredAlertRule | undefined) {
    const liveChannels = channels.filter((c): c is 'in-app' | 'browser' => c === 'in-app' || c === 'browser');
    if (liveChannels.length > 0) live.publish({ type: 'alert', alert, channels: liveChannels });
    if (channels.includes('push')) {
      const approval =
        alert.approvalId !== null && alert.sessionId !== null
          ? (link?.approvalView(alert.sessionId, alert.approvalId) ?? null)
          : null;
      const message: PushMessage = approval
        ? { type: 'approval', approval, dedupeKey: alert.dedupeKey }
        : {
            type: 'alert',
            title: alert.title,
            body: alert.body,
            sessionId: alert.sessionId,
            dedupeKey: alert.dedupeKey,
          };
      track(pushAll(alert, message));
    }
    if (channels.includes('webhook')) {
      if (rule?.webhook) track(webhookFor(alert, rule));
      else log.warn({ ruleId: alert.ruleId }, 'alert not sent by webhook: the rule has none');
    }
  }

  async function loadRules(): Promise<StoredAlertRule[]> {
    const list = await store.read(({ db }) => listAlertRules(db));
    rules = new Map(list.map((r) => [r.id, r]));
    return list;
  }

  const service: AlertService = {
    live,
    vapidPublicKey: () => vapid().publicKey,
    attach(l) {
      link = l;
    },
    syncRules() {
      // One at a time, in call order: two syncs that overlapped could hand the core an older list last.
      const next = syncing.then(async () => {
        const list = await loadRules();
        if (!link) return;
        const r = await link.dispatch({
          type: 'alert-rules',
          rules: list.map(({ createdAt: _c, updatedAt: _u, webhook: _w, ...rule }) => rule),
        });
        if (r.rejected.length > 0) log.warn({ rejected: r.rejected }, 'alert rules refused by the core');
      });
      syncing = next.catch(() => {});
      return next;
    },
    async listRules() {
      return (await loadRules()).map(toRuleView);
    },
    async createRule(draft) {
      const id = `rule-${randomBytes(6).toString('hex')}`;
      const rule: AlertRule = { ...draft, id };
      const stored = await store.read(({ db }) => createAlertRule(db, rule, now()));
      await service.syncRules();
      return toRuleView(stored);
    },
    async updateRule(update) {
      const current = await store.read(({ db }) => getAlertRule(db, update.id));
      if (!current) return null;
      let webhook: AlertRule['webhook'] = null;
      if (update.webhook) {
        const secret = update.webhook.secret ?? current.webhook?.secret;
        if (secret === undefined) throw new AlertInputError('webhook.secret: required for a new webhook');
        webhook = { url: update.webhook.url, secret };
      }
      const rule: AlertRule = {
        id: update.id,
        name: update.name,
        enabled: update.enabled,
        condition: update.condition,
        channels: update.channels,
        webhook,
      };
      const stored = await store.read(({ db }) => updateAlertRule(db, rule, now()));
      await service.syncRules();
      return stored ? toRuleView(stored) : null;
    },
    async deleteRule(id) {
      const deleted = await store.read(({ db }) => deleteAlertRule(db, id));
      await service.syncRules();
      return deleted;
    },
    deliveries: (opts) => store.read(({ db }) => listAlertDeliveries(db, opts)),
    async subscribePush(sub, userAgent) {
      if (!allowHttpPush && new URL(sub.endpoint).protocol !== 'https:')
        throw new AlertInputError('endpoint: push endpoints must be https');
      await store.read(({ db }) => savePushSubscription(db, sub, userAgent, now()));
    },
    unsubscribePush: (endpoint) => store.read(({ db }) => deletePushSubscription(db, endpoint)),
    async test(input) {
      let rule: StoredAlertRule | undefined;
      if (input.ruleId !== undefined) {
        await loadRules();
        rule = rules.get(input.ruleId);
        if (!rule) throw new AlertInputError(`ruleId: no rule ${input.ruleId}`);
      }
      const channels = input.channels ?? rule?.channels ?? ['in-app'];
      if (channels.includes('webhook') && !rule?.webhook)
        throw new AlertInputError('channels: the webhook channel needs a rule with a webhook (ruleId)');
      const at = now();
      const dedupeKey = `test:${at}:${randomBytes(3).toString('hex')}`;
      const alert: AlertFired = {
        ruleId: rule?.id ?? 'test',
        sessionId: null,
        condition: 'test',
        title: 'Flightdeck test alert',
        body: rule ? `Rule "${rule.name}" reaches you here.` : 'Alerts reach you here.',
        dedupeKey,
        at,
        approvalId: null,
      };
      send(alert, channels, rule);
      return { dedupeKey, channels };
    },
    fire(effect) {
      if (stopped) return;
      const alert: AlertFired = {
        ruleId: effect.ruleId,
        sessionId: effect.sessionId,
        condition: effect.condition,
        title: effect.title,
        body: effect.body,
        dedupeKey: effect.dedupeKey,
        at: effect.at,
        approvalId: effect.approvalId,
      };
      send(alert, effect.channels, rules.get(effect.ruleId));
    },
    hostRules() {
      return [...rules.values()]
        .filter((r) => r.enabled && isHostRule(r))
        .map(({ createdAt: _c, updatedAt: _u, webhook: _w, ...rule }) => rule);
    },
    deliver(alert, channels) {
      if (!stopped) send(alert, channels, rules.get(alert.ruleId));
    },
    async idle(timeoutMs) {
      const all = (async () => {
        while (inFlight.size > 0) await Promise.all([...inFlight]);
      })();
      if (timeoutMs === undefined) return all;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([all, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
      clearTimeout(timer);
    },
    stop() {
      stopped = true;
      for (const s of sleeping) {
        clearTimeout(s.timer);
        s.done(false);
      }
      sleeping.clear();
      live.close();
    },
  };
  return service;
}
