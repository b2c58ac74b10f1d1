import {
  getActiveProjects,
  getDailyActivity,
  getHeatmap,
  getSummaryStats,
  getToolBreakdown,
} from '@flightdeck/db';
import { z } from 'zod';
import { dbReadProcedure, router } from '../trpc.js';
import { repo } from './db-errors.js';

/** Minutes to add to UTC to get the viewer's local time (e.g. +60 for CET); browsers send -getTimezoneOffset(). */
const tzOffsetMinutes = z
  .number()
  .int()
  .min(-14 * 60)
  .max(14 * 60)
  .default(0);

export const analyticsRouter = router({
  summary: dbReadProcedure.query(({ ctx }) => repo(() => getSummaryStats(ctx.services.db, Date.now()))),
  tools: dbReadProcedure.query(({ ctx }) => repo(() => getToolBreakdown(ctx.services.db))),
  projects: dbReadProcedure
    .input(z.object({ limit: z.number().int().min(1).max(1000).default(50) }).optional())
    .query(({ ctx, input }) => repo(() => getActiveProjects(ctx.services.db, { limit: input?.limit ?? 50 }))),
  heatmap: dbReadProcedure
    .input(z.object({ tzOffsetMinutes }).optional())
    .query(({ ctx, input }) =>
      repo(() => getHeatmap(ctx.services.db, { tzOffsetMinutes: input?.tzOffsetMinutes ?? 0 })),
    ),
  daily: dbReadProcedure
    .input(z.object({ days: z.number().int().min(1).max(366).default(30), tzOffsetMinutes }).optional())
    .query(({ ctx, input }) =>
      repo(() =>
        getDailyActivity(ctx.services.db, {
          days: input?.days ?? 30,
          now: Date.now(),
          tzOffsetMinutes: input?.tzOffsetMinutes ?? 0,
        }),
      ),
    ),
});
