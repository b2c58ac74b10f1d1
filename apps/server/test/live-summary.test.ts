/**
 * The live summary is derived from `Session`, not restated: every field of a session but its rings and status
 * timeline reaches the summary as it is, with no code per field; the rings arrive as their lengths.
 */
import { createSession } from '@flightdeck/core';
import { SESSION_RING_KEYS, type Session } from '@flightdeck/shared-types';
import { otherValue } from '@flightdeck/shared-types/testing';
import { describe, expect, it } from 'vitest';
import { sessionSummary } from '../src/live-summary.js';

function makeSession(id: string): Session {
  return createSession({
    sessionId: id,
    cli: 'claude',
    projectPath: '/home/dev/acme',
    source: 'tmux',
    now: 1000,
  });
}

const KEYS = Object.keys(makeSession('keys')) as (keyof Session)[];
const LEFT_OUT = new Set<string>([...SESSION_RING_KEYS, 'statusHistory']);

describe('sessionSummary', () => {
  it.each(KEYS)('%s: carried as it is, or counted when it is a ring', (key) => {
    const base = makeSession(`s-${key}`);
    const s = { ...base, [key]: otherValue(base[key], key) } as Session;
    const summary = sessionSummary(s) as unknown as Record<string, unknown>;
    for (const k of KEYS) {
      if (LEFT_OUT.has(k)) expect(summary, k).not.toHaveProperty(k);
      else expect(summary[k], k).toEqual(s[k]);
    }
    for (const ring of SESSION_RING_KEYS) {
      expect((summary.counts as Record<string, number>)[ring]).toBe(s[ring].length);
    }
    expect(summary.summary).toBe(true);
  });

  it('every summary has its keys in the same order (one shape)', () => {
    const a = Object.keys(sessionSummary(makeSession('a')));
    const b = Object.keys(sessionSummary({ ...makeSession('b'), host: 'box', label: 'x' }));
    expect(b).toEqual(a);
  });

  it('a session restored from an older state without a field gets the value a new session has', () => {
    const { host: _host, lineage: _lineage, ...old } = makeSession('old');
    const summary = sessionSummary(old as Session);
    expect(summary.host).toBeNull();
    expect(summary.lineage).toEqual([]);
  });
});
