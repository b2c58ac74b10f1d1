import type { SessionStatus } from '@flightdeck/shared-types';
import { describe, expect, it } from 'vitest';
import { normalize } from '../src/index.js';
import { Harness, hook, listFixtureDir, listJsonl, readJsonl, samples } from './helpers.js';

/** Replays payloads 100 ms apart through normalize + reduce, returning the status after each one. */
function replay(
  h: Harness,
  cli: 'claude' | 'codex' | 'gemini',
  payloads: Record<string, unknown>[],
  sessionId: string,
) {
  const statuses: SessionStatus[] = [];
  for (const p of payloads) {
    const n = normalize({ cli, payload: p, meta: {} });
    expect(n.ok, JSON.stringify(n)).toBe(true);
    h.advance(100);
    const effects = h.send(hook(cli, p));
    expect(effects.filter((e) => e.type === 'rejected')).toEqual([]);
    statuses.push(h.session(sessionId).status);
  }
  return statuses;
}

it('every Claude Code fixture file has an explicit replay below', () => {
  expect(listJsonl('claude-code-2.1.328')).toEqual([
    'approval-denied-by-hook.jsonl',
    'subagent-and-resume.jsonl',
  ]);
});

describe('Claude Code 2.1.328 fixture: subagent-and-resume.jsonl', () => {
  const payloads = readJsonl('claude-code-2.1.328/subagent-and-resume.jsonl');
  const id = 'c9c7f7bc-be3d-4fec-a871-5d943fafe0e1';

  it('follows the expected status timeline, one status per event', () => {
    const h = new Harness();
    const statuses = replay(h, 'claude', payloads, id);
    const events = payloads.map((p) => p.hook_event_name);
    // biome-ignore format: one row per fixture line
    const expected: [string, SessionStatus][] = [
      ['SessionStart', 'idle'],
      ['UserPromptSubmit', 'prompting'],
      ['PreToolUse', 'working'], ['PostToolUse', 'working'], ['PostToolBatch', 'working'], // Write
      ['PreToolUse', 'working'], ['PostToolUse', 'working'], ['PostToolBatch', 'working'], // Read
      ['PreToolUse', 'working'], ['PostToolUse', 'working'], ['PostToolBatch', 'working'], // Edit
      ['PreToolUse', 'working'], ['PostToolUseFailure', 'working'], ['PostToolBatch', 'working'], // failing Bash
      ['PreToolUse', 'working'], // Agent (background)
      ['SubagentStart', 'working'],
      ['PostToolUse', 'working'], ['PostToolBatch', 'working'],
      ['PreToolUse', 'working'], // subagent's Bash (agent_id)
      ['Stop', 'waiting'],
      ['PostToolUse', 'waiting'], // subagent events after the parent's Stop do not flip it back
      ['PostToolBatch', 'waiting'],
      ['SubagentStop', 'waiting'],
      ['UserPromptSubmit', 'prompting'], // task-notification: the agent starts a turn to read it
      ['PreToolUse', 'working'], ['PostToolUse', 'working'], ['PostToolBatch', 'working'],
      ['Stop', 'waiting'],
      ['SessionEnd', 'ended'],
      ['SessionStart', 'idle'], // --continue: same id, source resume
      ['UserPromptSubmit', 'prompting'],
      ['PreToolUse', 'working'], ['PostToolUse', 'working'], ['PostToolBatch', 'working'],
      ['Stop', 'waiting'],
      ['SessionEnd', 'ended'],
    ];
    expect(events).toEqual(expected.map((e) => e[0]));
    expect(statuses).toEqual(expected.map((e) => e[1]));
  });

  it('records tool calls, the subagent and the --continue as one card', () => {
    const h = new Harness();
    replay(h, 'claude', payloads, id);
    expect(h.sessionList).toHaveLength(1);
    const s = h.session(id);
    expect(s.resumeCount).toBe(1);
    expect(s.previousSessionIds).toEqual([]);
    expect(s.title).toBe('build the thing');
    expect(s.projectName).toBe('demo');
    expect(s.permissionMode).toBe('default');
    expect(s.transcriptPath).toContain(`${id}.jsonl`);
    // the subagent's <task-notification> is a system message: not a prompt, a line in the timeline
    expect(s.promptHistory.map((p) => p.text)).toEqual(['build the thing', 'now the second part']);
    expect(s.totalPrompts).toBe(2);
    expect(s.events.filter((e) => e.type === 'task-notification').map((e) => e.detail)).toEqual([
      'Agent "Run subtask" finished: Subagent finished SUBTASK-ALPHA.',
    ]);
    const calls = s.toolLog.map((t) => [t.tool, t.status, t.agentId]);
    expect(calls).toEqual([
      ['Write', 'ok', null],
      ['Read', 'ok', null],
      ['Edit', 'ok', null],
      ['Bash', 'failed', null],
      ['Agent', 'ok', null],
      ['Bash', 'ok', 'a427100067de70b46'],
      ['Bash', 'ok', null],
      ['Bash', 'ok', null],
    ]);
    expect(s.toolLog[3]!.error).toContain('No such file or directory');
    expect(s.toolLog[0]!.durationMs).toBe(8);
    expect(s.toolUsage).toEqual({ Write: 1, Read: 1, Edit: 1, Bash: 4, Agent: 1 });
    expect(s.totalToolCalls).toBe(8);
    expect(s.turnToolCalls).toBe(1);
    expect(s.subagents).toEqual([
      expect.objectContaining({
        agentId: 'a427100067de70b46',
        agentType: 'general-purpose',
        status: 'done',
        toolCalls: 1,
        currentTool: null,
        lastMessage: 'Subagent finished SUBTASK-ALPHA.',
        transcriptPath: expect.stringContaining('agent-a427100067de70b46.jsonl'),
      }),
    ]);
    expect(s.subagentCount).toBe(0);
    expect(s.responseLog.map((r) => [r.text, r.agentId])).toEqual([
      ['Turn one complete.', null],
      ['Subagent finished SUBTASK-ALPHA.', 'a427100067de70b46'],
      ['Subagent finished SUBTASK-ALPHA.', null],
      ['Subagent finished SUBTASK-ALPHA.', null],
    ]);
    expect(s.endReason).toBe('other');
    expect(s.statusReason).toMatchObject({ status: 'ended', cause: 'event', trigger: 'SessionEnd' });
    // the resume never produced a second card or a re-key
    expect(h.effects.some((e) => e.type === 'session-rekeyed' || e.type === 'session-removed')).toBe(false);
  });

  it('while the subagent runs, the parent counts it and its tool', () => {
    const h = new Harness();
    replay(h, 'claude', payloads.slice(0, 19), id);
    const s = h.session(id);
    expect(s.subagentCount).toBe(1);
    expect(s.subagents[0]).toMatchObject({ status: 'running', currentTool: 'Bash', toolCalls: 1 });
    expect(s.currentTool).toBeNull();
  });
});

