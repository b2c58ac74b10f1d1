/**
 * Hostile ids in the live store: sessions and teams whose ids name Object.prototype members are ordinary
 * entries (added by a snapshot or an upsert, updated, removed), never confused with inherited members.
 */
import type { Team } from '@flightdeck/shared-types';
import { describe, expect, it } from 'vitest';
import { statsFromServer } from '../src/data/normalise.js';
import type { LiveSession } from '../src/data/types.js';
import { createSessionStore } from '../src/store/sessions.js';
import { makeLive } from './factory.js';

const HOSTILE = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

const team = (teamId: string, parentSessionId: string): Team => ({
  teamId,
  parentSessionId,
  childSessionIds: [],
  teamName: teamId,
  createdAt: 1,
});

/** The ids the store holds (its records are keyed by `storeKey(id)`). */
const ids = (rec: Record<string, LiveSession | Team>) =>
  Object.values(rec)
    .map((v) => ('sessionId' in v ? v.sessionId : v.teamId))
    .sort();

describe('session store: ids that name Object.prototype members', () => {
  it('snapshot, upsert, update and removal keep them as ordinary entries', () => {
    const store = createSessionStore();
    expect(store.session('constructor')).toBeUndefined();
    store.apply({
      type: 'snapshot',
      sessions: HOSTILE.slice(0, 3).map((id) => makeLive({ sessionId: id, title: `t ${id}` })),
      teams: [team('__proto__', '__proto__')],
      seq: 1,
    });
    for (const id of HOSTILE.slice(3)) {
      // never seen before: an upsert adds it (an inherited member must not pass for an existing card)
      store.apply({ type: 'session-upsert', session: makeLive({ sessionId: id, title: `t ${id}` }) });
    }
    store.apply({ type: 'team-upsert', team: team('constructor', 'constructor') });
    expect(ids(store.state.sessions)).toEqual([...HOSTILE].sort());
    expect(
      store
        .plainSessions()
        .map((s) => s.sessionId)
        .sort(),
    ).toEqual([...HOSTILE].sort());
    for (const id of HOSTILE) expect(store.session(id)?.title).toBe(`t ${id}`);
    expect(ids(store.state.teams)).toEqual(['__proto__', 'constructor']);

    for (const id of HOSTILE) {
      store.apply({
        type: 'session-upsert',
        session: makeLive({ sessionId: id, title: `u ${id}`, status: 'idle' }),
      });
      expect(store.session(id)).toMatchObject({ sessionId: id, title: `u ${id}`, status: 'idle' });
    }
    for (const id of HOSTILE) store.apply({ type: 'session-removed', sessionId: id });
    store.apply({ type: 'team-removed', teamId: '__proto__' });
    expect(ids(store.state.sessions)).toEqual([]);
    expect(ids(store.state.teams)).toEqual(['constructor']);
    expect(store.session('constructor')).toBeUndefined();
    expect(store.session('__proto__')).toBeUndefined();
    expect(store.team('toString')).toBeUndefined();
    expect(store.team('constructor')?.teamId).toBe('constructor');
    expect(({} as Record<string, unknown>).title).toBeUndefined();
  });

  it('a snapshot replaces them like any other ids', () => {
    const store = createSessionStore();
    store.apply({
      type: 'snapshot',
      sessions: HOSTILE.map((id) => makeLive({ sessionId: id })),
      teams: [],
      seq: 1,
    });
    expect(ids(store.state.sessions)).toEqual([...HOSTILE].sort());
    store.apply({ type: 'snapshot', sessions: [makeLive({ sessionId: 'valueOf' })], teams: [], seq: 1 });
    expect(ids(store.state.sessions)).toEqual(['valueOf']);
  });
});

describe('hook statistics: event names that are Object.prototype members', () => {
  it('are counted like any other event', () => {
    const events = JSON.parse(
      '{"__proto__": {"count": 2, "latency": null, "processing": null}, "constructor": {"count": 3, "latency": null, "processing": null}}',
    );
    const stats = statsFromServer({
      hooks: { events, totalHooks: 5, hooksPerMin: 5 },
      ingest: { batches: 1, hookEvents: 5, duplicates: 0, lastCommitMs: 1, queued: 0 },
    } as unknown as Parameters<typeof statsFromServer>[0]);
    expect(Object.keys(stats.hooks.perEvent)).toEqual(['__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(stats.hooks.perEvent, '__proto__')?.value).toBe(2);
    expect(stats.hooks.perEvent.constructor).toBe(3);
  });
});
