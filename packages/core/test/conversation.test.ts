// biome-ignore-all lint/correctness/noNodejsModules: tests run in Node; only packages/core/src must stay pure
// biome-ignore-all lint/style/noRestrictedImports: tests run in Node; only packages/core/src must stay pure
import { readFileSync } from 'node:fs';
import type { ConversationItem } from '@flightdeck/shared-types';
import { describe, expect, it } from 'vitest';
import { assembleConversation, type ConversationLine, parseConversationLine } from '../src/index.js';

const fixtures = new URL('../../../fixtures/claude-code-2.1.328/', import.meta.url);

/** Parses a whole file the way the server does a page: lines with their byte offsets, then assembled. */
function parseText(text: string) {
  const lines: ConversationLine[] = [];
  let offset = 0;
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (line.trim() !== '') {
      const parsed = parseConversationLine(line, offset);
      if (parsed === null) skipped += 1;
      else lines.push(parsed);
    }
    offset += Buffer.byteLength(line) + 1;
  }
  return { ...assembleConversation(lines), skipped };
}

function parseFixture(rel: string) {
  return parseText(readFileSync(new URL(rel, fixtures), 'utf8'));
}

/** Each item as one short string: kind, then what tells it apart. */
function shape(items: ConversationItem[]): string[] {
  return items.map((i) => {
    switch (i.kind) {
      case 'tool':
        return `tool ${i.name}${i.isError ? ' error' : ''}${i.result === null ? ' (no result)' : ''}${
          i.subagent ? ` agent=${i.subagent.agentId}` : ''
        }`;
      case 'system':
        return `system ${i.event}: ${i.text.slice(0, 64)}`;
      default:
        return `${i.kind}: ${i.text.slice(0, 64)}`;
    }
  });
}

const line = (o: Record<string, unknown>) => JSON.stringify(o);
const ts = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const asst = (id: string, content: unknown[], s = 1, extra: Record<string, unknown> = {}) =>
  line({
    type: 'assistant',
    uuid: `a-${id}-${s}`,
    timestamp: ts(s),
    message: { id, role: 'assistant', content },
    ...extra,
  });
const usr = (content: unknown, s = 0, extra: Record<string, unknown> = {}) =>
  line({ type: 'user', uuid: `u-${s}`, timestamp: ts(s), message: { role: 'user', content }, ...extra });

describe('conversation parser on recorded Claude Code 2.1.328 transcripts', () => {
  const table: Array<[string, string[]]> = [
    [
      'transcripts/c9c7f7bc-be3d-4fec-a871-5d943fafe0e1.jsonl',
      [
        'prompt: build the thing',
        'text: Let me write a file.',
        'tool Write',
        'tool Read',
        'tool Edit',
        'tool Bash error',
        'tool Agent agent=a427100067de70b46',
        'text: Turn one complete.',
        'system task-notification: Agent "Run subtask" finished: Subagent finished SUBTASK-ALPHA.',
        'tool Bash',
        'text: Subagent finished SUBTASK-ALPHA.',
        'prompt: now the second part',
        'tool Bash',
        'text: Subagent finished SUBTASK-ALPHA.',
      ],
    ],
    [
      'transcripts/c9c7f7bc-be3d-4fec-a871-5d943fafe0e1/subagents/agent-a427100067de70b46.jsonl',
      [
        'prompt: SUBTASK-ALPHA: run one echo and report',
        'tool Bash',
        'text: Subagent finished SUBTASK-ALPHA.',
      ],
    ],
    [
      'interactive/compact/transcript.jsonl',
      [
        'prompt: first question',
        'text: First answer.',
        'system compaction: Conversation compacted (manual, 70 tokens before)',
        'prompt: /compact',
        'prompt: second question',
        'text: Second answer.',
      ],
    ],
    [
      'interactive/api-error-retry/transcript.jsonl',
      [
        'prompt: answer despite overload',
        'system retry: The API request was retried',
        'system retry: The API request was retried',
        'text: Answer after retries.',
      ],
    ],
    [
      'interactive/api-error-exhausted/transcript.jsonl',
      [
        'prompt: answer despite overload',
        'system retry: The API request was retried',
        'system retry: The API request was retried',
        'system error: API Error: Repeated 529 Overloaded errors. The API is at capacit',
      ],
    ],
    [
      'interactive/esc-at-permission-prompt/transcript.jsonl',
      [
        'prompt: please remove scratch.txt',
        'tool Bash error',
        'system interrupt: Interrupted by the user during a tool call',
      ],
    ],
    [
      'interactive/esc-while-streaming/transcript.jsonl',
      [
        'prompt: tell me a long story',
        'text: Let me think about this at length',
        'system interrupt: Interrupted by the user',
      ],
    ],
    [
      'interactive/subagent/transcript.jsonl',
      [
        'prompt: start a background subagent',
        'tool Agent agent=a51bdf2c051d1943f',
        'text: Subagent started in the background.',
        'system task-notification: Agent "Run subtask" finished: Subagent finished SUBTASK-ALPHA.',
        'text: Noted the subagent result.',
      ],
    ],
  ];
  it.each(table)('%s', (rel, expected) => {
    const r = parseFixture(rel);
    expect(shape(r.items)).toEqual(expected);
    expect(r.results).toEqual([]);
    expect(r.skipped).toBe(0);
  });

  it('a tool call carries its input and its result', () => {
    const r = parseFixture('transcripts/c9c7f7bc-be3d-4fec-a871-5d943fafe0e1.jsonl');
    const write = r.items.find((i) => i.kind === 'tool' && i.name === 'Write');
    expect(write).toMatchObject({
      toolUseId: 'toolu_mock_1_1',
      input: { file_path: '/home/dev/work/demo/notes.txt', content: 'alpha\nbeta\n' },
      result: expect.stringContaining('File created successfully'),
      isError: false,
    });
  });

  it('item ids are the line offsets: unique and stable', () => {
    const r = parseFixture('transcripts/c9c7f7bc-be3d-4fec-a871-5d943fafe0e1.jsonl');
    const ids = r.items.map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]).toBe('306:0');
  });
});

