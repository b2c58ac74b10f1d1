import { describe, expect, it } from 'vitest';
import {
  type CoreInput,
  type CoreState,
  getOwn,
  initialState,
  KILL_ESCALATION_MS,
  keysOf,
  LIMITS,
  type ProcessIdentity,
  reduce,
  rehydrate,
} from '../src/index.js';
import { Harness, hook, IDENTITY, user } from './helpers.js';

const SID = 's1';
const ev = (name: string, extra: Record<string, unknown> = {}, pid = 321) =>
  hook(
    'claude',
    { session_id: SID, hook_event_name: name, cwd: '/home/dev/proj/', ...extra },
    { pid, tty: '/dev/pts/4', tmuxPane: '%5' },
  );

function live(): Harness {
  const h = new Harness();
  h.send(ev('SessionStart', { source: 'startup', model: 'claude-opus-5-5', transcript_path: '/t/s1.jsonl' }));
  return h;
}
/** The shell's answer to the session's `watch-pid`. */
function identified(h: Harness, identity: ProcessIdentity | null = IDENTITY, refused: string | null = null) {
  h.send({ type: 'process-identified', sessionId: SID, pid: 321, identity, refused });
  return h;
}

describe('session fields', () => {
  it('takes model, pid, tty, tmux pane, transcript, project from meta and payload; watch-pid once', () => {
    const h = live();
    const s = h.session(SID);
    expect(s).toMatchObject({
      model: 'claude-opus-5-5',
      pid: 321,
      tty: '/dev/pts/4',
      tmuxPane: '%5',
      transcriptPath: '/t/s1.jsonl',
      projectPath: '/home/dev/proj/',
      projectName: 'proj',
      title: 'proj',
      cli: 'claude',
    });
    expect(h.effects.filter((e) => e.type === 'watch-pid')).toEqual([
      { type: 'watch-pid', sessionId: SID, pid: 321, at: h.now },
    ]);
    h.send(ev('UserPromptSubmit', { prompt: 'x' }));
    expect(h.effects.filter((e) => e.type === 'watch-pid')).toHaveLength(1);
  });

  it('title: first prompt trimmed to 80 chars, not overwritten by later prompts or once user-set', () => {
    const h = live();
    const long = `  Refactor   the\nauthentication ${'module '.repeat(30)}`;
    h.send(ev('UserPromptSubmit', { prompt: long }));
    const t = h.session(SID).title;
    expect(t.length).toBe(80);
    expect(t.startsWith('Refactor the authentication module')).toBe(true);
    h.send(ev('UserPromptSubmit', { prompt: 'second' }));
    expect(h.session(SID).title).toBe(t);
    h.send(user({ type: 'set-title', sessionId: SID, title: '  My title ' }));
    expect(h.session(SID).title).toBe('My title');
    expect(h.send(user({ type: 'set-title', sessionId: SID, title: 'x'.repeat(501) }))[0]).toMatchObject({
      type: 'rejected',
      reason: 'set-title: title: at most 500 characters',
    });
    h.send(user({ type: 'set-title', sessionId: SID, title: 'y'.repeat(500) }));
    expect(h.session(SID).title).toHaveLength(500);
    h.send(user({ type: 'set-title', sessionId: SID, title: '' }));
    expect(h.session(SID).title).toBe(t);
  });

  it('SessionStart session_title names the card; CwdChanged moves it', () => {
    const h = new Harness();
    h.send(
      hook('claude', {
        session_id: 'x',
        hook_event_name: 'SessionStart',
        source: 'startup',
        session_title: 'Fix login',
      }),
    );
    expect(h.session('x').title).toBe('Fix login');
    expect(h.session('x').projectName).toBe('unknown');
    h.send(
      hook('claude', { session_id: 'x', hook_event_name: 'CwdChanged', old_cwd: '/a', new_cwd: '/a/b' }),
    );
    expect(h.session('x')).toMatchObject({ projectPath: '/a/b', projectName: 'b' });
  });

  it('ring buffers stay bounded', () => {
    const h = live();
    for (let i = 0; i < 260; i++) {
      h.send(ev('UserPromptSubmit', { prompt: `p${i}` }));
      h.send(
        ev('PreToolUse', { tool_name: 'Read', tool_input: { file_path: `/f${i}` }, tool_use_id: `t${i}` }),
      );
      h.send(ev('Stop', { last_assistant_message: `r${i}` }));
    }
    const s = h.session(SID);
    expect(s.promptHistory).toHaveLength(LIMITS.promptHistory);
    expect(s.promptHistory.at(-1)!.text).toBe('p259');
    expect(s.toolLog).toHaveLength(LIMITS.toolLog);
    expect(s.toolLog.at(-1)!.inputSummary).toBe('/f259');
    expect(s.responseLog).toHaveLength(LIMITS.responseLog);
    expect(s.events).toHaveLength(LIMITS.events);
    expect(s.totalToolCalls).toBe(260);
    expect(s.toolUsage).toEqual({ Read: 260 });
  });

  it('large inputs are truncated (4 KB per string, 2000-char excerpts)', () => {
    const h = live();
    const big = 'x'.repeat(1_000_000);
    h.send(
      ev('PreToolUse', {
        tool_name: 'Write',
        tool_input: {
          file_path: '/f',
          content: big,
          nested: { deep: [big, 1, { more: big }] },
          list: Array.from({ length: 500 }, (_, i) => i),
        },
        tool_use_id: 't1',
      }),
    );
    h.send(
      ev('PostToolUse', {
        tool_name: 'Write',
        tool_input: {},
        tool_use_id: 't1',
        tool_response: { stdout: big, stderr: '' },
      }),
    );
    h.send(ev('Stop', { last_assistant_message: big }));
    const s = h.session(SID);
    const input = s.toolLog[0]!.input as {
      content: string;
      nested: { deep: [string, number, { more: string }] };
      list: unknown[];
    };
    expect(input.content.length).toBe(LIMITS.stringField);
    expect(input.nested.deep[0].length).toBe(LIMITS.stringField);
    expect(input.nested.deep[2].more.length).toBe(LIMITS.stringField);
    expect(input.list).toHaveLength(LIMITS.maxArray + 1);
    expect(s.toolLog[0]!.result!.length).toBe(LIMITS.excerpt);
    expect(s.responseLog[0]!.text.length).toBe(LIMITS.excerpt);
    expect(JSON.stringify(h.state).length).toBeLessThan(40_000);
  });

  it('meta.sentAt dates the history entries; timers use now', () => {
    const h = new Harness(2_000_000);
    const eff = h.send(
      hook(
        'claude',
        { session_id: 'q', hook_event_name: 'UserPromptSubmit', prompt: 'p' },
        { sentAt: 1_999_000 },
      ),
    );
    expect(h.session('q').promptHistory[0]!.timestamp).toBe(1_999_000);
    expect(eff.find((e) => e.type === 'arm-timer')).toMatchObject({ deadline: 2_030_000 });
  });
});

