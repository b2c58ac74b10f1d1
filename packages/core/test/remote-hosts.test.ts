/**
 * Sessions on other machines (issue 19): no local process check or kill for them; a `process-gone` input from their
 * host ends them as the local liveness check ends a local session.
 */
import { describe, expect, it } from 'vitest';
import { getOwn } from '../src/pmap.js';
import { rehydrate } from '../src/rehydrate.js';
import type { CoreInput, Effect } from '../src/types.js';
import { Harness, hook, IDENTITY, user } from './helpers.js';

const LOCAL = 'central';
const configure = (localHost?: unknown): CoreInput =>
  ({
    type: 'configure',
    config: { autoIdleMs: {}, ...(localHost === undefined ? {} : { localHost }) },
  }) as CoreInput;

const start = (id: string, pid: number, host?: string) =>
  hook(
    'claude',
    { session_id: id, hook_event_name: 'SessionStart', cwd: '/home/dev/p', source: 'startup' },
    { pid, ...(host === undefined ? {} : { host }) },
  );

const processEffects = (effects: Effect[]) =>
  effects.filter((e) => e.type === 'watch-pid' || e.type === 'check-children' || e.type === 'kill-pid');

function harness(localHost: string | null = LOCAL) {
  const h = new Harness();
  h.send(configure(localHost ?? undefined));
  return h;
}

describe('remote sessions: no local process checks', () => {
  it.each([
    // event host, local host configured, a local process check?
    [undefined, LOCAL, true],
    [LOCAL, LOCAL, true],
    ['host-a', LOCAL, false],
    ['host-a', null, true], // no local host known: one machine, as before
  ] as const)('an event from host %s (this machine: %s): watch-pid emitted = %s', (host, local, watched) => {
    const h = harness(local);
    const effects = h.send(start('s1', 4242, host));
    expect(processEffects(effects).map((e) => e.type)).toEqual(watched ? ['watch-pid'] : []);
    expect(h.session('s1').pid).toBe(4242);
  });

  it('a remote session is never killed here, and a local pid-dead or identification does not touch it', () => {
    const h = harness();
    h.send(start('r1', 321, 'host-a'));
    const killed = h.send(user({ type: 'kill', sessionId: 'r1', by: null }));
    expect(processEffects(killed)).toEqual([]);
    expect(killed).toContainEqual({
      type: 'rejected',
      reason: 'kill: session r1 runs on host host-a: Flightdeck signals processes of this machine only',
    });
    h.send({ type: 'pid-dead', sessionId: 'r1', pid: 321 });
    expect(h.session('r1').status).not.toBe('ended');
    h.send({ type: 'process-identified', sessionId: 'r1', pid: 321, identity: IDENTITY, refused: null });
    expect(getOwn(h.state.runtime, 'r1')?.process ?? null).toBeNull();
  });

  it('rehydrate and the auto-idle check leave remote PIDs alone', () => {
    const h = harness();
    h.send(start('l1', 100, LOCAL));
    h.send(start('r1', 200, 'host-a'));
    for (const id of ['l1', 'r1']) {
      h.send(
        hook('claude', {
          session_id: id,
          hook_event_name: 'UserPromptSubmit',
          prompt: 'go',
          cwd: '/home/dev/p',
        }),
      );
      h.send(
        hook('claude', {
          session_id: id,
          hook_event_name: 'PreToolUse',
          tool_name: 'Bash',
          tool_input: { command: 'sleep 1000' },
          tool_use_id: `t-${id}`,
          cwd: '/home/dev/p',
        }),
      );
    }
    const pids = processEffects(rehydrate(h.state, h.now)).map((e) => ('pid' in e ? e.pid : null));
    expect(pids).toEqual([100]);
    h.effects = [];
    h.advance(60 * 60 * 1000);
    const checks = processEffects(h.effects).map((e) => `${e.type}:${'pid' in e ? e.pid : ''}`);
    expect(checks).not.toContain('check-children:200');
  });

  it('kills a local session as before', () => {
    const h = harness();
    h.send(start('l1', 321, LOCAL));
    h.send({ type: 'process-identified', sessionId: 'l1', pid: 321, identity: IDENTITY, refused: null });
    const killed = h.send(user({ type: 'kill', sessionId: 'l1', by: null }));
    expect(processEffects(killed).map((e) => e.type)).toEqual(['kill-pid']);
  });
});

describe('process-gone', () => {
  it.each([
    // input, sessions ended
    [{ host: 'host-a', pid: 500 }, ['a1']],
    [{ host: 'host-a', pid: 501 }, []],
    [{ host: 'host-b', pid: 500 }, ['b1']],
    [{ host: 'host-c', pid: 500 }, []],
  ])('%o ends %o', (gone, ended) => {
    const h = harness();
    h.send(start('a1', 500, 'host-a'));
    h.send(start('b1', 500, 'host-b'));
    h.send(start('l1', 500, LOCAL));
    h.send({ type: 'process-gone', ...gone });
    expect(
      h.sessionList
        .filter((s) => s.status === 'ended')
        .map((s) => s.sessionId)
        .sort(),
    ).toEqual(ended);
    for (const id of ended)
      expect(h.session(id).statusReason).toMatchObject({ cause: 'pid', trigger: 'process-gone' });
  });

  it.each([
    [{ host: LOCAL, pid: 500 }, /this machine/],
    [{ host: '', pid: 500 }, /host: expected a host name/],
    [{ host: 'host-a', pid: 0 }, /pid: expected a positive integer/],
    [{ host: 'host-a', pid: 1.5 }, /pid: expected a positive integer/],
  ])('refuses %o (a local session is checked here, never ended by a report)', (gone, reason) => {
    const h = harness();
    h.send(start('l1', 500, LOCAL));
    const effects = h.send({ type: 'process-gone', ...gone } as CoreInput);
    expect(effects).toContainEqual({ type: 'rejected', reason: expect.stringMatching(reason) });
    expect(h.session('l1').status).not.toBe('ended');
  });

  it('configure checks localHost', () => {
    const h = new Harness();
    for (const bad of ['', 42, 'x'.repeat(257)]) {
      expect(h.send(configure(bad))).toContainEqual({
        type: 'rejected',
        reason: 'configure.localHost: expected a host name (1 to 256 characters)',
      });
    }
    h.send(configure(LOCAL));
    expect(h.state.config?.localHost).toBe(LOCAL);
  });
});
