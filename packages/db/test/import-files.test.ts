import { describe, expect, it } from 'vitest';
import { importFileOp, isImportConflict, loadImportFiles } from '../src/index.js';
import { count, makeSession, openTestDb, recordBatch } from './helpers.js';

const file = (path: string, sessionId: string, over: Partial<Parameters<typeof importFileOp>[0]> = {}) => ({
  path,
  cli: 'claude',
  session_id: sessionId,
  size: 4096,
  mtime_ms: 1_700_000_000_000,
  bytes_done: 4096,
  status: 'done',
  state: '{}',
  updated_at: 1_700_000_000_500,
  ...over,
});

describe.each(['memory', 'postgres'] as const)('history import steps (%s)', (kind) => {
  it('records the file with its session, replaces it on the next step, and never overwrites a live session', async () => {
    const h = await openTestDb(kind);
    try {
      await h.write([
        importFileOp(
          file('/p/a.jsonl', 'imp-a', { status: 'importing', bytes_done: 100 }),
          makeSession('imp-a'),
          true,
        ),
      ]);
      await h.write([
        importFileOp(file('/p/a.jsonl', 'imp-a'), makeSession('imp-a', { title: 'Done' }), true),
      ]);
      const files = await loadImportFiles(h.db);
      expect(files.get('/p/a.jsonl')).toMatchObject({ session_id: 'imp-a', status: 'done' });
      expect(Number(files.get('/p/a.jsonl')?.bytes_done)).toBe(4096);
      expect(await count(h, 'sessions')).toBe(1);

      // A session the runtime wrote (no import row): the import step is refused and nothing of its plan is kept.
      await recordBatch(h, { events: [], sessions: [makeSession('live-1')] });
      const err = await h
        .write([
          importFileOp(file('/p/live.jsonl', 'live-1'), makeSession('live-1', { title: 'Imported' }), true),
        ])
        .catch((e: unknown) => e);
      expect(isImportConflict(err)).toBe(true);
      expect((await loadImportFiles(h.db)).has('/p/live.jsonl')).toBe(false);
      expect(await count(h, 'sessions')).toBe(2);
    } finally {
      await h.cleanup();
    }
  });
});
