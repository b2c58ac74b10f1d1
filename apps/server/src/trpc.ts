/**
 * The one tRPC init file: context, procedures, error shape.
 */
import { initTRPC, TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { Services } from './services.js';

export interface Context {
  services: Services;
  /** Bearer token from the cookie, the Authorization header or the WebSocket connectionParams. */
  token: string | null;
  /** Remote address, for rate limits. */
  ip: string;
  /** Sets a response header (HTTP only; null over WebSocket and for callers). */
  setHeader: ((name: string, value: string) => void) | null;
  /** Bytes queued on the WebSocket (0 over HTTP); lets subscriptions apply backpressure. */
  bufferedAmount: () => number;
}

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    return {
      ...shape,
      data: {
        ...shape.data,
        stack: undefined,
        zodIssues:
          error.cause instanceof z.ZodError
            ? error.cause.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))
            : null,
      },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const middleware = t.middleware;

/** No authentication required (only `auth.status` and `auth.login`). */
export const publicProcedure = t.procedure;

/** Requires a valid token when a password is set. */
export const protectedProcedure = t.procedure.use(({ ctx, next }) => {
  if (ctx.services.auth.required() && !ctx.services.auth.tokens.validate(ctx.token)) {
    throw new TRPCError({ code: 'UNAUTHORIZED', message: 'login required' });
  }
  return next();
});

export { TRPCError };
