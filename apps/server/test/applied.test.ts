/**
 * Which logged events a session's rows hold (several servers on one PostgreSQL, store/applied.ts): the records a
 * server writes with its rows, and what a restarted server replays on top of them.
 */
import type { LoggedSessionEvent } from '@flightdeck/db';
import { describe, expect, it } from 'vitest';
import type { CommitBatch } from '../src/ports.js';
import {
  APPLIED_PREFIX,
  createAppliedTracker,
  parseRecord,
  RECENT,
  type SessionRecord,
  toReplay,
} from '../src/store/applied.js';

function ev(id: number, sessionId: string | null, ingestId = `i-${id}`): LoggedSessionEvent {
  return {
    id,
    ingestId,
    sessionId,
    receivedAt: id,
    envelope: { cli: 'claude', payload: { session_id: sessionId ?? undefined }, meta: {} },
  } as LoggedSessionEvent;
}

function batch(applied: CommitBatch['applied'], more: Partial<CommitBatch> = {}): CommitBatch {
  return {
    events: [],
    sessions: [],
    removedSessionIds: [],
    rekeys: [],
    coreState: {} as CommitBatch['coreState'],
    stateChanged: true,
    ...(applied ? { applied } : {}),
    ...more,
  };
}

const ids = (list: LoggedSessionEvent[]) => list.map((e) => e.id);

describe('toReplay', () => {
  const records = new Map<string, SessionRecord>([
    ['a', { p: 10, r: ['i-12', 'i-9'] }],
    ['b', { p: 3, r: [] }],
  ]);

  it('replays what a record does not hold: after its prefix and not among its recent ingest ids', () => {
    const out = toReplay([ev(9, 'a'), ev(11, 'a'), ev(12, 'a'), ev(13, 'a')], records, new Set(['a']), 20);
    expect(ids(out)).toEqual([11, 13]);
  });

  it('a row without a record holds what is up to the watermark; a session with no row holds nothing', () => {
    const out = toReplay([ev(4, 'c'), ev(6, 'c'), ev(4.5, 'd'), ev(2, 'd')], new Map(), new Set(['c']), 5);
    expect(ids(out)).toEqual([2, 4.5, 6]);
  });

  it('a record wins over the watermark, both ways', () => {
    // b's row was written before the watermark (its prefix 3): its events up to the watermark are replayed too.
    const out = toReplay([ev(5, 'b'), ev(8, 'b')], records, new Set(['b']), 20);
    expect(ids(out)).toEqual([5, 8]);
  });

  it('each event once, oldest first, whatever the order and repetition of the candidates', () => {
    const out = toReplay([ev(13, 'a'), ev(11, 'a'), ev(13, 'a'), ev(2, null)], records, new Set(['a']), 20);
    expect(ids(out)).toEqual([2, 11, 13]);
  });
});

describe('the tracker', () => {
  it('keeps the last RECENT ingest ids of each session a staged batch changed, and takes them with the prefix', () => {
    let prefix = 7;
    const t = createAppliedTracker({ prefix: () => prefix });
    const many = Array.from({ length: RECENT + 5 }, (_, i) => ({ ingestId: `x-${i}`, sessions: ['s'] }));
    t.stage(batch([...many, { ingestId: 'y', sessions: ['s', 't'] }, { ingestId: 'z', sessions: [] }]), 1);
    prefix = 9;
    const held = t.take([{ sessionId: 's' }, { sessionId: 't' }, { sessionId: 'u' }]);
    expect(held.prefix).toBe(9);
    expect(held.records[0]?.r).toHaveLength(RECENT);
    expect(held.records[0]?.r.at(-1)).toBe('y');
    expect(held.records[0]?.r[0]).toBe(`x-${6}`);
    expect(held.records[1]).toEqual({ id: 't', p: 9, r: ['y'] });
    expect(held.records[2]).toEqual({ id: 'u', p: 9, r: [] });
    // Taken records do not change with later batches (a checkpoint plans them over several turns).
    t.stage(batch([{ ingestId: 'w', sessions: ['t'] }]), 2);
    expect(held.records[1]).toEqual({ id: 't', p: 9, r: ['y'] });
    expect(parseRecord(String((t.op('t', 3) as { value: string }).value))).toEqual({ p: 9, r: ['y', 'w'] });
  });

  it('deletes the records of sessions removed, evicted or re-keyed (the new id takes the old one’s)', () => {
    const t = createAppliedTracker({ prefix: () => 1 });
    t.stage(batch([{ ingestId: 'a1', sessions: ['old'] }]), 1);
    const ops = t.stage(
      batch([], {
        rekeys: [{ oldId: 'old', newId: 'new' }],
        removedSessionIds: ['gone'],
        evictedSessionIds: ['ended'],
      }),
      2,
    );
    expect(ops).toEqual([
      { op: 'kv', key: `${APPLIED_PREFIX}old`, value: null, at: 2 },
      { op: 'kv', key: `${APPLIED_PREFIX}gone`, value: null, at: 2 },
      { op: 'kv', key: `${APPLIED_PREFIX}ended`, value: null, at: 2 },
    ]);
    expect(t.take([{ sessionId: 'new' }]).records[0]?.r).toEqual(['a1']);
  });

  it('the watermark it writes is the prefix, not the highest id stored', () => {
    const t = createAppliedTracker({ prefix: () => 4 });
    expect(t.watermarkOp(4, 5)).toEqual({ op: 'kv', key: 'core.watermark', value: '4', at: 5 });
  });

  it('reads back only well-formed records', () => {
    expect(parseRecord('{"p":3,"r":["a",1]}')).toEqual({ p: 3, r: ['a'] });
    expect(parseRecord('{"p":"3","r":[]}')).toBeNull();
    expect(parseRecord('not json')).toBeNull();
  });
});
