import type { Session } from '@flightdeck/shared-types';
import { describe, expect, it } from 'vitest';
import { copySession, createSession } from '../src/session.js';

describe('copySession', () => {
  it('copies every field of a session into a new object (nothing dropped, nothing shared but the values)', () => {
    const base = createSession({
      sessionId: 's-copy',
      cli: 'claude',
      projectPath: '/home/dev/acme',
      source: 'tmux',
      now: 1_800_000_000_000,
    });
    // Every field set to something other than its default, so a dropped field shows as a difference.
    const full: Session = {
      ...base,
      model: 'claude-sonnet-4-6',
      permissionMode: 'plan',
      currentPrompt: 'fix it',
      currentTool: 'Bash',
      waitingDetail: 'waiting',
      endedAt: 1_800_000_000_500,
      endReason: 'stop',
      toolUsage: { Bash: 2 },
      turnToolCalls: 2,
      totalToolCalls: 5,
      totalPrompts: 3,
      subagentCount: 1,
      pid: 4242,
      tty: '/dev/pts/3',
      host: 'build-box',
      terminalId: 'term-1',
      tmuxPane: '%3',
      transcriptPath: '/tmp/t.jsonl',
      teamId: 'team-1',
      teamRole: 'leader',
      parentSessionId: 'parent',
      agentName: 'reviewer',
      agentType: 'code-reviewer',
      agentColor: 'blue',
      label: 'urgent',
      accentColor: '#ff0000',
      archived: true,
      previousSessionIds: ['old'],
      resumeCount: 1,
    };
    const copy = copySession(full);
    expect(copy).not.toBe(full);
    expect(copy).toEqual(full);
    expect(Object.keys(copy).sort()).toEqual(Object.keys(full).sort());
  });

  it('copies a session of another version whole: a field it does not know kept, a missing one not invented', () => {
    const base = createSession({
      sessionId: 's-old',
      cli: 'claude',
      projectPath: '',
      source: 'unknown',
      now: 1,
    });
    const extra = { ...base, retiredField: 'kept' } as Session;
    expect(copySession(extra)).toEqual(extra);
    expect(Object.keys(copySession(extra))).toEqual(Object.keys(extra));
    const { lineage: _dropped, ...missing } = base;
    const copy = copySession(missing as Session);
    expect(copy).toEqual(missing);
    expect('lineage' in copy).toBe(false);
    const swapped = { ...missing, retiredField: 1 } as unknown as Session;
    expect(Object.keys(copySession(swapped))).toEqual(Object.keys(swapped));
  });
});
