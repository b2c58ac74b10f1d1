import type { HookMeta } from '@flightdeck/shared-types';
import { describe, expect, it } from 'vitest';
import { APPROVAL_CATEGORIES, approvalCategory, waitingLabel } from '../src/index.js';
import { Harness, hook } from './helpers.js';

const SID = 'sess-a';
const base = { session_id: SID, cwd: '/home/dev/proj' };
const claude = (name: string, extra: Record<string, unknown> = {}, meta: HookMeta = { pid: 777 }) =>
  hook('claude', { ...base, hook_event_name: name, ...extra }, meta);

const INPUTS: Record<string, Record<string, unknown>> = {
  Read: { file_path: '/home/dev/proj/a.ts' },
  Write: { file_path: '/home/dev/proj/b.ts', content: 'x' },
  Edit: { file_path: '/home/dev/proj/c.ts', old_string: 'a', new_string: 'b' },
  Grep: { pattern: 'TODO' },
  Glob: { pattern: '**/*.ts' },
  NotebookEdit: { notebook_path: '/home/dev/proj/n.ipynb', new_source: 'x' },
  AskUserQuestion: { questions: [{ question: 'Which DB?' }] },
  EnterPlanMode: {},
  ExitPlanMode: { plan: 'the plan' },
  WebFetch: { url: 'https://example.com', prompt: 'read' },
  WebSearch: { query: 'vitest coverage' },
  Bash: { command: 'npm test' },
  Task: { description: 'Explore code', prompt: 'go' },
  Agent: { description: 'Run subtask', prompt: 'go' },
};

function started(meta: HookMeta = { pid: 777 }): Harness {
  const h = new Harness();
  h.send(claude('SessionStart', { source: 'startup' }, meta));
  h.advance(5);
  h.send(claude('UserPromptSubmit', { prompt: 'go' }, meta));
  h.advance(5);
  return h;
}

describe('spec §6.1 approval-category table', () => {
  // biome-ignore format: table
  const rows: { tool: string; category: string; ms: number; status: 'approval' | 'input'; detail: string }[] = [
    { tool: 'Read', category: 'fast', ms: 3_000, status: 'approval', detail: 'Approve Read: /home/dev/proj/a.ts' },
    { tool: 'Write', category: 'fast', ms: 3_000, status: 'approval', detail: 'Approve Write: /home/dev/proj/b.ts' },
    { tool: 'Edit', category: 'fast', ms: 3_000, status: 'approval', detail: 'Approve Edit: /home/dev/proj/c.ts' },
    { tool: 'Grep', category: 'fast', ms: 3_000, status: 'approval', detail: 'Approve Grep: TODO' },
    { tool: 'Glob', category: 'fast', ms: 3_000, status: 'approval', detail: 'Approve Glob: **/*.ts' },
    { tool: 'NotebookEdit', category: 'fast', ms: 3_000, status: 'approval', detail: 'Approve NotebookEdit: /home/dev/proj/n.ipynb' },
    { tool: 'AskUserQuestion', category: 'userInput', ms: 3_000, status: 'input', detail: 'Waiting for your answer' },
    { tool: 'EnterPlanMode', category: 'userInput', ms: 3_000, status: 'input', detail: 'Review plan mode request' },
    { tool: 'ExitPlanMode', category: 'userInput', ms: 3_000, status: 'input', detail: 'Review plan' },
    { tool: 'WebFetch', category: 'medium', ms: 15_000, status: 'approval', detail: 'Approve WebFetch: https://example.com' },
    { tool: 'WebSearch', category: 'medium', ms: 15_000, status: 'approval', detail: 'Approve WebSearch: vitest coverage' },
    { tool: 'Bash', category: 'slow', ms: 8_000, status: 'approval', detail: 'Approve Bash: npm test' },
    { tool: 'Task', category: 'slow', ms: 8_000, status: 'approval', detail: 'Approve Task: Explore code' },
    { tool: 'Agent', category: 'slow', ms: 8_000, status: 'approval', detail: 'Approve Agent: Run subtask' },
  ];

  for (const row of rows) {
    it(`${row.tool}: ${row.category}, ${row.ms} ms → ${row.status} "${row.detail}"`, () => {
      expect(approvalCategory(row.tool)).toBe(row.category);
      expect(APPROVAL_CATEGORIES[row.category as keyof typeof APPROVAL_CATEGORIES].ms).toBe(row.ms);
      const h = started();
      h.hasChildren = false;
      h.send(claude('PreToolUse', { tool_name: row.tool, tool_input: INPUTS[row.tool], tool_use_id: 't1' }));
      h.advance(row.ms - 1);
      expect(h.session(SID).status).toBe('working');
      h.advance(1);
      const s = h.session(SID);
      expect(s.status).toBe(row.status);
      expect(s.waitingDetail).toBe(row.detail);
      expect(s.pendingApproval).toMatchObject({
        tool: row.tool,
        toolUseId: 't1',
        source: 'heuristic',
        kind: row.status,
      });
      expect(s.statusReason).toMatchObject({
        cause: 'timer',
        trigger: 'approval-heuristic',
        detail: row.detail,
      });
      // the answer (PostToolUse) clears it
      h.send(
        claude('PostToolUse', {
          tool_name: row.tool,
          tool_input: INPUTS[row.tool],
          tool_use_id: 't1',
          tool_response: {},
        }),
      );
      expect(h.session(SID).status).toBe('working');
      expect(h.session(SID).pendingApproval).toBeNull();
    });
  }

  it('tools outside the table get no timer', () => {
    expect(approvalCategory('TodoWrite')).toBeNull();
    const h = started();
    const effects = h.send(
      claude('PreToolUse', { tool_name: 'TodoWrite', tool_input: {}, tool_use_id: 't1' }),
    );
    expect(effects.filter((e) => e.type === 'arm-timer' && e.key.startsWith('approval'))).toEqual([]);
    h.advance(60_000);
    expect(h.session(SID).status).toBe('working');
  });

  it('labels without an input summary', () => {
    expect(waitingLabel('approval', 'Bash', '')).toBe('Approve Bash');
    expect(waitingLabel('input', 'AskUserQuestion', 'x')).toBe('Waiting for your answer');
  });
});