describe('Claude Code 2.1.328 fixture: approval-denied-by-hook.jsonl', () => {
  const payloads = readJsonl('claude-code-2.1.328/approval-denied-by-hook.jsonl');
  const id = 'da8290f6-dd0f-483d-b732-38e86513197a';

  it('follows the expected status timeline and leaves approval on the denial', () => {
    const h = new Harness();
    const statuses = replay(h, 'claude', payloads, id);
    expect(payloads.map((p) => p.hook_event_name)).toEqual([
      'SessionStart',
      'UserPromptSubmit',
      'PreToolUse',
      'PermissionRequest',
      'PostToolBatch',
      'Stop',
      'SessionEnd',
    ]);
    expect(statuses).toEqual(['idle', 'prompting', 'working', 'approval', 'working', 'waiting', 'ended']);
  });

  it('shows the approval with a readable detail, then ends the call as denied', () => {
    const h = new Harness();
    replay(h, 'claude', payloads.slice(0, 4), id);
    const s = h.session(id);
    expect(s.waitingDetail).toBe('Approve Bash: touch approved-file.txt');
    expect(s.pendingApproval).toMatchObject({
      tool: 'Bash',
      toolUseId: 'toolu_mock_2_1',
      source: 'permission_request',
      kind: 'approval',
      detail: 'Approve Bash: touch approved-file.txt',
    });
    expect(s.pendingApproval!.suggestions).toHaveLength(2);
    expect(s.statusReason).toMatchObject({
      status: 'approval',
      cause: 'event',
      trigger: 'PermissionRequest',
    });
    expect(s.model).toBe('claude-opus-5-5');

    replay(h, 'claude', payloads.slice(4), id);
    const end = h.session(id);
    expect(end.toolLog).toHaveLength(1);
    expect(end.toolLog[0]).toMatchObject({
      tool: 'Bash',
      status: 'denied',
      result: 'Denied from the dashboard',
    });
    expect(end.pendingApproval).toBeNull();
    expect(end.waitingDetail).toBeNull();
    expect(end.endReason).toBe('prompt_input_exit');
    expect(h.timers.size).toBe(0);
  });

  it('the denial alone (PostToolBatch) takes the card out of approval', () => {
    const h = new Harness();
    const statuses = replay(h, 'claude', payloads.slice(0, 5), id);
    expect(statuses.at(-2)).toBe('approval');
    expect(statuses.at(-1)).toBe('working');
    expect(h.session(id).statusReason).toMatchObject({ trigger: 'PostToolBatch', detail: 'Bash denied' });
  });
});

