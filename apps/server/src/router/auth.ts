import { z } from 'zod';
import {
  authCookie,
  clearAuthCookie,
  hashPassword,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  verifyPassword,
} from '../auth.js';
import { protectedProcedure, publicProcedure, router, TRPCError } from '../trpc.js';

const password = z.string().min(MIN_PASSWORD_LENGTH).max(MAX_PASSWORD_LENGTH);

export const authRouter = router({
  /** Public. */
  status: publicProcedure.query(({ ctx }) => {
    const required = ctx.services.auth.required();
    return {
      passwordRequired: required,
      authenticated: !required || ctx.services.auth.tokens.validate(ctx.token),
    };
  }),
  /**
   * Public; failed attempts are limited per address class (all of loopback is one) and overall. Sets the HttpOnly
   * cookie (HTTP) and returns the token (bearer / WebSocket use).
   */
  login: publicProcedure
    .input(z.object({ password: z.string().max(MAX_PASSWORD_LENGTH) }))
    .mutation(async ({ ctx, input }) => {
      const hash = ctx.services.config.get().passwordHash;
      if (!hash) return { success: true as const, token: null, passwordRequired: false };
      const attempt = ctx.services.auth.loginLimiter.attempt(ctx.ip);
      if (!attempt.allowed) {
        const seconds = Math.max(1, Math.ceil(attempt.retryAfterMs / 1000));
        ctx.setHeader?.('retry-after', String(seconds));
        throw new TRPCError({
          code: 'TOO_MANY_REQUESTS',
          message: `too many failed login attempts; try again in ${seconds} s`,
        });
      }
      if (!(await verifyPassword(input.password, hash))) {
        throw new TRPCError({ code: 'UNAUTHORIZED', message: 'wrong password' });
      }
      attempt.succeeded();
      const token = ctx.services.auth.tokens.issue();
      ctx.setHeader?.('set-cookie', authCookie(token));
      return { success: true as const, token, passwordRequired: true };
    }),
  /** Ends this token at once, and closes every WebSocket made with it. */
  logout: protectedProcedure.mutation(({ ctx }) => {
    if (ctx.token) ctx.services.auth.tokens.revoke(ctx.token, 'logged out');
    ctx.setHeader?.('set-cookie', clearAuthCookie());
    return { success: true };
  }),
  /**
   * Sets or changes the password: every token ends and every WebSocket closes (the server does this on any
   * password change, the CLI's included); the caller gets a fresh token, as login does.
   */
  setPassword: protectedProcedure.input(z.object({ password })).mutation(async ({ ctx, input }) => {
    const passwordHash = await hashPassword(input.password);
    ctx.services.config.update({ passwordHash });
    ctx.services.auth.tokens.revokeAll('password changed');
    const token = ctx.services.auth.tokens.issue();
    ctx.setHeader?.('set-cookie', authCookie(token));
    return { success: true, token };
  }),
  clearPassword: protectedProcedure.mutation(({ ctx }) => {
    ctx.services.config.update({ passwordHash: null });
    ctx.services.auth.tokens.revokeAll('password removed');
    ctx.setHeader?.('set-cookie', clearAuthCookie());
    return { success: true };
  }),
});
