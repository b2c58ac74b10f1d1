import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createWritePlanner,
  getSession,
  hasIngestIds,
  hookEventOp,
  hookEventsAfterCheckpoint,
  loadCoreState,
  loadLiveSessions,
  toolRow,
  type WriteOp,
} from '../src/index.js';
import {
  count,
  hookEvent,
  makeSession,
  onlySession,
  openTestDb,
  recordBatch,
  revise,
  rows,
  type SessionOver,
  STORES,
  sessionIdsByTable,
  T0,
  type TestDb,
  tool,
  written,
} from './helpers.js';

describe.each(STORES)('the adapter (%s)', (kind) => {
  let h: TestDb | null = null;
  afterEach(async () => {
    await h?.cleanup();
    h = null;
  });

  it('applies a plan as one transaction: a failing operation rejects with nothing written', async () => {
    h = await openTestDb(kind);
    const orphan: WriteOp = {
      op: 'prompt',
      row: { session_id: 'no-such-session', text: 'text', prompt_id: null, timestamp: T0 },
    };
    // SQLite says FOREIGN KEY, PostgreSQL foreign key
    await expect(h.write([hookEventOp(hookEvent('0009', 'x', 'Stop')), orphan])).rejects.toThrow(
      /FOREIGN KEY/i,
    );
    expect(await count(h, 'hook_events')).toBe(0);
    await expect(h.write([{ op: 'nope' } as never])).rejects.toThrow(/unknown operation nope/);
    expect(typeof (await h.write([hookEventOp(hookEvent('0010', 'x', 'Stop'))]))).toBe('number');
    expect(await count(h, 'hook_events')).toBe(1);
    expect(h.writeMode).toBe('main');
    expect(h.dialect).toBe(kind === 'postgres' ? 'postgres' : 'sqlite');
  });

  it('a run of kv writes ends as written one by one: the last write of a key wins, a delete included', async () => {
    h = await openTestDb(kind);
    await h.write([{ op: 'kv', key: 'k.gone', value: '"old"', at: 1 }]);
    await h.write([
      { op: 'kv', key: 'k.a', value: '1', at: 2 },
      { op: 'kv', key: 'k.b', value: '2', at: 2 },
      { op: 'kv', key: 'k.a', value: null, at: 2 },
      { op: 'kv', key: 'k.gone', value: null, at: 2 },
      { op: 'kv', key: 'k.c', value: '3', at: 2 },
      { op: 'kv', key: 'k.c', value: '4', at: 3 },
      { op: 'kv', key: 'k.b', value: null, at: 3 },
      { op: 'kv', key: 'k.b', value: '5', at: 3 },
    ]);
    const kv = await h.db.selectFrom('kv').select(['key', 'value', 'updated_at']).orderBy('key').execute();
    expect(kv.map((r) => [r.key, r.value, Number(r.updated_at)])).toEqual([
      ['k.b', '5', 3],
      ['k.c', '4', 3],
    ]);
  });

  it('writes a plan of many rows whole: 1,200 raw events, 300 sessions, a row written twice ending as the later', async () => {
    h = await openTestDb(kind);
    const events = Array.from({ length: 1200 }, (_, i) => hookEvent(`m-${i}`, `s-${i % 300}`, 'Stop'));
    const sessions = Array.from({ length: 300 }, (_, i) =>
      makeSession(`s-${i}`, {
        promptHistory: [{ text: `prompt ${i}`, timestamp: T0 + i, promptId: null }],
        events: [{ type: 'Stop', detail: `turn ${i}`, timestamp: T0 + i }],
      }),
    );
    const planner = createWritePlanner();
    const ops: WriteOp[] = [];
    planner.batch(ops, { events, sessions });
    // The same session's row again, later in the plan (as a second step of one batch would): the later one stays.
    planner.sessionRow(ops, { ...(sessions[0] as (typeof sessions)[0]), title: 'later' });
    // A tool call's row twice in one plan (started, then finished), with and without a tool_use_id: one row each,
    // as it started and with how it ended.
    const running = { status: 'running' as const, input: { command: 'make' }, inputSummary: 'make' };
    const byId = tool({ tool: 'Bash', toolUseId: 'tu-1', startedAt: T0 + 7, ...running });
    const byTime = tool({ tool: 'Read', startedAt: T0 + 8, ...running });
    const ended = { status: 'failed' as const, endedAt: T0 + 9, durationMs: 2, error: 'exit 2' };
    for (const t of [byId, byTime, { ...byId, ...ended }, { ...byTime, ...ended }])
      ops.push({ op: 'tool', row: toolRow('s-1', t) });
    await h.write(ops);
    expect(await count(h, 'hook_events')).toBe(1200);
    expect(await count(h, 'sessions')).toBe(300);
    expect(await count(h, 'prompts')).toBe(300);
    expect(await count(h, 'events')).toBe(300);
    expect((await getSession(h.db, 's-0'))?.session.title).toBe('later');
    const tools = (await getSession(h.db, 's-1'))?.toolCalls ?? [];
    expect(tools.map((t) => [t.tool, t.status, t.error, t.inputSummary, t.endedAt])).toEqual([
      ['Bash', 'failed', 'exit 2', 'make', T0 + 9],
      ['Read', 'failed', 'exit 2', 'make', T0 + 9],
    ]);
    const last = (await getSession(h.db, 's-299'))?.session;
    expect(last?.promptHistory.map((p) => p.text)).toEqual(['prompt 299']);
    expect(last?.events.map((e) => e.detail)).toEqual(['turn 299']);
  });

  it('merges a re-keyed session into an existing one: shared entries once, the rest moved, in every table', async () => {
    h = await openTestDb(kind);
    const shared = {
      prompt: { text: 'shared prompt', timestamp: T0 + 1, promptId: 'p1' },
      response: { text: 'shared answer', timestamp: T0 + 2, agentId: null },
      byId: tool({ tool: 'Bash', toolUseId: 'tu1', startedAt: T0 + 3, status: 'ok', result: 'done' }),
      byTime: tool({ tool: 'Read', startedAt: T0 + 4 }),
      event: { type: 'Stop', detail: 'turn finished', timestamp: T0 + 5 },
    };
    const own = (id: string, t: number): SessionOver => ({
      promptHistory: [shared.prompt, { text: `${id} prompt`, timestamp: t, promptId: null }],
      responseLog: [shared.response, { text: `${id} answer`, timestamp: t, agentId: null }],
      toolLog: [shared.byId, shared.byTime, tool({ tool: 'Grep', toolUseId: `tu-${id}`, startedAt: t })],
      events: [shared.event, { type: 'Notification', detail: id, timestamp: t }],
    });
    await recordBatch(h, {
      events: [hookEvent('e-a', 'a', 'SessionStart')],
      sessions: [makeSession('a', own('a', T0 + 10)), makeSession('b', own('b', T0 + 20))],
    });
    await rows(h, sql`INSERT INTO notes (session_id, text, created_at, updated_at) VALUES ('a', 'n', 1, 1)`);

    await recordBatch(h, { events: [], sessions: [], rekeys: [{ oldId: 'a', newId: 'b' }] });

    expect(await sessionIdsByTable(h)).toEqual(onlySession('b'));
    const d = await getSession(h.db, 'b');
    expect(d?.prompts.map((p) => p.text)).toEqual(['shared prompt', 'a prompt', 'b prompt']);
    expect(d?.responses.map((r) => r.text)).toEqual(['shared answer', 'a answer', 'b answer']);
    expect(d?.toolCalls.map((c) => c.tool)).toEqual(['Bash', 'Read', 'Grep', 'Grep']);
    expect(d?.events.map((e) => e.detail)).toEqual(['turn finished', 'a', 'b']);
    expect(d?.notes.map((n) => n.text)).toEqual(['n']);
  });

  it("reads through the async repositories what it wrote; searches with the dialect's full-text index", async () => {
    h = await openTestDb(kind);
    const s = makeSession('s1', {
      promptHistory: [{ text: 'hello', timestamp: T0 + 1, promptId: 'p1' }],
      toolLog: [tool({ tool: 'Bash', toolUseId: 'tu', startedAt: T0 + 2, input: { command: 'ls' } })],
      responseLog: [{ text: 'hi', timestamp: T0 + 3, agentId: null }],
      events: [{ type: 'SessionStart', detail: 'startup', timestamp: T0 }],
    });
    await recordBatch(h, {
      events: [hookEvent('1', 's1', 'SessionStart')],
      sessions: [s],
      coreState: { v: 1 },
    });
    await h.write([{ op: 'watermark', at: T0 }]);
    await recordBatch(h, { events: [hookEvent('2', 's1', 'Stop')], sessions: [] });
    expect(await loadLiveSessions(h.db, { now: T0 })).toEqual([written(s)]);
    expect(await loadCoreState(h.db)).toMatchObject({ state: { v: 1 } });
    expect((await hookEventsAfterCheckpoint(h.db)).map((e) => e.ingestId)).toEqual(['2']);
    expect(await hasIngestIds(h.db, ['1', '2', '3'])).toEqual(new Set(['1', '2']));
    // The dialect's full-text search, through the adapter.
    expect((await h.fullTextSearch({ query: 'hello' })).items).toMatchObject([
      { kind: 'prompt', sessionId: 's1' },
    ]);
  });

  it('applies plans in the order given when the caller does not wait between them', async () => {
    h = await openTestDb(kind);
    const db = h;
    const planner = createWritePlanner();
    const row = (id: string) => {
      const ops: WriteOp[] = [];
      planner.sessionRow(ops, makeSession(id));
      return ops;
    };
    // Each prompt needs the session row of the plan before it (a foreign key): a plan that overtook the one before
    // it (another connection of a pool) would be refused.
    const writes = Array.from({ length: 20 }, (_, i) => [
      db.write(row(`o${i}`)),
      db.write([
        { op: 'prompt', row: { session_id: `o${i}`, text: `p${i}`, prompt_id: null, timestamp: T0 } },
      ]),
    ]).flat();
    const settled = await Promise.allSettled(writes);
    expect(settled.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(await count(h, 'prompts')).toBe(20);
  });
});

describe('the write planner', () => {
  it('keeps what it planned in itself: a second planner plans everything again', () => {
    const s = makeSession('p', { promptHistory: [{ text: 'one', timestamp: T0, promptId: null }] });
    const a = createWritePlanner();
    const first: WriteOp[] = [];
    a.sessionRings(first, s);
    expect(first.map((op) => op.op)).toEqual(['prompt']);
    const again: WriteOp[] = [];
    a.sessionRings(again, s);
    expect(again).toEqual([]);
    const other: WriteOp[] = [];
    createWritePlanner().sessionRings(other, s);
    expect(other).toEqual(first);
  });

  it('plans by sequence number: what changed since, nothing for rebuilt entries (seq 0), a reused id whole', () => {
    const planner = createWritePlanner();
    const plan = (s: Parameters<typeof planner.sessionRings>[1]) => {
      const ops: WriteOp[] = [];
      planner.sessionRings(ops, s);
      return ops.map((op) => (op.op === 'prompt' ? op.row.text : op.op));
    };
    const s1 = makeSession('q', { promptHistory: [{ text: 'one', timestamp: T0, promptId: null }] });
    expect(plan(s1)).toEqual(['one']);
    const s2 = revise(s1, {
      promptHistory: [...s1.promptHistory, { text: 'two', timestamp: T0 + 1, promptId: null, seq: 0 }],
    });
    expect(plan(s2)).toEqual(['two']);
    expect(planner.plannedUpTo('q')).toBe(s2.ringSeq);
    expect(planner.plannedUpTo('never')).toBe(0);
    // Rebuilt from the database after a restart (entries seq 0): nothing to write.
    const fresh = createWritePlanner();
    const none: WriteOp[] = [];
    fresh.sessionRings(none, written(s2));
    expect(none).toEqual([]);
    // Removed in the batch that planned it, then a new session under the same id: planned whole.
    planner.batch([], { events: [], sessions: [s2], removedSessionIds: ['q'] });
    const again = makeSession('q', {
      promptHistory: ['new 1', 'new 2', 'new 3'].map((text, i) => ({
        text,
        timestamp: T0 + 5 + i,
        promptId: null,
      })),
    });
    expect(plan(again)).toEqual(['new 1', 'new 2', 'new 3']);
    // The same id with a lower ringSeq than planned (another session under it): planned whole too.
    const big = makeSession('r', {
      promptHistory: [{ text: 'late', timestamp: T0, promptId: null, seq: 9 }],
    });
    expect(plan(big)).toEqual(['late']);
    const small = makeSession('r', { promptHistory: [{ text: 'early', timestamp: T0, promptId: null }] });
    expect(plan(small)).toEqual(['early']);
    expect(planner.plannedUpTo('r')).toBe(small.ringSeq);
    planner.forget();
    expect(planner.plannedUpTo('r')).toBe(0);
  });
});