describe('conversation parser on synthetic lines', () => {
  it('merges the streamed blocks of one message into one text, not those of two messages', () => {
    const r = parseText(
      [
        usr('hi'),
        asst('m1', [{ type: 'text', text: 'part one' }], 1),
        asst('m1', [{ type: 'text', text: 'part two' }], 2),
        asst('m2', [{ type: 'text', text: 'other message' }], 3),
      ].join('\n'),
    );
    expect(shape(r.items)).toEqual(['prompt: hi', 'text: part one\n\npart two', 'text: other message']);
  });

  it('does not merge text across a tool call of the same message', () => {
    const r = parseText(
      [
        asst('m1', [{ type: 'text', text: 'before' }], 1),
        asst('m1', [{ type: 'tool_use', id: 't1', name: 'Bash', input: { command: 'ls' } }], 2),
        asst('m1', [{ type: 'text', text: 'after' }], 3),
      ].join('\n'),
    );
    expect(shape(r.items)).toEqual(['text: before', 'tool Bash (no result)', 'text: after']);
  });

  it('drops a line written twice (same uuid)', () => {
    const l = asst('m1', [{ type: 'text', text: 'once' }], 1);
    expect(shape(parseText([l, l].join('\n')).items)).toEqual(['text: once']);
  });

  it('pairs tool_use with tool_result by id, in any order, and returns results whose call is not there', () => {
    const r = parseText(
      [
        asst('m1', [{ type: 'tool_use', id: 'a', name: 'Read', input: { file_path: 'x' } }], 1),
        asst('m1', [{ type: 'tool_use', id: 'b', name: 'Bash', input: { command: 'false' } }], 2),
        usr([{ type: 'tool_result', tool_use_id: 'b', content: 'exit 1', is_error: true }], 3),
        usr([{ type: 'tool_result', tool_use_id: 'a', content: [{ type: 'text', text: 'file body' }] }], 4),
        usr([{ type: 'tool_result', tool_use_id: 'older', content: 'late' }], 5),
      ].join('\n'),
    );
    expect(r.items).toMatchObject([
      { kind: 'tool', toolUseId: 'a', result: 'file body', isError: false },
      { kind: 'tool', toolUseId: 'b', result: 'exit 1', isError: true },
    ]);
    expect(r.results).toEqual([{ toolUseId: 'older', result: 'late', isError: false, agentId: null }]);
  });

  it('nests a subagent under the Task call that started it (agent id from its result)', () => {
    const r = parseText(
      [
        asst('m1', [
          {
            type: 'tool_use',
            id: 't',
            name: 'Task',
            input: { description: 'Look around', subagent_type: 'Explore', prompt: 'p' },
          },
        ]),
        usr([{ type: 'tool_result', tool_use_id: 't', content: 'done' }], 2, {
          toolUseResult: { agentId: 'abc123', status: 'completed' },
        }),
      ].join('\n'),
    );
    expect(r.items[0]).toMatchObject({
      kind: 'tool',
      subagent: { agentId: 'abc123', description: 'Look around', agentType: 'Explore' },
    });
  });

  it('shows thinking, compaction, retries, errors and interrupts', () => {
    const r = parseText(
      [
        asst('m1', [{ type: 'thinking', thinking: 'let me think', signature: 's' }]),
        line({
          type: 'system',
          subtype: 'compact_boundary',
          compactMetadata: { trigger: 'auto', preTokens: 150_000 },
        }),
        line({
          type: 'system',
          subtype: 'api_error',
          error: { message: 'Overloaded' },
          retryAttempt: 2,
          maxRetries: 10,
        }),
        asst('m2', [{ type: 'text', text: 'API Error: 500' }], 3, { isApiErrorMessage: true }),
        usr([{ type: 'text', text: '[Request interrupted by user]' }], 4),
      ].join('\n'),
    );
    expect(shape(r.items)).toEqual([
      'thinking: let me think',
      'system compaction: Conversation compacted (auto, 150k tokens before)',
      'system retry: Overloaded (retry 2 of 10)',
      'system error: API Error: 500',
      'system interrupt: Interrupted by the user',
    ]);
  });

  it('ignores unknown entry types, meta lines and bookkeeping; skips a broken line', () => {
    const r = parseText(
      [
        line({ type: 'some-future-type', message: { role: 'user', content: 'not a prompt' } }),
        line({ type: 'attachment', attachment: { type: 'prompt_snapshot' } }),
        usr('<system-reminder>x</system-reminder>', 1, { isMeta: true }),
        usr('summary of the old part', 2, { isCompactSummary: true }),
        '{"type":"user","message":{"role":"user","content":"cut off',
        '[1,2,3]',
        usr('real prompt', 3),
      ].join('\n'),
    );
    expect(shape(r.items)).toEqual(['prompt: real prompt']);
    expect(r.skipped).toBe(2);
  });

  it('clips a huge text and a huge tool input', () => {
    const big = 'x'.repeat(100_000);
    const r = parseText(
      [usr(big), asst('m', [{ type: 'tool_use', id: 't', name: 'Write', input: { content: big } }])].join(
        '\n',
      ),
    );
    const [prompt, tool] = r.items;
    expect(prompt?.kind === 'prompt' && prompt.text.length).toBeLessThanOrEqual(20_000);
    expect(tool?.kind === 'tool' && (tool.input as { content: string }).content.length).toBeLessThanOrEqual(
      4096,
    );
  });
});
