import type { ApprovalDecisionRecord, HookMeta } from '@flightdeck/shared-types';
import { describe, expect, it } from 'vitest';
import {
  approvalsOf,
  type CoreInput,
  type Effect,
  HOLD_GONE_GRACE_MS,
  MAX_CLOSED_APPROVALS,
  reduce,
  rehydrate,
  replyLine,
} from '../src/index.js';
import { Harness, hook } from './helpers.js';

const SID = 'sess-h';
const T0 = 1_700_000_000_000;
const base = { session_id: SID, cwd: '/home/dev/proj' };
const SPOOL = '/home/dev/.flightdeck/spool';
const ID1 = 'abcdef01-000000123456-4242';
const ID2 = 'abcdef01-000000123999-4343';
const claude = (name: string, extra: Record<string, unknown> = {}, meta: HookMeta = { pid: 777 }) =>
  hook('claude', { ...base, hook_event_name: name, ...extra }, meta);
const BASH = { command: 'rm -rf build' };
const pre = (input: Record<string, unknown> = BASH, tool = 'Bash', id = 'tu1', agentId?: string) =>
  claude('PreToolUse', {
    tool_name: tool,
    tool_input: input,
    tool_use_id: id,
    ...(agentId ? { agent_id: agentId } : {}),
  });
const post = (input: Record<string, unknown> = BASH, tool = 'Bash', id = 'tu1') =>
  claude('PostToolUse', { tool_name: tool, tool_input: input, tool_use_id: id, tool_response: 'ok' });
function held(
  input: Record<string, unknown> = BASH,
  tool = 'Bash',
  recordId = ID1,
  extra: Record<string, unknown> = {},
) {
  return claude(
    'PermissionRequest',
    { tool_name: tool, tool_input: input, permission_suggestions: [], ...extra },
    { pid: 777, hold: `${SPOOL}/hold/${recordId}`, holdPid: 4242 },
  );
}
const decide = (approvalId: string, d: Record<string, unknown> = {}): CoreInput =>
  ({
    type: 'approval-decide',
    approvalId,
    behavior: 'allow',
    by: { address: '127.0.0.1', authenticated: false },
    via: 'browser',
    ...d,
  }) as CoreInput;

/** What the transcript follower reports after Esc at a permission prompt. */
const interruptAtPrompt = (at: number): CoreInput =>
  ({
    type: 'transcript',
    sessionId: SID,
    path: '/home/dev/t.jsonl',
    offset: 10,
    skipped: 0,
    entries: [{ kind: 'interrupted', atToolPrompt: true, at, uuid: null, agentId: null }],
  }) as CoreInput;

function of<T extends Effect['type']>(effects: Effect[], type: T): Extract<Effect, { type: T }>[] {
  return effects.filter((e): e is Extract<Effect, { type: T }> => e.type === type);
}
const records = (effects: Effect[]): ApprovalDecisionRecord[] =>
  of(effects, 'approval-closed').map((e) => e.record);

/** A Claude session with a Bash call waiting on a held PermissionRequest. */
function waiting(): Harness {
  const h = new Harness(T0);
  h.send(claude('SessionStart', { source: 'startup' }));
  h.advance(5);
  h.send(claude('UserPromptSubmit', { prompt: 'go' }));
  h.advance(5);
  h.send(pre());
  h.advance(5);
  h.send(held());
  return h;
}

