/** User notes on sessions (spec §10.9). */
import type { Note } from '@flightdeck/shared-types';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { DbInputError, parseInput } from './errors.js';
import type { Database, NoteRow } from './schema.js';

export const MAX_NOTE_CHARS = 10_000;

const sessionIdSchema = z.string().min(1, 'must not be empty').max(512);
const noteIdSchema = z.number().int().positive();
const textSchema = z
  .string()
  .refine((s) => s.trim().length > 0, 'must not be empty')
  .refine((s) => s.length <= MAX_NOTE_CHARS, `must be at most ${MAX_NOTE_CHARS} characters`);
const nowSchema = z.number().int().nonnegative();

function toNote(r: NoteRow): Note {
  return {
    id: r.id,
    sessionId: r.session_id,
    text: r.text,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Adds a note to a stored session. Throws `DbInputError` (field `sessionId`) when the session is unknown. */
export async function addNote(
  db: Kysely<Database>,
  sessionId: string,
  text: string,
  now: number,
): Promise<Note> {
  const input = parseInput(
    z.object({ sessionId: sessionIdSchema, text: textSchema, now: nowSchema }),
    { sessionId, text, now },
    'addNote',
  );
  const exists = await db
    .selectFrom('sessions')
    .select('id')
    .where('id', '=', input.sessionId)
    .executeTakeFirst();
  if (!exists) throw new DbInputError(`addNote: sessionId: no session ${input.sessionId}`, 'sessionId');
  const row = await db
    .insertInto('notes')
    .values({ session_id: input.sessionId, text: input.text, created_at: input.now, updated_at: input.now })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toNote(row);
}

/** Replaces a note's text. Returns the updated note, or `null` when it does not exist. */
export async function updateNote(
  db: Kysely<Database>,
  noteId: number,
  text: string,
  now: number,
): Promise<Note | null> {
  const input = parseInput(
    z.object({ noteId: noteIdSchema, text: textSchema, now: nowSchema }),
    { noteId, text, now },
    'updateNote',
  );
  const row = await db
    .updateTable('notes')
    .set({ text: input.text, updated_at: input.now })
    .where('id', '=', input.noteId)
    .returningAll()
    .executeTakeFirst();
  return row ? toNote(row) : null;
}

/** Deletes a note. Returns whether it existed. */
export async function deleteNote(db: Kysely<Database>, noteId: number): Promise<boolean> {
  const id = parseInput(noteIdSchema, noteId, 'deleteNote: noteId');
  const r = await db.deleteFrom('notes').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Notes of a session, oldest first. */
export async function listNotes(db: Kysely<Database>, sessionId: string): Promise<Note[]> {
  const id = parseInput(sessionIdSchema, sessionId, 'listNotes: sessionId');
  const rows = await db
    .selectFrom('notes')
    .selectAll()
    .where('session_id', '=', id)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toNote);
}
