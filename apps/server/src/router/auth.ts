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
  /** Public; rate limited per IP. Sets the HttpOnly cookie (HTTP) and returns the token (bearer / WebSocket use). */
  login: publicProcedure
    .input(z.object({ password: z.string().max(MAX_PASSWORD_LENGTH) }))
    .mutation(async ({ ctx, input }) => {
      if (!ctx.services.auth.loginLimiter.hit(ctx.ip)) {
        throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: 'too many login attempts; wait a minute' });
      }
      const hash = ctx.services.config.get().passwordHash;
      if (!hash) return { success: true as const, token: null, passwordRequired: false };
      if (!(await verifyPassword(input.password, hash))) {
        throw new TRPCError({ code: 'UNAUTHORIZED', message: 'wrong password' });
      }
      const token = ctx.services.auth.tokens.issue();
      ctx.setHeader?.('set-cookie', authCookie(token));
      return { success: true as const, token, passwordRequired: true };
    }),
  logout: protectedProcedure.mutation(({ ctx }) => {
    if (ctx.token) ctx.services.auth.tokens.revoke(ctx.token);
    ctx.setHeader?.('set-cookie', clearAuthCookie());
    return { success: true };
  }),
  /** Sets or changes the password; other sessions are logged out, the caller gets a fresh token. */
  setPassword: protectedProcedure.input(z.object({ password })).mutation(async ({ ctx, input }) => {
    const passwordHash = await hashPassword(input.password);
    ctx.services.config.update({ passwordHash });
    ctx.services.auth.tokens.revokeAll();
    const token = ctx.services.auth.tokens.issue();
    ctx.setHeader?.('set-cookie', authCookie(token));
    return { success: true, token };
  }),
  clearPassword: protectedProcedure.mutation(({ ctx }) => {
    ctx.services.config.update({ passwordHash: null });
    ctx.services.auth.tokens.revokeAll();
    ctx.setHeader?.('set-cookie', clearAuthCookie());
    return { success: true };
  }),
});
