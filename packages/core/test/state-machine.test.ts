import type { SessionStatus } from '@flightdeck/shared-types';
import { describe, expect, it } from 'vitest';
import { AUTO_IDLE, type CoreInput } from '../src/index.js';
import { Harness, hook } from './helpers.js';

const SID = 'sess-1';
const base = { session_id: SID, cwd: '/home/dev/proj', transcript_path: '/t.jsonl' };
const ev = (name: string, extra: Record<string, unknown> = {}) =>
  hook('claude', { ...base, hook_event_name: name, ...extra });
const start = ev('SessionStart', { source: 'startup', model: 'claude-opus-5-5' });
const prompt = ev('UserPromptSubmit', { prompt: 'do it', prompt_id: 'p1' });
const pre = (tool = 'Bash', id = 'tu1', input: Record<string, unknown> = { command: 'make' }) =>
  ev('PreToolUse', { tool_name: tool, tool_input: input, tool_use_id: id });
const post = (tool = 'Bash', id = 'tu1') =>
  ev('PostToolUse', { tool_name: tool, tool_input: {}, tool_use_id: id, tool_response: 'ok' });
const permission = ev('PermissionRequest', { tool_name: 'Bash', tool_input: { command: 'make' } });
const stop = ev('Stop', { last_assistant_message: 'done' });
const end = ev('SessionEnd', { reason: 'prompt_input_exit' });

/** Builds a harness whose session is in `status`, with a pid for check-children. */
function inStatus(status: SessionStatus, meta = { pid: 4242 }): Harness {
  const h = new Harness();
  const send = (i: CoreInput) => {
    h.advance(10);
    if (i.type === 'hook') i.envelope.meta = meta;
    h.send(i);
  };
  send(start);
  if (status === 'idle') return h;
  if (status === 'ended') {
    send(end);
    return h;
  }
  send(prompt);
  if (status === 'prompting') return h;
  if (status === 'waiting') {
    send(stop);
    return h;
  }
  send(pre());
  if (status === 'working') return h;
  if (status === 'approval') {
    send(permission);
    return h;
  }
  send(pre('AskUserQuestion', 'tu2', { questions: [{ question: 'Which?' }] }));
  h.advance(3_000);
  return h;
}

