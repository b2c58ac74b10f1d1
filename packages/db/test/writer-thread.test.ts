import { afterEach, describe, expect, it } from 'vitest';
import {
  createWritePlanner,
  hookEventOp,
  openSqlite,
  type SqliteAdapter,
  type WriteOp,
} from '../src/index.js';
import { count, hookEvent, makeSession, openTestDb, type SqliteTestDb, T0 } from './helpers.js';

describe('the SQLite writer thread (openSqlite({ writerThread }))', () => {
  let file: SqliteTestDb | null = null;
  let h: SqliteAdapter | null = null;
  afterEach(async () => {
    await h?.close();
    await file?.cleanup();
    h = null;
    file = null;
  });

  it('commits on its own connection, rejects a failing plan with nothing written, falls back when it dies', async () => {
    file = await openTestDb('file'); // creates and migrates the file
    const errors: string[] = [];
    h = await openSqlite({
      file: file.file,
      writerThread: { checkpointMs: 50 },
      log: { error: (_o, msg) => errors.push(msg) },
    });
    expect(h.writeMode).toBe('thread');
    const ops: WriteOp[] = [];
    createWritePlanner().batch(ops, {
      events: [hookEvent('t1', 'w', 'SessionStart')],
      sessions: [
        makeSession('w', { promptHistory: [{ text: 'by the thread', timestamp: T0, promptId: null }] }),
      ],
    });
    expect(await h.write(ops)).toBeGreaterThanOrEqual(0);
    // Visible to the main connection as soon as the write resolves.
    expect(await count(h, 'hook_events')).toBe(1);
    expect(await count(h, 'prompts')).toBe(1);
    // The main connection leaves checkpoints to the thread.
    expect(h.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(0);

    const orphan: WriteOp = {
      op: 'prompt',
      row: { session_id: 'no-such-session', text: 'x', prompt_id: null, timestamp: T0 },
    };
    await expect(h.write([hookEventOp(hookEvent('t2', 'x', 'Stop')), orphan])).rejects.toThrow(/FOREIGN KEY/);
    expect(await count(h, 'hook_events')).toBe(1);

    await h.writerThread?.terminate();
    expect(h.writeMode).toBe('main');
    await h.write([hookEventOp(hookEvent('t3', 'w', 'Stop'))]);
    expect(await count(h, 'hook_events')).toBe(2);
    expect(errors).toEqual(['database writer thread exited; writing on the main thread from now on']);
  });

  it('writes an in-memory database on its connection', async () => {
    h = await openSqlite({ file: ':memory:', writerThread: true });
    expect(h.writeMode).toBe('main');
    expect(h.writerThread).toBeNull();
  });
});
