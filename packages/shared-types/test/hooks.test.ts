import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type AgentCli,
  CLAUDE_EVENT_NAMES,
  CODEX_EVENT_NAMES,
  GEMINI_EVENT_NAMES,
  hookEnvelopeSchema,
  hookEventName,
  parseHookPayload,
} from '../src/index.js';

const fixtures = new URL('../../../fixtures/', import.meta.url);

function readJsonl(rel: string): Record<string, unknown>[] {
  return readFileSync(new URL(rel, fixtures), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const CLI_OF: Record<string, AgentCli | undefined> = {
  'claude-code': 'claude',
  'gemini-cli': 'gemini',
  codex: 'codex',
};

interface Sample {
  cli: string;
  event: string;
  payload: Record<string, unknown>;
}
const samples = readJsonl('hook-samples.jsonl') as unknown as Sample[];

describe('parseHookPayload on recorded Claude Code 2.1.328 payloads', () => {
  for (const file of ['subagent-and-resume.jsonl', 'approval-denied-by-hook.jsonl']) {
    const lines = readJsonl(`claude-code-2.1.328/${file}`);
    it(`parses all ${lines.length} payloads of ${file}`, () => {
      expect(lines.length).toBeGreaterThan(5);
      for (const payload of lines) {
        const r = parseHookPayload('claude', payload);
        if (!r.ok) throw new Error(`${String(payload.hook_event_name)}: ${r.error}`);
        expect(r.value.hook_event_name).toBe(payload.hook_event_name);
        // nothing is dropped: unknown fields pass through
        expect(Object.keys(r.value).sort()).toEqual(Object.keys(payload).sort());
      }
    });
  }
});

describe('parseHookPayload on hook-samples.jsonl', () => {
  const supported = samples.filter((s) => CLI_OF[s.cli] !== undefined);
  it('covers Claude (all 31 events), Gemini and Codex samples', () => {
    const claudeEvents = new Set(samples.filter((s) => s.cli === 'claude-code').map((s) => s.event));
    expect(claudeEvents.size).toBe(31);
    for (const e of claudeEvents) expect(CLAUDE_EVENT_NAMES).toContain(e);
    expect(CLAUDE_EVENT_NAMES).toHaveLength(31);
    expect(supported.filter((s) => s.cli === 'gemini-cli').length).toBe(8);
    expect(supported.filter((s) => s.cli === 'codex').length).toBe(7);
    expect(GEMINI_EVENT_NAMES).toHaveLength(11);
    expect(CODEX_EVENT_NAMES).toContain('PermissionRequest');
  });
  for (const [i, s] of supported.entries()) {
    it(`#${i + 1} ${s.cli} ${s.event} parses`, () => {
      const r = parseHookPayload(CLI_OF[s.cli] as AgentCli, s.payload);
      if (!r.ok) throw new Error(r.error);
      expect(r.value).toEqual(s.payload);
    });
  }
});

describe('parseHookPayload errors and tolerance', () => {
  const pre = samples.find((s) => s.cli === 'claude-code' && s.event === 'PreToolUse')!.payload;

  it('names a wrongly typed field', () => {
    const r = parseHookPayload('claude', { ...pre, tool_name: 42 });
    expect(r).toEqual({ ok: false, error: 'payload.tool_name: expected string, got number' });
  });

  it('names nested paths and missing required fields', () => {
    const batch = samples.find((s) => s.event === 'PostToolBatch')!.payload;
    const calls = batch.tool_calls as Record<string, unknown>[];
    const r = parseHookPayload('claude', { ...batch, tool_calls: [{ ...calls[0], tool_use_id: false }] });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toBe('payload.tool_calls[0].tool_use_id: expected string, got boolean');
    const r2 = parseHookPayload('claude', { hook_event_name: 'Stop' });
    expect(r2).toEqual({ ok: false, error: 'payload.session_id: expected string, got undefined' });
    const r3 = parseHookPayload('gemini', {
      session_id: 's',
      hook_event_name: 'BeforeTool',
      tool_input: 'x',
    });
    expect(r3).toEqual({ ok: false, error: 'payload.tool_input: expected object, got string' });
    const r4 = parseHookPayload('codex', { type: 'agent-turn-complete', 'thread-id': 7 });
    expect(r4).toEqual({ ok: false, error: 'payload.thread-id: expected string, got number' });
  });

  it('rejects non-object payloads and unknown CLIs without throwing', () => {
    expect(parseHookPayload('claude', 'nope')).toEqual({
      ok: false,
      error: 'payload: expected object, got string',
    });
    expect(parseHookPayload('claude', null)).toEqual({
      ok: false,
      error: 'payload: expected object, got null',
    });
    const bad = parseHookPayload('copilot' as AgentCli, pre);
    expect(bad.ok).toBe(false);
  });

  it('parses a payload object once per CLI: the edge and the core share the result', () => {
    const payload = { ...pre, tool_input: { command: 'ls' } };
    const first = parseHookPayload('claude', payload);
    expect(first.ok).toBe(true);
    expect(parseHookPayload('claude', payload)).toBe(first);
    // Another CLI's rules give their own result; an equal but distinct object is parsed again.
    const asGemini = parseHookPayload('gemini', payload);
    expect(asGemini).not.toBe(first);
    expect(parseHookPayload('claude', { ...payload })).not.toBe(first);
    expect(parseHookPayload('claude', { ...payload })).toEqual(first);
  });

  it('envelopes keep the payload object as received and name what is wrong with it', () => {
    const payload = { ...pre };
    const ok = hookEnvelopeSchema.safeParse({ cli: 'claude', payload, meta: { pid: 7 } });
    expect(ok.success && ok.data.payload).toBe(payload);
    const message = (input: unknown) => {
      const r = hookEnvelopeSchema.safeParse(input);
      return r.success ? null : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(message({ cli: 'claude' })).toEqual(['payload: Required']);
    expect(message({ cli: 'claude', payload: [pre] })).toEqual(['payload: expected object, got array']);
    expect(message({ cli: 'claude', payload: null })).toEqual(['payload: expected object, got null']);
    expect(message({ cli: 'claude', payload: 'x' })).toEqual(['payload: expected object, got string']);
  });

  it('keeps unknown extra fields', () => {
    const r = parseHookPayload('claude', {
      ...pre,
      brand_new_field: { nested: [1, 2] },
      tool_input: { command: 'ls', x: 1 },
    });
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect((r.value as Record<string, unknown>).brand_new_field).toEqual({ nested: [1, 2] });
      expect((r.value as Record<string, unknown>).tool_input).toEqual({ command: 'ls', x: 1 });
    }
  });

  it('accepts payloads missing newer fields (old CLI versions)', () => {
    const old = {
      session_id: 'abc',
      hook_event_name: 'PreToolUse',
      tool_name: 'Bash',
      tool_input: { command: 'ls' },
    };
    expect(parseHookPayload('claude', old)).toEqual({ ok: true, value: old });
    expect(parseHookPayload('claude', { session_id: 'abc', hook_event_name: 'SessionEnd' }).ok).toBe(true);
  });

  it('accepts unknown future events as generic events but still checks common fields', () => {
    const future = { session_id: 'abc', hook_event_name: 'TimeTravel', flux: 88 };
    expect(parseHookPayload('claude', future)).toEqual({ ok: true, value: future });
    expect(parseHookPayload('gemini', future).ok).toBe(true);
    expect(parseHookPayload('codex', future).ok).toBe(true);
    expect(parseHookPayload('claude', { ...future, cwd: 3 })).toEqual({
      ok: false,
      error: 'payload.cwd: expected string, got number',
    });
  });

  it('accepts other Codex notify types and null last message', () => {
    const n = { type: 'approval-requested', 'thread-id': 't1', 'last-assistant-message': null };
    expect(parseHookPayload('codex', n)).toEqual({ ok: true, value: n });
  });
});

describe('hookEventName', () => {
  it('reads hook_event_name, then Codex notify type, then event; null when none is a non-empty string', () => {
    expect(hookEventName({ hook_event_name: 'Stop', type: 'x' })).toBe('Stop');
    expect(hookEventName({ type: 'agent-turn-complete', 'thread-id': 't1' })).toBe('agent-turn-complete');
    expect(hookEventName({ hook_event_name: '', event: 'BeforeTool' })).toBe('BeforeTool');
    expect(hookEventName({ hook_event_name: 7 })).toBeNull();
    expect(hookEventName(null)).toBeNull();
    expect(hookEventName('Stop')).toBeNull();
  });
});