describe('user actions', () => {
  it('label, accent colour, archive/unarchive', () => {
    const h = live();
    h.send(user({ type: 'set-label', sessionId: SID, label: ' backend ' }));
    expect(h.session(SID).label).toBe('backend');
    h.send(user({ type: 'set-label', sessionId: SID, label: null }));
    expect(h.session(SID).label).toBeNull();
    expect(h.send(user({ type: 'set-label', sessionId: SID, label: 5 }))[0]).toMatchObject({
      type: 'rejected',
    });
    expect(h.send(user({ type: 'set-label', sessionId: SID, label: 'l'.repeat(201) }))[0]).toMatchObject({
      type: 'rejected',
    });
    const eff = h.send(user({ type: 'set-accent-color', sessionId: SID, color: '#ff8800' }));
    expect(eff).toEqual([{ type: 'session-changed', sessionId: SID }]);
    expect(h.session(SID).accentColor).toBe('#ff8800');
    expect(
      h.send(user({ type: 'set-accent-color', sessionId: SID, color: 'red; background:url(x)' }))[0],
    ).toMatchObject({
      type: 'rejected',
    });
    h.send(user({ type: 'set-accent-color', sessionId: SID, color: null }));
    expect(h.session(SID).accentColor).toBeNull();
    h.send(user({ type: 'archive', sessionId: SID }));
    expect(h.session(SID).archived).toBe(true);
    h.send(user({ type: 'unarchive', sessionId: SID }));
    expect(h.session(SID).archived).toBe(false);
  });

  it('delete removes the card and its timers', () => {
    const h = live();
    h.send(ev('UserPromptSubmit', { prompt: 'x' }));
    const eff = h.send(user({ type: 'delete', sessionId: SID }));
    expect(eff).toContainEqual({ type: 'session-removed', sessionId: SID });
    expect(eff.some((e) => e.type === 'cancel-timer')).toBe(true);
    expect(eff.some((e) => e.type === 'session-changed')).toBe(false);
    expect(getOwn(h.state.sessions, SID)).toBeUndefined();
    expect(getOwn(h.state.runtime, SID)).toBeUndefined();
  });

  it('kill: SIGTERM, then SIGKILL after 3 s if still alive; nothing if it died', () => {
    const h = identified(live());
    const eff = h.send(
      user({ type: 'kill', sessionId: SID, by: { address: '127.0.0.1', authenticated: true } }),
    );
    const kill = { type: 'kill-pid', sessionId: SID, pid: 321, identity: IDENTITY };
    expect(eff).toContainEqual({ ...kill, signal: 'SIGTERM' });
    expect(h.session(SID).events.at(-1)).toMatchObject({
      type: 'kill',
      detail: 'Killed from the dashboard by 127.0.0.1 (authenticated): SIGTERM sent to 321',
    });
    expect(eff.find((e) => e.type === 'arm-timer')).toMatchObject({ deadline: h.now + KILL_ESCALATION_MS });
    h.advance(KILL_ESCALATION_MS);
    expect(h.last).toContainEqual({ ...kill, signal: 'SIGKILL' });

    const h2 = identified(live());
    h2.send(user({ type: 'kill', sessionId: SID }));
    h2.advance(1000);
    const died = h2.send({ type: 'pid-dead', sessionId: SID, pid: 321 });
    expect(died.some((e) => e.type === 'cancel-timer')).toBe(true);
    h2.advance(5000);
    expect(h2.effects.some((e) => e.type === 'kill-pid' && e.signal === 'SIGKILL')).toBe(false);
    // it died after the kill: the end reads as the kill, not as an exit
    expect(h2.session(SID)).toMatchObject({ status: 'ended', endReason: 'killed' });
    expect(h2.session(SID).statusReason).toMatchObject({
      cause: 'pid',
      trigger: 'pid-dead',
      detail: 'Killed from Flightdeck',
    });
    expect(h2.send(user({ type: 'kill', sessionId: SID }))[0]).toMatchObject({ type: 'rejected' });
    const settled = h2.state;
    expect(h2.send({ type: 'pid-dead', sessionId: SID, pid: 321 })).toEqual([]);
    expect(h2.state).toBe(settled);

    const h3 = new Harness();
    h3.send(hook('claude', { session_id: 'np', hook_event_name: 'SessionStart' }));
    expect(h3.send(user({ type: 'kill', sessionId: 'np' }))[0]).toMatchObject({
      type: 'rejected',
      reason: 'kill: session np has no known pid',
    });
  });

  it('kill signals only a process identified for the current pid; the record survives JSON and a new pid drops it', () => {
    const refusedKill = (h: Harness) => {
      const before = h.state;
      const eff = h.send(user({ type: 'kill', sessionId: SID }));
      expect(h.state).toBe(before);
      expect(eff.some((e) => e.type === 'kill-pid')).toBe(false);
      return (eff[0] as { reason?: string }).reason;
    };
    // not identified yet
    expect(refusedKill(live())).toBe(
      'kill: process 321 of session s1 has not been identified yet (try again in a moment)',
    );
    // the shell refused to record it
    expect(refusedKill(identified(live(), null, 'command line does not name claude'))).toBe(
      'kill: process 321 is not the agent of session s1 (command line does not name claude)',
    );
    // an answer for another pid is stale: nothing recorded
    const stale = live();
    const before = stale.state;
    expect(
      stale.send({
        type: 'process-identified',
        sessionId: SID,
        pid: 999,
        identity: { ...IDENTITY, pid: 999 },
        refused: null,
      }),
    ).toEqual([]);
    expect(stale.state).toBe(before);
    // malformed answers are rejected with the field named
    for (const bad of [
      { sessionId: SID, pid: 321, identity: { ...IDENTITY, pid: 5 }, refused: null },
      { sessionId: SID, pid: 321, identity: { ...IDENTITY, cmdline: [] }, refused: null },
      { sessionId: SID, pid: 321, identity: null, refused: '' },
      { sessionId: SID, pid: -1, identity: null, refused: 'x' },
      { sessionId: '', pid: 321, identity: null, refused: 'x' },
    ]) {
      const eff = stale.send({ type: 'process-identified', ...bad } as CoreInput);
      expect(eff[0]).toMatchObject({
        type: 'rejected',
        reason: expect.stringMatching(/^process-identified: /),
      });
      expect(stale.state).toBe(before);
    }
    // the record is plain JSON: a state saved and loaded keeps it
    const h = identified(live());
    const loaded = JSON.parse(JSON.stringify(h.state)) as CoreState;
    const r = reduce(loaded, user({ type: 'kill', sessionId: SID }), h.now);
    expect(r.effects).toContainEqual({
      type: 'kill-pid',
      sessionId: SID,
      pid: 321,
      signal: 'SIGTERM',
      identity: IDENTITY,
    });
    // another pid for the session: the old record no longer applies
    h.send(ev('UserPromptSubmit', { prompt: 'x' }, 322));
    expect(getOwn(h.state.runtime, SID)!.process).toBeNull();
    expect(h.last).toContainEqual({ type: 'watch-pid', sessionId: SID, pid: 322, at: h.now });
    expect(refusedKill(h)).toMatch(/process 322 of session s1 has not been identified yet/);
  });

  it('the SIGKILL escalation is not sent when the record went away meanwhile', () => {
    const h = identified(live());
    h.send(user({ type: 'kill', sessionId: SID }));
    h.send(ev('UserPromptSubmit', { prompt: 'x' }, 400));
    h.advance(KILL_ESCALATION_MS);
    expect(h.effects.some((e) => e.type === 'kill-pid' && e.signal === 'SIGKILL')).toBe(false);
    expect(h.session(SID).events.at(-1)).toMatchObject({
      type: 'kill',
      detail:
        'SIGKILL not sent: process 400 of session s1 has not been identified yet (try again in a moment)',
    });
  });

  it('the watch-pid time is the capture time when the hook claims an earlier one, never a later one', () => {
    const h = new Harness();
    h.send(
      hook('claude', { session_id: 'a', hook_event_name: 'SessionStart' }, { pid: 7, sentAt: h.now - 5000 }),
    );
    expect(h.last).toContainEqual({ type: 'watch-pid', sessionId: 'a', pid: 7, at: h.now - 5000 });
    h.send(
      hook('claude', { session_id: 'b', hook_event_name: 'SessionStart' }, { pid: 8, sentAt: h.now + 5000 }),
    );
    expect(h.last).toContainEqual({ type: 'watch-pid', sessionId: 'b', pid: 8, at: h.now });
  });

  it('rejects unknown sessions and malformed actions without changing the state', () => {
    const h = live();
    const before = h.state;
    for (const bad of [
      user({ type: 'archive', sessionId: 'nope' }),
      user({ type: 'archive' }),
      user({ type: 'explode', sessionId: SID }),
      user({ type: 'set-title', sessionId: SID, title: 3 }),
      { type: 'user', action: null } as unknown as CoreInput,
    ]) {
      const eff = h.send(bad);
      expect(eff).toHaveLength(1);
      expect(eff[0]!.type).toBe('rejected');
      expect(h.state).toBe(before);
    }
  });
});