describe('held approvals: opening', () => {
  it('a PermissionRequest with meta.hold opens a decidable approval, the FIFO and the hold timer', () => {
    const h = new Harness(T0);
    h.send(claude('SessionStart', { source: 'startup' }));
    h.send(pre());
    const eff = h.send(held());
    expect(h.session(SID).pendingApproval).toMatchObject({ id: ID1, decidable: true, tool: 'Bash' });
    expect(h.session(SID).status).toBe('approval');
    expect(of(eff, 'hold-open')).toEqual([
      { type: 'hold-open', approvalId: ID1, path: `${SPOOL}/hold/${ID1}`, pid: 4242 },
    ]);
    const arm = of(eff, 'arm-timer').find((e) => e.input.type === 'timer' && e.input.kind === 'hold');
    expect(arm?.deadline).toBe(h.now + 3600_000);
    expect(Object.keys(approvalsOf(h.state).open)).toEqual([ID1]);
  });

  it('without meta.hold nothing is held (the card is not decidable)', () => {
    const h = new Harness(T0);
    h.send(claude('SessionStart', { source: 'startup' }));
    const eff = h.send(claude('PermissionRequest', { tool_name: 'Bash', tool_input: BASH }));
    expect(h.session(SID).pendingApproval).toMatchObject({ id: null, decidable: false });
    expect(of(eff, 'hold-open')).toEqual([]);
  });

  it('a repeated delivery of the same record opens nothing more', () => {
    const h = waiting();
    const eff = h.send(held());
    expect(of(eff, 'hold-open')).toEqual([]);
    h.send(decide(ID1));
    expect(of(h.send(held()), 'hold-open')).toEqual([]);
  });

  it('a hold path whose name is not a record id is refused (never opened)', () => {
    const h = new Harness(T0);
    h.send(claude('SessionStart', { source: 'startup' }));
    const eff = h.send(
      claude(
        'PermissionRequest',
        { tool_name: 'Bash', tool_input: BASH },
        { hold: '/etc/passwd', holdPid: 1 },
      ),
    );
    expect(of(eff, 'hold-open')).toEqual([]);
    expect(of(eff, 'rejected')[0]?.reason).toMatch(/not a hold FIFO path/);
  });

  it('on an ended session the hook is let go at once (opened and released)', () => {
    const h = new Harness(T0);
    h.send(claude('SessionStart', { source: 'startup' }));
    h.send(claude('SessionEnd', { reason: 'exit' }));
    const eff = h.send(held());
    expect(eff.filter((e) => e.type.startsWith('hold-')).map((e) => e.type)).toEqual([
      'hold-open',
      'hold-release',
    ]);
    expect(approvalsOf(h.state).open).toEqual({});
  });

  it('a Codex call denied from Flightdeck ends denied at once (Codex sends no hook for it); a Claude one waits for its hooks', () => {
    const session = (cli: 'codex' | 'claude') => {
      const h = new Harness(T0);
      const ev = (name: string, extra: Record<string, unknown> = {}, meta: HookMeta = { pid: 9 }) =>
        h.send(hook(cli, { session_id: 'cx', cwd: '/p', hook_event_name: name, ...extra }, meta));
      const call = { tool_name: 'Bash', tool_input: { command: 'touch f' } };
      ev('SessionStart', { source: 'startup' });
      ev('UserPromptSubmit', { prompt: 'go' });
      ev('PreToolUse', { ...call, tool_use_id: 'call_1' });
      h.advance(1000);
      // as Codex 0.171.0 sends it: no tool_use_id (fixtures/codex-0.171.0/approval-allowed-from-api)
      ev('PermissionRequest', call, { pid: 9, hold: `${SPOOL}/hold/${ID1}`, holdPid: 9 });
      h.advance(500);
      h.send(decide(ID1, { behavior: 'deny', message: 'not that file' }));
      return h;
    };
    const codex = session('codex');
    expect(codex.session('cx').toolLog).toMatchObject([
      { tool: 'Bash', toolUseId: 'call_1', status: 'denied', result: 'not that file', durationMs: 1500 },
    ]);
    expect(codex.session('cx').currentTool).toBeNull();
    expect(session('claude').session('cx').toolLog).toMatchObject([{ status: 'running' }]);
  });

  it('Codex: allow and deny answer with the reply Codex expects; what Codex fails closed on is refused in words', () => {
    const codexHeld = (h: Harness, id: string) =>
      h.send(
        hook(
          'codex',
          {
            session_id: 'cx',
            cwd: '/p',
            hook_event_name: 'PermissionRequest',
            tool_name: 'Bash',
            tool_input: { command: 'cargo publish' },
          },
          { hold: `${SPOOL}/hold/${id}`, holdPid: 9 },
        ),
      );
    const h = new Harness(T0);
    codexHeld(h, ID1);
    codexHeld(h, ID2);
    // Codex fails closed on updatedPermissions / interrupt / updatedInput: never sent, the approval stays open.
    for (const d of [
      { remember: 'session' },
      { behavior: 'deny', interrupt: true },
      { answers: { q: 'a' } },
    ]) {
      const eff = h.send(decide(ID1, d));
      expect(of(eff, 'hold-reply')).toEqual([]);
      expect(of(eff, 'rejected')[0]?.reason).toMatch(/^Codex /);
    }
    expect(approvalsOf(h.state).open[ID1]).toBeDefined();
    expect(of(h.send(decide(ID1)), 'hold-reply')).toEqual([
      {
        type: 'hold-reply',
        approvalId: ID1,
        line: '{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"allow"}}}',
      },
    ]);
    expect(of(h.send(decide(ID2, { behavior: 'deny', message: 'not on a Friday' })), 'hold-reply')).toEqual([
      {
        type: 'hold-reply',
        approvalId: ID2,
        line: '{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"deny","message":"not on a Friday"}}}',
      },
    ]);
  });

  it('a plan (ExitPlanMode) is not held: Claude Code ignores a hook decision on it, so its hook is let go at once', () => {
    const h = new Harness(T0);
    h.send(claude('SessionStart', { source: 'startup' }));
    h.send(pre({ plan: '1. Migrate' }, 'ExitPlanMode', 'tp'));
    const eff = h.send(held({ plan: '1. Migrate' }, 'ExitPlanMode'));
    expect(eff.filter((e) => e.type.startsWith('hold-')).map((e) => e.type)).toEqual([
      'hold-open',
      'hold-release',
    ]);
    expect(approvalsOf(h.state).open).toEqual({});
    expect(h.session(SID)).toMatchObject({
      status: 'input',
      pendingApproval: { tool: 'ExitPlanMode', decidable: false },
    });
  });

  it('Codex holds use the configured hold time (default 20 s)', () => {
    const h = new Harness(T0);
    const eff = h.send(
      hook(
        'codex',
        {
          session_id: 'cx',
          cwd: '/p',
          hook_event_name: 'PermissionRequest',
          tool_name: 'Bash',
          tool_input: BASH,
        },
        { hold: `${SPOOL}/hold/${ID2}`, holdPid: 9 },
      ),
    );
    expect(of(eff, 'arm-timer').find((e) => e.key.startsWith('hold:'))?.deadline).toBe(T0 + 20_000);
    h.send({ type: 'configure', config: { autoIdleMs: {}, holdSeconds: { claude: 60 } } });
    expect(h.state.config?.holdSeconds).toEqual({ claude: 60 });
    expect(
      reduce(h.state, { type: 'configure', config: { autoIdleMs: {}, holdSeconds: { claude: 0 } } }, h.now)
        .effects[0],
    ).toMatchObject({ type: 'rejected', reason: expect.stringMatching(/holdSeconds\.claude/) });
  });
});

