import type { Session } from '@flightdeck/shared-types';
import { describe, expect, it } from 'vitest';
import { connectingIds } from '../src/connecting.js';
import { filterValues, type PMap } from '../src/pmap.js';
import { Harness, hook } from './helpers.js';

const start = (id: string, cwd: string) =>
  hook('claude', { session_id: id, hook_event_name: 'SessionStart', source: 'startup', cwd });

const scanned = (m: PMap<Session>) =>
  filterValues(m, (s) => s.status === 'connecting')
    .map((s) => s.sessionId)
    .sort();

describe('connecting cards, carried from step to step', () => {
  it('equals a scan of every session after every step (created, adopted, deleted, expired)', () => {
    const h = new Harness();
    const check = () =>
      expect([...connectingIds(h.state.sessions)].sort()).toEqual(scanned(h.state.sessions));
    check(); // first use: scanned once, then carried
    for (let i = 0; i < 5; i++) {
      h.send({
        type: 'terminal-created',
        terminalId: `T${i}`,
        workDir: `/home/dev/p${i % 2}`,
        cli: 'claude',
      });
      check();
    }
    expect(connectingIds(h.state.sessions)).toHaveLength(5);
    h.send({ type: 'user', action: { type: 'delete', sessionId: 'T4' } });
    check();
    h.advance(61_000); // links expired, cards still connecting
    for (let i = 0; i < 20; i++) {
      h.send(start(`S${i}`, `/home/dev/other${i}`));
      check();
    }
    // /home/dev/p1 has T1 and T3: ambiguous, nothing adopted; /home/dev/p0 has T0 and T2: ambiguous too.
    h.send({ type: 'user', action: { type: 'delete', sessionId: 'T2' } });
    check();
    h.send(start('A', '/home/dev/p0')); // now exactly one in p0: T0 adopted
    check();
    expect(h.state.sessions).toBeDefined();
    expect([...connectingIds(h.state.sessions)].sort()).toEqual(['T1', 'T3']);
    expect(h.session('A').events.some((e) => e.detail.includes('connecting-path'))).toBe(true);
  });
});
