import {
  type CoreInput,
  type CoreState,
  getOwn,
  initialState,
  LIMITS,
  pmapOf,
  reduce,
} from '@flightdeck/core';
import type { HookEnvelope, LifecycleEvent, Session } from '@flightdeck/shared-types';
import { describe, expect, it } from 'vitest';
import { loadLiveSessions, ringEntriesAfter, ringGap, ringsAtRisk } from '../src/index.js';
import { makeSession, openTestDb, recordBatch, STORES, T0, tool } from './helpers.js';

const event = (type: string, seq: number): LifecycleEvent => ({ type, detail: type, timestamp: T0, seq });

/** A session whose tool call `a` (appended second) was replaced in place last: ring order is not seq order. */
function mixed(): Session {
  return makeSession('s', {
    promptHistory: [
      { text: 'one', timestamp: T0, promptId: null, seq: 1 },
      { text: 'two', timestamp: T0 + 1, promptId: null, seq: 4 },
    ],
    toolLog: [
      tool({ tool: 'Read', toolUseId: 'a', startedAt: T0, status: 'ok', seq: 7 }),
      tool({ tool: 'Bash', toolUseId: 'b', startedAt: T0, status: 'running', seq: 3 }),
      tool({ tool: 'Grep', toolUseId: 'c', startedAt: T0, status: 'running', seq: 6 }),
    ],
    responseLog: [{ text: 'ok', timestamp: T0 + 2, agentId: null, seq: 5 }],
    events: [event('SessionStart', 2)],
    ringSeq: 7,
  });
}

describe('ringEntriesAfter', () => {
  it('gives the entries with seq > afterSeq of each ring, in ring order, the same objects', () => {
    const s = mixed();
    const r = ringEntriesAfter(s, 4);
    expect(r.promptHistory).toEqual([]);
    expect(r.toolLog.map((t) => t.toolUseId)).toEqual(['a', 'c']);
    expect(r.toolLog[0]).toBe(s.toolLog[0]);
    expect(r.responseLog).toEqual([s.responseLog[0]]);
    expect(r.events).toEqual([]);
    expect(ringEntriesAfter(s, 0)).toEqual({
      promptHistory: s.promptHistory,
      toolLog: s.toolLog,
      responseLog: s.responseLog,
      events: s.events,
    });
  });

  it('gives nothing at or past ringSeq', () => {
    for (const n of [7, 8, 1000]) {
      expect(ringEntriesAfter(mixed(), n)).toEqual({
        promptHistory: [],
        toolLog: [],
        responseLog: [],
        events: [],
      });
    }
  });

  it('counts entries rebuilt from the database (seq 0) and older entries without seq as written', () => {
    const s = mixed();
    const legacy = { type: 'old', detail: '', timestamp: T0 } as LifecycleEvent;
    const loaded = { ...s, events: [legacy, event('hydrated', 0), ...s.events] };
    expect(ringEntriesAfter(loaded, 0).events).toEqual(s.events);
  });

  it.each([Number.NaN, -1, 2.5, Number.POSITIVE_INFINITY])('reads a corrupt afterSeq (%s) as 0', (bad) => {
    expect(ringEntriesAfter(mixed(), bad)).toEqual(ringEntriesAfter(mixed(), 0));
  });
});

describe('ringGap', () => {
  it('is ringSeq - afterSeq, never negative', () => {
    expect(ringGap(mixed(), 0)).toBe(7);
    expect(ringGap(mixed(), 5)).toBe(2);
    expect(ringGap(mixed(), 7)).toBe(0);
    expect(ringGap(mixed(), 9)).toBe(0);
  });

  it.each([undefined, null, -4, 1.5, Number.NaN, '9'])(
    'reads a missing or corrupt ringSeq (%s) as 0',
    (bad) => {
      expect(ringGap({ ringSeq: bad as number }, 0)).toBe(0);
    },
  );

  it('reads a corrupt afterSeq as 0', () => {
    expect(ringGap(mixed(), Number.NaN)).toBe(7);
    expect(ringGap(mixed(), -3)).toBe(7);
  });
});

const SID = 'sess-diff';
const hook = (name: string, extra: Record<string, unknown> = {}): CoreInput => ({
  type: 'hook',
  envelope: {
    cli: 'claude',
    payload: { session_id: SID, cwd: '/home/dev/src/acme-api', hook_event_name: name, ...extra },
    meta: { pid: 4242 },
  } satisfies HookEnvelope,
});
const bash = { tool_name: 'Bash', tool_input: { command: 'pnpm test' }, tool_use_id: 'tu1' };

function run(state: CoreState, inputs: CoreInput[], start: number): CoreState {
  let s = state;
  inputs.forEach((input, i) => {
    s = reduce(s, input, start + i * 1000).state;
  });
  return s;
}

