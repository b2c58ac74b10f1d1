/**
 * `queue.*`: the prompt queue of a session (issue 16). The core keeps it (and decides when its first prompt is typed
 * into the session's terminal); these procedures read it from the committed state and change it with user actions,
 * each answered once committed. Item ids are made here. A refusal names the field.
 */
import { randomUUID } from 'node:crypto';
import { queueOf } from '@flightdeck/core';
import { QUEUE_MAX_ID, QUEUE_MAX_ITEMS, type QueuedPrompt, queueTextProblem } from '@flightdeck/shared-types';
import { z } from 'zod';
import { own } from '../own.js';
import type { CoreInput } from '../ports.js';
import type { Context } from '../trpc.js';
import { protectedProcedure, router, TRPCError } from '../trpc.js';

const sessionId = z.string().min(1).max(256);
const itemId = z.string().min(1).max(QUEUE_MAX_ID);
/** A prompt's text: not blank, at most `QUEUE_MAX_TEXT_BYTES` UTF-8 bytes. */
const queueTextSchema = z.string().superRefine((text, ctx) => {
  const problem = queueTextProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** A session's queue as `queue.list` answers it. */
export interface QueueView {
  sessionId: string;
  items: QueuedPrompt[];
  /** Why nothing is typed in, or null (`Session.queueNote`). */
  note: string | null;
}

/** The session's current id: a card re-keyed since (its placeholder adopted by the agent, a resume) is found. */
function resolve(ctx: Context, id: string): string {
  const { runtime } = ctx.services;
  if (runtime.getSession(id)) return id;
  const moved = own(runtime.state.aliases, id);
  if (moved !== undefined && runtime.getSession(moved)) return moved;
  throw new TRPCError({ code: 'NOT_FOUND', message: `sessionId: session not found: ${id}` });
}

function view(ctx: Context, sessionId: string): QueueView {
  const id = resolve(ctx, sessionId);
  const s = ctx.services.runtime.getSession(id)!;
  return { sessionId: id, items: queueOf(ctx.services.runtime.state, id).items, note: s.queueNote };
}

type QueueAction = Extract<Extract<CoreInput, { type: 'user' }>['action'], { type: `queue-${string}` }>;

/** Runs a queue action through the core; answers the queue as committed. */
async function act(ctx: Context, action: QueueAction): Promise<QueueView> {
  resolve(ctx, action.sessionId);
  const r = await ctx.services.runtime.dispatch({ type: 'user', action });
  if (r.rejected.length > 0) {
    const message = r.rejected.join('; ');
    const full = /queue is full/.test(message);
    throw new TRPCError({ code: full ? 'PRECONDITION_FAILED' : 'BAD_REQUEST', message });
  }
  return view(ctx, action.sessionId);
}

export const queueRouter = router({
  list: protectedProcedure
    .input(z.object({ sessionId }))
    .query(({ ctx, input }) => view(ctx, input.sessionId)),
  add: protectedProcedure
    .input(z.object({ sessionId, text: queueTextSchema }))
    .mutation(async ({ ctx, input }) => {
      const id = randomUUID();
      const queue = await act(ctx, {
        type: 'queue-add',
        sessionId: input.sessionId,
        itemId: id,
        text: input.text,
      });
      return { ...queue, itemId: id };
    }),
  update: protectedProcedure
    .input(z.object({ sessionId, itemId, text: queueTextSchema }))
    .mutation(({ ctx, input }) => act(ctx, { type: 'queue-edit', ...input })),
  remove: protectedProcedure
    .input(z.object({ sessionId, itemId }))
    .mutation(({ ctx, input }) => act(ctx, { type: 'queue-remove', ...input })),
  reorder: protectedProcedure
    .input(z.object({ sessionId, itemIds: z.array(itemId).max(QUEUE_MAX_ITEMS) }))
    .mutation(({ ctx, input }) => act(ctx, { type: 'queue-reorder', ...input })),
});
