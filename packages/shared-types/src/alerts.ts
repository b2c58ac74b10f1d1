/**
 * Alert rules and what their deliveries look like: rules are data (stored in the database, edited in Settings,
 * evaluated by the core), channels are carried out by the server (in-app/browser over `alerts.live`, Web Push,
 * webhook). The zod schemas are the one validation of a rule, for the server's edge and the web's form alike.
 */
import { z } from 'zod';
import type { ApprovalView } from './approvals.js';
import { HOST_METRICS } from './host-health.js';

export const ALERT_CHANNELS = ['in-app', 'browser', 'push', 'webhook'] as const;
export type AlertChannel = (typeof ALERT_CHANNELS)[number];

/** Longest wait a timed condition takes: one week, in minutes. */
export const MAX_ALERT_MINUTES = 7 * 24 * 60;

const minutes = z.number().int().min(1).max(MAX_ALERT_MINUTES);

/**
 * When a rule fires, once per (rule, session, occurrence):
 * - `approval-waiting`: an approval (or question) has been pending `minutes` (occurrence: that approval);
 * - `idle`: the session has waited for the user (turn finished, idle) `minutes` (occurrence: since when);
 * - `error`: a turn failed (occurrence: the failure);
 * - `ended-unexpectedly`: the session ended without being asked to (its process exited, an error, a timeout);
 * - `approval-opened`: a decidable approval opened (the built-in rule: push + browser by default);
 * - `host-offline`: a host (`flightdeck forward`) has not been heard from for `minutes` (occurrence: its silence);
 * - `host-metric`: a host's latest `metric` is at `level` or above against its thresholds (occurrence: the report
 *   that crossed it; it fires again after the metric came back below).
 * Host conditions have no session (`AlertFired.sessionId` null). The union stays open: later conditions (cost over
 * a threshold) are new members.
 */
export const alertConditionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('approval-waiting'), minutes }),
  z.object({ type: z.literal('idle'), minutes }),
  z.object({ type: z.literal('error') }),
  z.object({ type: z.literal('ended-unexpectedly') }),
  z.object({ type: z.literal('approval-opened') }),
  z.object({ type: z.literal('host-offline'), minutes }),
  z.object({
    type: z.literal('host-metric'),
    metric: z.enum(HOST_METRICS),
    level: z.enum(['warn', 'danger']),
  }),
]);
export type AlertCondition = z.infer<typeof alertConditionSchema>;
export type AlertConditionType = AlertCondition['type'];

