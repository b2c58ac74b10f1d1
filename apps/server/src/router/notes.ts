import { addNote, deleteNote, listNotes, MAX_NOTE_CHARS, updateNote } from '@flightdeck/db';
import { z } from 'zod';
import { protectedProcedure, router, TRPCError } from '../trpc.js';
import { repo } from './db-errors.js';

const sessionId = z.string().min(1).max(256);
const noteId = z.number().int().positive();
const text = z.string().min(1).max(MAX_NOTE_CHARS);

export const notesRouter = router({
  list: protectedProcedure
    .input(z.object({ sessionId }))
    .query(({ ctx, input }) => repo(() => listNotes(ctx.services.db, input.sessionId))),
  add: protectedProcedure.input(z.object({ sessionId, text })).mutation(async ({ ctx, input }) => {
    // Notes are written on this connection: the session's row (written by a checkpoint) must be there first.
    await ctx.services.runtime.sync();
    return repo(() => addNote(ctx.services.db, input.sessionId, input.text, Date.now()));
  }),
  update: protectedProcedure.input(z.object({ noteId, text })).mutation(async ({ ctx, input }) => {
    const note = await repo(() => updateNote(ctx.services.db, input.noteId, input.text, Date.now()));
    if (!note) throw new TRPCError({ code: 'NOT_FOUND', message: `note not found: ${input.noteId}` });
    return note;
  }),
  delete: protectedProcedure.input(z.object({ noteId })).mutation(async ({ ctx, input }) => {
    const deleted = await repo(() => deleteNote(ctx.services.db, input.noteId));
    if (!deleted) throw new TRPCError({ code: 'NOT_FOUND', message: `note not found: ${input.noteId}` });
    return { deleted };
  }),
});
