import { describe, expect, it } from 'vitest';
import { PLAN_IN_TERMINAL, renderApproval } from '../src/index.js';

describe('renderApproval', () => {
  // biome-ignore format: table
  const rows: Array<{ tool: string; input: unknown; expected: Record<string, unknown> }> = [
    { tool: 'Bash', input: { command: 'rm -rf build' }, expected: { kind: 'command', title: 'Bash wants to run', text: 'rm -rf build' } },
    { tool: 'Edit', input: { file_path: 'src/a.ts', old_string: 'a', new_string: 'b' },
      expected: { kind: 'diff', title: 'Edit src/a.ts', diff: { path: 'src/a.ts', before: 'a', after: 'b' } } },
    { tool: 'MultiEdit', input: { file_path: 'src/a.ts', edits: [{ old_string: 'a', new_string: 'b' }, { old_string: 'c', new_string: 'd' }] },
      expected: { kind: 'diff', title: 'MultiEdit src/a.ts (2 edits)', diff: { path: 'src/a.ts', before: 'a\n…\nc', after: 'b\n…\nd' } } },
    { tool: 'Write', input: { file_path: 'b.ts', content: 'x' }, expected: { kind: 'diff', title: 'Write b.ts', diff: { path: 'b.ts', before: '', after: 'x' } } },
    { tool: 'WebFetch', input: { url: 'https://example.com/a', prompt: 'p' }, expected: { kind: 'url', title: 'WebFetch https://example.com/a', text: 'https://example.com/a' } },
    { tool: 'AskUserQuestion', input: { questions: [{ question: 'Which DB?', header: 'DB', multiSelect: false, options: [{ label: 'pg', description: 'Postgres' }, { label: 'sqlite' }] }] },
      expected: { kind: 'question', text: 'Which DB?', questions: [{ question: 'Which DB?', header: 'DB', multiSelect: false, options: [{ label: 'pg', description: 'Postgres' }, { label: 'sqlite' }] }] } },
    { tool: 'ExitPlanMode', input: { plan: '# Plan\n1. x' }, expected: { kind: 'plan', text: '# Plan\n1. x' } },
    { tool: 'ExitPlanMode', input: {}, expected: { kind: 'plan', text: PLAN_IN_TERMINAL } },
    { tool: 'mcp__x__y', input: { a: 1 }, expected: { kind: 'json', title: 'mcp__x__y', text: '{\n  "a": 1\n}' } },
    { tool: 'Bash', input: { cmd: 1 }, expected: { kind: 'json', title: 'Bash' } },
    { tool: 'Edit', input: null, expected: { kind: 'json', title: 'Edit', text: 'null' } },
  ];
  for (const row of rows) {
    it(`${row.tool} ${JSON.stringify(row.input).slice(0, 40)} → ${row.expected.kind}`, () => {
      expect(renderApproval(row.tool, row.input)).toMatchObject(row.expected);
    });
  }

  it('very long texts are cut', () => {
    expect(renderApproval('Bash', { command: 'x'.repeat(50_000) }).text.length).toBeLessThan(20_010);
  });
});
