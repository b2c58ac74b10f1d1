import {
  getActiveProjects,
  getDailyActivity,
  getHeatmap,
  getSummaryStats,
  getToolBreakdown,
  getUsageSums,
  USAGE_GROUPS,
} from '@flightdeck/db';
import { z } from 'zod';
import { protectedProcedure, router } from '../trpc.js';
import { usageReport } from '../usage-report.js';
import { repo } from './db-errors.js';

/** Minutes to add to UTC to get the viewer's local time (e.g. +60 for CET); browsers send -getTimezoneOffset(). */
const tzOffsetMinutes = z
  .number()
  .int()
  .min(-14 * 60)
  .max(14 * 60)
  .default(0);

/** A time, Unix ms (from 2000 to 2200: anything else is a mistake in the caller). */
const instant = z.number().int().min(946_684_800_000).max(7_258_118_400_000);
const usageInput = z
  .object({ from: instant, to: instant, groupBy: z.enum(USAGE_GROUPS), tzOffsetMinutes })
  .refine((o) => o.to > o.from, { message: 'to must be after from', path: ['to'] });

export const analyticsRouter = router({
  /** Tokens and cost of the API responses written in [`from`, `to`), by day, project, model or session. */
  usage: protectedProcedure
    .input(usageInput)
    .query(({ ctx, input }) =>
      repo(ctx.services.store, async ({ db }) =>
        usageReport(await getUsageSums(db, input), input, ctx.services.runtime.state.config?.pricing),
      ),
    ),
  summary: protectedProcedure.query(({ ctx }) =>
    repo(ctx.services.store, ({ db }) => getSummaryStats(db, Date.now())),
  ),
  tools: protectedProcedure.query(({ ctx }) => repo(ctx.services.store, ({ db }) => getToolBreakdown(db))),
  projects: protectedProcedure
    .input(z.object({ limit: z.number().int().min(1).max(1000).default(50) }).optional())
    .query(({ ctx, input }) =>
      repo(ctx.services.store, ({ db }) => getActiveProjects(db, { limit: input?.limit ?? 50 })),
    ),
  heatmap: protectedProcedure
    .input(z.object({ tzOffsetMinutes }).optional())
    .query(({ ctx, input }) =>
      repo(ctx.services.store, ({ db }) => getHeatmap(db, { tzOffsetMinutes: input?.tzOffsetMinutes ?? 0 })),
    ),
  daily: protectedProcedure
    .input(z.object({ days: z.number().int().min(1).max(366).default(30), tzOffsetMinutes }).optional())
    .query(({ ctx, input }) =>
      repo(ctx.services.store, ({ db }) =>
        getDailyActivity(db, {
          days: input?.days ?? 30,
          now: Date.now(),
          tzOffsetMinutes: input?.tzOffsetMinutes ?? 0,
        }),
      ),
    ),
});