/** The payloads of a recorded `hooks.jsonl` (envelopes `{cli, payload, meta}`). */
const recorded = (rel: string) => readJsonl(rel).map((e) => e.payload as Record<string, unknown>);

it('every recorded Codex and Gemini situation has an explicit replay below', () => {
  expect(listFixtureDir('codex-0.171.0')).toEqual(['approval-allowed-from-api', 'two-turns']);
  expect(listFixtureDir('gemini-cli-0.61.0')).toEqual(['permission-allowed-in-terminal', 'two-turns']);
});

describe('Codex 0.171.0 fixture: two-turns (codex exec, echo, a failing ls, then exec resume)', () => {
  const payloads = recorded('codex-0.171.0/two-turns/hooks.jsonl');
  const id = payloads[0]!.session_id as string;

  it('follows the expected status timeline on one card', () => {
    const h = new Harness();
    const statuses = replay(h, 'codex', payloads, id);
    // biome-ignore format: one row per fixture line
    const expected: [string, SessionStatus][] = [
      ['SessionStart', 'idle'], ['UserPromptSubmit', 'prompting'],
      ['PreToolUse', 'working'], ['PostToolUse', 'working'], // echo
      ['PreToolUse', 'working'], ['PostToolUse', 'working'], // failing ls
      ['Stop', 'waiting'], ['SessionEnd', 'ended'],
      ['SessionStart', 'idle'], ['UserPromptSubmit', 'prompting'], ['Stop', 'waiting'], ['SessionEnd', 'ended'],
    ];
    expect(payloads.map((p) => p.hook_event_name)).toEqual(expected.map((e) => e[0]));
    expect(statuses).toEqual(expected.map((e) => e[1]));
    expect(h.sessionList).toHaveLength(1);
  });

  it('records both commands, both prompts and both answers', () => {
    const h = new Harness();
    replay(h, 'codex', payloads, id);
    const s = h.session(id);
    expect(s.cli).toBe('codex');
    expect(s.model).toBe('gpt-fake');
    expect(s.resumeCount).toBe(1);
    expect(s.promptHistory.map((p) => p.text)).toEqual([
      'run echo, then a failing command',
      'second question',
    ]);
    expect(s.promptHistory[0]!.promptId).toBe(payloads[1]!.turn_id);
    // Codex's PostToolUse carries no exit code: from hooks alone the failing ls ended ok (the rollout's tool-failed
    // entry makes it failed: transcript.test.ts, codex-e2e.test.ts)
    expect(s.toolLog.map((t) => [t.tool, t.inputSummary, t.toolUseId])).toEqual([
      ['Bash', 'echo flightdeck-e2e', 'call_fd_1'],
      ['Bash', 'ls /nonexistent-flightdeck-dir', 'call_fd_2'],
    ]);
    expect(s.toolLog[1]!.result).toContain('No such file or directory');
    expect(s.responseLog.map((r) => r.text)).toEqual(['One command failed.', 'Second answer.']);
    expect(s.endReason).toBe('other');
  });
});