describe.each(STORES)('with the core and the database (%s)', (kind) => {
  it('after a checkpoint, gives what the core changed since; after a reload, only what changed after it', async () => {
    const h = await openTestDb(kind);
    try {
      const first = run(initialState(), [hook('SessionStart', { source: 'startup' })], T0);
      const written = getOwn(first.sessions, SID)!;
      await recordBatch(h, { events: [], sessions: [written] });
      const next = run(
        first,
        [hook('UserPromptSubmit', { prompt: 'fix it' }), hook('PreToolUse', bash)],
        T0 + 10_000,
      );
      const s = getOwn(next.sessions, SID)!;
      const diff = ringEntriesAfter(s, written.ringSeq);
      expect(diff.promptHistory.map((p) => p.text)).toEqual(['fix it']);
      expect(diff.toolLog.map((t) => t.status)).toEqual(['running']);
      expect(diff.events.map((e) => e.type)).toEqual(['UserPromptSubmit']);
      expect(ringGap(s, written.ringSeq)).toBe(3);
      await recordBatch(h, { events: [], sessions: [s] });

      // A restart: the rings come back from the tables with seq 0, ringSeq from the row.
      const [loaded] = await loadLiveSessions(h.db, { now: T0 + 20_000 });
      expect(loaded?.ringSeq).toBe(s.ringSeq);
      expect(ringEntriesAfter(loaded!, 0)).toEqual({
        promptHistory: [],
        toolLog: [],
        responseLog: [],
        events: [],
      });
      const state = { ...next, sessions: pmapOf([[SID, loaded!]]) };
      const done = run(
        state,
        [hook('PostToolUse', { ...bash, tool_response: { stdout: 'ok' } })],
        T0 + 30_000,
      );
      const after = ringEntriesAfter(getOwn(done.sessions, SID)!, loaded!.ringSeq);
      expect(after.toolLog.map((t) => [t.toolUseId, t.status, t.seq])).toEqual([
        ['tu1', 'ok', s.ringSeq + 1],
      ]);
      expect(after.promptHistory).toEqual([]);
      expect(after.events).toEqual([]);
    } finally {
      await h.cleanup();
    }
  });
});

describe('ringsAtRisk', () => {
  const CAP = {
    promptHistory: LIMITS.promptHistory,
    toolLog: LIMITS.toolLog,
    responseLog: LIMITS.responseLog,
    events: LIMITS.events,
  };
  const start = hook('SessionStart', { source: 'startup' });
  const pre = (id: string, tool = 'Read') =>
    hook('PreToolUse', { tool_name: tool, tool_input: { file_path: id }, tool_use_id: id });

  it("a call replaced in place among a full ring's oldest is at risk however small the gap; the next append drops it", () => {
    // The main agent's Task call runs while its subagent makes a ring's worth of calls.
    let state = run(initialState(), [start, pre('task', 'Task')], T0);
    const calls = Array.from({ length: LIMITS.toolLog - 1 }, (_, i) =>
      hook('PreToolUse', {
        tool_name: 'Read',
        tool_input: { file_path: `f${i}` },
        tool_use_id: `r${i}`,
        agent_id: 'ag',
      }),
    );
    state = run(state, calls, T0 + 1000);
    const written = getOwn(state.sessions, SID)!;
    expect(written.toolLog).toHaveLength(LIMITS.toolLog);
    expect(written.toolLog[0]?.tool).toBe('Task');
    expect(ringsAtRisk(written, written.ringSeq, CAP, 1)).toBe(false);

    state = run(
      state,
      [hook('PostToolUse', { tool_name: 'Task', tool_input: {}, tool_use_id: 'task' })],
      T0 + 900_000,
    );
    const done = getOwn(state.sessions, SID)!;
    expect(done.toolLog[0]).toMatchObject({ tool: 'Task', status: 'ok' });
    expect(ringGap(done, written.ringSeq)).toBe(1);
    expect(ringsAtRisk(done, written.ringSeq, CAP, 1)).toBe(true);
    // Written now, nothing is at risk.
    expect(ringsAtRisk(done, done.ringSeq, CAP, 1)).toBe(false);

    // Not written: the next call pushes the finished Task out, its change with it.
    const next = getOwn(run(state, [pre('late')], T0 + 901_000).sessions, SID)!;
    expect(next.toolLog.some((t) => t.toolUseId === 'task')).toBe(false);
    expect(ringEntriesAfter(next, written.ringSeq).toolLog.map((t) => t.toolUseId)).toEqual(['late']);
  });

  it('entries appended since are at risk once the next appends would push the first of them out', () => {
    const base = run(initialState(), [start, hook('UserPromptSubmit', { prompt: 'go' })], T0);
    const written = getOwn(base.sessions, SID)!;
    const full = LIMITS.toolLog;
    const state = run(
      base,
      Array.from({ length: full - 1 }, (_, i) => pre(`t${i}`)),
      T0 + 1000,
    );
    const s = getOwn(state.sessions, SID)!;
    expect(s.toolLog).toHaveLength(full - 1);
    // One more append fills the ring, a second drops the oldest: at risk with a margin of 2, not 1.
    expect(ringsAtRisk(s, written.ringSeq, CAP, 1)).toBe(false);
    expect(ringsAtRisk(s, written.ringSeq, CAP, 2)).toBe(true);
    // Entries written already may leave.
    expect(ringsAtRisk(s, s.ringSeq, CAP, 2)).toBe(false);
  });

  it('reads the other rings the same way, and a corrupt afterSeq as 0', () => {
    const events = Array.from({ length: LIMITS.events }, (_, i) => event(`e${i}`, i + 1));
    const s = makeSession('s', { events, ringSeq: LIMITS.events });
    expect(ringsAtRisk(s, 0, CAP, 1)).toBe(true);
    expect(ringsAtRisk(s, Number.NaN, CAP, 1)).toBe(true);
    expect(ringsAtRisk(s, 1, CAP, 1)).toBe(false);
    expect(ringsAtRisk(s, 1, CAP, 2)).toBe(true);
    expect(ringsAtRisk(s, 0, CAP, 0)).toBe(false);
  });
});