/** An absolute http: or https: URL (no other scheme reaches a channel). */
const httpUrl = z
  .string()
  .max(2048)
  .refine((u) => {
    try {
      const p = new URL(u).protocol;
      return p === 'http:' || p === 'https:';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL');

/** A webhook target: http(s) only; the secret signs the body (HMAC-SHA256). */
export const alertWebhookSchema = z.object({
  url: httpUrl,
  secret: z.string().min(16, 'must be at least 16 characters').max(256),
});
export type AlertWebhook = z.infer<typeof alertWebhookSchema>;

/** Rule ids: letters, digits, `-`, `_`, `.` (they appear in dedupe keys and log lines). */
export const alertRuleIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only');

const alertRuleFields = {
  name: z.string().trim().min(1).max(200),
  enabled: z.boolean(),
  condition: alertConditionSchema,
  channels: z
    .array(z.enum(ALERT_CHANNELS))
    .min(1)
    .max(ALERT_CHANNELS.length)
    .refine((c) => new Set(c).size === c.length, 'must not repeat a channel'),
  webhook: alertWebhookSchema.nullable().optional(),
};

function webhookWhenNeeded(r: { channels: AlertChannel[]; webhook?: AlertWebhook | null | undefined }) {
  return !r.channels.includes('webhook') || (r.webhook !== null && r.webhook !== undefined);
}
const WEBHOOK_NEEDED = { message: 'the webhook channel needs a webhook', path: ['webhook'] };

/**
 * A rule as the core takes it: the webhook (URL and secret) stays with the server, so the core does not ask for
 * one (it only says on which channels to send).
 */
export const alertRuleCoreSchema = z.object({ id: alertRuleIdSchema, ...alertRuleFields });

/** A rule as stored. */
export const alertRuleSchema = alertRuleCoreSchema.refine(webhookWhenNeeded, WEBHOOK_NEEDED);
export type AlertRule = z.infer<typeof alertRuleSchema>;

/** A new rule (`alerts.rules.create`): the server picks the id. */
export const alertRuleDraftSchema = z.object(alertRuleFields).refine(webhookWhenNeeded, WEBHOOK_NEEDED);
export type AlertRuleDraft = z.infer<typeof alertRuleDraftSchema>;

/** The rule every database starts with (migration 0005): a decidable approval opened → push + browser. */
export const BUILTIN_APPROVAL_RULE_ID = 'builtin-approval-opened';

/** A rule as listed to the dashboard: the webhook secret is never sent back, only whether one is set. */
export interface AlertRuleView {
  id: string;
  name: string;
  enabled: boolean;
  condition: AlertCondition;
  channels: AlertChannel[];
  webhook: { url: string; hasSecret: true } | null;
  createdAt: number;
  updatedAt: number;
}

/** What a rule firing says (the core's `alert-fire` effect, as the channels carry it). */
export interface AlertFired {
  ruleId: string;
  /** `null` for `alerts.test`. */
  sessionId: string | null;
  condition: AlertConditionType | 'test';
  title: string;
  body: string;
  /** Once per (rule, session, occurrence): a receiver drops repeats with the same key. */
  dedupeKey: string;
  /** Unix ms. */
  at: number;
  /** For `approval-opened`: the approval's id (`approvals.decide` takes it). */
  approvalId: string | null;
}

/**
 * The JSON a Web Push message carries (decrypted by the service worker). An approval push carries the approval
 * (its `toolInput` dropped and its rendering shortened when the whole would not fit a push message, ~3 KB).
 */
export type PushMessage =
  | { type: 'approval'; approval: ApprovalView; dedupeKey: string }
  | { type: 'alert'; title: string; body: string; sessionId: string | null; dedupeKey: string };

/** The body of a webhook POST (signed: `X-Flightdeck-Signature: sha256=<hex of HMAC-SHA256(secret, body)>`). */
export interface WebhookPayload {
  type: 'alert';
  alert: AlertFired;
  /** Unix ms of the first attempt (also in `X-Flightdeck-Timestamp`; retries send the same body). */
  sentAt: number;
}

/** `alerts.live` messages (each `tracked`): in-app and browser notifications. */
export type AlertLiveEvent = { type: 'alert'; alert: AlertFired; channels: Array<'in-app' | 'browser'> };

export type AlertDeliveryStatus = 'ok' | 'failed' | 'retrying' | 'gone';

/** One attempt at delivering an alert on one channel (the delivery log, newest first). */
export interface AlertDelivery {
  id: number;
  ruleId: string;
  sessionId: string | null;
  dedupeKey: string;
  channel: 'push' | 'webhook';
  /** Webhook URL, or the push service's origin. */
  target: string;
  attempt: number;
  status: AlertDeliveryStatus;
  httpStatus: number | null;
  error: string | null;
  /** The first bytes of the response body (never more). */
  responseExcerpt: string | null;
  at: number;
}

/** A browser's push subscription (`PushSubscription.toJSON()`), as `alerts.subscribePush` takes it. */
export const pushSubscriptionSchema = z.object({
  endpoint: httpUrl,
  expirationTime: z.number().nullable().optional(),
  keys: z.object({
    /** The browser's P-256 public key: 65 bytes, base64url (87 characters, `=` padding tolerated). */
    p256dh: z.string().regex(/^[A-Za-z0-9_-]{87}=?$/, 'must be a P-256 public key (65 bytes, base64url)'),
    /** The auth secret: 16 bytes, base64url. */
    auth: z.string().regex(/^[A-Za-z0-9_-]{22}(==)?$/, 'must be 16 bytes, base64url'),
  }),
});
export type PushSubscriptionInput = z.infer<typeof pushSubscriptionSchema>;
