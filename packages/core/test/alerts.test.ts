import type { AlertCondition, AlertRule, HookMeta, PendingApproval } from '@flightdeck/shared-types';
import { describe, expect, it } from 'vitest';
import { type CoreState, type Effect, pmapOf, rehydrate, valuesOf } from '../src/index.js';
import { Harness, hook, IDENTITY, user } from './helpers.js';

const SID = 'sess-a';
const MIN = 60_000;
const base = { session_id: SID, cwd: '/home/dev/proj' };
const claude = (name: string, extra: Record<string, unknown> = {}, meta: HookMeta = { pid: 321 }) =>
  hook('claude', { ...base, hook_event_name: name, ...extra }, meta);

function rule(id: string, condition: AlertCondition, extra: Partial<AlertRule> = {}): AlertRule {
  return { id, name: id, enabled: true, condition, channels: ['in-app', 'push'], ...extra };
}

const fires = (effects: readonly Effect[]) =>
  effects.filter((e): e is Extract<Effect, { type: 'alert-fire' }> => e.type === 'alert-fire');

/** A Claude session with a prompt under way. */
function working(rules: AlertRule[]): Harness {
  const h = new Harness();
  h.send({ type: 'alert-rules', rules });
  h.send(claude('SessionStart', { source: 'startup' }));
  h.advance(5);
  h.send(claude('UserPromptSubmit', { prompt: 'go' }));
  h.advance(5);
  return h;
}

const bash = { tool_name: 'Bash', tool_input: { command: 'npm publish' } };

/** Puts a decidable approval on the session (what the approvals core does for a held PermissionRequest). */
function openHeldApproval(h: Harness, id: string): void {
  const s = h.session(SID);
  const pending: PendingApproval = {
    tool: 'Bash',
    toolInput: { command: 'npm publish' },
    toolUseId: null,
    detail: 'Approve Bash: npm publish',
    since: h.now,
    source: 'permission_request',
    kind: 'approval',
    agentId: null,
    suggestions: [],
    id,
    decidable: true,
  };
  h.state = {
    ...h.state,
    sessions: pmapOf([
      ...valuesOf(h.state.sessions)
        .filter((x) => x.sessionId !== SID)
        .map((x): [string, typeof x] => [x.sessionId, x]),
      [SID, { ...s, status: 'approval', pendingApproval: pending, waitingDetail: pending.detail }],
    ]),
  };
  // any input that touches the session: the rules are evaluated on session changes
  h.send(
    claude('Notification', { notification_type: 'permission_prompt', message: 'Claude needs permission' }),
  );
}

