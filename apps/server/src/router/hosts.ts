/** Hosts and their tokens (issue 19): list, make a token (shown once), revoke. */
import { DbInputError } from '@flightdeck/db';
import { hostNameSchema } from '@flightdeck/shared-types';
import { z } from 'zod';
import type { HostsService } from '../hosts/service.js';
import type { Services } from '../services.js';
import { protectedProcedure, router, TRPCError } from '../trpc.js';

const nameInput = z.object({ name: hostNameSchema });

function hostsOf(services: Services): HostsService {
  if (!services.hosts) {
    throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'hosts are not available on this server' });
  }
  return services.hosts;
}

export const hostsRouter = router({
  /** Every host; its sparkline samples are read from the database (shared by every server on it). */
  list: protectedProcedure.query(({ ctx }) => hostsOf(ctx.services).list(Date.now())),
  /** Host `name`'s recent metric samples, oldest first (for sparklines), from the database. */
  metrics: protectedProcedure.input(nameInput).query(async ({ ctx, input }) => {
    const samples = await hostsOf(ctx.services).metrics(input.name);
    if (samples === null)
      throw new TRPCError({ code: 'NOT_FOUND', message: `name: no host "${input.name}"` });
    return samples;
  }),
  /** Makes host `name`'s token; the answer is the only time the token is shown. */
  createToken: protectedProcedure.input(nameInput).mutation(async ({ ctx, input }) => {
    try {
      const { host, token } = await hostsOf(ctx.services).tokens.create(input.name);
      return { name: host.name, token };
    } catch (err) {
      if (err instanceof DbInputError) {
        throw new TRPCError({
          code: 'CONFLICT',
          message: err.message.replace(/^createHostToken: /, ''),
          cause: err,
        });
      }
      throw err;
    }
  }),
  revokeToken: protectedProcedure.input(nameInput).mutation(async ({ ctx, input }) => {
    const revoked = await hostsOf(ctx.services).tokens.revoke(input.name);
    if (!revoked) {
      throw new TRPCError({
        code: 'NOT_FOUND',
        message: `name: no host "${input.name}" with a token to revoke`,
      });
    }
    return { name: input.name, revoked };
  }),
});
