import { z } from 'zod';
import { protectedProcedure, router, TRPCError } from '../trpc.js';

export const teamsRouter = router({
  list: protectedProcedure.query(({ ctx }) => ctx.services.runtime.listTeams()),
  get: protectedProcedure.input(z.object({ teamId: z.string().min(1).max(256) })).query(({ ctx, input }) => {
    const team = ctx.services.runtime.getTeam(input.teamId);
    if (!team) throw new TRPCError({ code: 'NOT_FOUND', message: `team not found: ${input.teamId}` });
    const members = [team.parentSessionId, ...team.childSessionIds]
      .map((id) => ctx.services.runtime.getSession(id))
      .filter((s) => s !== undefined);
    return { team, members };
  }),
});
