import { describe, expect, it } from 'vitest';
import { getOwn } from '../src/pmap.js';
import { Harness, hook } from './helpers.js';

const start = (id: string) =>
  hook('claude', {
    session_id: id,
    hook_event_name: 'SessionStart',
    source: 'startup',
    cwd: `/home/dev/${id}`,
  });
const end = (id: string) => hook('claude', { session_id: id, hook_event_name: 'SessionEnd', reason: 'exit' });

describe('evict-ended (retention: ended sessions leave memory)', () => {
  it('drops the sessions that ended before `before`, as session-evicted (not removed); keeps the others', () => {
    const h = new Harness();
    h.send(start('old'));
    h.send(end('old'));
    h.advance(3_600_000);
    h.send(start('recent'));
    h.send(end('recent'));
    h.send(start('live'));
    const effects = h.send({ type: 'evict-ended', before: h.now - 60_000 });
    expect(effects).toEqual([{ type: 'session-evicted', sessionId: 'old' }]);
    expect(getOwn(h.state.sessions, 'old')).toBeUndefined();
    expect(getOwn(h.state.runtime, 'old')).toBeUndefined();
    expect(h.sessionList.map((s) => s.sessionId).sort()).toEqual(['live', 'recent']);
    // Nothing more to evict: the same state, no effect.
    const before = h.state;
    expect(h.send({ type: 'evict-ended', before: h.now - 60_000 })).toEqual([]);
    expect(h.state).toBe(before);
  });

  it('refuses a before that is not a number', () => {
    const h = new Harness();
    expect(h.send({ type: 'evict-ended', before: Number.NaN })).toEqual([
      { type: 'rejected', reason: 'evict-ended: before must be a number' },
    ]);
  });
});
