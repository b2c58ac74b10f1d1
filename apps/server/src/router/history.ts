import {
  fullTextSearchInputSchema,
  getSession,
  listProjects,
  SESSION_SORT_FIELDS,
  searchSessionsInputSchema,
  sortColumnOf,
  withStoredRings,
} from '@flightdeck/db';
import { z } from 'zod';
import { protectedProcedure, router, TRPCError } from '../trpc.js';
import { repo } from './db-errors.js';

/** `history.search`'s input: the repository's, sorted by a field of `Session` (never a column name). */
export const historySearchInputSchema = searchSessionsInputSchema.extend({
  sortBy: z.enum(SESSION_SORT_FIELDS).default('lastActivityAt'),
});

const sessionIdInput = z.object({ sessionId: z.string().min(1).max(256) });

export const historyRouter = router({
  /** Sessions from the database: text (prompts), project, status, cli, date range, archived, sort, pagination (§12.7). */
  search: protectedProcedure.input(historySearchInputSchema.optional()).query(({ ctx, input }) => {
    const { sortBy, ...rest } = historySearchInputSchema.parse(input ?? {});
    return repo(ctx.services.store, (r) => r.searchSessions({ ...rest, sortBy: sortColumnOf(sortBy) }));
  }),
  /**
   * Ranked full-text hits across prompts, responses, tool call inputs and outputs, notes and titles, within the
   * same session filters as `search`; each hit says what matched and carries its highlighted snippet.
   */
  fullText: protectedProcedure
    .input(fullTextSearchInputSchema)
    .query(({ ctx, input }) => repo(ctx.services.store, (r) => r.fullTextSearch(input))),
  projects: protectedProcedure.query(({ ctx }) => repo(ctx.services.store, ({ db }) => listProjects(db))),
  /** Full detail: prompts, responses, tool calls, events, notes. */
  get: protectedProcedure.input(sessionIdInput).query(async ({ ctx, input }) => {
    const detail = await repo(ctx.services.store, ({ db }) => getSession(db, input.sessionId));
    if (!detail) throw new TRPCError({ code: 'NOT_FOUND', message: `session not found: ${input.sessionId}` });
    return detail;
  }),
  /**
   * The session to open at any item: the live session (else the stored one) with each ring replaced by every
   * stored entry where those are more than the core keeps.
   */
  session: protectedProcedure.input(sessionIdInput).query(async ({ ctx, input }) => {
    const live = ctx.services.runtime.getSession(input.sessionId);
    const detail = await repo(ctx.services.store, ({ db }) => getSession(db, input.sessionId));
    if (detail) return withStoredRings(live ?? detail.session, detail);
    if (live) return live;
    throw new TRPCError({ code: 'NOT_FOUND', message: `session not found: ${input.sessionId}` });
  }),
});
