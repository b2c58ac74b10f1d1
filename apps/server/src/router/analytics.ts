import {
  getActiveProjects,
  getDailyActivity,
  getHeatmap,
  getSummaryStats,
  getToolBreakdown,
} from '@flightdeck/db';
import { z } from 'zod';
import { protectedProcedure, router } from '../trpc.js';
import { repo } from './db-errors.js';

/** Minutes to add to UTC to get the viewer's local time (e.g. +60 for CET); browsers send -getTimezoneOffset(). */
const tzOffsetMinutes = z
  .number()
  .int()
  .min(-14 * 60)
  .max(14 * 60)
  .default(0);

export const analyticsRouter = router({
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