describe('alert conditions (each row: a script, then how many times the rule fired and with what)', () => {
  // biome-ignore format: table
  const rows: Array<{
    name: string;
    condition: AlertCondition;
    script: (h: Harness) => void;
    fired: number;
    title?: string;
    body?: string;
  }> = [
    { name: 'approval waiting 5 min: fires at 5 min, once', condition: { type: 'approval-waiting', minutes: 5 },
      script: (h) => { h.send(claude('PreToolUse', bash)); h.send(claude('PermissionRequest', bash)); h.advance(4 * MIN); expect(fires(h.effects)).toHaveLength(0); h.advance(1 * MIN); h.advance(60 * MIN); },
      fired: 1, title: 'proj · go: waiting 5 minutes for approval', body: 'Approve Bash: npm publish' },
    { name: 'approval answered before the deadline: never fires', condition: { type: 'approval-waiting', minutes: 5 },
      script: (h) => { h.send(claude('PreToolUse', bash)); h.send(claude('PermissionRequest', bash)); h.advance(2 * MIN); h.send(claude('PostToolUse', { ...bash, tool_response: 'ok' })); h.advance(30 * MIN); },
      fired: 0 },
    { name: 'two approvals in a row, each waiting long: fires twice', condition: { type: 'approval-waiting', minutes: 1 },
      script: (h) => { h.send(claude('PreToolUse', bash)); h.send(claude('PermissionRequest', bash)); h.advance(2 * MIN); h.send(claude('PostToolUse', { ...bash, tool_response: 'ok' })); h.send(claude('PreToolUse', bash)); h.send(claude('PermissionRequest', bash)); h.advance(2 * MIN); },
      fired: 2 },
    { name: 'idle 10 min after the turn finished (through the auto-idle): fires once', condition: { type: 'idle', minutes: 10 },
      script: (h) => { h.send(claude('Stop')); h.advance(9 * MIN); expect(fires(h.effects)).toHaveLength(0); h.advance(2 * MIN); h.advance(120 * MIN); },
      fired: 1, title: 'proj · go: idle for 10 minutes' },
    { name: 'a new prompt before the idle deadline: no alert', condition: { type: 'idle', minutes: 10 },
      script: (h) => { h.send(claude('Stop')); h.advance(5 * MIN); h.send(claude('UserPromptSubmit', { prompt: 'more' })); h.send(claude('PreToolUse', bash)); h.advance(3 * MIN); h.send(claude('Stop')); h.advance(9 * MIN); },
      fired: 0 },
    { name: 'error: a failed turn fires at once, once', condition: { type: 'error' },
      script: (h) => { h.send(claude('StopFailure', { error: 'rate_limit' })); h.send(claude('Notification', { notification_type: 'idle_prompt', message: 'waiting' })); h.advance(10 * MIN); },
      fired: 1, title: 'proj · go: turn failed', body: 'Turn failed: rate_limit' },
    { name: 'error: a normal Stop does not fire', condition: { type: 'error' },
      script: (h) => { h.send(claude('Stop')); },
      fired: 0 },
    { name: 'ended unexpectedly: the process died', condition: { type: 'ended-unexpectedly' },
      script: (h) => { h.send({ type: 'pid-dead', sessionId: SID, pid: 321 }); h.send({ type: 'pid-dead', sessionId: SID, pid: 321 }); },
      fired: 1, title: 'proj · go: ended unexpectedly', body: 'Process 321 exited' },
    { name: 'ended unexpectedly: a SessionEnd exit is expected', condition: { type: 'ended-unexpectedly' },
      script: (h) => { h.send(claude('SessionEnd', { reason: 'prompt_input_exit' })); },
      fired: 0 },
    { name: 'ended unexpectedly: a kill from the dashboard is expected', condition: { type: 'ended-unexpectedly' },
      script: (h) => { h.send({ type: 'process-identified', sessionId: SID, pid: 321, identity: IDENTITY, refused: null }); h.send(user({ type: 'kill', sessionId: SID })); h.advance(1000); h.send({ type: 'pid-dead', sessionId: SID, pid: 321 }); },
      fired: 0 },
    { name: 'approval opened: a decidable approval fires at once, once', condition: { type: 'approval-opened' },
      script: (h) => { openHeldApproval(h, 'appr-1'); h.send(claude('Notification', { notification_type: 'permission_prompt', message: 'again' })); },
      fired: 1, title: 'proj · go: Bash needs approval', body: 'Approve Bash: npm publish' },
    { name: 'approval opened: a PermissionRequest that no hook holds (not decidable) does not fire', condition: { type: 'approval-opened' },
      script: (h) => { h.send(claude('PreToolUse', bash)); h.send(claude('PermissionRequest', bash)); },
      fired: 0 },
  ];

  for (const row of rows) {
    it(row.name, () => {
      const h = working([rule('r1', row.condition)]);
      row.script(h);
      const got = fires(h.effects);
      expect(got).toHaveLength(row.fired);
      for (const f of got) {
        expect(f).toMatchObject({ ruleId: 'r1', sessionId: SID, condition: row.condition.type });
        expect(f.channels).toEqual(['in-app', 'push']);
        expect(f.dedupeKey.startsWith(`r1:${SID}:`)).toBe(true);
      }
      expect(new Set(got.map((f) => f.dedupeKey)).size).toBe(got.length);
      if (row.title !== undefined) expect(got[0]?.title).toBe(row.title);
      if (row.body !== undefined) expect(got[0]?.body).toBe(row.body);
    });
  }

  it('approval opened carries the approval id', () => {
    const h = working([rule('r1', { type: 'approval-opened' })]);
    openHeldApproval(h, 'appr-7');
    expect(fires(h.effects)[0]).toMatchObject({ approvalId: 'appr-7', dedupeKey: `r1:${SID}:appr-7` });
  });
});

