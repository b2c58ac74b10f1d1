import { afterEach, describe, expect, it } from 'vitest';
import { addNote, DbInputError, deleteNote, listNotes, MAX_NOTE_CHARS, updateNote } from '../src/index.js';
import { makeSession, openTestDb, recordBatch, STORES, type TestDb } from './helpers.js';

describe.each(STORES)('notes (%s)', (kind) => {
  let h: TestDb | undefined;
  afterEach(async () => {
    await h?.cleanup();
    h = undefined;
  });

  it('adds, lists, updates and deletes notes', async () => {
    h = await openTestDb(kind);
    await recordBatch(h, { events: [], sessions: [makeSession('s1'), makeSession('s2')] });
    const n1 = await addNote(h.db, 's1', 'check the migration', 100);
    const n2 = await addNote(h.db, 's1', 'x'.repeat(MAX_NOTE_CHARS), 200);
    await addNote(h.db, 's2', 'other session', 300);
    expect(n1).toEqual({
      id: n1.id,
      sessionId: 's1',
      text: 'check the migration',
      createdAt: 100,
      updatedAt: 100,
    });
    expect((await listNotes(h.db, 's1')).map((n) => n.id)).toEqual([n1.id, n2.id]);
    expect(await updateNote(h.db, n1.id, 'checked', 150)).toEqual({ ...n1, text: 'checked', updatedAt: 150 });
    expect(await updateNote(h.db, 9999, 'x', 1)).toBeNull();
    expect(await deleteNote(h.db, n2.id)).toBe(true);
    expect(await deleteNote(h.db, n2.id)).toBe(false);
    expect((await listNotes(h.db, 's1')).map((n) => n.text)).toEqual(['checked']);
    await recordBatch(h, { events: [], sessions: [], removedSessionIds: ['s1'] });
    expect(await listNotes(h.db, 's1')).toEqual([]);
    expect(await listNotes(h.db, 's2')).toHaveLength(1);
  });

  it('validates text length, emptiness, ids and the session', async () => {
    h = await openTestDb(kind);
    await recordBatch(h, { events: [], sessions: [makeSession('s1')] });
    await expect(addNote(h.db, 's1', 'x'.repeat(MAX_NOTE_CHARS + 1), 1)).rejects.toThrow(
      /text: must be at most 10000/,
    );
    await expect(addNote(h.db, 's1', '   ', 1)).rejects.toThrow(/text: must not be empty/);
    await expect(addNote(h.db, 'missing', 'hi', 1)).rejects.toThrow(/sessionId: no session missing/);
    await expect(addNote(h.db, '', 'hi', 1)).rejects.toBeInstanceOf(DbInputError);
    await expect(updateNote(h.db, -1, 'hi', 1)).rejects.toThrow(/noteId/);
    await expect(deleteNote(h.db, 1.5)).rejects.toBeInstanceOf(DbInputError);
    await expect(listNotes(h.db, 42 as never)).rejects.toBeInstanceOf(DbInputError);
    const err = await addNote(h.db, 's1', 'x'.repeat(MAX_NOTE_CHARS + 1), 1).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'DbInputError', field: 'text' });
  });
});
