import { emptyUsage } from '@flightdeck/core';
import { getSession } from '@flightdeck/db';
import type { Session } from '@flightdeck/shared-types';
import { z } from 'zod';
import { conversationInput, conversationPage } from '../conversation/procedure.js';
import { liveStream } from '../live-stream.js';
import { summaryEvent } from '../live-summary.js';
import type { CoreInput } from '../ports.js';
import type { Context } from '../trpc.js';
import { protectedProcedure, router, TRPCError } from '../trpc.js';
import { repo } from './db-errors.js';

const sessionId = z.string().min(1).max(256);
const byId = z.object({ sessionId });
const liveInput = z.object({ lastEventId: z.string().max(64).nullish() }).optional();

function requireSession(ctx: Context, id: string): Session {
  const s = ctx.services.runtime.getSession(id);
  if (!s) throw new TRPCError({ code: 'NOT_FOUND', message: `session not found: ${id}` });
  return s;
}

/** The live session, else the stored one (an ended session that left memory is still read from History). */
async function sessionForRead(ctx: Context, id: string): Promise<Session> {
  const live = ctx.services.runtime.getSession(id);
  if (live) return live;
  const stored = await repo(ctx.services.store, ({ db }) => getSession(db, id));
  if (!stored) throw new TRPCError({ code: 'NOT_FOUND', message: `session not found: ${id}` });
  return stored.session;
}

type UserAction = Extract<CoreInput, { type: 'user' }>['action'];

/** Runs a user action through the core; returns the session as committed (null once deleted). */
async function act(ctx: Context, id: string, action: UserAction): Promise<Session | null> {
  requireSession(ctx, id);
  const r = await ctx.services.runtime.dispatch({ type: 'user', action });
  if (r.rejected.length > 0) throw new TRPCError({ code: 'BAD_REQUEST', message: r.rejected.join('; ') });
  return ctx.services.runtime.getSession(id) ?? null;
}

export const sessionsRouter = router({
  list: protectedProcedure
    .input(z.object({ includeArchived: z.boolean().default(true) }).optional())
    .query(({ ctx, input }) => {
      const all = ctx.services.runtime.listSessions();
      const list = input?.includeArchived === false ? all.filter((s) => !s.archived) : all;
      return list.sort((a, b) => b.lastActivityAt - a.lastActivityAt);
    }),
  get: protectedProcedure.input(byId).query(({ ctx, input }) => {
    const s = requireSession(ctx, input.sessionId);
    // a session stored before usage was counted has none: it reads as nothing counted
    return s.usage ? s : { ...s, usage: emptyUsage() };
  }),
  /** A page of the session's conversation from its transcript: newest first, then `before`/`after` cursors. */
  conversation: protectedProcedure
    .input(conversationInput)
    .query(async ({ ctx, input }) =>
      conversationPage(await sessionForRead(ctx, input.sessionId), input, ctx.services.redaction),
    ),
  setTitle: protectedProcedure
    .input(z.object({ sessionId, title: z.string().max(500) }))
    .mutation(({ ctx, input }) =>
      act(ctx, input.sessionId, { type: 'set-title', sessionId: input.sessionId, title: input.title }),
    ),
  setLabel: protectedProcedure
    .input(z.object({ sessionId, label: z.string().max(200).nullable() }))
    .mutation(({ ctx, input }) =>
      act(ctx, input.sessionId, { type: 'set-label', sessionId: input.sessionId, label: input.label }),
    ),
  setAccentColor: protectedProcedure
    .input(z.object({ sessionId, color: z.string().max(50).nullable() }))
    .mutation(({ ctx, input }) =>
      act(ctx, input.sessionId, { type: 'set-accent-color', sessionId: input.sessionId, color: input.color }),
    ),
  archive: protectedProcedure
    .input(byId)
    .mutation(({ ctx, input }) => act(ctx, input.sessionId, { type: 'archive', sessionId: input.sessionId })),
  unarchive: protectedProcedure
    .input(byId)
    .mutation(({ ctx, input }) =>
      act(ctx, input.sessionId, { type: 'unarchive', sessionId: input.sessionId }),
    ),
  /**
   * Signals the session's agent, only if its process is still the one recorded when the session was first seen
   * from that PID (see process-identity.ts); otherwise PRECONDITION_FAILED says why and nothing changes. The
   * session's event log records who asked.
   */
  kill: protectedProcedure
    .input(z.object({ sessionId, confirm: z.literal(true) }))
    .mutation(({ ctx, input }) => {
      requireSession(ctx, input.sessionId);
      const check = ctx.services.runtime.checkKill(input.sessionId);
      if (!check.ok) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: check.reason });
      const authenticated = ctx.services.auth.required() && ctx.services.auth.tokens.validate(ctx.token);
      return act(ctx, input.sessionId, {
        type: 'kill',
        sessionId: input.sessionId,
        by: { address: ctx.ip, authenticated },
      });
    }),
  delete: protectedProcedure.input(byId).mutation(async ({ ctx, input }) => {
    await act(ctx, input.sessionId, { type: 'delete', sessionId: input.sessionId });
    return { deleted: ctx.services.runtime.getSession(input.sessionId) === undefined };
  }),
  /** Whole sessions (with their rings): a snapshot, then every change, resumable with `lastEventId`. */
  live: protectedProcedure
    .input(liveInput)
    .subscription(({ ctx, input, signal }) =>
      liveStream(ctx.services.runtime.hub, input?.lastEventId, signal, ctx.bufferedAmount),
    ),
  /** The same stream with sessions as `LiveSessionSummary` (no rings; their lengths instead): what a board needs. */
  liveSummary: protectedProcedure
    .input(liveInput)
    .subscription(({ ctx, input, signal }) =>
      liveStream(ctx.services.runtime.hub, input?.lastEventId, signal, ctx.bufferedAmount, summaryEvent),
    ),
});