describe('spec §4.2 transitions', () => {
  // biome-ignore format: table
  const rows: { from: SessionStatus; input: string; to: SessionStatus; trigger: string }[] = [
    { from: 'ended', input: 'SessionStart', to: 'idle', trigger: 'SessionStart' },
    { from: 'idle', input: 'UserPromptSubmit', to: 'prompting', trigger: 'UserPromptSubmit' },
    { from: 'waiting', input: 'UserPromptSubmit', to: 'prompting', trigger: 'UserPromptSubmit' },
    { from: 'prompting', input: 'PreToolUse', to: 'working', trigger: 'PreToolUse' },
    // the status stays; its reason moves on to the latest event (the "Why" names the current reason)
    { from: 'working', input: 'PostToolUse', to: 'working', trigger: 'PostToolUse' },
    { from: 'working', input: 'heuristic timer (Bash, no children)', to: 'approval', trigger: 'approval-heuristic' },
    { from: 'working', input: 'PermissionRequest', to: 'approval', trigger: 'PermissionRequest' },
    { from: 'working', input: 'heuristic timer (AskUserQuestion)', to: 'input', trigger: 'approval-heuristic' },
    { from: 'approval', input: 'PostToolUse', to: 'working', trigger: 'PostToolUse' },
    { from: 'working', input: 'Stop', to: 'waiting', trigger: 'Stop' },
    { from: 'approval', input: 'Stop', to: 'waiting', trigger: 'Stop' },
    { from: 'waiting', input: '2 min idle', to: 'idle', trigger: 'auto-idle' },
    { from: 'working', input: 'SessionEnd', to: 'ended', trigger: 'SessionEnd' },
    { from: 'input', input: 'SessionEnd', to: 'ended', trigger: 'SessionEnd' },
    { from: 'waiting', input: 'pid-dead', to: 'ended', trigger: 'pid-dead' },
  ];
  for (const row of rows) {
    it(`${row.from} --${row.input}--> ${row.to}`, () => {
      const h = inStatus(row.from);
      expect(h.session(SID).status).toBe(row.from);
      h.advance(10);
      h.hasChildren = false;
      switch (row.input) {
        case 'SessionStart':
          h.send(ev('SessionStart', { source: 'resume' }));
          break;
        case 'UserPromptSubmit':
          h.send(prompt);
          break;
        case 'PreToolUse':
          h.send(pre());
          break;
        case 'PostToolUse':
          h.send(post());
          break;
        case 'PermissionRequest':
          h.send(permission);
          break;
        case 'Stop':
          h.send(stop);
          break;
        case 'SessionEnd':
          h.send(end);
          break;
        case 'pid-dead':
          h.send({ type: 'pid-dead', sessionId: SID, pid: 4242 });
          break;
        case 'heuristic timer (Bash, no children)':
          h.advance(8_000);
          break;
        case 'heuristic timer (AskUserQuestion)':
          h.send(pre('AskUserQuestion', 'tu9', { questions: [{ question: 'Which?' }] }));
          h.advance(3_000);
          break;
        case '2 min idle':
          h.advance(120_000);
          break;
      }
      const s = h.session(SID);
      expect(s.status).toBe(row.to);
      expect(s.statusReason.status).toBe(row.to);
      expect(s.statusReason.trigger).toBe(row.trigger);
      expect(s.statusReason.at).toBeLessThanOrEqual(h.now);
    });
  }

  it('ended sessions stay in the state (the shell decides what to drop)', () => {
    const h = inStatus('ended');
    h.advance(24 * 3600_000);
    expect(h.session(SID).status).toBe('ended');
    expect(h.session(SID).endedAt).not.toBeNull();
  });

  it('a new prompt resets the per-turn tool counter but not the totals', () => {
    const h = inStatus('working');
    h.send(post());
    h.send(pre('Read', 'tu3', { file_path: '/x' }));
    h.send(post('Read', 'tu3'));
    expect(h.session(SID).turnToolCalls).toBe(2);
    h.send(stop);
    expect(h.session(SID).turnToolCalls).toBe(2);
    h.send(prompt);
    const s = h.session(SID);
    expect(s.turnToolCalls).toBe(0);
    expect(s.totalToolCalls).toBe(2);
    expect(s.toolUsage).toEqual({ Bash: 1, Read: 1 });
  });

  it('main-agent tool events after SessionEnd do not revive the card; a prompt does', () => {
    const h = inStatus('ended');
    h.send(pre());
    expect(h.session(SID).status).toBe('ended');
    h.send(stop);
    expect(h.session(SID).status).toBe('ended');
    h.send(end);
    expect(h.session(SID).events.at(-1)!.detail).toContain('after end');
    h.send(prompt);
    expect(h.session(SID).status).toBe('prompting');
    expect(h.session(SID).endedAt).toBeNull();
  });

  it('SessionStart compact keeps the current status', () => {
    const h = inStatus('working');
    h.send(ev('SessionStart', { source: 'compact' }));
    expect(h.session(SID).status).toBe('working');
    h.send(ev('PreCompact', { trigger: 'auto' }));
    h.send(ev('PostCompact', { trigger: 'auto', compact_summary: 's' }));
    expect(h.session(SID).status).toBe('working');
    expect(h.session(SID).events.at(-1)!.detail).toContain('Compaction done');
  });

  it('StopFailure ends the turn with the error as reason', () => {
    const h = inStatus('working');
    h.send(ev('StopFailure', { error: 'rate_limit', last_assistant_message: 'API Error' }));
    const s = h.session(SID);
    expect(s.status).toBe('waiting');
    expect(s.statusReason).toMatchObject({ trigger: 'StopFailure', detail: 'Turn failed: rate_limit' });
    expect(s.toolLog[0]!.status).toBe('interrupted');
  });
});

