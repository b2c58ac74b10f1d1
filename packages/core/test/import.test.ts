import { describe, expect, it } from 'vitest';
import {
  finishImport,
  type ImportLine,
  importedSession,
  importLines,
  MAX_PENDING_TOOLS,
  startImport,
} from '../src/import.js';

const at = (s: number) => new Date(Date.UTC(2026, 10, 1, 9, 0, s)).toISOString();
const id = (x: string) => x;

function toolUse(n: number, name = 'Bash'): ImportLine {
  return {
    obj: {
      type: 'assistant',
      timestamp: at(n),
      cwd: '/home/dev/p',
      message: {
        model: 'claude-sonnet-4-5',
        content: [{ type: 'tool_use', id: `t${n}`, name, input: { command: `echo ${n}` } }],
      },
    },
    entries: [],
  };
}

function toolResult(n: number, text: string, isError = false): ImportLine {
  return {
    obj: {
      type: 'user',
      timestamp: at(n + 1),
      message: {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: `t${n}`, content: text, is_error: isError }],
      },
    },
    entries: [],
  };
}

const start = () => startImport({ sessionId: 's1', cli: 'claude', path: '/p/s1.jsonl', agentId: null });

describe('history import mapping (pure)', () => {
  it('a call answered in the same lines is one finished row; answered later, its row is written again finished', () => {
    const a = importLines(start(), [toolUse(1), toolResult(1, 'one'), toolUse(3)], id, 0);
    expect(a.rows.tools.map((t) => [t.toolUseId, t.status, t.result])).toEqual([
      ['t1', 'ok', 'one'],
      ['t3', 'running', null],
    ]);
    const b = importLines(a.state, [toolResult(3, 'boom', true)], id, 0);
    expect(b.rows.tools.map((t) => [t.toolUseId, t.status, t.error, t.durationMs])).toEqual([
      ['t3', 'failed', 'boom', 1000],
    ]);
    expect(b.state.pending).toEqual([]);
    expect(importedSession(b.state, undefined, 0)).toMatchObject({
      status: 'ended',
      projectPath: '/home/dev/p',
      totalToolCalls: 2,
      toolUsage: { Bash: 2 },
      model: 'claude-sonnet-4-5',
      endedAt: Date.parse(at(4)),
    });
  });

  it('remembers at most MAX_PENDING_TOOLS unanswered calls (the oldest written as interrupted); the end interrupts the rest', () => {
    const lines = Array.from({ length: MAX_PENDING_TOOLS + 1 }, (_, i) => toolUse(i));
    const a = importLines(start(), lines, id, 0);
    expect(a.state.pending.length).toBe(MAX_PENDING_TOOLS);
    expect(a.rows.tools.filter((t) => t.status === 'interrupted').map((t) => t.toolUseId)).toEqual(['t0']);
    const end = finishImport(a.state);
    expect(end.rows.tools.length).toBe(MAX_PENDING_TOOLS);
    expect(end.rows.tools.every((t) => t.status === 'interrupted')).toBe(true);
    expect(end.state.pending).toEqual([]);
  });

  it('a tool named like a prototype key is counted as a name, nothing else', () => {
    const a = importLines(start(), [toolUse(1, '__proto__'), toolUse(2, 'constructor')], id, 0);
    const s = importedSession(a.state, undefined, 0);
    expect(Object.keys(s.toolUsage).sort()).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(s.toolUsage)).toBe(Object.prototype);
  });

  it('redacts what it keeps: prompts, tool inputs and results', () => {
    const redact = (t: string) => t.replaceAll('SECRET', '[REDACTED]');
    const prompt: ImportLine = {
      obj: { type: 'user', timestamp: at(0), message: { content: 'use SECRET' } },
      entries: [],
    };
    const use: ImportLine = {
      obj: {
        type: 'assistant',
        timestamp: at(1),
        message: {
          content: [{ type: 'tool_use', id: 't1', name: 'Bash', input: { command: 'echo SECRET' } }],
        },
      },
      entries: [],
    };
    const r = importLines(start(), [prompt, use, toolResult(1, 'SECRET out')], redact, 0);
    expect(JSON.stringify(r.rows)).not.toContain('SECRET');
    expect(r.state.title).toBe('use [REDACTED]');
  });
});
