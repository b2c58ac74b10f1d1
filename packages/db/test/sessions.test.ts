import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DbInputError, getSession, listProjects, type searchSessions } from '../src/index.js';
import {
  makeSession,
  openTestDb,
  recordBatch,
  rows,
  STORES,
  T0,
  type TestDb,
  tool,
  written,
} from './helpers.js';

const H = 3_600_000;

describe.each(STORES)('searchSessions (%s)', (kind) => {
  let h: TestDb;
  beforeAll(async () => {
    h = await openTestDb(kind);
    await recordBatch(h, {
      events: [],
      sessions: [
        makeSession('a', {
          title: 'Alpha',
          startedAt: T0,
          lastActivityAt: T0 + 5 * H,
          status: 'working',
          promptHistory: [{ text: 'migrate the database schema', timestamp: T0 + 1, promptId: null }],
        }),
        makeSession('b', {
          title: 'Bravo',
          startedAt: T0 + 1 * H,
          lastActivityAt: T0 + 2 * H,
          status: 'ended',
          endedAt: T0 + 2 * H,
          endReason: 'exit',
          cli: 'codex',
          projectPath: '/home/dev/src/web',
          projectName: 'web',
          promptHistory: [{ text: 'style the dashboard cards', timestamp: T0 + H + 1, promptId: null }],
          responseLog: [{ text: 'database untouched', timestamp: T0 + H + 2, agentId: null }],
        }),
        makeSession('c', {
          title: 'Charlie',
          startedAt: T0 + 2 * H,
          lastActivityAt: T0 + 3 * H,
          status: 'approval',
          archived: true,
          cli: 'gemini',
          promptHistory: [{ text: 'Database indexes are slow', timestamp: T0 + 2 * H + 1, promptId: null }],
        }),
        makeSession('d', {
          title: 'Delta',
          startedAt: T0 + 3 * H,
          lastActivityAt: T0 + 4 * H,
          status: 'idle',
          projectPath: '/home/dev/src/web',
          projectName: 'web',
        }),
      ],
    });
  });
  afterAll(async () => {
    await h.cleanup();
  });

  const ids = async (input: Parameters<typeof searchSessions>[1]) =>
    (await h.searchSessions(input)).items.map((s) => s.sessionId);

  it('lists everything by last activity, newest first, by default', async () => {
    const r = await h.searchSessions();
    expect(r).toMatchObject({ total: 4, page: 1, pageSize: 50 });
    expect(r.items.map((s) => s.sessionId)).toEqual(['a', 'd', 'c', 'b']);
    expect(r.items[3]).toMatchObject({
      sessionId: 'b',
      cli: 'codex',
      status: 'ended',
      endReason: 'exit',
      archived: false,
      totalPrompts: 0,
    });
    expect(r.items[2]?.archived).toBe(true);
  });

  it('filters by prompt text (FTS, not responses), project, status, cli, dates and archived', async () => {
    expect(await ids({ query: 'database' })).toEqual(['a', 'c']);
    expect(await ids({ query: 'datab' })).toEqual(['a', 'c']);
    expect(await ids({ query: '"(' })).toEqual([]);
    expect(await ids({ query: '   ' })).toEqual(['a', 'd', 'c', 'b']);
    expect(await ids({ project: 'web' })).toEqual(['d', 'b']);
    expect(await ids({ project: '/home/dev/src/acme-api' })).toEqual(['a', 'c']);
    expect(await ids({ status: 'ended' })).toEqual(['b']);
    expect(await ids({ status: ['approval', 'idle'] })).toEqual(['d', 'c']);
    expect(await ids({ cli: ['codex', 'gemini'] })).toEqual(['c', 'b']);
    expect(await ids({ dateFrom: T0 + H, dateTo: T0 + 2 * H })).toEqual(['c', 'b']);
    expect(await ids({ archived: true })).toEqual(['c']);
    expect(await ids({ archived: false, query: 'database' })).toEqual(['a']);
  });

  it('sorts by each column in both directions and paginates', async () => {
    expect(await ids({ sortBy: 'started_at', sortDir: 'asc' })).toEqual(['a', 'b', 'c', 'd']);
    expect(await ids({ sortBy: 'started_at', sortDir: 'desc' })).toEqual(['d', 'c', 'b', 'a']);
    expect(await ids({ sortBy: 'project_name', sortDir: 'asc' })).toEqual(['a', 'c', 'b', 'd']);
    expect(await ids({ sortBy: 'status', sortDir: 'asc' })).toEqual(['c', 'b', 'd', 'a']);
    const page2 = await h.searchSessions({ sortBy: 'started_at', sortDir: 'asc', page: 2, pageSize: 3 });
    expect(page2).toMatchObject({ total: 4, page: 2, pageSize: 3 });
    expect(page2.items.map((s) => s.sessionId)).toEqual(['d']);
    expect((await h.searchSessions({ page: 9 })).items).toEqual([]);
  });

  it('rejects bad input with a DbInputError naming the field', async () => {
    await expect(h.searchSessions({ sortBy: 'title' as never })).rejects.toThrow(/sortBy/);
    await expect(h.searchSessions({ status: 'sleeping' as never })).rejects.toBeInstanceOf(DbInputError);
    await expect(h.searchSessions({ page: 0 })).rejects.toThrow(/page/);
    await expect(h.searchSessions({ pageSize: 1000 })).rejects.toThrow(/pageSize/);
    await expect(h.searchSessions({ dateFrom: -1 })).rejects.toThrow(/dateFrom/);
  });

  it('lists projects, most recently active first', async () => {
    expect(await listProjects(h.db)).toEqual([
      {
        projectPath: '/home/dev/src/acme-api',
        projectName: 'acme-api',
        sessionCount: 2,
        lastActivityAt: T0 + 5 * H,
      },
      { projectPath: '/home/dev/src/web', projectName: 'web', sessionCount: 2, lastActivityAt: T0 + 4 * H },
    ]);
  });
});