describe('spec §6.2 slow tools check for child processes', () => {
  it('emits check-children with the pid and stays working while the command has children', () => {
    const h = started();
    h.send(
      claude('PreToolUse', { tool_name: 'Bash', tool_input: { command: 'npm test' }, tool_use_id: 't1' }),
    );
    h.advance(8_000);
    const check = h.effects.find((e) => e.type === 'check-children');
    expect(check).toMatchObject({ type: 'check-children', sessionId: SID, pid: 777 });
    if (check?.type !== 'check-children') throw new Error('no check');
    expect(h.session(SID).status).toBe('working');
    h.send({ type: 'children-checked', sessionId: SID, key: check.key, hasChildren: true });
    expect(h.session(SID).status).toBe('working');
    // an answer with a stale key is ignored
    expect(h.send({ type: 'children-checked', sessionId: SID, key: check.key, hasChildren: false })).toEqual(
      [],
    );
    expect(h.session(SID).status).toBe('working');
  });

  it('sets approval when the shell finds no children', () => {
    const h = started();
    h.send(
      claude('PreToolUse', { tool_name: 'Bash', tool_input: { command: 'rm -rf build' }, tool_use_id: 't1' }),
    );
    h.advance(8_000);
    const check = h.effects.find((e) => e.type === 'check-children');
    if (check?.type !== 'check-children') throw new Error('no check');
    h.send({ type: 'children-checked', sessionId: SID, key: check.key, hasChildren: false });
    expect(h.session(SID).status).toBe('approval');
    expect(h.session(SID).waitingDetail).toBe('Approve Bash: rm -rf build');
    expect(h.timers.has([...h.timers.keys()].find((k) => k.startsWith('auto-idle'))!)).toBe(true);
  });

  it('a late answer after the tool finished changes nothing', () => {
    const h = started();
    h.send(claude('PreToolUse', { tool_name: 'Bash', tool_input: { command: 'x' }, tool_use_id: 't1' }));
    h.advance(8_000);
    const check = h.effects.find((e) => e.type === 'check-children');
    if (check?.type !== 'check-children') throw new Error('no check');
    h.send(claude('PostToolUse', { tool_name: 'Bash', tool_input: { command: 'x' }, tool_use_id: 't1' }));
    h.send({ type: 'children-checked', sessionId: SID, key: check.key, hasChildren: false });
    expect(h.session(SID).status).toBe('working');
  });

  it('without a known pid a slow tool goes straight to approval', () => {
    const h = started({});
    h.send(claude('PreToolUse', { tool_name: 'Bash', tool_input: { command: 'x' }, tool_use_id: 't1' }, {}));
    h.advance(8_000);
    expect(h.session(SID).status).toBe('approval');
    expect(h.effects.some((e) => e.type === 'check-children')).toBe(false);
  });
});

