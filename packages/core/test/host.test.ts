import { describe, expect, it } from 'vitest';
import { getOwn } from '../src/pmap.js';
import { Harness, hook } from './helpers.js';

const start = (host?: string) =>
  hook(
    'claude',
    { session_id: 'h1', hook_event_name: 'SessionStart', cwd: '/home/dev/proj', source: 'startup' },
    host === undefined ? {} : { host },
  );

describe('host', () => {
  it('is the machine the hook reports (meta.host); null until an event says; kept when later events do not', () => {
    const h = new Harness();
    h.send(start());
    expect(getOwn(h.state.sessions, 'h1')?.host).toBeNull();
    h.send(start('build-box'));
    expect(getOwn(h.state.sessions, 'h1')?.host).toBe('build-box');
    h.send(start());
    expect(getOwn(h.state.sessions, 'h1')?.host).toBe('build-box');
    h.send(start('laptop'));
    expect(getOwn(h.state.sessions, 'h1')?.host).toBe('laptop');
  });
});
