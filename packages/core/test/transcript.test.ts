import { describe, expect, it } from 'vitest';
import { type CoreInput, getOwn, reduce, type TranscriptEntry } from '../src/index.js';
import { Harness, hook } from './helpers.js';

const SID = 'sess-t';
const PATH = '/home/dev/.claude/projects/p/sess-t.jsonl';
const T0 = 1_700_000_000_000;
const base = { session_id: SID, cwd: '/home/dev/p', transcript_path: PATH };
const ev = (name: string, extra: Record<string, unknown> = {}, sentAt?: number) =>
  hook('claude', { ...base, hook_event_name: name, ...extra }, { pid: 77, sentAt });
const pre = (command: string, id = 'tu1') =>
  ev('PreToolUse', { tool_name: 'Bash', tool_input: { command }, tool_use_id: id });

type TranscriptInput = Extract<CoreInput, { type: 'transcript' }>;
let offset = 0;
function tr(
  entries: Array<Partial<TranscriptEntry> & Pick<TranscriptEntry, 'kind'>>,
  extra = {},
): TranscriptInput {
  offset += 100;
  return {
    type: 'transcript',
    sessionId: SID,
    path: PATH,
    offset,
    skipped: 0,
    entries: entries.map((e) => ({ at: null, uuid: null, agentId: null, ...e }) as TranscriptEntry),
    ...extra,
  };
}

/** A session mid-turn: prompt at T0 + 1 s (agent clock), a Bash call running. */
function working(): Harness {
  const h = new Harness(T0);
  h.send(ev('SessionStart', { source: 'startup' }, T0));
  h.advance(1000);
  h.send(ev('UserPromptSubmit', { prompt: 'clean up' }, T0 + 1000));
  h.advance(1000);
  h.send(pre('rm -rf build'));
  return h;
}

