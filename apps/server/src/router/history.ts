import {
  fullTextSearch,
  fullTextSearchInputSchema,
  getSession,
  listProjects,
  searchSessions,
  searchSessionsInputSchema,
} from '@flightdeck/db';
import { z } from 'zod';
import { dbReadProcedure, router, TRPCError } from '../trpc.js';
import { repo } from './db-errors.js';

export const historyRouter = router({
  /** Sessions from SQLite: text (prompts), project, status, cli, date range, archived, sort, pagination (§12.7). */
  search: dbReadProcedure
    .input(searchSessionsInputSchema.optional())
    .query(({ ctx, input }) => repo(() => searchSessions(ctx.services.db, input ?? {}))),
  /**
   * Ranked full-text hits across prompts, responses, tool call inputs and outputs, notes and titles, within the
   * same session filters as `search`; each hit says what matched and carries its highlighted snippet.
   */
  fullText: dbReadProcedure
    .input(fullTextSearchInputSchema)
    .query(({ ctx, input }) => repo(() => fullTextSearch(ctx.services.db, input))),
  projects: dbReadProcedure.query(({ ctx }) => repo(() => listProjects(ctx.services.db))),
  /** Full detail: prompts, responses, tool calls, events, notes. */
  get: dbReadProcedure
    .input(z.object({ sessionId: z.string().min(1).max(256) }))
    .query(async ({ ctx, input }) => {
      const detail = await repo(() => getSession(ctx.services.db, input.sessionId));
      if (!detail)
        throw new TRPCError({ code: 'NOT_FOUND', message: `session not found: ${input.sessionId}` });
      return detail;
    }),
});
