/** Alert rules, Web Push subscriptions and the alert delivery log (migration 0005). */
import {
  type AlertDelivery,
  type AlertDeliveryStatus,
  type AlertRule,
  alertRuleIdSchema,
  alertRuleSchema,
  type PushSubscriptionInput,
  pushSubscriptionSchema,
} from '@flightdeck/shared-types';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { DbInputError, parseInput } from './errors.js';
import type { AlertDeliveryRow, AlertRuleRow, Database, PushSubscriptionRow } from './schema.js';

/** A rule as stored: the rule (webhook secret included: the server's alone) and when it was made and changed. */
export type StoredAlertRule = AlertRule & { createdAt: number; updatedAt: number };

/** Rows of the delivery log kept (the oldest go as new ones come). */
export const MAX_ALERT_DELIVERIES = 5000;
/** Longest response excerpt stored with a delivery. */
export const RESPONSE_EXCERPT_CHARS = 500;

const nowSchema = z.number().int().nonnegative();

/** The one row mapper of `alert_rules`. */
function toRule(r: AlertRuleRow): StoredAlertRule {
  return {
    id: r.id,
    name: r.name,
    enabled: r.enabled !== 0,
    condition: JSON.parse(r.condition) as AlertRule['condition'],
    channels: JSON.parse(r.channels) as AlertRule['channels'],
    webhook:
      r.webhook_url !== null && r.webhook_secret !== null
        ? { url: r.webhook_url, secret: r.webhook_secret }
        : null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function ruleColumns(rule: AlertRule) {
  return {
    name: rule.name,
    enabled: rule.enabled ? 1 : 0,
    condition: JSON.stringify(rule.condition),
    channels: JSON.stringify(rule.channels),
    webhook_url: rule.webhook?.url ?? null,
    webhook_secret: rule.webhook?.secret ?? null,
  };
}

/** Every rule, oldest first. */
export async function listAlertRules(db: Kysely<Database>): Promise<StoredAlertRule[]> {
  const rows = await db.selectFrom('alert_rules').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map(toRule);
}

export async function getAlertRule(db: Kysely<Database>, id: string): Promise<StoredAlertRule | null> {
  const key = parseInput(alertRuleIdSchema, id, 'getAlertRule: id');
  const row = await db.selectFrom('alert_rules').selectAll().where('id', '=', key).executeTakeFirst();
  return row ? toRule(row) : null;
}

/** Stores a new rule. Throws `DbInputError` for an invalid rule or an id already taken. */
export async function createAlertRule(
  db: Kysely<Database>,
  rule: AlertRule,
  now: number,
): Promise<StoredAlertRule> {
  const input = parseInput(
    z.object({ rule: alertRuleSchema, now: nowSchema }),
    { rule, now },
    'createAlertRule',
  );
  const row = await db
    .insertInto('alert_rules')
    .values({ id: input.rule.id, ...ruleColumns(input.rule), created_at: input.now, updated_at: input.now })
    .onConflict((oc) => oc.column('id').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new DbInputError(`createAlertRule: id: ${input.rule.id} exists`, 'id');
  return toRule(row);
}

/** Replaces a rule. Returns null when it does not exist. */
export async function updateAlertRule(
  db: Kysely<Database>,
  rule: AlertRule,
  now: number,
): Promise<StoredAlertRule | null> {
  const input = parseInput(
    z.object({ rule: alertRuleSchema, now: nowSchema }),
    { rule, now },
    'updateAlertRule',
  );
  const row = await db
    .updateTable('alert_rules')
    .set({ ...ruleColumns(input.rule), updated_at: input.now })
    .where('id', '=', input.rule.id)
    .returningAll()
    .executeTakeFirst();
  return row ? toRule(row) : null;
}

/** Deletes a rule. Returns whether it existed. */
export async function deleteAlertRule(db: Kysely<Database>, id: string): Promise<boolean> {
  const key = parseInput(alertRuleIdSchema, id, 'deleteAlertRule: id');
  const r = await db.deleteFrom('alert_rules').where('id', '=', key).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export interface StoredPushSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  userAgent: string | null;
  createdAt: number;
  lastSuccessAt: number | null;
}

function toSubscription(r: PushSubscriptionRow): StoredPushSubscription {
  return {
    endpoint: r.endpoint,
    keys: { p256dh: r.p256dh, auth: r.auth },
    userAgent: r.user_agent,
    createdAt: r.created_at,
    lastSuccessAt: r.last_success_at,
  };
}

/** Stores a browser's subscription (the same endpoint again replaces its keys). */
export async function savePushSubscription(
  db: Kysely<Database>,
  sub: PushSubscriptionInput,
  userAgent: string | null,
  now: number,
): Promise<StoredPushSubscription> {
  const input = parseInput(
    z.object({ sub: pushSubscriptionSchema, userAgent: z.string().max(512).nullable(), now: nowSchema }),
    { sub, userAgent, now },
    'savePushSubscription',
  );
  const row = await db
    .insertInto('push_subscriptions')
    .values({
      endpoint: input.sub.endpoint,
      p256dh: input.sub.keys.p256dh,
      auth: input.sub.keys.auth,
      user_agent: input.userAgent,
      created_at: input.now,
    })
    .onConflict((oc) =>
      oc.column('endpoint').doUpdateSet({
        p256dh: input.sub.keys.p256dh,
        auth: input.sub.keys.auth,
        user_agent: input.userAgent,
      }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
  return toSubscription(row);
}

export async function listPushSubscriptions(db: Kysely<Database>): Promise<StoredPushSubscription[]> {
  const rows = await db.selectFrom('push_subscriptions').selectAll().orderBy('created_at').execute();
  return rows.map(toSubscription);
}

/** Removes a subscription (unsubscribed, or gone: the push service answered 404/410). Returns whether it existed. */
export async function deletePushSubscription(db: Kysely<Database>, endpoint: string): Promise<boolean> {
  const key = parseInput(z.string().min(1).max(2048), endpoint, 'deletePushSubscription: endpoint');
  const r = await db.deleteFrom('push_subscriptions').where('endpoint', '=', key).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function markPushDelivered(db: Kysely<Database>, endpoint: string, now: number): Promise<void> {
  await db
    .updateTable('push_subscriptions')
    .set({ last_success_at: now })
    .where('endpoint', '=', endpoint)
    .execute();
}

export type NewAlertDelivery = Omit<AlertDelivery, 'id'>;

function toDelivery(r: AlertDeliveryRow): AlertDelivery {
  return {
    id: r.id,
    ruleId: r.rule_id,
    sessionId: r.session_id,
    dedupeKey: r.dedupe_key,
    channel: r.channel as AlertDelivery['channel'],
    target: r.target,
    attempt: r.attempt,
    status: r.status as AlertDeliveryStatus,
    httpStatus: r.http_status,
    error: r.error,
    responseExcerpt: r.response_excerpt,
    at: r.at,
  };
}

/** Logs one delivery attempt (the excerpt and error clipped) and drops the oldest rows past the bound. */
export async function addAlertDelivery(db: Kysely<Database>, d: NewAlertDelivery): Promise<AlertDelivery> {
  const row = await db
    .insertInto('alert_deliveries')
    .values({
      rule_id: d.ruleId,
      session_id: d.sessionId,
      dedupe_key: d.dedupeKey,
      channel: d.channel,
      target: d.target.slice(0, 2048),
      attempt: d.attempt,
      status: d.status,
      http_status: d.httpStatus,
      error: d.error === null ? null : d.error.slice(0, RESPONSE_EXCERPT_CHARS),
      response_excerpt:
        d.responseExcerpt === null ? null : d.responseExcerpt.slice(0, RESPONSE_EXCERPT_CHARS),
      at: d.at,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await db
    .deleteFrom('alert_deliveries')
    .where('id', '<=', row.id - MAX_ALERT_DELIVERIES)
    .execute();
  return toDelivery(row);
}

/** The delivery log, newest first (`before`: ids below it, for paging). */
export async function listAlertDeliveries(
  db: Kysely<Database>,
  opts: { limit?: number; before?: number; ruleId?: string } = {},
): Promise<AlertDelivery[]> {
  const o = parseInput(
    z.object({
      limit: z.number().int().min(1).max(500).default(100),
      before: z.number().int().positive().optional(),
      ruleId: alertRuleIdSchema.optional(),
    }),
    opts,
    'listAlertDeliveries',
  );
  let q = db.selectFrom('alert_deliveries').selectAll();
  if (o.before !== undefined) q = q.where('id', '<', o.before);
  if (o.ruleId !== undefined) q = q.where('rule_id', '=', o.ruleId);
  const rows = await q.orderBy('id', 'desc').limit(o.limit).execute();
  return rows.map(toDelivery);
}
