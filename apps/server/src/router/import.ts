/**
 * History import (issue 17): `import.start` begins importing past sessions' transcripts in the server (one run at a
 * time), `import.status` says where it is, `import.progress` streams that, `import.abort` stops it (what was
 * written stays; the next start resumes).
 */
import { isAbsolute } from 'node:path';
import { AGENT_CLIS } from '@flightdeck/shared-types';
import { z } from 'zod';
import { ImportBusyError, type ImportService } from '../import/service.js';
import type { Context } from '../trpc.js';
import { protectedProcedure, router, TRPCError } from '../trpc.js';
import { pollChanges } from './poll.js';

const startInput = z
  .object({
    cli: z.enum(AGENT_CLIS).optional(),
    from: z
      .string()
      .min(1)
      .max(4096)
      .refine((p) => isAbsolute(p) && !p.includes('\0'), { message: 'from must be an absolute path' })
      .optional(),
  })
  .strict()
  .optional();

function importsOf(ctx: Context): ImportService {
  const s = ctx.services.imports;
  if (!s)
    throw new TRPCError({
      code: 'PRECONDITION_FAILED',
      message: 'history import is not available on this server',
    });
  return s;
}

export const importRouter = router({
  start: protectedProcedure.input(startInput).mutation(({ ctx, input }) => {
    try {
      return importsOf(ctx).start(input ?? {});
    } catch (err) {
      if (err instanceof ImportBusyError) throw new TRPCError({ code: 'CONFLICT', message: err.message });
      throw err;
    }
  }),
  status: protectedProcedure.query(({ ctx }) => importsOf(ctx).status()),
  abort: protectedProcedure.mutation(({ ctx }) => {
    importsOf(ctx).abort();
    return { success: true };
  }),
  /** The progress, when it changed, at most every `intervalMs`. */
  progress: protectedProcedure
    .input(z.object({ intervalMs: z.number().int().min(100).max(10_000).default(500) }).optional())
    .subscription(({ ctx, input, signal }) => {
      const imports = importsOf(ctx);
      return pollChanges(() => imports.status(), input?.intervalMs ?? 500, signal);
    }),
});