describe('held approvals: decisions', () => {
  // biome-ignore format: table
  const rows: Array<{ name: string; tool: string; input: Record<string, unknown>; d: Record<string, unknown>; decision: unknown }> = [
    { name: 'allow', tool: 'Bash', input: BASH, d: {}, decision: { behavior: 'allow' } },
    { name: 'allow for the session: Bash exact command rule', tool: 'Bash', input: BASH, d: { remember: 'session' },
      decision: { behavior: 'allow', updatedPermissions: [{ type: 'addRules', rules: [{ toolName: 'Bash', ruleContent: 'rm -rf build' }], behavior: 'allow', destination: 'session' }] } },
    { name: 'allow for the session: WebFetch domain rule', tool: 'WebFetch', input: { url: 'https://docs.example.com/a?b', prompt: 'x' }, d: { remember: 'session' },
      decision: { behavior: 'allow', updatedPermissions: [{ type: 'addRules', rules: [{ toolName: 'WebFetch', ruleContent: 'domain:docs.example.com' }], behavior: 'allow', destination: 'session' }] } },
    { name: 'allow for the session: other tools tool-wide', tool: 'Edit', input: { file_path: '/p/a.ts', old_string: 'a', new_string: 'b' }, d: { remember: 'session' },
      decision: { behavior: 'allow', updatedPermissions: [{ type: 'addRules', rules: [{ toolName: 'Edit' }], behavior: 'allow', destination: 'session' }] } },
    { name: 'deny with the default message', tool: 'Bash', input: BASH, d: { behavior: 'deny' }, decision: { behavior: 'deny', message: 'Denied from Flightdeck' } },
    { name: 'deny with a message and interrupt', tool: 'Bash', input: BASH, d: { behavior: 'deny', message: 'not today', interrupt: true },
      decision: { behavior: 'deny', message: 'not today', interrupt: true } },
    { name: 'AskUserQuestion answered: updatedInput carries the answers', tool: 'AskUserQuestion', input: { questions: [{ question: 'Which DB?', options: [{ label: 'pg' }] }] },
      d: { answers: { 'Which DB?': 'pg' } },
      decision: { behavior: 'allow', updatedInput: { questions: [{ question: 'Which DB?', options: [{ label: 'pg' }] }], answers: { 'Which DB?': 'pg' } } } },
  ];
  for (const row of rows) {
    it(`${row.name} → the reply line, the record, exactly once`, () => {
      const h = new Harness(T0);
      h.send(claude('SessionStart', { source: 'startup' }));
      h.send(pre(row.input, row.tool));
      h.send(held(row.input, row.tool));
      h.advance(1000);
      const eff = h.send(decide(ID1, row.d));
      const reply = of(eff, 'hold-reply');
      expect(reply).toHaveLength(1);
      expect(JSON.parse(reply[0]!.line)).toEqual({
        hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: row.decision },
      });
      expect(reply[0]!.line).not.toContain('\n');
      const allow = row.d.behavior !== 'deny';
      expect(records(eff)).toEqual([
        expect.objectContaining({
          id: ID1,
          sessionId: SID,
          tool: row.tool,
          outcome: allow ? 'allowed' : 'denied',
          openedAt: T0,
          closedAt: T0 + 1000,
          remember: row.d.remember ?? null,
          by: { address: '127.0.0.1', authenticated: false },
          via: 'browser',
        }),
      ]);
      expect(of(eff, 'cancel-timer').map((e) => e.key)).toContain(
        approvalsOf(h.state).open[ID1]?.timer.key ?? of(eff, 'cancel-timer')[0]?.key,
      );
      expect(h.session(SID).status).toBe('working');
      expect(h.session(SID).pendingApproval).toBeNull();
      const again = h.send(decide(ID1));
      expect(again).toEqual([
        {
          type: 'rejected',
          reason: allow ? 'already allowed from the browser' : 'already denied from the browser',
        },
      ]);
    });
  }

  it('an unknown approval: "no such approval"; invalid decisions are refused', () => {
    const h = waiting();
    expect(h.send(decide('nope'))).toEqual([{ type: 'rejected', reason: 'no such approval' }]);
    expect(h.send(decide(ID1, { behavior: 'maybe' }))[0]).toMatchObject({
      reason: expect.stringMatching(/behavior/),
    });
    expect(h.send(decide(ID1, { message: 'x'.repeat(2001) }))[0]).toMatchObject({
      reason: expect.stringMatching(/message/),
    });
    expect(h.send(decide(ID1, { answers: { q: 1 } }))[0]).toMatchObject({
      reason: expect.stringMatching(/answers/),
    });
    expect(approvalsOf(h.state).open[ID1]).toBeDefined();
  });

  it('two held approvals in one session (parallel subagents): deciding one shows the other', () => {
    const h = waiting();
    h.send(pre({ command: 'ls' }, 'Bash', 'tu2', 'ag1'));
    h.send(
      claude(
        'PermissionRequest',
        { tool_name: 'Bash', tool_input: { command: 'ls' }, agent_id: 'ag1' },
        { hold: `${SPOOL}/hold/${ID2}`, holdPid: 4343 },
      ),
    );
    expect(Object.keys(approvalsOf(h.state).open).sort()).toEqual([ID1, ID2].sort());
    h.send(decide(ID2));
    h.send(decide(ID1, { behavior: 'deny' }));
    expect(approvalsOf(h.state).open).toEqual({});
    expect(records(h.effects).map((r) => [r.id, r.outcome])).toEqual([
      [ID2, 'allowed'],
      [ID1, 'denied'],
    ]);
  });
});

