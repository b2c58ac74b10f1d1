import type { Session } from '@flightdeck/shared-types';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DbInputError,
  getSession,
  hasIngestIds,
  hookEventsAfterCheckpoint,
  hookEventsSince,
  listHookEvents,
  loadCoreState,
  loadLiveSessions,
  openSqlite,
  pruneHookEvents,
  sessionEventsBetween,
} from '../src/index.js';
import {
  rows as all,
  count,
  hookEvent,
  makeSession,
  onlySession,
  openTestDb,
  pluck,
  recordBatch,
  revise,
  STORES,
  searchKinds,
  sessionIdsByTable,
  T0,
  type TestDb,
  tool,
  written,
} from './helpers.js';

const CHILD = ['prompts', 'responses', 'tool_calls', 'events', 'search_index'];

function richSession(id: string, over: Partial<Session> = {}): Session {
  return makeSession(id, {
    totalPrompts: 2,
    totalToolCalls: 2,
    promptHistory: [
      { text: 'Fix the flaky login test', timestamp: T0 + 1000, promptId: 'p1' },
      { text: 'Now run the whole suite', timestamp: T0 + 5000, promptId: 'p2' },
    ],
    responseLog: [{ text: 'The login test is fixed.', timestamp: T0 + 4000, agentId: null }],
    toolLog: [
      tool({
        tool: 'Bash',
        toolUseId: 'toolu_1',
        startedAt: T0 + 2000,
        status: 'ok',
        input: { command: 'npm test -- login' },
        inputSummary: 'npm test -- login',
        endedAt: T0 + 3000,
        durationMs: 1000,
        result: '12 passing',
      }),
      tool({
        tool: 'Read',
        startedAt: T0 + 2500,
        input: { file_path: 'src/login.ts' },
        inputSummary: 'src/login.ts',
      }),
    ],
    events: [
      { type: 'SessionStart', detail: 'startup', timestamp: T0 },
      { type: 'UserPromptSubmit', detail: 'Fix the flaky login test', timestamp: T0 + 1000 },
    ],
    ...over,
  });
}

async function counts(h: TestDb): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ['sessions', 'hook_events', ...CHILD]) out[t] = await count(h, t);
  return out;
}

