import { afterEach, describe, expect, it } from 'vitest';
import { createWritePlanner, getSession, hookEventOp, type WriteOp } from '../src/index.js';
import { openWriterConnection } from '../src/sqlite/writer.js';
import {
  count,
  hookEvent,
  makeSession,
  openTestDb,
  revise,
  type SqliteTestDb,
  searchKinds,
  T0,
  tool,
} from './helpers.js';

type TestDb = SqliteTestDb;
const kinds = (ops: WriteOp[]) => ops.map((op) => op.op);

describe('write plans: planned on one connection, applied on another', () => {
  let h: TestDb | null = null;
  afterEach(async () => {
    await h?.cleanup();
    h = null;
  });

  it('plans only what is new, survives structured cloning, and replans whole rings after forget()', async () => {
    h = await openTestDb('file');
    const planner = createWritePlanner();
    const writer = openWriterConnection(h.file);
    try {
      const t1 = tool({
        tool: 'Bash',
        toolUseId: 'tu1',
        startedAt: T0 + 1,
        input: { command: 'ls' },
        status: 'running',
      });
      const s1 = makeSession('w', {
        promptHistory: [{ text: 'list files', timestamp: T0, promptId: 'p1' }],
        toolLog: [t1],
        totalToolCalls: 1,
      });
      const first: WriteOp[] = [];
      planner.hookEvent(first, hookEvent('0001', 'w', 'UserPromptSubmit'));
      planner.sessionRow(first, s1);
      planner.sessionRings(first, s1);
      expect(kinds(first)).toEqual(['hookEvent', 'session', 'prompt', 'tool']);
      // A plan is plain data: what crosses postMessage to a writer thread is exactly what is applied.
      writer.write(structuredClone(first));
      expect(await count(h, 'hook_events')).toBe(1);
      expect(await count(h, 'prompts')).toBe(1);
      expect(await count(h, 'tool_calls')).toBe(1);

      // Next version: the tool call finished (a new object in place), one more started.
      const done = { ...t1, status: 'ok' as const, endedAt: T0 + 5, durationMs: 4, result: 'a b' };
      const t2 = tool({
        tool: 'Read',
        toolUseId: 'tu2',
        startedAt: T0 + 6,
        input: { file_path: 'a' },
        status: 'running',
      });
      const s2 = revise(s1, { toolLog: [done, t2], totalToolCalls: 2 });
      const second: WriteOp[] = [];
      planner.sessionRings(second, s2);
      expect(kinds(second)).toEqual(['tool', 'tool']);
      planner.sessionRow(second, s2);
      writer.write(second);
      // Nothing changed: nothing planned.
      const none: WriteOp[] = [];
      planner.sessionRings(none, s2);
      expect(none).toEqual([]);

      const detail = await getSession(h.db, 'w');
      expect(detail?.toolCalls.map((t) => [t.toolUseId, t.status])).toEqual([
        ['tu1', 'ok'],
        ['tu2', 'running'],
      ]);

      // After forget() (a failed write), the next plan carries whole rings again; applying them is idempotent.
      planner.forget();
      const again: WriteOp[] = [];
      planner.sessionRings(again, s2);
      expect(kinds(again)).toEqual(['prompt', 'tool', 'tool']);
      writer.write([hookEventOp(hookEvent('0001', 'w', 'UserPromptSubmit')), ...again]);
      expect(await count(h, 'prompts')).toBe(1);
      expect(await count(h, 'tool_calls')).toBe(2);
      expect(await count(h, 'hook_events')).toBe(1);
      expect(await searchKinds(h)).toEqual({ prompt: 1, tool_input: 2, tool_output: 1, title: 1 });
    } finally {
      writer.close();
    }
  });

  it('rolls a failed plan back entirely', async () => {
    h = await openTestDb('file');
    const writer = openWriterConnection(h.file);
    try {
      const orphan: WriteOp = {
        op: 'prompt',
        row: { session_id: 'no-such-session', text: 'text', prompt_id: null, timestamp: T0 },
      };
      expect(() => writer.write([hookEventOp(hookEvent('0009', 'x', 'Stop')), orphan])).toThrow(
        /FOREIGN KEY/,
      );
      expect(await count(h, 'hook_events')).toBe(0);
      expect(() => writer.write([{ op: 'nope' } as never])).toThrow(/unknown operation nope/);
    } finally {
      writer.close();
    }
  });

  it('an evicted session (retention) is forgotten by the planner and keeps its rows: no remove op', () => {
    const planner = createWritePlanner();
    const s1 = makeSession('ev', { promptHistory: [{ text: 'hello', timestamp: T0, promptId: 'p1' }] });
    const ops: WriteOp[] = [];
    planner.batch(ops, { events: [], sessions: [s1] });
    expect(planner.plannedUpTo('ev')).toBeGreaterThan(0);
    const evict: WriteOp[] = [];
    planner.batch(evict, { events: [], sessions: [], evictedSessionIds: ['ev'] });
    expect(evict).toEqual([]);
    expect(planner.plannedUpTo('ev')).toBe(0);
  });
});
