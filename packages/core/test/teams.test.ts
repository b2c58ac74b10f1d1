import type { HookMeta } from '@flightdeck/shared-types';
import { describe, expect, it } from 'vitest';
import { TEAM_CLEANUP_MS } from '../src/index.js';
import { Harness, hook } from './helpers.js';

const ev = (id: string, name: string, extra: Record<string, unknown> = {}, meta: HookMeta = {}) =>
  hook('claude', { session_id: id, hook_event_name: name, cwd: '/home/dev/p', ...extra }, meta);

function withParent(): Harness {
  const h = new Harness();
  h.send(ev('P', 'SessionStart', { source: 'startup' }));
  h.send(ev('P', 'UserPromptSubmit', { prompt: 'lead the team' }));
  return h;
}

describe('spec §7 teams and subagents', () => {
  it('7.2: meta.parentSessionId links the child into team-<parent> (parent leads)', () => {
    const h = withParent();
    const eff = h.send(
      ev(
        'C',
        'SessionStart',
        { source: 'startup' },
        {
          parentSessionId: 'P',
          teamName: 'squad',
          agentName: 'backend',
          agentType: 'engineer',
          agentColor: '#0f8',
        },
      ),
    );
    expect(h.state.teams['team-P']).toEqual({
      teamId: 'team-P',
      parentSessionId: 'P',
      childSessionIds: ['C'],
      teamName: 'squad',
      createdAt: h.now,
    });
    expect(h.session('P')).toMatchObject({ teamId: 'team-P', teamRole: 'leader' });
    expect(h.session('C')).toMatchObject({
      teamId: 'team-P',
      teamRole: 'member',
      parentSessionId: 'P',
      agentName: 'backend',
      agentType: 'engineer',
      agentColor: '#0f8',
    });
    expect(eff).toContainEqual({ type: 'team-changed', teamId: 'team-P' });
    // a second member joins the same team, default name uses the project
    h.send(ev('D', 'SessionStart', { source: 'startup' }, { parentSessionId: 'P' }));
    expect(h.state.teams['team-P']!.childSessionIds).toEqual(['C', 'D']);
  });

  it('the default team name is "<project> Team"; an unknown parent only sets parentSessionId', () => {
    const h = withParent();
    h.send(ev('C', 'SessionStart', { source: 'startup' }, { parentSessionId: 'P' }));
    expect(h.state.teams['team-P']!.teamName).toBe('p Team');
    h.send(ev('X', 'SessionStart', { source: 'startup' }, { parentSessionId: 'ghost' }));
    expect(h.session('X')).toMatchObject({ parentSessionId: 'ghost', teamId: null });
    expect(h.state.teams['team-ghost']).toBeUndefined();
  });

  it('7.1: path-based linking of a session starting within 10 s of a SubagentStart', () => {
    const h = withParent();
    h.send(ev('P', 'SubagentStart', { agent_id: 'a1', agent_type: 'Explore' }));
    h.advance(9_000);
    h.send(
      hook('claude', {
        session_id: 'C',
        hook_event_name: 'SessionStart',
        source: 'startup',
        cwd: '/home/dev/p/sub',
      }),
    );
    expect(h.session('C')).toMatchObject({ teamId: 'team-P', teamRole: 'member', agentType: 'Explore' });
    expect(h.state.pendingSubagents).toEqual([]);

    const late = withParent();
    late.send(ev('P', 'SubagentStart', { agent_id: 'a1', agent_type: 'Explore' }));
    late.advance(10_001);
    late.send(ev('C', 'SessionStart', { source: 'startup' }));
    expect(late.session('C').teamId).toBeNull();
    late.advance(30_000);
    late.send(ev('P', 'SubagentStart', { agent_id: 'a2' }));
    expect(late.state.pendingSubagents.map((p) => p.at)).toEqual([late.now]); // stale entries pruned
  });

  it('7.5: members leave when they end; the team goes 15 s after the leader and all members ended', () => {
    const h = withParent();
    h.send(ev('C', 'SessionStart', { source: 'startup' }, { parentSessionId: 'P' }));
    h.send(ev('C', 'SessionEnd', { reason: 'other' }));
    expect(h.state.teams['team-P']!.childSessionIds).toEqual([]);
    expect(h.session('C')).toMatchObject({ teamId: null, teamRole: null, parentSessionId: 'P' });
    const eff = h.send(ev('P', 'SessionEnd', { reason: 'other' }));
    const arm = eff.find(
      (e) => e.type === 'arm-timer' && e.input.type === 'timer' && e.input.kind === 'team-cleanup',
    );
    expect(arm).toMatchObject({ deadline: h.now + TEAM_CLEANUP_MS });
    h.advance(TEAM_CLEANUP_MS - 1);
    expect(h.state.teams['team-P']).toBeDefined();
    h.advance(1);
    expect(h.state.teams['team-P']).toBeUndefined();
    expect(h.effects).toContainEqual({ type: 'team-removed', teamId: 'team-P' });
    expect(h.session('P')).toMatchObject({ teamId: null, teamRole: null });
  });

  it('a leader that comes back within 15 s keeps its team; a stale cleanup timer is ignored', () => {
    const h = withParent();
    h.send(ev('C', 'SessionStart', { source: 'startup' }, { parentSessionId: 'P' }));
    h.send(ev('C', 'SessionEnd', { reason: 'other' }));
    const eff = h.send(ev('P', 'SessionEnd', { reason: 'other' }));
    const arm = eff.find(
      (e) => e.type === 'arm-timer' && e.input.type === 'timer' && e.input.kind === 'team-cleanup',
    );
    if (arm?.type !== 'arm-timer') throw new Error('no cleanup timer');
    h.advance(5_000);
    h.send(ev('P', 'SessionStart', { source: 'resume' }));
    h.advance(20_000);
    expect(h.state.teams['team-P']).toBeDefined();
    expect(h.send(arm.input)).toEqual([]);
  });

  it('a leader ending while a member is alive keeps the team until the member ends', () => {
    const h = withParent();
    h.send(ev('C', 'SessionStart', { source: 'startup' }, { parentSessionId: 'P' }));
    h.send(ev('P', 'SessionEnd', { reason: 'other' }));
    h.advance(60_000);
    expect(h.state.teams['team-P']).toBeDefined();
    h.send({ type: 'pid-dead', sessionId: 'C', pid: 1 }); // wrong pid: stale, ignored
    expect(h.session('C').status).not.toBe('ended');
    h.send(ev('C', 'SessionEnd', { reason: 'other' }));
    h.advance(TEAM_CLEANUP_MS);
    expect(h.state.teams['team-P']).toBeUndefined();
  });

  it('deleting the leader removes the team; deleting a member leaves it', () => {
    const h = withParent();
    h.send(ev('C', 'SessionStart', { source: 'startup' }, { parentSessionId: 'P' }));
    h.send(ev('D', 'SessionStart', { source: 'startup' }, { parentSessionId: 'P' }));
    h.send({ type: 'user', action: { type: 'delete', sessionId: 'D' } });
    expect(h.state.teams['team-P']!.childSessionIds).toEqual(['C']);
    const eff = h.send({ type: 'user', action: { type: 'delete', sessionId: 'P' } });
    expect(eff).toContainEqual({ type: 'team-removed', teamId: 'team-P' });
    expect(h.session('C')).toMatchObject({ teamId: null, teamRole: null });
  });

  it('a re-keyed leader keeps its team', () => {
    const h = withParent();
    h.send(ev('C', 'SessionStart', { source: 'startup' }, { parentSessionId: 'P' }));
    h.send(ev('P', 'SessionEnd', { reason: 'other' }));
    h.send(ev('P2', 'SessionStart', { source: 'resume' }));
    expect(h.state.teams['team-P']!.parentSessionId).toBe('P2');
    expect(h.session('P2')).toMatchObject({ teamRole: 'leader', teamId: 'team-P' });
    // a child naming the old parent id still joins (alias)
    h.send(ev('E', 'SessionStart', { source: 'startup' }, { parentSessionId: 'P' }));
    expect(h.state.teams['team-P']!.childSessionIds).toEqual(['C', 'E']);
  });

  it('subagents: start/stop, counts, tool attribution, parent status untouched', () => {
    const h = withParent();
    h.send(ev('P', 'Stop', {}));
    h.send(ev('P', 'SubagentStart', { agent_id: 'a1', agent_type: 'Explore' }));
    h.send(ev('P', 'SubagentStart', { agent_id: 'a2', agent_type: 'Plan' }));
    expect(h.session('P').subagentCount).toBe(2);
    h.send(
      ev('P', 'PreToolUse', {
        agent_id: 'a1',
        tool_name: 'Grep',
        tool_input: { pattern: 'x' },
        tool_use_id: 's1',
      }),
    );
    h.send(
      ev('P', 'PostToolUseFailure', {
        agent_id: 'a1',
        tool_name: 'Grep',
        tool_input: {},
        tool_use_id: 's1',
        error: 'boom',
      }),
    );
    h.send(
      ev('P', 'PreToolUse', {
        agent_id: 'a3',
        tool_name: 'Read',
        tool_input: { file_path: '/f' },
        tool_use_id: 's2',
      }),
    );
    expect(h.session('P').status).toBe('waiting');
    h.send(
      ev('P', 'SubagentStop', { agent_id: 'a1', agent_type: 'Explore', last_assistant_message: 'found it' }),
    );
    const s = h.session('P');
    expect(s.subagents.map((a) => [a.agentId, a.status, a.toolCalls, a.currentTool])).toEqual([
      ['a1', 'done', 1, null],
      ['a2', 'running', 0, null],
      ['a3', 'running', 1, 'Read'], // seen only through its tool events
    ]);
    expect(s.subagentCount).toBe(2);
    expect(s.toolLog.map((t) => [t.tool, t.status, t.agentId])).toEqual([
      ['Grep', 'failed', 'a1'],
      ['Read', 'running', 'a3'],
    ]);
    expect(s.turnToolCalls).toBe(0);
    expect(s.status).toBe('waiting');
    // the session's end closes everything still running
    h.send(ev('P', 'SessionEnd', { reason: 'other' }));
    const e = h.session('P');
    expect(e.subagentCount).toBe(0);
    expect(e.subagents.every((a) => a.status === 'done')).toBe(true);
    expect(e.toolLog[1]!.status).toBe('interrupted');
  });
});