describe('held approvals: closing rules', () => {
  // biome-ignore format: table
  const rows: Array<{ name: string; input: CoreInput; outcome: string; late: string }> = [
    { name: 'hook gone (hold-ended)', input: { type: 'hold-ended', approvalId: ID1 }, outcome: 'terminal', late: 'already answered in the terminal' },
    { name: 'the shell could not hold it', input: { type: 'hold-ended', approvalId: ID1, reason: 'not a FIFO' }, outcome: 'released', late: 'released without a decision (the terminal decides)' },
    { name: 'the tool ran (PostToolUse)', input: post(), outcome: 'terminal', late: 'already answered in the terminal' },
    { name: 'the tool failed', input: claude('PostToolUseFailure', { tool_name: 'Bash', tool_input: BASH, tool_use_id: 'tu1', error: 'x' }), outcome: 'terminal', late: 'already answered in the terminal' },
    { name: 'Stop', input: claude('Stop', {}), outcome: 'terminal', late: 'already answered in the terminal' },
    { name: 'UserPromptSubmit', input: claude('UserPromptSubmit', { prompt: 'no, do this' }), outcome: 'terminal', late: 'already answered in the terminal' },
    { name: 'SessionEnd', input: claude('SessionEnd', { reason: 'exit' }), outcome: 'session_ended', late: 'the session ended' },
    { name: 'the session deleted from the dashboard', input: { type: 'user', action: { type: 'delete', sessionId: SID } }, outcome: 'session_ended', late: 'the session ended' },
    { name: 'agent process died', input: { type: 'pid-dead', sessionId: SID, pid: 777 }, outcome: 'session_ended', late: 'the session ended' },
  ];
  for (const row of rows) {
    it(`${row.name} → ${row.outcome}, FIFO released, a late decide: "${row.late}"`, () => {
      const h = waiting();
      const eff = h.send(row.input);
      expect(records(eff).map((r) => r.outcome)).toEqual([row.outcome]);
      expect(of(eff, 'hold-release')).toEqual([{ type: 'hold-release', approvalId: ID1 }]);
      expect(of(eff, 'hold-reply')).toEqual([]);
      expect(h.send(decide(ID1))).toEqual([{ type: 'rejected', reason: row.late }]);
      // A second close of the same approval does nothing.
      expect(records(h.send({ type: 'hold-ended', approvalId: ID1 }))).toEqual([]);
    });
  }

  it('a hook gone before its hold time ("Yes" in the terminal): closed at once; the card leaves the wait after the grace', () => {
    const h = waiting();
    h.advance(1000);
    expect(records(h.send({ type: 'hold-ended', approvalId: ID1 })).map((r) => r.outcome)).toEqual([
      'terminal',
    ]);
    // Which answer is not known yet: the card keeps its wait (no longer decidable) for the grace…
    expect(h.session(SID)).toMatchObject({
      status: 'approval',
      pendingApproval: { id: ID1, decidable: false },
    });
    h.advance(HOLD_GONE_GRACE_MS - 1);
    expect(h.session(SID)?.status).toBe('approval');
    // …then nothing said otherwise: the tool was allowed, the agent works.
    h.advance(1);
    expect(h.session(SID)).toMatchObject({
      status: 'working',
      pendingApproval: null,
      statusReason: { trigger: 'approval-decided', detail: 'Bash answered in the terminal' },
    });
  });

  it('a hook gone because of Esc: the transcript interrupt within the grace takes the card to waiting, never working', () => {
    const h = waiting();
    h.advance(1000);
    h.send({ type: 'hold-ended', approvalId: ID1 });
    h.advance(500);
    h.send(interruptAtPrompt(h.now));
    h.advance(HOLD_GONE_GRACE_MS * 2);
    const statuses = h.session(SID)!.statusHistory.map((x) => x.status);
    expect(statuses.slice(statuses.lastIndexOf('approval'))).toEqual(['approval', 'waiting']);
  });

  it('PostToolUse of another command leaves the approval open', () => {
    const h = waiting();
    expect(records(h.send(post({ command: 'ls' }, 'Bash', 'tu0')))).toEqual([]);
    expect(approvalsOf(h.state).open[ID1]).toBeDefined();
  });

  it('the hold timeout (configured) → timed_out and released; the card stays (not decidable)', () => {
    const h = new Harness(T0);
    h.send({ type: 'configure', config: { autoIdleMs: {}, holdSeconds: { claude: 60 } } });
    h.send(claude('SessionStart', { source: 'startup' }));
    h.send(pre());
    h.send(held());
    h.advance(60_000 - 10);
    expect(approvalsOf(h.state).open[ID1]).toBeDefined();
    h.advance(20);
    expect(records(h.effects).map((r) => r.outcome)).toEqual(['timed_out']);
    expect(of(h.effects, 'hold-release')).toEqual([{ type: 'hold-release', approvalId: ID1 }]);
    expect(h.session(SID).pendingApproval).toMatchObject({ id: ID1, decidable: false });
    expect(h.send(decide(ID1))).toEqual([{ type: 'rejected', reason: 'timed out' }]);
  });

  it('a transcript interrupt at the prompt → terminal', () => {
    const h = waiting();
    const eff = h.send(interruptAtPrompt(h.now));
    expect(records(eff).map((r) => r.outcome)).toEqual(['terminal']);
  });

  it('after a restart (rehydrate) every open approval closes as released ("server restarted")', () => {
    const h = waiting();
    const saved = JSON.parse(JSON.stringify(h.state));
    const eff = rehydrate(saved, T0 + 99_000);
    const restart = eff.filter(
      (e) => e.type === 'arm-timer' && e.input.type === 'timer' && e.input.kind === 'hold-restart',
    );
    expect(restart).toHaveLength(1);
    const out = reduce(saved, (restart[0] as Extract<Effect, { type: 'arm-timer' }>).input, T0 + 99_000);
    expect(records(out.effects)).toEqual([
      expect.objectContaining({ id: ID1, outcome: 'released', message: 'server restarted' }),
    ]);
    expect(of(out.effects, 'hold-reply')).toEqual([]);
  });

  it('closed ids are remembered up to a bound', () => {
    const h = new Harness(T0);
    h.send(claude('SessionStart', { source: 'startup' }));
    for (let i = 0; i < MAX_CLOSED_APPROVALS + 5; i++) {
      const id = `abcdef01-${String(i).padStart(12, '0')}-1`;
      h.send(held(BASH, 'Bash', id));
      h.send({ type: 'hold-ended', approvalId: id });
    }
    expect(approvalsOf(h.state).closed).toHaveLength(MAX_CLOSED_APPROVALS);
  });
});

describe('replyLine', () => {
  it('is one JSON line whatever the message holds', () => {
    const line = replyLine({ tool: 'Bash', ruleContent: null, fullInput: null } as never, {
      approvalId: 'x',
      behavior: 'deny',
      message: 'a\nb\u2028c',
      by: null,
      via: null,
    });
    expect(line.includes('\n')).toBe(false);
    expect(JSON.parse(line).hookSpecificOutput.decision.message).toBe('a\nb\u2028c');
  });
});