describe('alert rules as data', () => {
  it('a disabled rule never fires and its timers are cancelled when it is disabled', () => {
    const r = rule('r1', { type: 'approval-waiting', minutes: 5 });
    const h = working([r]);
    h.send(claude('PreToolUse', bash));
    h.send(claude('PermissionRequest', bash));
    const armed = h.last.find((e) => e.type === 'arm-timer' && e.key.startsWith('alert:'));
    expect(armed).toBeDefined();
    h.send({ type: 'alert-rules', rules: [{ ...r, enabled: false }] });
    expect(h.last).toContainEqual({ type: 'cancel-timer', key: (armed as { key: string }).key });
    h.advance(30 * MIN);
    expect(fires(h.effects)).toHaveLength(0);
  });

  it('a rule added while its condition already holds takes it as seen (no alert for the past)', () => {
    const h = working([]);
    h.send(claude('StopFailure', { error: 'overloaded' }));
    h.send({ type: 'alert-rules', rules: [rule('r1', { type: 'error' })] });
    h.send(claude('Notification', { notification_type: 'idle_prompt', message: 'waiting' }));
    expect(fires(h.effects)).toHaveLength(0);
    // the next failure is a new occurrence
    h.send(claude('UserPromptSubmit', { prompt: 'again' }));
    h.advance(1000);
    h.send(claude('StopFailure', { error: 'overloaded' }));
    expect(fires(h.effects)).toHaveLength(1);
  });

  it('a timed rule added while an approval waits is armed for the rest of its wait', () => {
    const h = working([]);
    h.send(claude('PreToolUse', bash));
    h.send(claude('PermissionRequest', bash));
    h.advance(3 * MIN);
    h.send({ type: 'alert-rules', rules: [rule('r1', { type: 'approval-waiting', minutes: 5 })] });
    h.advance(2 * MIN - 1);
    expect(fires(h.effects)).toHaveLength(0);
    h.advance(1);
    expect(fires(h.effects)).toHaveLength(1);
  });

  it('invalid rules are rejected and the rules in force stay', () => {
    const h = working([rule('r1', { type: 'error' })]);
    // biome-ignore format: table
    const bad: Array<[unknown, string]> = [
      ['nope', 'expected an array'],
      [[{ ...rule('r2', { type: 'error' }), channels: [] }], 'alert-rules.rules.0.channels'],
      [[rule('r2', { type: 'idle', minutes: 0 })], 'alert-rules.rules.0.condition.minutes'],
      [[{ ...rule('r2', { type: 'error' }), condition: { type: 'cost', usd: 3 } }], 'alert-rules.rules.0.condition'],
      [[rule('bad\nid', { type: 'error' })], 'alert-rules.rules.0.id'],
      [[rule('r2', { type: 'error' }), rule('r2', { type: 'idle', minutes: 3 })], 'duplicate id r2'],
    ];
    for (const [rules, reason] of bad) {
      const before = h.state;
      const effects = h.send({ type: 'alert-rules', rules } as never);
      expect(effects).toHaveLength(1);
      expect(effects[0]).toMatchObject({ type: 'rejected' });
      expect((effects[0] as { reason: string }).reason).toContain(reason);
      expect(h.state).toBe(before);
    }
    expect(h.state.alerts?.rules.map((r) => r.id)).toEqual(['r1']);
  });

  it('a webhook rule is taken without its webhook (the shell keeps it)', () => {
    const h = working([rule('r1', { type: 'error' }, { channels: ['webhook'] })]);
    h.send(claude('StopFailure', { error: 'x' }));
    expect(fires(h.effects).map((f) => f.channels)).toEqual([['webhook']]);
  });

  it('the webhook secret is not kept in the core state (nor in its checkpoints)', () => {
    const h = working([
      rule(
        'r1',
        { type: 'error' },
        { webhook: { url: 'https://example.com/h', secret: 's3cret-s3cret-s3cret' } },
      ),
    ]);
    expect(JSON.stringify(h.state)).not.toContain('s3cret');
    expect(JSON.stringify(h.state)).not.toContain('example.com');
  });

  it('a removed session drops what was fired and armed for it', () => {
    const h = working([rule('r1', { type: 'approval-waiting', minutes: 5 }), rule('r2', { type: 'error' })]);
    h.send(claude('StopFailure', { error: 'x' }));
    h.send(claude('UserPromptSubmit', { prompt: 'again' }));
    h.send(claude('PreToolUse', bash));
    h.send(claude('PermissionRequest', bash));
    expect(Object.keys(h.state.alerts?.watches ?? {})).toHaveLength(1);
    h.send(user({ type: 'delete', sessionId: SID }));
    expect(h.state.alerts?.watches).toEqual({});
    expect(h.state.alerts?.fired).toEqual({});
    expect(h.last.some((e) => e.type === 'cancel-timer' && e.key.startsWith('alert:'))).toBe(true);
  });
});