describe('heuristic only when no PermissionRequest is expected', () => {
  it('after a session sent a PermissionRequest, the heuristic is skipped', () => {
    const h = started();
    h.send(claude('PreToolUse', { tool_name: 'Write', tool_input: INPUTS.Write, tool_use_id: 't1' }));
    h.send(claude('PermissionRequest', { tool_name: 'Write', tool_input: INPUTS.Write }));
    h.send(claude('PostToolUse', { tool_name: 'Write', tool_input: INPUTS.Write, tool_use_id: 't1' }));
    h.send(claude('PreToolUse', { tool_name: 'Write', tool_input: INPUTS.Write, tool_use_id: 't2' }));
    h.advance(10_000);
    expect(h.session(SID).status).toBe('working');
  });

  it('meta.density high/medium for Claude or Codex disables it; low keeps it', () => {
    for (const [density, expected] of [
      ['high', 'working'],
      ['medium', 'working'],
      ['low', 'approval'],
    ] as const) {
      const meta = { pid: 1, density } as HookMeta;
      const h = started(meta);
      h.send(claude('PreToolUse', { tool_name: 'Edit', tool_input: INPUTS.Edit, tool_use_id: 't1' }, meta));
      h.advance(3_000);
      expect(h.session(SID).status, density).toBe(expected);
    }
  });

  it('meta.permissionRequestHooked (Flightdeck hook) disables it for Claude from the first tool call', () => {
    const meta = { pid: 1, permissionRequestHooked: true } as HookMeta;
    const h = started(meta);
    h.send(
      claude('PreToolUse', { tool_name: 'Agent', tool_input: { prompt: 'p' }, tool_use_id: 't1' }, meta),
    );
    h.send(claude('PreToolUse', { tool_name: 'Edit', tool_input: INPUTS.Edit, tool_use_id: 't2' }, meta));
    h.advance(20_000);
    expect(h.session(SID).status).toBe('working');
    expect(h.effects.some((e) => e.type === 'check-children')).toBe(false);
  });

  it('meta.permissionRequestHooked does not disable it for Gemini (it has no PermissionRequest)', () => {
    const meta = { pid: 1, permissionRequestHooked: true } as HookMeta;
    const h = new Harness();
    h.send(hook('gemini', { session_id: 'g', hook_event_name: 'BeforeAgent', prompt: 'p', cwd: '/p' }, meta));
    h.send(
      hook(
        'gemini',
        {
          session_id: 'g',
          hook_event_name: 'BeforeTool',
          tool_name: 'read_file',
          tool_input: { file_path: '/p/x' },
        },
        meta,
      ),
    );
    h.advance(3_000);
    expect(h.session('g').status).toBe('approval');
  });

  it('Gemini always uses it (no PermissionRequest hook), mapped to Claude tool names', () => {
    const meta = { pid: 1, density: 'high' } as HookMeta;
    const h = new Harness();
    h.send(hook('gemini', { session_id: 'g', hook_event_name: 'BeforeAgent', prompt: 'p', cwd: '/p' }, meta));
    h.send(
      hook(
        'gemini',
        {
          session_id: 'g',
          hook_event_name: 'BeforeTool',
          tool_name: 'write_file',
          tool_input: { file_path: '/p/x' },
        },
        meta,
      ),
    );
    h.advance(3_000);
    expect(h.session('g').status).toBe('approval');
    expect(h.session('g').waitingDetail).toBe('Approve Write: /p/x');
  });

  it('bypassPermissions mode skips approval heuristics but not userInput ones', () => {
    const h = started();
    h.send(
      claude('PreToolUse', {
        tool_name: 'Write',
        tool_input: INPUTS.Write,
        tool_use_id: 't1',
        permission_mode: 'bypassPermissions',
      }),
    );
    h.advance(5_000);
    expect(h.session(SID).status).toBe('working');
    h.send(
      claude('PreToolUse', {
        tool_name: 'ExitPlanMode',
        tool_input: INPUTS.ExitPlanMode,
        tool_use_id: 't2',
        permission_mode: 'bypassPermissions',
      }),
    );
    h.advance(3_000);
    expect(h.session(SID).status).toBe('input');
    expect(h.session(SID).waitingDetail).toBe('Review plan');
  });

  it('subagent tool calls never arm the heuristic', () => {
    const h = started();
    const effects = h.send(
      claude('PreToolUse', { tool_name: 'Bash', tool_input: {}, tool_use_id: 't1', agent_id: 'a1' }),
    );
    expect(effects.some((e) => e.type === 'arm-timer' && e.key.startsWith('approval'))).toBe(false);
  });
});