describe.each(STORES)('recording batches (%s)', (kind) => {
  let h: TestDb | undefined;
  afterEach(async () => {
    await h?.cleanup();
    h = undefined;
  });

  it('is idempotent: the same batch twice reports duplicates and adds no rows', async () => {
    h = await openTestDb(kind);
    const batch = {
      events: [hookEvent('0001', 's1', 'SessionStart'), hookEvent('0002', 's1', 'UserPromptSubmit')],
      sessions: [richSession('s1')],
      coreState: { sessions: {}, teams: {}, n: 1 },
    };
    expect(await recordBatch(h, batch)).toEqual({
      insertedIngestIds: ['0001', '0002'],
      duplicateIngestIds: [],
    });
    const first = await counts(h);
    expect(first).toEqual({
      sessions: 1,
      hook_events: 2,
      prompts: 2,
      responses: 1,
      tool_calls: 2,
      events: 2,
      // 2 prompts, 1 response, 2 tool inputs, 1 tool output ('12 passing'), the title
      search_index: 7,
    });
    // Same objects again, then structurally equal copies (no identity shortcut possible).
    expect(await recordBatch(h, batch)).toEqual({
      insertedIngestIds: [],
      duplicateIngestIds: ['0001', '0002'],
    });
    const copy = structuredClone(batch);
    expect(await recordBatch(h, copy)).toEqual({
      insertedIngestIds: [],
      duplicateIngestIds: ['0001', '0002'],
    });
    expect(await counts(h)).toEqual(first);
    // A batch mixing new and known ids reports both.
    const mixed = await recordBatch(h, {
      events: [hookEvent('0002', 's1', 'X'), hookEvent('0003', 's1', 'Stop')],
      sessions: [],
    });
    expect(mixed).toEqual({ insertedIngestIds: ['0003'], duplicateIngestIds: ['0002'] });
    expect(await hasIngestIds(h.db, ['0001', '0003', 'nope'])).toEqual(new Set(['0001', '0003']));
  });

  it('stores the raw event with extracted session id, event type and times', async () => {
    h = await openTestDb(kind);
    await recordBatch(h, {
      events: [
        hookEvent('a', 'unknown-session', 'PreToolUse', T0 + 7),
        {
          ingestId: 'b',
          receivedAt: T0 + 8,
          envelope: {
            cli: 'codex',
            payload: { type: 'agent-turn-complete', 'thread-id': 'th-1' },
            meta: {},
          },
        },
      ],
      sessions: [],
    });
    const rows = await all(h, sql`SELECT * FROM hook_events ORDER BY id`);
    expect(rows).toMatchObject([
      {
        ingest_id: 'a',
        session_id: 'unknown-session',
        cli: 'claude',
        event_type: 'PreToolUse',
        received_at: T0 + 7,
        sent_at: T0 + 4,
      },
      {
        ingest_id: 'b',
        session_id: 'th-1',
        cli: 'codex',
        event_type: 'agent-turn-complete',
        sent_at: null,
      },
    ]);
    expect(JSON.parse(rows[0]?.payload as string)).toMatchObject({ hook_event_name: 'PreToolUse' });
    expect(JSON.parse(rows[0]?.meta as string)).toEqual({ pid: 4242, sentAt: T0 + 4 });
    expect(await count(h, 'sessions')).toBe(0);
  });

  it('lists raw hook events in arrival order, by session and after an id', async () => {
    h = await openTestDb(kind);
    await recordBatch(h, {
      events: [
        hookEvent('1', 'a', 'SessionStart'),
        hookEvent('2', 'b', 'SessionStart'),
        hookEvent('3', 'a', 'Stop', T0 + 9),
      ],
      sessions: [],
    });
    const all = await listHookEvents(h.db);
    expect(all.map((e) => e.ingestId)).toEqual(['1', '2', '3']);
    expect(all[2]).toMatchObject({
      sessionId: 'a',
      cli: 'claude',
      eventType: 'Stop',
      receivedAt: T0 + 9,
      sentAt: T0 + 6,
    });
    expect(all[2]?.payload).toMatchObject({ hook_event_name: 'Stop' });
    expect((await listHookEvents(h.db, { sessionId: 'a' })).map((e) => e.ingestId)).toEqual(['1', '3']);
    expect(
      (await listHookEvents(h.db, { afterId: all[0]?.id ?? 0, limit: 1 })).map((e) => e.ingestId),
    ).toEqual(['2']);
    await expect(listHookEvents(h.db, { limit: 0 })).rejects.toThrow(/limit/);
  });

  it('reads the events since an id or a time, and of some sessions between two ids (a restart on PostgreSQL)', async () => {
    h = await openTestDb(kind);
    await recordBatch(h, {
      events: [
        hookEvent('1', 'a', 'SessionStart', T0),
        hookEvent('2', 'b', 'SessionStart', T0 + 1),
        hookEvent('3', 'a', 'PreToolUse', T0 + 2),
        hookEvent('4', 'c', 'SessionStart', T0 + 3),
        hookEvent('5', 'a', 'Stop', T0 + 4),
      ],
      sessions: [],
    });
    const ids = (events: Array<{ ingestId: string }>) => events.map((e) => e.ingestId);
    // After id 3, or received since T0 + 1 (either): 2, 4, 5.
    expect(ids(await hookEventsSince(h.db, { after: 3, receivedSince: T0 + 1 }))).toEqual([
      '2',
      '3',
      '4',
      '5',
    ]);
    expect(ids(await hookEventsSince(h.db, { after: 3, receivedSince: T0 + 100 }))).toEqual(['4', '5']);
    const between = await sessionEventsBetween(h.db, ['a', 'c'], { after: 1, upTo: 4 });
    expect(ids(between)).toEqual(['3', '4']);
    expect(between[0]).toMatchObject({ id: 3, sessionId: 'a', receivedAt: T0 + 2 });
    expect(await sessionEventsBetween(h.db, [], { after: 0, upTo: 5 })).toEqual([]);
    expect(ids(await sessionEventsBetween(h.db, ['a'], { after: 0, upTo: 5 }))).toEqual(['1', '3', '5']);
  });

  it('tolerates odd envelopes but rejects a missing ingest id', async () => {
    h = await openTestDb(kind);
    const odd = {
      ingestId: 'odd',
      receivedAt: T0,
      envelope: { cli: 7, payload: 'nope', meta: null },
    } as never;
    expect((await recordBatch(h, { events: [odd], sessions: [] })).insertedIngestIds).toEqual(['odd']);
    expect((await all(h, sql`SELECT cli, session_id, payload, meta FROM hook_events`))[0]).toEqual({
      cli: 'unknown',
      session_id: null,
      payload: '{}',
      meta: '{}',
    });
    const noId = { ...hookEvent('x', 's', 'Stop'), ingestId: '' };
    await expect(recordBatch(h, { events: [noId], sessions: [] })).rejects.toThrow(/ingestId/);
  });

  it('prunes old raw events, keeping the newest on request', async () => {
    h = await openTestDb(kind);
    const events = Array.from({ length: 10 }, (_, i) => hookEvent(`e${i}`, 's', 'PreToolUse', T0 + i));
    await recordBatch(h, { events, sessions: [] });
    await h.write([{ op: 'watermark', at: T0 + 10 }]); // a checkpoint that includes them all
    expect(await pruneHookEvents(h.db, { before: T0 + 3, limit: 2 })).toBe(2);
    expect(await pruneHookEvents(h.db, { before: T0 + 3 })).toBe(1);
    expect(await pruneHookEvents(h.db, { before: T0 + 100, keepAtLeast: 4 })).toBe(3);
    expect(await pluck(h, sql`SELECT ingest_id FROM hook_events ORDER BY id`)).toEqual([
      'e6',
      'e7',
      'e8',
      'e9',
    ]);
    expect(await pruneHookEvents(h.db, { before: T0 + 100, keepAtLeast: 50 })).toBe(0);
    await expect(pruneHookEvents(h.db, { before: Number.NaN })).rejects.toThrow(DbInputError);
    await expect(pruneHookEvents(h.db, { before: T0, limit: 0 })).rejects.toThrow(DbInputError);
  });

  it('lists the raw events after the checkpoint watermark, and never prunes them', async () => {
    h = await openTestDb(kind);
    // A fresh database with no checkpoint yet: every stored event is after it.
    await recordBatch(h, { events: [hookEvent('a1', 's', 'SessionStart', T0)], sessions: [] });
    expect((await hookEventsAfterCheckpoint(h.db)).map((e) => e.ingestId)).toEqual(['a1']);
    expect(await pruneHookEvents(h.db, { before: T0 + 100 })).toBe(0);
    // Saved state without a watermark (written before checkpoints existed): it includes everything.
    await recordBatch(h, { events: [hookEvent('a2', 's', 'Stop', T0 + 1)], sessions: [], coreState: {} });
    expect(await hookEventsAfterCheckpoint(h.db)).toEqual([]);
    // A checkpoint: the watermark is the id of the last raw event stored when it is applied.
    await h.write([{ op: 'watermark', at: T0 + 2 }]);
    const later = [hookEvent('a3', 's', 'PreToolUse', T0 + 3), hookEvent('a4', 's', 'PostToolUse', T0 + 4)];
    await recordBatch(h, { events: later, sessions: [] });
    const after = await hookEventsAfterCheckpoint(h.db);
    expect(after.map((e) => e.ingestId)).toEqual(['a3', 'a4']);
    expect(after[0]).toEqual({ ...later[0], id: 3 });
    // Pruning keeps what a restart would replay.
    expect(await pruneHookEvents(h.db, { before: T0 + 100 })).toBe(2);
    expect(await pluck(h, sql`SELECT ingest_id FROM hook_events ORDER BY id`)).toEqual(['a3', 'a4']);
  });

  it('updates a tool call seen running then ok instead of duplicating it', async () => {
    h = await openTestDb(kind);
    const running = tool({
      tool: 'Bash',
      toolUseId: 'toolu_9',
      startedAt: T0,
      status: 'running',
      inputSummary: 'make',
    });
    const noId = tool({ tool: 'Grep', startedAt: T0 + 1, status: 'running', inputSummary: 'TODO' });
    const s1 = makeSession('s1', { toolLog: [running, noId] });
    await recordBatch(h, { events: [], sessions: [s1] });
    const done = { ...running, status: 'ok' as const, endedAt: T0 + 500, durationMs: 500, result: 'built' };
    const failed = { ...noId, status: 'failed' as const, endedAt: T0 + 9, error: 'exit 2' };
    await recordBatch(h, { events: [], sessions: [revise(s1, { toolLog: [done, failed] })] });
    const rows = await all(
      h,
      sql`SELECT tool_use_id, tool_name, status, ended_at, duration_ms, result_excerpt, error FROM tool_calls ORDER BY id`,
    );
    expect(rows).toEqual([
      {
        tool_use_id: 'toolu_9',
        tool_name: 'Bash',
        status: 'ok',
        ended_at: T0 + 500,
        duration_ms: 500,
        result_excerpt: 'built',
        error: null,
      },
      {
        tool_use_id: null,
        tool_name: 'Grep',
        status: 'failed',
        ended_at: T0 + 9,
        duration_ms: null,
        result_excerpt: null,
        error: 'exit 2',
      },
    ]);
    // Both inputs, both outputs (written by the update: the calls were running when first stored), the title.
    expect(await searchKinds(h)).toEqual({ tool_input: 2, tool_output: 2, title: 1 });
    expect(
      await pluck(h, sql`SELECT text FROM search_index WHERE kind = 'tool_output' ORDER BY ref_id`),
    ).toEqual(['built', 'exit 2']);
  });

  it('lines a ring up with the last committed one: shifted rings, replaced and new entries', async () => {
    h = await openTestDb(kind);
    const tools = Array.from({ length: 5 }, (_, i) =>
      tool({
        tool: 'Read',
        toolUseId: `tu_${i}`,
        startedAt: T0 + i,
        status: 'running',
        inputSummary: `f${i}`,
      }),
    );
    const s1 = makeSession('s1', { toolLog: tools });
    await recordBatch(h, { events: [], sessions: [s1] });
    // Ring full: the oldest entry drops out, one in the middle is replaced (done), a new one is appended.
    const done = { ...(tools[2] as (typeof tools)[number]), status: 'ok' as const, endedAt: T0 + 50 };
    const added = tool({ tool: 'Grep', toolUseId: 'tu_5', startedAt: T0 + 5, status: 'running' });
    const next = [tools[1], done, tools[3], tools[4], added] as typeof tools;
    const s2 = revise(s1, { toolLog: next });
    await recordBatch(h, { events: [], sessions: [s2] });
    const rows = () =>
      all(
        h!,
        sql<{ tool_use_id: string; status: string }>`SELECT tool_use_id, status FROM tool_calls ORDER BY id`,
      );
    expect((await rows()).map((r) => `${r.tool_use_id}:${r.status}`)).toEqual([
      'tu_0:running',
      'tu_1:running',
      'tu_2:ok',
      'tu_3:running',
      'tu_4:running',
      'tu_5:running',
    ]);
    // The same entries again (new array, same objects, no new sequence numbers): nothing is rewritten, even
    // when mutated in place, since the caller promised immutability.
    (done as { status: string }).status = 'interrupted';
    await recordBatch(h, {
      events: [],
      sessions: [revise(s2, { toolLog: [...next] })],
    });
    expect((await rows()).find((r) => r.tool_use_id === 'tu_2')?.status).toBe('ok');
    expect(await searchKinds(h)).toEqual({ tool_input: 6, title: 1 });
  });

  it('rolls the whole batch back on error, and a retry stores everything', async () => {
    h = await openTestDb(kind);
    const good = richSession('s1');
    const bad = { ...makeSession('x'), sessionId: '' };
    await expect(
      recordBatch(h, {
        events: [hookEvent('e1', 's1', 'SessionStart')],
        sessions: [good, bad],
        coreState: { v: 1 },
      }),
    ).rejects.toThrow(DbInputError);
    expect(await counts(h)).toEqual({
      sessions: 0,
      hook_events: 0,
      prompts: 0,
      responses: 0,
      tool_calls: 0,
      events: 0,
      search_index: 0,
    });
    expect(await loadCoreState(h.db)).toBeNull();
    const r = await recordBatch(h, {
      events: [hookEvent('e1', 's1', 'SessionStart')],
      sessions: [good],
      coreState: { v: 1 },
    });
    expect(r.insertedIngestIds).toEqual(['e1']);
    expect(await counts(h)).toMatchObject({
      sessions: 1,
      prompts: 2,
      tool_calls: 2,
      events: 2,
      responses: 1,
    });
  });

  it('re-keys a session with all its children, merging into an existing id', async () => {
    h = await openTestDb(kind);
    await recordBatch(h, {
      events: [hookEvent('e1', 'old', 'SessionStart')],
      sessions: [richSession('old')],
    });
    const [noteId] = await pluck(
      h,
      sql`INSERT INTO notes (session_id, text, created_at, updated_at) VALUES ('old', 'remember', 1, 1) RETURNING id`,
    );
    const resumed = richSession('new', { previousSessionIds: ['old'], resumeCount: 1 });
    await recordBatch(h, { events: [], sessions: [resumed], rekeys: [{ oldId: 'old', newId: 'new' }] });
    expect(await sessionIdsByTable(h)).toEqual(onlySession('new'));
    expect(await count(h, 'prompts')).toBe(2); // same entries re-sent under the new id: no doubles
    expect((await pluck(h, sql`SELECT session_id FROM notes WHERE id = ${noteId}`))[0]).toBe('new');
    const detail = await getSession(h.db, 'new');
    expect(detail?.session.previousSessionIds).toEqual(['old']);
    expect(detail?.notes.map((n) => n.text)).toEqual(['remember']);

    // Merge case: both ids exist.
    await recordBatch(h, {
      events: [],
      sessions: [
        makeSession('a', { promptHistory: [{ text: 'alpha prompt', timestamp: T0 + 1, promptId: null }] }),
        makeSession('b', {
          promptHistory: [
            { text: 'alpha prompt', timestamp: T0 + 1, promptId: null },
            { text: 'beta prompt', timestamp: T0 + 2, promptId: null },
          ],
        }),
      ],
    });
    const rekey = (oldId: string, newId: string) =>
      recordBatch(h!, { events: [], sessions: [], rekeys: [{ oldId, newId }] });
    await rekey('a', 'b');
    expect(Number((await pluck(h, sql`SELECT count(*) FROM sessions WHERE id IN ('a','b')`))[0])).toBe(1);
    expect(await pluck(h, sql`SELECT text FROM prompts WHERE session_id = 'b' ORDER BY timestamp`)).toEqual([
      'alpha prompt',
      'beta prompt',
    ]);
    expect(Number((await pluck(h, sql`SELECT count(*) FROM prompts WHERE session_id = 'a'`))[0])).toBe(0);
    const before = await counts(h);
    await rekey('does-not-exist', 'b');
    expect(await counts(h)).toEqual(before);
    await expect(rekey('', 'b')).rejects.toThrow(DbInputError);
  });

  it('deletes a session with every child row (and its FTS entries and raw events)', async () => {
    h = await openTestDb(kind);
    await recordBatch(h, {
      events: [hookEvent('e1', 's1', 'SessionStart'), hookEvent('e2', 's2', 'SessionStart')],
      sessions: [richSession('s1'), richSession('s2')],
    });
    await all(h, sql`INSERT INTO notes (session_id, text, created_at, updated_at) VALUES ('s1', 'n', 1, 1)`);
    const remove = (id: string) => recordBatch(h!, { events: [], sessions: [], removedSessionIds: [id] });
    await remove('s1');
    const after = await counts(h);
    await remove('s1');
    expect(await counts(h)).toEqual(after);
    expect(Object.values(await sessionIdsByTable(h)).flat()).not.toContain('s1');
    expect(await count(h, 'prompts')).toBe(2);
    // Removals come after the upserts of the same batch.
    await recordBatch(h, { events: [], sessions: [richSession('s2')], removedSessionIds: ['s2'] });
    expect(await counts(h)).toEqual({
      sessions: 0,
      hook_events: 0,
      prompts: 0,
      responses: 0,
      tool_calls: 0,
      events: 0,
      search_index: 0,
    });
    // A deleted session that comes back (same entry objects) is written again in full.
    const again = richSession('s3');
    await recordBatch(h, { events: [], sessions: [again] });
    remove('s3');
    await recordBatch(h, { events: [], sessions: [again] });
    expect(await counts(h)).toMatchObject({
      sessions: 1,
      prompts: 2,
      tool_calls: 2,
      responses: 1,
      events: 2,
      search_index: 7,
    });
  });

  it('loads live sessions with rebuilt ring buffers and the core state', async () => {
    h = await openTestDb(kind);
    const live = richSession('live', { lastActivityAt: T0 + 9000 });
    const endedRecently = makeSession('recent', {
      status: 'ended',
      endedAt: T0 + 60_000,
      lastActivityAt: T0 + 60_000,
    });
    const endedLongAgo = makeSession('old', { status: 'ended', endedAt: T0 - 3_600_000 });
    await recordBatch(h, {
      events: [],
      sessions: [live, endedRecently, endedLongAgo],
      coreState: { teams: { t: 1 } },
      now: T0 + 5,
    });
    const loaded = await loadLiveSessions(h.db, { now: T0 + 10 * 60_000 });
    expect(loaded.map((s) => s.sessionId)).toEqual(['recent', 'live']);
    expect(loaded[1]).toEqual(written(live));
    expect(
      (await loadLiveSessions(h.db, { now: T0 + 10 * 60_000, recentlyEndedMinutes: 5 })).map(
        (s) => s.sessionId,
      ),
    ).toEqual(['live']);
    expect(await loadCoreState(h.db)).toEqual({ state: { teams: { t: 1 } }, updatedAt: T0 + 5 });
    await expect(loadLiveSessions(h.db, { now: Number.NaN })).rejects.toThrow(DbInputError);
  });
});

