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
    .query(({ ctx, input }) => repo(ctx.services.store, ({ db }) => listNotes(db, input.sessionId))),
  add: protectedProcedure.input(z.object({ sessionId, text })).mutation(async ({ ctx, input }) => {
    // The session's row (written by a checkpoint) is there first: `repo` waits for what was acknowledged.
    const note = ctx.services.redaction?.text(input.text) ?? input.text;
    return repo(ctx.services.store, ({ db }) => addNote(db, input.sessionId, note, Date.now()));
  }),
  update: protectedProcedure.input(z.object({ noteId, text })).mutation(async ({ ctx, input }) => {
    const text = ctx.services.redaction?.text(input.text) ?? input.text;
    const note = await repo(ctx.services.store, ({ db }) => updateNote(db, input.noteId, text, Date.now()));
    if (!note) throw new TRPCError({ code: 'NOT_FOUND', message: `note not found: ${input.noteId}` });
    return note;
  }),
  delete: protectedProcedure.input(z.object({ noteId })).mutation(async ({ ctx, input }) => {
    const deleted = await repo(ctx.services.store, ({ db }) => deleteNote(db, input.noteId));
    if (!deleted) throw new TRPCError({ code: 'NOT_FOUND', message: `note not found: ${input.noteId}` });
    return { deleted };
  }),
});