describe('alerts across a restart', () => {
  it('the rules sent at start drop what was kept for sessions the loaded state no longer holds', () => {
    const h = working([rule('r1', { type: 'error' }), rule('r2', { type: 'approval-waiting', minutes: 5 })]);
    h.send(claude('StopFailure', { error: 'x' }));
    h.send(claude('UserPromptSubmit', { prompt: 'again' }));
    h.send(claude('PreToolUse', bash));
    h.send(claude('PermissionRequest', bash));
    expect(Object.keys(h.state.alerts?.fired ?? {})).toHaveLength(1);
    expect(Object.keys(h.state.alerts?.watches ?? {})).toHaveLength(1);
    // loaded without that session (ended long ago: not among the live sessions)
    h.state = { ...h.state, sessions: pmapOf([]) };
    h.send({
      type: 'alert-rules',
      rules: [rule('r1', { type: 'error' }), rule('r2', { type: 'approval-waiting', minutes: 5 })],
    });
    expect(h.state.alerts?.fired).toEqual({});
    expect(h.state.alerts?.watches).toEqual({});
    expect(h.last.some((e) => e.type === 'cancel-timer' && e.key.startsWith('alert:'))).toBe(true);
  });

  it('an armed alert timer is armed again by rehydrate and fires once; what was fired is not fired again', () => {
    const h = working([rule('r1', { type: 'approval-waiting', minutes: 5 }), rule('r2', { type: 'error' })]);
    h.send(claude('PreToolUse', bash));
    h.send(claude('PermissionRequest', bash));
    h.advance(MIN);
    // restart: the state as checkpointed (JSON), timers gone
    const saved = JSON.parse(JSON.stringify({ ...h.state, sessions: {}, runtime: {} })) as CoreState;
    const restored = new Harness(h.now + 10 * MIN);
    restored.state = { ...saved, sessions: h.state.sessions, runtime: h.state.runtime };
    const effects = rehydrate(restored.state, restored.now);
    const alertTimer = effects.find((e) => e.type === 'arm-timer' && e.key.startsWith('alert:'));
    expect(alertTimer).toBeDefined();
    const t = alertTimer as Extract<Effect, { type: 'arm-timer' }>;
    restored.send(t.input);
    restored.send(t.input); // delivered twice: the second is stale
    expect(fires(restored.effects)).toHaveLength(1);
    // the same rules sent again at start: nothing restarts, nothing fires
    restored.send({
      type: 'alert-rules',
      rules: [rule('r1', { type: 'approval-waiting', minutes: 5 }), rule('r2', { type: 'error' })],
    });
    restored.advance(60 * MIN);
    expect(fires(restored.effects)).toHaveLength(1);
  });
});