describe('spec §6.3/§6.4 direct signal and clearing', () => {
  const pre = claude('PreToolUse', {
    tool_name: 'Bash',
    tool_input: { command: 'npm i' },
    tool_use_id: 't1',
  });
  const req = claude('PermissionRequest', {
    tool_name: 'Bash',
    tool_input: { command: 'npm i' },
    permission_suggestions: [{ type: 'setMode', mode: 'acceptEdits', destination: 'session' }],
  });

  it('PermissionRequest → approval immediately, cancelling the heuristic timer', () => {
    const h = started();
    h.send(pre);
    const timerKey = [...h.timers.keys()].find((k) => k.startsWith('approval'));
    expect(timerKey).toBeDefined();
    const effects = h.send(req);
    expect(effects).toContainEqual({ type: 'cancel-timer', key: timerKey });
    const s = h.session(SID);
    expect(s.status).toBe('approval');
    expect(s.pendingApproval).toMatchObject({
      source: 'permission_request',
      toolUseId: 't1',
      suggestions: [{ type: 'setMode', mode: 'acceptEdits', destination: 'session' }],
    });
  });

  const clearing: [
    string,
    ReturnType<typeof claude> | { type: 'pid-dead'; sessionId: string; pid: number },
    string,
  ][] = [
    [
      'PostToolUse',
      claude('PostToolUse', { tool_name: 'Bash', tool_input: { command: 'npm i' }, tool_use_id: 't1' }),
      'working',
    ],
    [
      'PostToolUseFailure',
      claude('PostToolUseFailure', { tool_name: 'Bash', tool_input: {}, tool_use_id: 't1', error: 'x' }),
      'working',
    ],
    [
      'PostToolBatch',
      claude('PostToolBatch', {
        tool_calls: [{ tool_name: 'Bash', tool_use_id: 't1', tool_response: 'no' }],
      }),
      'working',
    ],
    [
      'PermissionDenied',
      claude('PermissionDenied', {
        tool_name: 'Bash',
        tool_input: {},
        tool_use_id: 't1',
        reason: 'classifier',
      }),
      'working',
    ],
    ['Stop', claude('Stop', {}), 'waiting'],
    ['SessionEnd', claude('SessionEnd', { reason: 'other' }), 'ended'],
    ['pid-dead', { type: 'pid-dead', sessionId: SID, pid: 777 }, 'ended'],
  ];
  for (const [name, input, to] of clearing) {
    it(`${name} clears the approval (→ ${to})`, () => {
      const h = started();
      h.send(pre);
      h.send(req);
      h.send(input);
      const s = h.session(SID);
      expect(s.status).toBe(to);
      expect(s.pendingApproval).toBeNull();
      expect(s.waitingDetail).toBeNull();
      expect([...h.timers.keys()].some((k) => k.startsWith('approval'))).toBe(false);
    });
  }

  it('PermissionDenied marks the call denied with the reason', () => {
    const h = started();
    h.send(pre);
    h.send(
      claude('PermissionDenied', {
        tool_name: 'Bash',
        tool_input: {},
        tool_use_id: 't1',
        reason: 'auto mode said no',
      }),
    );
    expect(h.session(SID).toolLog[0]).toMatchObject({ status: 'denied', error: 'auto mode said no' });
  });

  it('AskUserQuestion / plan mode PermissionRequest → input', () => {
    const h = started();
    h.send(
      claude('PreToolUse', {
        tool_name: 'AskUserQuestion',
        tool_input: INPUTS.AskUserQuestion,
        tool_use_id: 'q',
      }),
    );
    h.send(claude('PermissionRequest', { tool_name: 'AskUserQuestion', tool_input: INPUTS.AskUserQuestion }));
    expect(h.session(SID).status).toBe('input');
    expect(h.session(SID).waitingDetail).toBe('Waiting for your answer');
    h.send(claude('PostToolUse', { tool_name: 'AskUserQuestion', tool_input: {}, tool_use_id: 'q' }));
    expect(h.session(SID).status).toBe('working');
  });

  it('a subagent PermissionRequest needs the human: parent shows approval, cleared by the subagent call', () => {
    const h = started();
    h.send(
      claude('PreToolUse', {
        tool_name: 'Bash',
        tool_input: { command: 'ls' },
        tool_use_id: 's1',
        agent_id: 'a1',
        agent_type: 'Explore',
      }),
    );
    h.send(
      claude('PermissionRequest', {
        tool_name: 'Bash',
        tool_input: { command: 'ls' },
        agent_id: 'a1',
        agent_type: 'Explore',
      }),
    );
    const s = h.session(SID);
    expect(s.status).toBe('approval');
    expect(s.waitingDetail).toBe('Approve Bash: ls (subagent Explore)');
    expect(s.pendingApproval).toMatchObject({ agentId: 'a1', toolUseId: 's1' });
    h.send(
      claude('PostToolUse', {
        tool_name: 'Bash',
        tool_input: { command: 'ls' },
        tool_use_id: 's1',
        agent_id: 'a1',
      }),
    );
    expect(h.session(SID).status).toBe('working');
  });

  it('a different tool finishing does not clear a pending PermissionRequest', () => {
    const h = started();
    h.send(claude('PreToolUse', { tool_name: 'Read', tool_input: INPUTS.Read, tool_use_id: 'r1' }));
    h.send(pre);
    h.send(req);
    h.send(claude('PostToolUse', { tool_name: 'Read', tool_input: INPUTS.Read, tool_use_id: 'r1' }));
    expect(h.session(SID).status).toBe('approval');
  });

  it('Notification permission_prompt sets approval when no PermissionRequest came; elicitation → input', () => {
    const h = started();
    h.send(claude('PreToolUse', { tool_name: 'TodoWrite', tool_input: {}, tool_use_id: 't1' }));
    h.send(
      claude('Notification', {
        notification_type: 'permission_prompt',
        message: 'Claude needs your permission to use TodoWrite',
      }),
    );
    expect(h.session(SID).status).toBe('approval');
    expect(h.session(SID).waitingDetail).toBe('Claude needs your permission to use TodoWrite');
    h.send(claude('Notification', { notification_type: 'idle_prompt', message: 'waiting' }));
    expect(h.session(SID).status).toBe('approval');
    // a late permission_prompt when no tool is in flight is ignored
    const late = started();
    late.send(claude('Stop', {}));
    late.send(claude('Notification', { notification_type: 'permission_prompt', message: 'late' }));
    expect(late.session(SID).status).toBe('waiting');
    expect(h.session(SID).status).toBe('approval');
    h.send(claude('PostToolUse', { tool_name: 'TodoWrite', tool_input: {}, tool_use_id: 't1' }));
    h.send(claude('Elicitation', { mcp_server_name: 'db', message: 'Pick a table' }));
    expect(h.session(SID).status).toBe('input');
    expect(h.session(SID).waitingDetail).toBe('Pick a table');
    h.send(claude('ElicitationResult', { mcp_server_name: 'db', action: 'accept' }));
    expect(h.session(SID).status).toBe('working');
  });
});
