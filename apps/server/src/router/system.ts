import { z } from 'zod';
import { storageInfo } from '../retention/storage.js';
import { protectedProcedure, router } from '../trpc.js';

export const systemRouter = router({
  health: protectedProcedure.query(({ ctx }) => ({
    ok: true,
    uptimeMs: Date.now() - ctx.services.info.startedAt,
    sessions: ctx.services.runtime.listSessions().length,
  })),
  /** The database's size, the retention settings and what the next retention pass would delete. */
  storage: protectedProcedure.query(({ ctx }) => storageInfo(ctx.services)),
  /** `resetLoopDelay: true` starts a new event-loop delay window after reading it. */
  info: protectedProcedure
    .input(z.object({ resetLoopDelay: z.boolean().default(false) }).optional())
    .query(async ({ ctx, input }) => {
      const { info, runtime, store } = ctx.services;
      const [events, sessions] = await store.peek(({ db }) =>
        Promise.all([
          db
            .selectFrom('hook_events')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirst(),
          db
            .selectFrom('sessions')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirst(),
        ]),
      );
      const mem = process.memoryUsage();
      return {
        version: info.version,
        node: process.version,
        pid: process.pid,
        startedAt: info.startedAt,
        uptimeMs: Date.now() - info.startedAt,
        dataDir: info.dataDir,
        address: info.address(),
        passwordRequired: ctx.services.auth.required(),
        memory: {
          rss: mem.rss,
          heapUsed: mem.heapUsed,
          heapTotal: mem.heapTotal,
          external: mem.external,
          idleCollections: info.idleCollections(),
        },
        eventLoopDelayMs: info.eventLoopDelay(input?.resetLoopDelay ?? false),
        ingest: runtime.stats(),
        storage: { hookEvents: Number(events?.n ?? 0), sessions: Number(sessions?.n ?? 0) },
        live: { seq: runtime.hub.seq, epoch: runtime.hub.epoch, subscribers: runtime.hub.subscriberCount },
        hooks: ctx.services.hookStats.snapshot(),
        delivery: ctx.services.delivery?.report() ?? null,
        transcripts: ctx.services.transcripts?.stats() ?? null,
        otlp: ctx.services.otlp ? { ...ctx.services.otlp } : null,
      };
    }),
});
