import type { HostMetric } from '@flightdeck/shared-types';
import { describe, expect, it } from 'vitest';
import type { CoreAlertRule } from '../src/alerts.js';
import {
  EMPTY_HOST_ALERT_STATE,
  evaluateHostAlerts,
  type HostAlertState,
  type HostAlertSubject,
} from '../src/host-alerts.js';

const MIN = 60_000;
const T0 = 1_800_000_000_000;

const rule = (id: string, condition: CoreAlertRule['condition'], enabled = true): CoreAlertRule => ({
  id,
  name: id,
  enabled,
  condition,
  channels: ['in-app', 'push'],
});

const OFFLINE = rule('offline-5', { type: 'host-offline', minutes: 5 });
const CPU_DANGER = rule('cpu-danger', { type: 'host-metric', metric: 'cpu', level: 'danger' });
const MEM_WARN = rule('mem-warn', { type: 'host-metric', metric: 'memory', level: 'warn' });

const percents = (over: Partial<Record<HostMetric, number | null>> = {}) => ({
  cpu: 10,
  memory: 40,
  load: 5,
  disk: 30,
  swap: null,
  ...over,
});

const host = (
  name: string,
  lastSeenAt: number | null,
  over: Partial<HostAlertSubject> = {},
): HostAlertSubject => ({
  name,
  lastSeenAt,
  revoked: false,
  latest: lastSeenAt === null ? null : { receivedAt: lastSeenAt, percents: percents() },
  ...over,
});

/** Runs the steps in order, the state carried from one to the next; returns the titles fired at each. */
function run(rules: CoreAlertRule[], steps: Array<{ now: number; hosts: HostAlertSubject[] }>) {
  let state: HostAlertState = EMPTY_HOST_ALERT_STATE;
  return steps.map(({ now, hosts }) => {
    const r = evaluateHostAlerts(rules, hosts, now, state);
    state = r.state;
    return r.fires.map((f) => f.alert.title);
  });
}

describe('host alert rules', () => {
  it('fires once when a host has been silent for the rule’s minutes, again only after it came back and went silent', () => {
    const rules = [OFFLINE];
    const fired = run(rules, [
      { now: T0, hosts: [host('box', T0)] }, // the rule starts: box is online
      { now: T0 + 4 * MIN, hosts: [host('box', T0)] }, // silent 4 min: not yet
      { now: T0 + 5 * MIN, hosts: [host('box', T0)] }, // 5 min: fires
      { now: T0 + 9 * MIN, hosts: [host('box', T0)] }, // still silent: not again
      { now: T0 + 10 * MIN, hosts: [host('box', T0 + 10 * MIN)] }, // back
      { now: T0 + 16 * MIN, hosts: [host('box', T0 + 10 * MIN)] }, // silent again for 6 min: fires again
    ]);
    expect(fired).toEqual([[], [], ['box: offline'], [], [], ['box: offline']]);
  });

  it('fires when a metric reaches the rule’s level, not while it stays there, and again after it fell back', () => {
    const at = (t: number, cpu: number, memory = 40) =>
      host('box', t, { latest: { receivedAt: t, percents: percents({ cpu, memory }) } });
    const fired = run(
      [CPU_DANGER, MEM_WARN],
      [
        { now: T0, hosts: [at(T0, 20)] },
        { now: T0 + 5_000, hosts: [at(T0 + 5_000, 79)] }, // a warning only: the danger rule waits
        { now: T0 + 10_000, hosts: [at(T0 + 10_000, 85, 72)] }, // CPU in danger, memory in warning
        { now: T0 + 15_000, hosts: [at(T0 + 15_000, 95, 75)] }, // still: nothing new
        { now: T0 + 20_000, hosts: [at(T0 + 20_000, 30, 75)] }, // CPU back down
        { now: T0 + 25_000, hosts: [at(T0 + 25_000, 81, 75)] }, // CPU in danger again
      ],
    );
    expect(fired).toEqual([[], [], ['box: CPU 85 %', 'box: Memory 72 %'], [], [], ['box: CPU 81 %']]);
  });

  it('starts a new rule from what is true now, and says nothing of revoked hosts, never-heard hosts or disabled rules', () => {
    const silent = host('old', T0 - 60 * MIN);
    const hot = host('hot', T0, { latest: { receivedAt: T0, percents: percents({ cpu: 99 }) } });
    expect(
      run(
        [OFFLINE, CPU_DANGER],
        [
          { now: T0, hosts: [silent, hot] }, // both conditions already hold when the rules start: seen, not fired
          { now: T0 + MIN, hosts: [silent, hot] },
        ],
      ),
    ).toEqual([[], []]);
    const revoked = host('gone', T0 - 60 * MIN, { revoked: true });
    const never = host('new', null);
    const state = evaluateHostAlerts([OFFLINE], [host('gone', T0), never], T0, EMPTY_HOST_ALERT_STATE).state;
    expect(evaluateHostAlerts([OFFLINE], [revoked, never], T0 + 90 * MIN, state).fires).toEqual([]);
    const off = rule('off', { type: 'host-offline', minutes: 1 }, false);
    expect(evaluateHostAlerts([off], [silent], T0, { fired: {}, rules: ['off'] }).fires).toEqual([]);
  });

  it('says which host and rule: no session, the rule’s channels, a key that names the occurrence', () => {
    let state = evaluateHostAlerts([OFFLINE], [host('box', T0)], T0, EMPTY_HOST_ALERT_STATE).state;
    const r = evaluateHostAlerts([OFFLINE], [host('box', T0)], T0 + 5 * MIN, state);
    state = r.state;
    expect(r.fires).toEqual([
      {
        alert: {
          ruleId: 'offline-5',
          sessionId: null,
          condition: 'host-offline',
          title: 'box: offline',
          body: 'Not heard from for 5 minutes or more.',
          dedupeKey: `offline-5:host:box:offline@${T0}`,
          at: T0 + 5 * MIN,
          approvalId: null,
        },
        channels: ['in-app', 'push'],
      },
    ]);
    expect(state.fired).toEqual({ 'offline-5\nbox': `offline@${T0}` });
  });
});