describe('robustness', () => {
  it('never throws on bad input: rejected with a reason naming the field', () => {
    const s = initialState();
    const cases: [unknown, string][] = [
      [null, 'input: expected object'],
      [{ type: 'nope' }, 'input.type: unknown input type "nope"'],
      [{ type: 'hook' }, 'hook.envelope: expected object'],
      [
        {
          type: 'hook',
          envelope: {
            cli: 'claude',
            payload: { session_id: 's', hook_event_name: 'PreToolUse', tool_name: 1 },
            meta: {},
          },
        },
        'claude PreToolUse: payload.tool_name: expected string, got number',
      ],
      [
        { type: 'hook', envelope: { cli: 'cursor', payload: {}, meta: {} } },
        'cursor hook: envelope.cli: expected claude|codex|gemini, got "cursor"',
      ],
      [
        {
          type: 'hook',
          envelope: { cli: 'claude', payload: { session_id: '', hook_event_name: 'Stop' }, meta: {} },
        },
        'claude Stop: payload.session_id: expected a non-empty id of at most 512 characters',
      ],
      [
        {
          type: 'hook',
          envelope: { cli: 'codex', payload: { type: 'agent-turn-complete', 'thread-id': '' }, meta: {} },
        },
        'codex agent-turn-complete: payload.thread-id: expected a non-empty id of at most 512 characters',
      ],
      [{ type: 'timer', key: 1 }, 'timer: expected key, sessionId and kind'],
      [{ type: 'pid-dead', sessionId: 's' }, 'pid-dead: expected sessionId and pid'],
      [
        { type: 'children-checked', sessionId: 's', key: 'k' },
        'children-checked: expected sessionId, key and hasChildren',
      ],
      [
        { type: 'terminal-created', terminalId: 't', workDir: '/w', cli: 'x' },
        'terminal-created: expected terminalId, workDir and cli',
      ],
      [{ type: 'resume-requested', sessionId: 's' }, 'resume-requested: expected sessionId and terminalId'],
      [{ type: 'resume-requested', sessionId: 's', terminalId: 't' }, 'resume-requested: unknown session s'],
    ];
    for (const [input, reason] of cases) {
      const r = reduce(s, input as CoreInput, 1);
      expect(r.state).toBe(s);
      expect(r.effects).toEqual([{ type: 'rejected', reason }]);
    }
    expect(
      reduce(s, { type: 'timer', key: 'k', sessionId: 'x', kind: 'auto-idle' }, Number.NaN).effects[0],
    ).toMatchObject({ type: 'rejected' });
    // a state that is not what it claims to be is caught, not thrown
    const broken = { ...s, sessions: null } as unknown as CoreState;
    const r = reduce(
      broken,
      {
        type: 'hook',
        envelope: { cli: 'claude', payload: { session_id: 'a', hook_event_name: 'Stop' }, meta: {} },
      },
      1,
    );
    expect(r.effects[0]).toMatchObject({
      type: 'rejected',
      reason: expect.stringContaining('internal error'),
    });
  });

  it('ignores mistyped enrichment and bounds ids and paths', () => {
    const h = new Harness();
    const meta = {
      pid: '12',
      tty: 5,
      terminalId: '',
      termProgram: 7,
      parentSessionId: ['x'],
      sentAt: 'soon',
    };
    const eff = h.send({
      type: 'hook',
      envelope: {
        cli: 'claude',
        payload: { session_id: 'm', hook_event_name: 'SessionStart', cwd: `/${'d'.repeat(10_000)}` },
        meta,
      },
    } as unknown as CoreInput);
    expect(eff.some((e) => e.type === 'rejected' || e.type === 'watch-pid')).toBe(false);
    const s = h.session('m');
    expect(s).toMatchObject({
      pid: null,
      tty: null,
      terminalId: null,
      source: 'unknown',
      parentSessionId: null,
    });
    expect(s.projectPath.length).toBe(4096);
    const long = reduce(h.state, hook('claude', { session_id: 'x'.repeat(513), hook_event_name: 'Stop' }), 1);
    expect(long.effects[0]).toMatchObject({ type: 'rejected' });
    // an id that names an Object.prototype member is an ordinary id
    const proto = reduce(h.state, hook('claude', { session_id: '__proto__', hook_event_name: 'Stop' }), 1);
    expect(proto.effects).toContainEqual({ type: 'session-changed', sessionId: '__proto__' });
    expect(keysOf(proto.state.sessions)).toContain('__proto__');
  });

  it('ids and names that are Object.prototype members are ordinary (sessions, tools, tool-use ids, keys)', () => {
    const h = new Harness();
    for (const id of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      h.send(hook('claude', { session_id: id, hook_event_name: 'SessionStart', cwd: '/p' }));
      // long enough to be truncated (the core copies the input then)
      const input = JSON.parse(
        `{"__proto__": {"polluted": true}, "command": "${'l'.repeat(LIMITS.stringField + 5)}"}`,
      );
      const useIds: Record<string, string> = {
        constructor: '__proto__',
        toString: 'valueOf',
        Bash: 'constructor',
      };
      for (const tool of ['constructor', 'toString', 'Bash']) {
        const useId = Object.hasOwn(useIds, tool) ? useIds[tool] : '';
        const eff = h.send(
          hook('claude', {
            session_id: id,
            hook_event_name: 'PreToolUse',
            tool_name: tool,
            tool_input: input,
            tool_use_id: useId,
          }),
        );
        expect(eff.some((e) => e.type === 'rejected')).toBe(false);
        expect(h.session(id).currentTool).toBe(tool);
        h.send(
          hook('claude', {
            session_id: id,
            hook_event_name: 'PostToolUse',
            tool_name: tool,
            tool_input: input,
            tool_use_id: useId,
            tool_response: 'ok',
          }),
        );
      }
      expect(h.session(id).toolLog.map((t) => [t.tool, t.toolUseId, t.status])).toEqual([
        ['constructor', '__proto__', 'ok'],
        ['toString', 'valueOf', 'ok'],
        ['Bash', 'constructor', 'ok'],
      ]);
      // an input key `__proto__` is kept as a key
      const kept = h.session(id).toolLog[0]?.input as Record<string, unknown>;
      expect(Object.keys(kept)).toEqual(['__proto__', 'command']);
      expect(Object.getOwnPropertyDescriptor(kept, '__proto__')?.value).toEqual({ polluted: true });
      expect(kept.command).toHaveLength(LIMITS.stringField);
      const gem = h.send(
        hook('gemini', {
          session_id: `g-${id}`,
          hook_event_name: 'BeforeTool',
          tool_name: id,
          tool_input: {},
        }),
      );
      expect(gem.some((e) => e.type === 'rejected')).toBe(false);
      expect(h.session(`g-${id}`).currentTool).toBe(id);
    }
    expect(keysOf(h.state.sessions)).toContain('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('is immutable with structural sharing: untouched sessions keep their identity', () => {
    const h = new Harness();
    h.send(hook('claude', { session_id: 'a', hook_event_name: 'SessionStart' }));
    h.send(hook('claude', { session_id: 'b', hook_event_name: 'SessionStart' }));
    const before = h.state;
    const frozenA = getOwn(before.sessions, 'a')!;
    const snapshot = JSON.stringify(before);
    h.send(hook('claude', { session_id: 'b', hook_event_name: 'UserPromptSubmit', prompt: 'x' }));
    expect(JSON.stringify(before)).toBe(snapshot);
    expect(getOwn(h.state.sessions, 'a')).toBe(frozenA);
    expect(getOwn(h.state.sessions, 'b')).not.toBe(getOwn(before.sessions, 'b'));
    expect(h.state.teams).toBe(before.teams);
    expect(JSON.parse(JSON.stringify(h.state))).toEqual(h.state);
  });

  it('is deterministic', () => {
    const run = () => {
      const h = new Harness();
      h.send(hook('claude', { session_id: 'a', hook_event_name: 'UserPromptSubmit', prompt: 'x' }));
      h.advance(40_000);
      return h.effects;
    };
    expect(run()).toEqual(run());
  });

  it('duplicate tool events are idempotent', () => {
    const h = live();
    const post = ev('PostToolUse', {
      tool_name: 'Read',
      tool_input: {},
      tool_use_id: 't1',
      tool_response: 'a',
    });
    const pre = ev('PreToolUse', { tool_name: 'Read', tool_input: { file_path: '/x' }, tool_use_id: 't1' });
    h.send(pre);
    h.send(pre);
    h.send(post);
    h.send(post);
    h.send(pre);
    expect(h.session(SID).toolLog).toHaveLength(1);
    // an end without a start is still recorded and counted
    h.send(ev('PostToolUse', { tool_name: 'Grep', tool_input: { pattern: 'p' }, tool_use_id: 't2' }));
    expect(h.session(SID).toolLog.map((t) => [t.tool, t.status, t.inputSummary])).toEqual([
      ['Read', 'ok', '/x'],
      ['Grep', 'ok', 'p'],
    ]);
    expect(h.session(SID).toolUsage).toEqual({ Read: 1, Grep: 1 });
  });
});

describe('rehydrate', () => {
  it('re-arms timers with their deadlines, re-watches live pids, re-asks pending children checks', () => {
    const h = live();
    h.send(ev('UserPromptSubmit', { prompt: 'x' }));
    h.send(ev('PreToolUse', { tool_name: 'Bash', tool_input: { command: 'sleep 100' }, tool_use_id: 't1' }));
    h.advance(8_000); // heuristic fired → check-children pending (unanswered)
    h.send(hook('claude', { session_id: 'gone', hook_event_name: 'SessionStart' }, { pid: 9 }));
    h.send(hook('claude', { session_id: 'gone', hook_event_name: 'SessionEnd' }, { pid: 9 }));
    const effects = rehydrate(h.state, h.now);
    const autoIdle = getOwn(h.state.runtime, SID)!.timers['auto-idle']!;
    expect(effects).toContainEqual({
      type: 'arm-timer',
      key: autoIdle.key,
      deadline: autoIdle.deadline,
      input: autoIdle.input,
    });
    expect(effects).toContainEqual({
      type: 'watch-pid',
      sessionId: SID,
      pid: 321,
      at: getOwn(h.state.sessions, SID)!.lastActivityAt,
    });
    expect(effects.some((e) => e.type === 'watch-pid' && e.sessionId === 'gone')).toBe(false);
    const check = getOwn(h.state.runtime, SID)!.childCheck!;
    expect(effects).toContainEqual({ type: 'check-children', sessionId: SID, pid: 321, key: check.key });
    expect(effects.at(-1)).toMatchObject({ type: 'arm-timer', deadline: h.now, input: { kind: 'restored' } });
    // the re-armed timer is accepted by reduce: with the Bash call open and a known process, it asks the shell
    const r = reduce(h.state, autoIdle.input, autoIdle.deadline);
    const liveCheck = getOwn(r.state.runtime, SID)!.liveCheck!;
    expect(r.effects).toContainEqual({ type: 'check-children', sessionId: SID, pid: 321, key: liveCheck });
    // …and a check still unanswered at a restart is asked again
    expect(rehydrate(r.state, h.now)).toContainEqual({
      type: 'check-children',
      sessionId: SID,
      pid: 321,
      key: liveCheck,
    });
  });

  it('re-arms team cleanup timers', () => {
    const h = new Harness();
    h.send(hook('claude', { session_id: 'P', hook_event_name: 'SessionStart' }));
    h.send(hook('claude', { session_id: 'C', hook_event_name: 'SessionStart' }, { parentSessionId: 'P' }));
    h.send(hook('claude', { session_id: 'C', hook_event_name: 'SessionEnd' }));
    h.send(hook('claude', { session_id: 'P', hook_event_name: 'SessionEnd' }));
    const t = Object.values(h.state.teamTimers)[0]!;
    expect(rehydrate(h.state, h.now)).toContainEqual({
      type: 'arm-timer',
      key: t.key,
      deadline: t.deadline,
      input: t.input,
    });
  });
});
