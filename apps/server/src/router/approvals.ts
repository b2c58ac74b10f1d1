/**
 * `approvals`: pending approvals (`list`, `live`), decisions (`decide`) and their audit (`history`). A decision
 * answers only once its reply line is in the hook's FIFO, or fails with CONFLICT saying what happened instead
 * ("already answered in the terminal", "timed out", …); an approval is decided exactly once.
 */
import { approvalsOf, MAX_DENY_MESSAGE, whyNotOpen } from '@flightdeck/core';
import { listApprovalDecisions } from '@flightdeck/db';
import type { ApprovalLiveMessage, ApprovalOutcome } from '@flightdeck/shared-types';
import { tracked } from '@trpc/server';
import { z } from 'zod';
import type { ApprovalsHub } from '../approvals-live.js';
import { WS_HIGH_WATER_MARK } from '../live-stream.js';
import { NOT_HELD_ANYWHERE } from '../store/cluster-approvals.js';
import type { Context } from '../trpc.js';
import { protectedProcedure, router, TRPCError } from '../trpc.js';
import { repo } from './db-errors.js';

const approvalId = z.string().min(1).max(256);

const decideInput = z.object({
  id: approvalId,
  behavior: z.enum(['allow', 'deny']),
  message: z.string().max(MAX_DENY_MESSAGE).optional(),
  remember: z.literal('session').optional(),
  interrupt: z.boolean().optional(),
  answers: z
    .record(z.string().max(2000), z.string().max(2000))
    .refine((a) => Object.keys(a).length <= 20, 'at most 20 answers')
    .optional(),
  via: z.enum(['browser', 'api', 'push']).optional(),
});

function conflict(message: string): TRPCError {
  return new TRPCError({ code: 'CONFLICT', message });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function* liveApprovals(
  hub: ApprovalsHub,
  lastEventId: string | null | undefined,
  signal: AbortSignal | undefined,
  bufferedAmount: () => number,
) {
  const sub = hub.subscribe();
  try {
    const from = hub.parseEventId(lastEventId);
    const missed = from === null ? null : hub.since(from);
    let last: number;
    if (missed && from !== null) {
      last = from;
      for (const { seq, ...msg } of missed) {
        yield tracked(hub.eventId(seq), msg as ApprovalLiveMessage);
        last = seq;
      }
    } else {
      const snap = hub.snapshot();
      last = snap.seq;
      yield tracked(hub.eventId(snap.seq), snap.message);
    }
    while (!signal?.aborted) {
      const got = await sub.next(signal);
      if (got === null) return;
      while (bufferedAmount() > WS_HIGH_WATER_MARK && !signal?.aborted) await sleep(10);
      if (got === 'resync') {
        const snap = hub.snapshot();
        last = snap.seq;
        yield tracked(hub.eventId(snap.seq), snap.message);
        continue;
      }
      for (const { seq, ...msg } of got) {
        if (seq <= last) continue;
        last = seq;
        yield tracked(hub.eventId(seq), msg as ApprovalLiveMessage);
      }
    }
  } finally {
    sub.close();
  }
}

async function decide(
  ctx: Context,
  input: z.infer<typeof decideInput>,
): Promise<{ id: string; outcome: ApprovalOutcome }> {
  const rt = ctx.services.runtime;
  const view = rt.approvals.get(input.id);
  if (view && !view.decidable) {
    // A wait left on the card after its held approval closed: say how it closed ("already answered in the terminal").
    const closed = approvalsOf(rt.state).closed.some((c) => c.id === input.id);
    throw conflict(
      closed
        ? whyNotOpen(rt.state, input.id)
        : (view.notDecidableReason ?? 'not decidable: answer in the terminal'),
    );
  }
  // The hook may have gone since the last poll (answered in the terminal), or no FIFO is held for it here (a
  // previous server process held it): the core hears it first, so the decision below is told what happened.
  const held = rt.holds.holdState(input.id);
  const authenticated = ctx.services.auth.required() && ctx.services.auth.tokens.validate(ctx.token);
  const decision = {
    behavior: input.behavior,
    ...(input.message !== undefined ? { message: input.message } : {}),
    ...(input.remember !== undefined ? { remember: input.remember } : {}),
    ...(input.interrupt !== undefined ? { interrupt: input.interrupt } : {}),
    ...(input.answers !== undefined ? { answers: input.answers } : {}),
    by: { address: ctx.ip, authenticated },
    via: input.via ?? 'api',
  };
  const cluster = ctx.services.cluster;
  if (view && held === 'not-held' && cluster) {
    // Several servers on one PostgreSQL: the hook may be held by another one (store/cluster-approvals.ts).
    const answered = await cluster.approvals.decide(input.id, decision);
    if (!answered.ok && answered.reason === NOT_HELD_ANYWHERE)
      await rt.dispatch({ type: 'hold-ended', approvalId: input.id, reason: answered.reason });
    if (!answered.ok) throw conflict(`${answered.reason}: answer in the terminal`);
    return { id: input.id, outcome: input.behavior === 'allow' ? 'allowed' : 'denied' };
  }
  if (view && held === 'gone') await rt.dispatch({ type: 'hold-ended', approvalId: input.id });
  if (view && held === 'not-held')
    await rt.dispatch({
      type: 'hold-ended',
      approvalId: input.id,
      reason: 'the FIFO is not held by this server',
    });
  const r = await rt.dispatch({ type: 'approval-decide', approvalId: input.id, ...decision });
  if (r.rejected.length > 0) throw conflict(r.rejected.join('; '));
  const written = await rt.holds.replied(input.id);
  if (written === undefined) throw conflict('the reply was not written: answer in the terminal');
  if (!written.ok) throw conflict(`${written.reason}: answer in the terminal`);
  return { id: input.id, outcome: input.behavior === 'allow' ? 'allowed' : 'denied' };
}

export const approvalsRouter = router({
  /** Pending approvals, oldest first (decidable ones and the waits that must be answered in the terminal). */
  list: protectedProcedure.query(({ ctx }) => ctx.services.runtime.approvals.list()),
  /** A snapshot, then `opened` / `closed` messages; resumable with `lastEventId`. */
  live: protectedProcedure
    .input(z.object({ lastEventId: z.string().max(64).nullish() }).optional())
    .subscription(({ ctx, input, signal }) =>
      liveApprovals(ctx.services.runtime.approvals, input?.lastEventId, signal, ctx.bufferedAmount),
    ),
  /** Allow or deny a held approval: answers once the hook has the reply; CONFLICT says why not. */
  decide: protectedProcedure.input(decideInput).mutation(({ ctx, input }) => decide(ctx, input)),
  /** Closed approvals, newest first (the audit: who decided from where, or how it closed). */
  history: protectedProcedure
    .input(
      z
        .object({
          sessionId: z.string().min(1).max(512).optional(),
          limit: z.number().int().min(1).max(1000).optional(),
          before: z.number().int().nonnegative().optional(),
        })
        .optional(),
    )
    .query(({ ctx, input }) => repo(ctx.services.store, ({ db }) => listApprovalDecisions(db, input ?? {}))),
});
