/**
 * `terminals` (issue 16): PTYs on this machine (a login shell or a command in a directory, or a view of a tmux
 * pane), many viewers and one writer. Every field that reaches a command line is validated (spec §8.6, the schemas
 * in @flightdeck/shared-types); the manager (terminals/manager.ts) checks the rest and spawns argv, never a shell
 * string.
 */

import { randomBytes } from 'node:crypto';
import {
  terminalCreateInputSchema,
  terminalIdSchema,
  terminalLaunchInputSchema,
  terminalResumeInputSchema,
  terminalSizeSchema,
  viewerIdSchema,
} from '@flightdeck/shared-types';
import { z } from 'zod';
import { agentCliStatus, launchAgent, resumeAgent } from '../terminals/launch.js';
import type { TerminalManager } from '../terminals/manager.js';
import { terminalOutput } from '../terminals/stream.js';
import { TerminalError } from '../terminals/terminal.js';
import type { Context } from '../trpc.js';
import { protectedProcedure, router, TRPCError } from '../trpc.js';

export function managerOf(ctx: Context): TerminalManager {
  const m = ctx.services.terminals;
  if (!m)
    throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'terminals are not enabled on this server' });
  return m;
}

export async function call<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof TerminalError) throw new TRPCError({ code: err.code, message: err.message });
    throw err;
  }
}

const idInput = z.object({ id: terminalIdSchema });

export const terminalsRouter = router({
  /** Opens a terminal: `local` (login shell or `command` in `cwd`), `tmux` (a view of `tmuxTarget`), `ssh` (a configured host). */
  create: protectedProcedure
    .input(terminalCreateInputSchema)
    .mutation(({ ctx, input }) => call(() => managerOf(ctx).create(input))),
  /** Starts an agent CLI (claude / codex / gemini) in `cwd` with an optional first prompt, in tmux or not. */
  launch: protectedProcedure.input(terminalLaunchInputSchema).mutation(({ ctx, input }) =>
    call(() => {
      const m = managerOf(ctx);
      return launchAgent(m, input, ctx.services.config.get().terminals.cli, m.ssh);
    }),
  ),
  /** `claude --resume <id>` in the session's directory, in a new terminal; the session keeps its card. */
  resume: protectedProcedure.input(terminalResumeInputSchema).mutation(({ ctx, input }) =>
    call(() =>
      resumeAgent(managerOf(ctx), input, {
        getSession: (id) => ctx.services.runtime.getSession(id),
        cliPaths: ctx.services.config.get().terminals.cli,
        requestResume: async (sessionId, terminalId) =>
          (await ctx.services.runtime.dispatch({ type: 'resume-requested', sessionId, terminalId })).rejected,
      }),
    ),
  ),
  /** Which agent CLIs a launch would find (config `terminals.cli`, else the server's PATH), for the launch form. */
  clis: protectedProcedure.query(({ ctx }) =>
    agentCliStatus(ctx.services.config.get().terminals.cli, process.env),
  ),
  list: protectedProcedure.query(({ ctx }) => call(() => managerOf(ctx).list())),
  close: protectedProcedure.input(idInput).mutation(async ({ ctx, input }) => {
    await call(() => managerOf(ctx).close(input.id));
    return { id: input.id, closed: true };
  }),
  resize: protectedProcedure
    .input(z.object({ id: terminalIdSchema, ...terminalSizeSchema }))
    .mutation(({ ctx, input }) => call(() => managerOf(ctx).get(input.id).resize(input.cols, input.rows))),
  /** The bounded replay buffer as text (ANSI kept), for scripts. */
  buffer: protectedProcedure
    .input(idInput)
    .query(({ ctx, input }) => call(() => ({ text: managerOf(ctx).get(input.id).ring.text() }))),
  /** Types into the terminal: from its writer, or from the first typist when there is none; else CONFLICT. */
  input: protectedProcedure
    .input(z.object({ id: terminalIdSchema, viewerId: viewerIdSchema, data: z.string().min(1).max(65_536) }))
    .mutation(({ ctx, input }) =>
      call(() => {
        managerOf(ctx).get(input.id).input(input.viewerId, input.data);
        return { ok: true as const };
      }),
    ),
  /** Makes `viewerId` the writer (the others see an `info` message). */
  takeover: protectedProcedure
    .input(z.object({ id: terminalIdSchema, viewerId: viewerIdSchema }))
    .mutation(({ ctx, input }) => call(() => managerOf(ctx).get(input.id).takeover(input.viewerId))),
  /** `hello`, the replay, then live `data` / `info` / `exit`; `tracked` ids resume with `lastEventId`. */
  output: protectedProcedure
    .input(
      z.object({
        id: terminalIdSchema,
        viewerId: viewerIdSchema.optional(),
        lastEventId: z.string().max(32).nullish(),
      }),
    )
    .subscription(async ({ ctx, input, signal }) => {
      const t = await call(() => managerOf(ctx).refreshed(input.id));
      const viewerId = input.viewerId ?? `viewer-${randomBytes(6).toString('base64url')}`;
      return terminalOutput(t, viewerId, input.lastEventId, signal, ctx.bufferedAmount);
    }),
});