describe('a file database survives reopening', () => {
  it('returns the saved sessions and core state after close and reopen', async () => {
    const h = await openTestDb('file');
    try {
      const sessions = [richSession('a'), richSession('b', { status: 'approval', cli: 'gemini' })];
      // Ring buffers longer than what the snapshot keeps: only the last N rows come back.
      const s = sessions[0] as Session;
      await recordBatch(h, {
        events: [hookEvent('1', 'a', 'SessionStart')],
        sessions,
        coreState: { seq: 41 },
      });
      const trimmed: Session = { ...s, promptHistory: s.promptHistory.slice(1), events: s.events.slice(1) };
      await recordBatch(h, {
        events: [hookEvent('2', 'a', 'Stop')],
        sessions: [trimmed],
        coreState: { seq: 42 },
      });
      await h.close();
      const again = await openSqlite({ file: h.file });
      try {
        expect(again.appliedMigrations).toEqual([]);
        const loaded = await loadLiveSessions(again.db, { now: T0 });
        expect(loaded.find((x) => x.sessionId === 'a')).toEqual(written(trimmed));
        expect(loaded.find((x) => x.sessionId === 'b')).toEqual(written(sessions[1] as Session));
        expect((await loadCoreState(again.db))?.state).toEqual({ seq: 42 });
        expect(await hasIngestIds(again.db, ['1', '2', '3'])).toEqual(new Set(['1', '2']));
        expect(
          (await recordBatch(again, { events: [hookEvent('2', 'a', 'Stop')], sessions: [] }))
            .duplicateIngestIds,
        ).toEqual(['2']);
      } finally {
        await again.close();
      }
    } finally {
      await h.cleanup();
    }
  });
});

describe.each(STORES)('entries stamped in the same millisecond (%s)', (kind) => {
  it('keeps distinct prompts (by prompt id) and distinct lifecycle events (by detail)', async () => {
    const h = await openTestDb(kind);
    try {
      const s = makeSession('same-ms', {
        promptHistory: [
          { text: 'first queued prompt', timestamp: T0, promptId: 'p-1' },
          { text: 'second queued prompt', timestamp: T0, promptId: 'p-2' },
        ],
        events: [
          { type: 'PreToolUse', detail: 'Bash: ls', timestamp: T0 },
          { type: 'PreToolUse', detail: 'Read: a.ts', timestamp: T0 },
        ],
      });
      await recordBatch(h, { events: [], sessions: [s] });
      await recordBatch(h, { events: [], sessions: [structuredClone(s)] });
      expect(await count(h, 'prompts')).toBe(2);
      expect(await count(h, 'events')).toBe(2);
      expect((await loadLiveSessions(h.db, { now: T0 }))[0]).toEqual(written(s));
    } finally {
      await h.cleanup();
    }
  });
});
