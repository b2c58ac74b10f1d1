/**
 * `alerts`: the rules (Settings), the delivery log, Web Push subscriptions and the in-app/browser stream.
 * Rules are validated here with the shared schemas (the web's form uses the same), stored, and sent to the core.
 */
import {
  ALERT_CHANNELS,
  alertConditionSchema,
  alertRuleDraftSchema,
  alertRuleIdSchema,
  pushSubscriptionSchema,
} from '@flightdeck/shared-types';
import { z } from 'zod';
import { AlertInputError, type AlertService } from '../alerts/service.js';
import { type Context, protectedProcedure, router, TRPCError } from '../trpc.js';

function alertsOf(ctx: Context): AlertService {
  const a = ctx.services.alerts;
  if (!a)
    throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'alerts are not enabled on this server' });
  return a;
}

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AlertInputError)
      throw new TRPCError({ code: 'BAD_REQUEST', message: err.message, cause: err });
    throw err;
  }
}

const channels = z
  .array(z.enum(ALERT_CHANNELS))
  .min(1)
  .max(ALERT_CHANNELS.length)
  .refine((c) => new Set(c).size === c.length, 'must not repeat a channel');

/** An update: the draft's fields and the id; a webhook without `secret` keeps the stored one. */
const ruleUpdateSchema = z
  .object({
    id: alertRuleIdSchema,
    name: z.string().trim().min(1).max(200),
    enabled: z.boolean(),
    condition: alertConditionSchema,
    channels,
    webhook: z
      .object({ url: z.string().max(2048), secret: z.string().min(16).max(256).optional() })
      .nullable()
      .optional(),
  })
  .refine((r) => !r.channels.includes('webhook') || (r.webhook !== null && r.webhook !== undefined), {
    message: 'the webhook channel needs a webhook',
    path: ['webhook'],
  });

export const alertsRouter = router({
  rules: router({
    /** Every rule (webhook secrets never sent back: `webhook.hasSecret`). */
    list: protectedProcedure.query(({ ctx }) => call(() => alertsOf(ctx).listRules())),
    create: protectedProcedure
      .input(alertRuleDraftSchema)
      .mutation(({ ctx, input }) => call(() => alertsOf(ctx).createRule(input))),
    update: protectedProcedure.input(ruleUpdateSchema).mutation(async ({ ctx, input }) => {
      const rule = await call(() => alertsOf(ctx).updateRule(input));
      if (!rule) throw new TRPCError({ code: 'NOT_FOUND', message: `no alert rule ${input.id}` });
      return rule;
    }),
    delete: protectedProcedure.input(z.object({ id: alertRuleIdSchema })).mutation(async ({ ctx, input }) => {
      const deleted = await call(() => alertsOf(ctx).deleteRule(input.id));
      if (!deleted) throw new TRPCError({ code: 'NOT_FOUND', message: `no alert rule ${input.id}` });
      return { deleted };
    }),
  }),
  /** The delivery log (push and webhook attempts), newest first. */
  deliveries: protectedProcedure
    .input(
      z
        .object({
          limit: z.number().int().min(1).max(500).optional(),
          before: z.number().int().positive().optional(),
          ruleId: alertRuleIdSchema.optional(),
        })
        .optional(),
    )
    .query(({ ctx, input }) => call(() => alertsOf(ctx).deliveries(input ?? {}))),
  /** The server's VAPID public key (`applicationServerKey` of `pushManager.subscribe`). */
  vapidPublicKey: protectedProcedure.query(({ ctx }) => ({ publicKey: alertsOf(ctx).vapidPublicKey() })),
  subscribePush: protectedProcedure
    .input(z.object({ subscription: pushSubscriptionSchema, userAgent: z.string().max(512).optional() }))
    .mutation(async ({ ctx, input }) => {
      await call(() => alertsOf(ctx).subscribePush(input.subscription, input.userAgent ?? null));
      return { subscribed: true };
    }),
  unsubscribePush: protectedProcedure
    .input(z.object({ endpoint: z.string().min(1).max(2048) }))
    .mutation(async ({ ctx, input }) => ({
      removed: await call(() => alertsOf(ctx).unsubscribePush(input.endpoint)),
    })),
  /** Sends a test alert on a rule's channels (or on `channels`); the outcome shows in the delivery log. */
  test: protectedProcedure
    .input(z.object({ ruleId: alertRuleIdSchema.optional(), channels: channels.optional() }).optional())
    .mutation(({ ctx, input }) => call(() => alertsOf(ctx).test(input ?? {}))),
  /** In-app and browser alerts as they fire (`tracked`: reconnect with `lastEventId` to get what was missed). */
  live: protectedProcedure
    .input(z.object({ lastEventId: z.string().max(100).nullish() }).optional())
    .subscription(({ ctx, input, signal }) => alertsOf(ctx).live.stream(input?.lastEventId, signal)),
});
