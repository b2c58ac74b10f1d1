import { AGENT_CLIS } from '@flightdeck/shared-types';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { hookDensitySchema } from '../config.js';
import { protectedProcedure, router } from '../trpc.js';

const clis = z.array(z.enum(AGENT_CLIS)).min(1).optional();

export const hooksRouter = router({
  status: protectedProcedure.query(async ({ ctx }) => ({
    density: ctx.services.config.get().hookDensity,
    enabledClis: ctx.services.config.get().enabledClis,
    clis: await ctx.services.hooks.status(),
    /** Do the hooks deliver here (and are events waiting elsewhere)? null without a data dir. */
    delivery: (await ctx.services.delivery?.check()) ?? null,
  })),
  install: protectedProcedure
    .input(z.object({ clis, density: hookDensitySchema.optional(), dryRun: z.boolean().default(false) }))
    .mutation(async ({ ctx, input }) => {
      const cfg = ctx.services.config.get();
      const density = input.density ?? cfg.hookDensity;
      const targets = input.clis ?? cfg.enabledClis;
      const result = await ctx.services.hooks.install(targets, density, input.dryRun);
      if (!input.dryRun) {
        ctx.services.config.update({
          hookDensity: density,
          enabledClis: [...new Set([...cfg.enabledClis, ...targets])],
        });
      }
      // Re-check where hooks deliver, so the board's banner reflects the fix at once.
      const delivery = input.dryRun ? null : ((await ctx.services.delivery?.check()) ?? null);
      return { density, clis: targets, result, delivery };
    }),
  uninstall: protectedProcedure
    .input(z.object({ clis, dryRun: z.boolean().default(false) }).optional())
    .mutation(async ({ ctx, input }) => {
      const targets = input?.clis ?? [...AGENT_CLIS];
      const result = await ctx.services.hooks.uninstall(targets, input?.dryRun ?? false);
      return { clis: targets, result };
    }),
  /** Claude Code's OpenTelemetry export to this server (its settings.json `env`), on or off. */
  telemetry: protectedProcedure
    .input(z.object({ enabled: z.boolean(), dryRun: z.boolean().default(false) }))
    .mutation(async ({ ctx, input }) => {
      const set = ctx.services.hooks.telemetry;
      if (!set) {
        throw new TRPCError({
          code: 'PRECONDITION_FAILED',
          message: 'telemetry: this server has no installers',
        });
      }
      const port = /:(\d+)$/.exec(ctx.services.info.address() ?? '')?.[1];
      if (input.enabled && !port) {
        throw new TRPCError({
          code: 'PRECONDITION_FAILED',
          message: 'telemetry: the server is not listening yet, so there is no address to export to',
        });
      }
      try {
        return await set(input.enabled, `http://127.0.0.1:${port}`, input.dryRun);
      } catch (e) {
        throw new TRPCError({
          code: 'BAD_REQUEST',
          message: `telemetry: ${e instanceof Error ? e.message : String(e)}`,
        });
      }
    }),
  stats: protectedProcedure.query(({ ctx }) => ({
    hooks: ctx.services.hookStats.snapshot(),
    ingest: ctx.services.runtime.stats(),
  })),
  resetStats: protectedProcedure.mutation(({ ctx }) => {
    ctx.services.hookStats.reset();
    return { success: true };
  }),
  /** Hook stats, at most once per second (spec §9.5). */
  statsLive: protectedProcedure
    .input(z.object({ intervalMs: z.number().int().min(250).max(60_000).default(1000) }).optional())
    .subscription(async function* ({ ctx, input, signal }) {
      const interval = input?.intervalMs ?? 1000;
      let last = '';
      while (!signal?.aborted) {
        const value = { hooks: ctx.services.hookStats.snapshot(), ingest: ctx.services.runtime.stats() };
        const text = JSON.stringify(value);
        if (text !== last) {
          last = text;
          yield value;
        }
        await new Promise<void>((r) => {
          const t = setTimeout(r, interval);
          signal?.addEventListener(
            'abort',
            () => {
              clearTimeout(t);
              r();
            },
            { once: true },
          );
        });
      }
    }),
});