describe('Codex 0.171.0 fixture: approval-allowed-from-api (TUI, on-request, allowed through the hold)', () => {
  const payloads = recorded('codex-0.171.0/approval-allowed-from-api/hooks.jsonl');
  const id = payloads[0]!.session_id as string;

  it('goes through approval with a readable detail, then works on and waits', () => {
    const h = new Harness();
    const statuses = replay(h, 'codex', payloads.slice(0, 4), id);
    expect(payloads.map((p) => p.hook_event_name)).toEqual([
      'SessionStart',
      'UserPromptSubmit',
      'PreToolUse',
      'PermissionRequest',
      'PostToolUse',
      'Stop',
    ]);
    expect(statuses).toEqual(['idle', 'prompting', 'working', 'approval']);
    const s = h.session(id);
    expect(s.permissionMode).toBe('default');
    // 0.171.0's PermissionRequest has no tool_use_id (tool_input.description is the model's justification): the
    // approval is tied to the running call the PreToolUse opened
    expect(s.pendingApproval).toMatchObject({
      tool: 'Bash',
      toolUseId: 'call_fd_1',
      source: 'permission_request',
      kind: 'approval',
    });
    expect(s.waitingDetail).toBe('Approve Bash: touch approved-by-flightdeck.txt');
    expect(replay(h, 'codex', payloads.slice(4), id)).toEqual(['working', 'waiting']);
    const end = h.session(id);
    expect(end.pendingApproval).toBeNull();
    expect(end.toolLog.map((t) => [t.tool, t.status, t.toolUseId])).toEqual([['Bash', 'ok', 'call_fd_1']]);
    expect(end.responseLog.map((r) => r.text)).toEqual(['Touched.']);
  });
});

describe('Gemini CLI 0.61.0 fixture: two-turns (gemini -p, echo, a failing ls, then --resume latest)', () => {
  const payloads = recorded('gemini-cli-0.61.0/two-turns/hooks.jsonl');
  const id = payloads[0]!.session_id as string;

  it('follows the expected status timeline on one card', () => {
    const h = new Harness();
    const statuses = replay(h, 'gemini', payloads, id);
    // biome-ignore format: one row per fixture line
    const expected: [string, SessionStatus][] = [
      ['SessionStart', 'idle'], ['BeforeAgent', 'prompting'], ['PreCompress', 'prompting'],
      ['BeforeTool', 'working'], ['AfterTool', 'working'], ['PreCompress', 'working'], // echo
      ['BeforeTool', 'working'], ['AfterTool', 'working'], ['PreCompress', 'working'], // failing ls
      ['AfterAgent', 'waiting'], ['SessionEnd', 'ended'],
      ['SessionStart', 'idle'], ['BeforeAgent', 'prompting'], ['PreCompress', 'prompting'],
      ['AfterAgent', 'waiting'], ['SessionEnd', 'ended'],
    ];
    expect(payloads.map((p) => p.hook_event_name)).toEqual(expected.map((e) => e[0]));
    expect(statuses).toEqual(expected.map((e) => e[1]));
    expect(h.sessionList).toHaveLength(1);
  });

  it('records the echo as ok and the failing ls as failed (its Exit Code line), the prompts and answers', () => {
    const h = new Harness();
    replay(h, 'gemini', payloads, id);
    const s = h.session(id);
    expect(s.cli).toBe('gemini');
    expect(s.resumeCount).toBe(1);
    expect(s.promptHistory.map((p) => p.text)).toEqual([
      'run echo, then a failing command',
      'second question',
    ]);
    expect(s.toolLog.map((t) => [t.tool, t.inputSummary, t.status])).toEqual([
      ['Bash', 'echo flightdeck-e2e', 'ok'],
      ['Bash', 'ls /nonexistent-flightdeck-dir', 'failed'],
    ]);
    expect(s.toolLog[1]!.error).toBe(
      "Exit code 2: ls: cannot access '/nonexistent-flightdeck-dir': No such file or directory",
    );
    expect(s.responseLog.map((r) => r.text)).toEqual(['One command failed.', 'Second answer.']);
    expect(s.endReason).toBe('exit');
  });
});

