import type { AgentCli } from '@flightdeck/shared-types';
import { describe, expect, it } from 'vitest';
import { type DomainEvent, displayToolName, normalize } from '../src/index.js';
import { samples } from './helpers.js';

const CLI: Record<string, AgentCli> = { 'claude-code': 'claude', 'gemini-cli': 'gemini', codex: 'codex' };

function one(cli: AgentCli, payload: Record<string, unknown>): DomainEvent {
  const r = normalize({ cli, payload, meta: {} });
  if (!r.ok) throw new Error(r.error);
  expect(r.events).toHaveLength(1);
  return r.events[0]!;
}

describe('normalize', () => {
  it('maps every supported sample to the expected domain event kind', () => {
    const got = samples()
      .filter((s) => CLI[s.cli] !== undefined)
      .map((s) => `${s.cli}:${s.event}→${one(CLI[s.cli]!, s.payload).kind}`);
    expect(got).toEqual([
      'claude-code:SessionStart→session-start',
      'claude-code:SessionStart→session-start',
      'claude-code:Setup→other',
      'claude-code:InstructionsLoaded→other',
      'claude-code:UserPromptSubmit→prompt',
      'claude-code:UserPromptExpansion→other',
      'claude-code:MessageDisplay→other',
      'claude-code:PreToolUse→tool-start',
      'claude-code:PreToolUse→tool-start',
      'claude-code:PreToolUse→tool-start',
      'claude-code:PermissionRequest→permission-request',
      'claude-code:PermissionDenied→permission-denied',
      'claude-code:PostToolUse→tool-end',
      'claude-code:PostToolUse→tool-end',
      'claude-code:PostToolUse→tool-end',
      'claude-code:PostToolUseFailure→tool-failed',
      'claude-code:PostToolBatch→tool-batch',
      'claude-code:Notification→notification',
      'claude-code:Notification→notification',
      'claude-code:SubagentStart→subagent-start',
      'claude-code:SubagentStop→subagent-stop',
      'claude-code:TaskCreated→other',
      'claude-code:TaskCompleted→other',
      'claude-code:Stop→turn-end',
      'claude-code:StopFailure→turn-failed',
      'claude-code:TeammateIdle→other',
      'claude-code:ConfigChange→other',
      'claude-code:CwdChanged→cwd-changed',
      'claude-code:DirectoryAdded→other',
      'claude-code:FileChanged→other',
      'claude-code:WorktreeCreate→other',
      'claude-code:WorktreeRemove→other',
      'claude-code:PreCompact→compact',
      'claude-code:PostCompact→compact',
      'claude-code:Elicitation→notification',
      'claude-code:ElicitationResult→other',
      'claude-code:SessionEnd→session-end',
      'gemini-cli:SessionStart→session-start',
      'gemini-cli:BeforeAgent→prompt',
      'gemini-cli:BeforeTool→tool-start',
      'gemini-cli:AfterTool→tool-end',
      'gemini-cli:AfterAgent→turn-end',
      'gemini-cli:Notification→notification',
      'gemini-cli:PreCompress→compact',
      'gemini-cli:SessionEnd→session-end',
      'codex:notify:agent-turn-complete→turn-end',
      'codex:SessionStart→session-start',
      'codex:UserPromptSubmit→prompt',
      'codex:PreToolUse→tool-start',
      'codex:PermissionRequest→permission-request',
      'codex:PostToolUse→tool-end',
      'codex:Stop→turn-end',
    ]);
  });

  it('carries common fields: session, cwd, turn (prompt_id / turn_id), agent', () => {
    const s = samples();
    const sub = s.find((x) => x.cli === 'claude-code' && x.event === 'PreToolUse' && x.payload.agent_id)!;
    const e = one('claude', sub.payload);
    expect(e).toMatchObject({
      cli: 'claude',
      hookEvent: 'PreToolUse',
      agentId: sub.payload.agent_id,
      turnId: sub.payload.prompt_id,
    });
    const cx = one('codex', s.find((x) => x.cli === 'codex' && x.event === 'PreToolUse')!.payload);
    expect(cx).toMatchObject({
      turnId: '019e7471-0b2a-7d13-9c44-5f1e2d3c4b5a',
      model: 'gpt-5.5-codex',
      toolUseId: 'call_8fK2mQ1xZ7',
    });
    const n = one('codex', s.find((x) => x.event === 'notify:agent-turn-complete')!.payload);
    expect(n).toMatchObject({
      sessionId: '019e746e-4c43-74c2-b47a-424fd4f025c7',
      hookEvent: 'agent-turn-complete',
      kind: 'turn-end',
      inputMessages: ['Add rate limiting to the /login endpoint'],
    });
  });

  describe('Gemini 0.61.0 run_shell_command: a non-zero exit is only an `Exit Code:` line of llmContent', () => {
    /** llmContent as 0.61.0 builds it (fixtures/gemini-cli-0.61.0): output, then the trailer lines, wrapped. */
    const wrap = (...lines: string[]) => `<untrusted_context>\n${lines.join('\n')}\n</untrusted_context>`;
    const afterTool = (tool: string, llmContent: string, returnDisplay = 'shown output') =>
      one('gemini', {
        session_id: 'g',
        hook_event_name: 'AfterTool',
        tool_name: tool,
        tool_input: { command: 'x' },
        tool_response: { llmContent, returnDisplay },
      });
    // biome-ignore format: one row per case
    const cases: Array<[string, string, string, string | null]> = [
      ['recorded failing ls', 'run_shell_command', wrap("Output: ls: cannot access '/x': No such file or directory", 'Exit Code: 2', 'Process Group PGID: 13222'), 'Exit code 2: shown output'],
      ['recorded passing echo', 'run_shell_command', wrap('Output: flightdeck-e2e', 'Process Group PGID: 13216'), null],
      ['killed by a signal', 'run_shell_command', wrap('Output: (empty)', 'Signal: 9', 'Process Group PGID: 7'), 'Signal 9: shown output'],
      ['error line and exit code', 'run_shell_command', wrap('Output: (empty)', 'Error: spawn failed', 'Exit Code: 127', 'Process Group PGID: 7'), 'Exit code 127: shown output'],
      ['"Exit Code: 1" inside the output, exit 0', 'run_shell_command', wrap('Output: first line', 'Exit Code: 1', 'done', 'Process Group PGID: 5'), null],
      ['"Exit Code: 1" inside the output, real exit 3', 'run_shell_command', wrap('Output: x', 'Exit Code: 1', 'Exit Code: 3', 'Process Group PGID: 5'), 'Exit code 3: shown output'],
      ['unwrapped (older versions)', 'run_shell_command', 'Output: x\nExit Code: 1', 'Exit code 1: shown output'],
      ['another tool mentioning an exit code', 'read_file', wrap('Exit Code: 1'), null],
    ];
    for (const [name, tool, llm, error] of cases) {
      it(name, () => {
        const e = afterTool(tool, llm);
        if (error === null) expect(e.kind).toBe('tool-end');
        else expect(e).toMatchObject({ kind: 'tool-failed', tool: 'Bash', error, interrupted: false });
      });
    }
  });

  it('Gemini: tool names mapped, AfterTool with tool_response.error → tool-failed, ToolPermission → approval', () => {
    const base = { session_id: 'g', cwd: '/p' };
    expect(
      one('gemini', {
        ...base,
        hook_event_name: 'BeforeTool',
        tool_name: 'run_shell_command',
        tool_input: { command: 'ls' },
      }),
    ).toMatchObject({
      kind: 'tool-start',
      tool: 'Bash',
      rawTool: 'run_shell_command',
      toolUseId: null,
    });
    expect(
      one('gemini', {
        ...base,
        hook_event_name: 'AfterTool',
        tool_name: 'replace',
        tool_input: {},
        tool_response: { llmContent: '', error: { message: 'no match' } },
      }),
    ).toMatchObject({ kind: 'tool-failed', tool: 'Edit', error: 'no match' });
    expect(
      one('gemini', {
        ...base,
        hook_event_name: 'AfterTool',
        tool_name: 'mcp_x_y',
        tool_input: {},
        tool_response: { error: null },
      }),
    ).toMatchObject({
      kind: 'tool-end',
      tool: 'mcp_x_y',
    });
    expect(one('gemini', { ...base, hook_event_name: 'AfterModel' })).toMatchObject({
      kind: 'other',
      detail: 'AfterModel',
    });
    expect(
      one('gemini', { ...base, hook_event_name: 'Notification', notification_type: 'Other', message: 'm' }),
    ).toMatchObject({ needs: null });
    expect(displayToolName('gemini', 'google_web_search')).toBe('WebSearch');
    expect(displayToolName('claude', 'run_shell_command')).toBe('run_shell_command');
  });

  it('Gemini 0.61.0 ToolPermission: the tool is named from details.type (its title is the dialog title)', () => {
    const notice = (details: Record<string, unknown>) =>
      one('gemini', {
        session_id: 'g',
        hook_event_name: 'Notification',
        notification_type: 'ToolPermission',
        message: `Tool ${String(details.title)} requires execution`,
        details,
      });
    // biome-ignore format: one row per case
    const cases: Array<[Record<string, unknown>, string | null, string | null]> = [
      // as recorded (gemini-permission.e2e.test.ts)
      [{ type: 'exec', title: 'Confirm Shell Command', command: 'touch x.txt', rootCommand: 'touch' }, 'Bash', 'touch x.txt'],
      [{ type: 'mcp', title: 'Confirm MCP Tool', serverName: 's', toolName: 'lookup', toolDisplayName: 'Look up' }, 'lookup', null],
      [{ type: 'edit', title: 'Confirm Edit: a.ts', fileName: 'a.ts', filePath: '/p/a.ts' }, 'Confirm Edit: a.ts', '/p/a.ts'],
      [{ type: 'info', title: 'Confirm Web Fetch' }, 'Confirm Web Fetch', null],
    ];
    for (const [details, tool, inputSummary] of cases) {
      expect(notice(details), String(details.type)).toMatchObject({ needs: 'approval', tool, inputSummary });
    }
  });

  it('Claude details: unknown future events → other; notification types; CwdChanged without new_cwd', () => {
    const base = { session_id: 'c' };
    expect(one('claude', { ...base, hook_event_name: 'Teleport', foo: 1 })).toMatchObject({
      kind: 'other',
      detail: 'Teleport',
    });
    expect(
      one('claude', { ...base, hook_event_name: 'TaskCreated', task_subject: 'Write docs' }),
    ).toMatchObject({ detail: 'TaskCreated: Write docs' });
    expect(
      one('claude', {
        ...base,
        hook_event_name: 'Notification',
        notification_type: 'agent_needs_input',
        message: 'x',
      }),
    ).toMatchObject({ needs: 'input' });
    expect(one('claude', { ...base, hook_event_name: 'Notification' })).toMatchObject({
      notificationType: 'unknown',
      needs: null,
    });
    expect(one('claude', { ...base, hook_event_name: 'CwdChanged' })).toMatchObject({ kind: 'other' });
    expect(one('claude', { ...base, hook_event_name: 'StopFailure' })).toMatchObject({
      kind: 'turn-failed',
      error: 'unknown',
    });
    expect(
      one('claude', {
        ...base,
        hook_event_name: 'PostToolUseFailure',
        tool_name: 'Bash',
        is_interrupt: true,
      }),
    ).toMatchObject({
      kind: 'tool-failed',
      interrupted: true,
      error: 'error',
    });
    expect(one('claude', { ...base, hook_event_name: 'SessionStart' })).toMatchObject({ source: 'startup' });
    expect(
      one('codex', { ...base, hook_event_name: 'StopFailure', error: { message: 'overloaded' } }),
    ).toMatchObject({ error: 'overloaded' });
    expect(one('codex', { type: 'approval-requested', 'thread-id': 't' })).toMatchObject({
      kind: 'other',
      detail: 'notify approval-requested',
    });
  });

  it('returns an error (never throws) for invalid envelopes', () => {
    expect(normalize(null as never)).toEqual({ ok: false, error: 'envelope: expected object' });
    expect(normalize({ cli: 'claude', payload: 'x' as never, meta: {} })).toEqual({
      ok: false,
      error: 'payload: expected object, got string',
    });
  });
});