describe('transcript inputs', () => {
  it('Esc at a permission prompt: approval is left at once, the call interrupted, the reason says so', () => {
    const h = working();
    h.send(ev('PermissionRequest', { tool_name: 'Bash', tool_input: { command: 'rm -rf build' } }));
    expect(h.session(SID).status).toBe('approval');
    h.advance(5000);
    h.send(tr([{ kind: 'interrupted', atToolPrompt: true, at: h.now - 100 }]));
    const s = h.session(SID);
    expect(s).toMatchObject({
      status: 'waiting',
      pendingApproval: null,
      waitingDetail: null,
      currentTool: null,
      statusReason: {
        cause: 'transcript',
        trigger: 'interrupt',
        detail: 'Interrupted at the prompt (Approve Bash: rm -rf build)',
      },
    });
    expect(s.toolLog.at(-1)).toMatchObject({ status: 'interrupted' });
    expect(s.events.at(-1)).toMatchObject({ type: 'interrupted' });
    expect(s.statusHistory.map((r) => [r.status, r.cause])).toEqual([
      ['idle', 'event'],
      ['prompting', 'event'],
      ['working', 'event'],
      ['approval', 'event'],
      ['waiting', 'transcript'],
    ]);
    // no auto-idle back into approval, and no timer is left for the old status
    h.advance(700_000);
    expect(h.session(SID).status).toBe('idle');
  });

  it('Esc mid-turn: working is left at once, not after the auto-idle timeout', () => {
    const h = working();
    h.advance(2000);
    h.send(tr([{ kind: 'interrupted', atToolPrompt: false, at: h.now }]));
    expect(h.session(SID)).toMatchObject({
      status: 'waiting',
      statusReason: { cause: 'transcript', detail: 'Interrupted by the user' },
    });
  });

  it('an interrupt written before the current turn began is stale: it does not end the new turn', () => {
    const h = working();
    h.advance(60_000);
    // a new prompt (agent clock T0 + 61 s) while the follower still had the old interrupt (T0 + 30 s) to hand over
    h.send(ev('UserPromptSubmit', { prompt: 'again' }, h.now));
    h.send(pre('make', 'tu2'));
    h.send(tr([{ kind: 'interrupted', atToolPrompt: false, at: T0 + 30_000 }]));
    expect(h.session(SID).status).toBe('working');
  });

  it('an interrupt outside a turn changes nothing', () => {
    const h = working();
    h.send(ev('Stop', { last_assistant_message: 'done' }));
    const before = h.session(SID);
    h.send(tr([{ kind: 'interrupted', atToolPrompt: false, at: h.now }]));
    expect(h.session(SID).status).toBe('waiting');
    expect(h.session(SID).statusReason).toEqual(before.statusReason);
  });

  it('the same bytes again (offset not past the cursor) change nothing; a reset starts the cursor again', () => {
    const h = working();
    const input = tr([{ kind: 'assistant-text', text: 'Looking.', at: h.now }], { skipped: 2 });
    h.send(input);
    const after = h.state;
    expect(getOwn(after.runtime, SID)!.transcript).toEqual({ path: PATH, offset, entries: 1, skipped: 2 });
    const again = reduce(
      after,
      { ...input, entries: [...(input as { entries: TranscriptEntry[] }).entries] },
      h.now,
    );
    expect(again.state).toBe(after);
    const reset = reduce(after, { ...input, offset: 10, restarted: true }, h.now);
    expect(getOwn(reset.state.runtime, SID)!.transcript).toEqual({
      path: PATH,
      offset: 10,
      entries: 1,
      skipped: 2,
    });
  });

  it('the assistant text between tool calls is a response; the Stop hook does not repeat the last one', () => {
    const h = working();
    h.send(tr([{ kind: 'assistant-text', text: 'Removing the build directory.', at: h.now }]));
    h.send(tr([{ kind: 'assistant-text', text: 'Done: build removed.', at: h.now }]));
    h.send(ev('Stop', { last_assistant_message: 'Done: build removed.' }));
    expect(h.session(SID).responseLog.map((r) => r.text)).toEqual([
      'Removing the build directory.',
      'Done: build removed.',
    ]);
    // …in either order
    h.advance(10);
    h.send(ev('UserPromptSubmit', { prompt: 'more' }, h.now));
    h.advance(10);
    h.send(ev('Stop', { last_assistant_message: 'Nothing left.' }));
    h.send(tr([{ kind: 'assistant-text', text: 'Nothing left.', at: h.now }]));
    expect(
      h
        .session(SID)
        .responseLog.map((r) => r.text)
        .filter((t) => t === 'Nothing left.'),
    ).toHaveLength(1);
  });

  it('an API error being retried is the current reason while working, and in the timeline', () => {
    const h = working();
    h.send(
      tr([
        { kind: 'api-error', message: 'Overloaded', attempt: 2, maxAttempts: 10, retryInMs: 4000, at: h.now },
      ]),
    );
    const s = h.session(SID);
    expect(s.status).toBe('working');
    expect(s.statusReason).toMatchObject({
      cause: 'transcript',
      trigger: 'api-error',
      detail: 'API error: Overloaded (retry 2 of 10 in 4 s)',
      reasonAt: h.now,
    });
    expect(s.events.at(-1)).toMatchObject({ type: 'api-error' });
  });

  it('a compaction is recorded in the timeline', () => {
    const h = working();
    h.send(tr([{ kind: 'compacted', trigger: 'auto', preTokens: 154_321, at: h.now }]));
    expect(h.session(SID).events.at(-1)).toMatchObject({
      type: 'compacted',
      detail: 'Conversation compacted (auto, 154k tokens before)',
    });
  });

  describe('a tool call the session file says failed (Codex: hooks carry no exit code)', () => {
    const post = (id = 'tu1') =>
      ev('PostToolUse', {
        tool_name: 'Bash',
        tool_input: { command: 'ls /x' },
        tool_response: 'ls: no',
        tool_use_id: id,
      });
    const failed = (toolUseId = 'tu1', agentId: string | null = null) =>
      tr([{ kind: 'tool-failed', toolUseId, error: 'Exit code 2: ls: no', agentId }]);
    const call = (h: Harness) => h.session(SID).toolLog.map((t) => [t.status, t.error, t.result]);

    it('a call the hook ended ok becomes failed, its output kept', () => {
      const h = working();
      h.send(post());
      h.send(failed());
      expect(call(h)).toEqual([['failed', 'Exit code 2: ls: no', 'ls: no']]);
      expect(h.session(SID).status).toBe('working');
    });

    it('the failure read before the hook end: the call keeps running, then its hook end ends it failed', () => {
      const h = working();
      h.send(failed());
      expect(call(h)).toEqual([['running', 'Exit code 2: ls: no', null]]);
      expect(h.session(SID).currentTool).toBe('Bash');
      h.send(post());
      expect(call(h)).toEqual([['failed', 'Exit code 2: ls: no', 'ls: no']]);
      expect(h.session(SID).currentTool).toBeNull();
    });

    it('unknown ids, other agents and calls that ended otherwise are left alone; the same line twice is one change', () => {
      const h = working();
      h.send(post());
      const before = h.session(SID);
      h.send(failed('tu-unknown'));
      h.send(failed('tu1', 'agent-1'));
      expect(h.session(SID).toolLog).toEqual(before.toolLog);
      h.send(failed());
      const once = h.session(SID).toolLog;
      h.send(failed());
      expect(h.session(SID).toolLog).toEqual(once);
      const denied = working();
      denied.send(
        ev('PermissionDenied', { tool_name: 'Bash', tool_input: {}, tool_use_id: 'tu1', reason: 'no' }),
      );
      denied.send(failed());
      expect(call(denied)).toEqual([['denied', 'no', 'no']]);
    });
  });

  it('rejects malformed inputs and ignores unknown sessions', () => {
    const h = working();
    const bad = [
      { ...tr([]), offset: -1 },
      { ...tr([]), path: '' },
      tr([{ kind: 'nonsense' as never }]),
      tr([{ kind: 'interrupted' }]),
      tr([
        {
          kind: 'api-error',
          message: 'x',
          attempt: Number.POSITIVE_INFINITY,
          maxAttempts: null,
          retryInMs: null,
        },
      ]),
    ];
    for (const input of bad) {
      const r = reduce(h.state, input, h.now);
      expect(r.state).toBe(h.state);
      expect(r.effects[0]).toMatchObject({ type: 'rejected' });
    }
    const unknown = reduce(h.state, { ...tr([]), sessionId: 'nobody' }, h.now);
    expect(unknown).toEqual({ state: h.state, effects: [] });
  });

  it('replaying the same hook and transcript inputs gives the same state', () => {
    const run = () => {
      offset = 0;
      const h = working();
      h.send(ev('PermissionRequest', { tool_name: 'Bash', tool_input: { command: 'rm -rf build' } }));
      h.advance(3000);
      h.send(tr([{ kind: 'assistant-text', text: 'I will ask first.', at: h.now }]));
      h.send(tr([{ kind: 'interrupted', atToolPrompt: true, at: h.now }]));
      return h.state;
    };
    expect(JSON.parse(JSON.stringify(run()))).toEqual(JSON.parse(JSON.stringify(run())));
  });
});

describe('the turn end names background agents still running', () => {
  it('Stop while a background subagent runs: waiting, and the reason says the agent is still running', () => {
    const h = working();
    h.send(ev('SubagentStart', { agent_id: 'ag1', agent_type: 'general-purpose' }));
    h.send(ev('Stop', { last_assistant_message: 'Started it.' }));
    expect(h.session(SID)).toMatchObject({
      status: 'waiting',
      statusReason: { detail: 'Turn finished after 1 tool call (1 background agent still running)' },
    });
  });
});