describe('Gemini CLI 0.61.0 fixture: permission-allowed-in-terminal (TUI, default mode, Allow once)', () => {
  const payloads = recorded('gemini-cli-0.61.0/permission-allowed-in-terminal/hooks.jsonl');
  const id = payloads[0]!.session_id as string;

  it('the ToolPermission notice (after BeforeTool) is an approval naming the command; AfterTool leaves it', () => {
    const h = new Harness();
    const statuses = replay(h, 'gemini', payloads, id);
    // biome-ignore format: one row per fixture line
    const expected: [string, SessionStatus][] = [
      ['SessionStart', 'idle'], ['BeforeAgent', 'prompting'], ['PreCompress', 'prompting'],
      ['BeforeTool', 'working'], ['Notification', 'approval'], ['AfterTool', 'working'],
      ['PreCompress', 'working'], ['AfterAgent', 'waiting'], ['SessionEnd', 'ended'],
    ];
    expect(payloads.map((p) => p.hook_event_name)).toEqual(expected.map((e) => e[0]));
    expect(statuses).toEqual(expected.map((e) => e[1]));
    const at = new Harness();
    replay(at, 'gemini', payloads.slice(0, 5), id);
    expect(at.session(id).waitingDetail).toBe('Approve Bash: touch allowed-in-terminal.txt');
    expect(at.session(id).pendingApproval).toMatchObject({
      tool: 'Bash',
      kind: 'approval',
      decidable: false,
    });
    const s = h.session(id);
    expect(s.pendingApproval).toBeNull();
    expect(s.toolLog.map((t) => [t.tool, t.status])).toEqual([['Bash', 'ok']]);
    expect(s.endReason).toBe('exit');
  });
});

describe('hook-samples.jsonl: Codex notify (not recorded: 0.171.0 has hooks for turn ends)', () => {
  const all = samples();

  it('Codex legacy notify agent-turn-complete ends the turn (and records the prompt)', () => {
    const n = all.find((s) => s.event === 'notify:agent-turn-complete')!.payload;
    const h = new Harness();
    const id = '019e746e-4c43-74c2-b47a-424fd4f025c7';
    const statuses = replay(h, 'codex', [n], id);
    expect(statuses).toEqual(['waiting']);
    const s = h.session(id);
    expect(s.promptHistory.map((p) => p.text)).toEqual(['Add rate limiting to the /login endpoint']);
    expect(s.responseLog[0]!.text).toContain('express-rate-limit');
    expect(s.statusReason.trigger).toBe('agent-turn-complete');
    // same turn already recorded by hooks → no duplicate prompt
    const cx = all.filter((x) => x.cli === 'codex' && !x.event.startsWith('notify')).map((x) => x.payload);
    const h2 = new Harness();
    replay(h2, 'codex', [...cx, n], id);
    expect(h2.session(id).promptHistory).toHaveLength(1);
  });
});