describe.each(STORES)('getSession (%s)', (kind) => {
  it('returns the full detail', async () => {
    const h = await openTestDb(kind);
    try {
      const s = makeSession('s1', {
        promptHistory: [{ text: 'first', timestamp: T0 + 1, promptId: 'p1' }],
        responseLog: [{ text: 'answer', timestamp: T0 + 3, agentId: 'agent-7' }],
        toolLog: [
          tool({
            tool: 'Edit',
            toolUseId: 'tu',
            startedAt: T0 + 2,
            input: { file_path: 'a.ts', old_string: 'x', new_string: 'y' },
            inputSummary: 'a.ts',
            status: 'denied',
            error: 'User denied',
          }),
        ],
        events: [{ type: 'SessionStart', detail: 'startup', timestamp: T0 }],
      });
      await recordBatch(h, { events: [], sessions: [s] });
      await rows(
        h,
        sql`INSERT INTO notes (session_id, text, created_at, updated_at) VALUES ('s1', 'hello', 5, 6)`,
      );
      const d = await getSession(h.db, 's1');
      expect(d?.session).toEqual(written(s));
      expect(d?.prompts).toEqual([{ id: 1, text: 'first', promptId: 'p1', timestamp: T0 + 1 }]);
      expect(d?.responses).toEqual([{ id: 1, text: 'answer', agentId: 'agent-7', timestamp: T0 + 3 }]);
      expect(d?.toolCalls).toEqual([
        {
          id: 1,
          toolUseId: 'tu',
          tool: 'Edit',
          inputSummary: 'a.ts',
          inputExcerpt: '{"file_path":"a.ts","old_string":"x","new_string":"y"}',
          status: 'denied',
          startedAt: T0 + 2,
          endedAt: null,
          durationMs: null,
          result: null,
          error: 'User denied',
          agentId: null,
        },
      ]);
      expect(d?.events).toEqual([{ id: 1, type: 'SessionStart', detail: 'startup', timestamp: T0 }]);
      expect(d?.notes).toEqual([{ id: 1, sessionId: 's1', text: 'hello', createdAt: 5, updatedAt: 6 }]);
      expect(d?.summary.title).toBe('Session s1');
      expect(await getSession(h.db, 'nope')).toBeNull();
    } finally {
      await h.cleanup();
    }
  });
});

describe.each(STORES)('names sort as SQLite sorts them, byte by byte (%s)', (kind) => {
  it('lists Beta before alpha by project name, whatever the PostgreSQL locale', async () => {
    const h = await openTestDb(kind);
    try {
      await recordBatch(h, {
        events: [],
        sessions: [
          makeSession('lower', { projectPath: '/home/dev/src/alpha', projectName: 'alpha' }),
          makeSession('upper', { projectPath: '/home/dev/src/Beta', projectName: 'Beta' }),
        ],
      });
      const r = await h.searchSessions({ sortBy: 'project_name', sortDir: 'asc' });
      expect(r.items.map((s) => s.projectName)).toEqual(['Beta', 'alpha']);
    } finally {
      await h.cleanup();
    }
  });
});