describe('spec §4.3 auto-idle timeouts', () => {
  // biome-ignore format: table
  const rows: { status: SessionStatus; ms: number; to: SessionStatus }[] = [
    { status: 'prompting', ms: 30_000, to: 'waiting' },
    { status: 'waiting', ms: 120_000, to: 'idle' },
    { status: 'working', ms: 180_000, to: 'idle' },
    { status: 'approval', ms: 600_000, to: 'idle' },
    { status: 'input', ms: 600_000, to: 'idle' },
  ];
  it('matches the table', () => {
    expect(Object.entries(AUTO_IDLE).map(([status, r]) => ({ status, ms: r!.ms, to: r!.to }))).toEqual(rows);
  });
  for (const row of rows) {
    it(`${row.status} → ${row.to} after ${row.ms / 1000} s, not before`, () => {
      const h = inStatus(row.status, { pid: 4242 });
      h.hasChildren = true; // a long-running Bash: the heuristic must not turn it into approval
      // working with nothing running (the model thinking): the open-work rule below does not apply
      if (row.status === 'working') {
        h.advance(10);
        h.send(post());
      }
      const armed = h.last
        .concat(h.effects)
        .filter((e) => e.type === 'arm-timer' && e.key.startsWith('auto-idle'));
      expect(armed.length).toBeGreaterThan(0);
      h.advance(row.ms - 1);
      expect(h.session(SID).status).toBe(row.status);
      h.advance(1);
      const s = h.session(SID);
      expect(s.status).toBe(row.to);
      expect(s.statusReason).toMatchObject({ cause: 'timer', trigger: 'auto-idle', status: row.to });
      if (row.status === 'approval' || row.status === 'input') {
        expect(s.pendingApproval).toBeNull();
        expect(s.waitingDetail).toBeNull();
      }
    });
  }

  it('working with a tool call still open and its agent alive stays working, however long the call takes', () => {
    const h = inStatus('working', { pid: 4242 });
    h.hasChildren = true;
    for (let i = 0; i < 5; i++) {
      h.advance(180_000);
      const s = h.session(SID);
      expect(s.status).toBe('working');
      expect(s.statusReason).toMatchObject({
        cause: 'pid',
        trigger: 'process-check',
        detail: 'Bash: make still running (child processes of 4242 alive)',
      });
    }
    expect(h.effects.filter((e) => e.type === 'check-children').length).toBeGreaterThanOrEqual(5);
    // the call ends: the turn goes on, and a quiet working session goes idle after the timeout again
    h.send(post());
    h.advance(180_000);
    expect(h.session(SID).status).toBe('idle');
  });

  it('the open-work rule needs a known agent process: without a pid, working goes idle after the timeout', () => {
    // (PermissionRequest hooked: no approval heuristic, which would otherwise guess an approval without a pid)
    const h = inStatus('working', { permissionRequestHooked: true } as unknown as { pid: number });
    h.advance(180_000);
    expect(h.session(SID)).toMatchObject({ status: 'idle', statusReason: { cause: 'timer' } });
  });

  it('a dead agent ends the session instead (the process check answers pid-dead first)', () => {
    const h = inStatus('working', { pid: 4242 });
    h.advance(180_000);
    const check = h.effects.filter((e) => e.type === 'check-children').at(-1);
    expect(check).toMatchObject({ pid: 4242 });
    h.send({ type: 'pid-dead', sessionId: SID, pid: 4242 });
    expect(h.session(SID).status).toBe('ended');
  });

  it('the auto-idle timeout is configurable per status (the configure input), and the rule stays the rule', () => {
    const h = inStatus('idle', { pid: 4242 });
    h.send({ type: 'configure', config: { autoIdleMs: { working: 3_000, prompting: 2_000 } } });
    h.advance(10);
    h.send(prompt);
    h.advance(2_000);
    expect(h.session(SID).status).toBe('waiting');
    h.send(prompt);
    h.send(pre());
    h.send(post());
    h.advance(2_999);
    expect(h.session(SID).status).toBe('working');
    h.advance(1);
    expect(h.session(SID)).toMatchObject({
      status: 'idle',
      statusReason: { detail: 'working for 3 s without activity' },
    });
    // with a call open and the agent alive, the short timeout only brings a process check
    h.send(prompt);
    h.send(pre('Bash', 'tu7', { command: 'sleep 8' }));
    h.hasChildren = true;
    h.advance(3_000);
    expect(h.session(SID)).toMatchObject({ status: 'working', statusReason: { trigger: 'process-check' } });
  });

  it('configure refuses what is not a timeout', () => {
    const h = inStatus('idle');
    for (const autoIdleMs of [{ idle: 5_000 }, { working: -1 }, { working: 10 }, { working: Number.NaN }]) {
      const effects = h.send({ type: 'configure', config: { autoIdleMs } as never });
      expect(effects[0]).toMatchObject({ type: 'rejected' });
    }
  });

  it('prompting → waiting → idle chain uses both deadlines', () => {
    const h = inStatus('prompting');
    h.advance(30_000);
    expect(h.session(SID).status).toBe('waiting');
    h.advance(119_999);
    expect(h.session(SID).status).toBe('waiting');
    h.advance(1);
    expect(h.session(SID).status).toBe('idle');
    expect(h.timers.size).toBe(0);
  });

  it('activity re-arms the deadline', () => {
    const h = inStatus('working');
    h.hasChildren = true;
    h.advance(170_000);
    h.send(post());
    h.advance(170_000);
    expect(h.session(SID).status).toBe('working');
    h.advance(10_000);
    expect(h.session(SID).status).toBe('idle');
  });

  it('the arm-timer effect carries the deadline and the input to feed back', () => {
    const h = inStatus('idle');
    const effects = h.send(prompt);
    const arm = effects.find((e) => e.type === 'arm-timer');
    expect(arm).toMatchObject({
      type: 'arm-timer',
      deadline: h.now + 30_000,
      input: { type: 'timer', sessionId: SID, kind: 'auto-idle' },
    });
  });

  it('a stale timer (key no longer current) is ignored', () => {
    const h = inStatus('idle');
    const first = h.send(prompt).find((e) => e.type === 'arm-timer');
    if (first?.type !== 'arm-timer') throw new Error('no timer');
    h.advance(10);
    const second = h.send(pre());
    expect(second).toContainEqual({ type: 'cancel-timer', key: first.key });
    const before = h.state;
    const r = h.send(first.input); // the shell fires the cancelled timer anyway
    expect(r).toEqual([]);
    expect(h.state).toBe(before);
    expect(h.session(SID).status).toBe('working');
    // unknown timer kinds are rejected
    expect(h.send({ type: 'timer', key: 'x', sessionId: SID, kind: 'bogus' })[0]).toMatchObject({
      type: 'rejected',
    });
    // and timers for unknown sessions are ignored
    expect(h.send({ type: 'timer', key: 'x', sessionId: 'nope', kind: 'auto-idle' })).toEqual([]);
  });

  it('idle, ended and connecting have no auto-idle timer', () => {
    const h = inStatus('waiting');
    h.send(end);
    expect([...h.timers.keys()].filter((k) => k.startsWith('auto-idle'))).toEqual([]);
  });
});
