import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CLAUDE_INTERRUPTED,
  CLAUDE_INTERRUPTED_TOOL_USE,
  createClaudeTranscriptParser,
  parseClaudeTranscriptLine,
  parseCodexRolloutLine,
  type TranscriptLineResult,
  transcriptParserFor,
} from '../src/index.js';

const dir = new URL('../../../fixtures/claude-code-2.1.328/transcripts/', import.meta.url);
const SESSION = 'c9c7f7bc-be3d-4fec-a871-5d943fafe0e1';
const mainLines = readFileSync(new URL(`${SESSION}.jsonl`, dir), 'utf8')
  .split('\n')
  .filter(Boolean);
const subLines = readFileSync(new URL(`${SESSION}/subagents/agent-a427100067de70b46.jsonl`, dir), 'utf8')
  .split('\n')
  .filter(Boolean);

/** The entries but `usage` ones (every assistant line has one: transcripts-usage.test.ts tests them). */
function entriesOf(results: TranscriptLineResult[]) {
  return results.flatMap((r) => (r.verdict === 'entries' ? r.entries.filter((e) => e.kind !== 'usage') : []));
}

/** A user line as Claude Code 2.1.328 writes it (fields copied from the recorded transcript). */
function claudeUser(content: unknown, extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    parentUuid: '5597fa40-b91d-41c9-a387-2b54019565de',
    isSidechain: false,
    type: 'user',
    message: { role: 'user', content },
    uuid: 'b1f7a3c2-0000-4000-8000-000000000001',
    timestamp: '2026-11-21T08:10:20.000Z',
    userType: 'external',
    cwd: '/home/dev/work/demo',
    sessionId: SESSION,
    version: '2.1.328',
    ...extra,
  });
}

describe('Claude Code transcript lines (recorded, 2.1.328)', () => {
  it('reads every line of the recorded transcript: no line skipped, the assistant texts in order', () => {
    const results = mainLines.map(parseClaudeTranscriptLine);
    expect(results.filter((r) => r.verdict === 'skipped')).toEqual([]);
    const found = entriesOf(results);
    expect(found.map((e) => e.kind)).toEqual(found.map(() => 'assistant-text'));
    expect(found.map((e) => (e.kind === 'assistant-text' ? e.text : ''))).toEqual([
      'Let me write a file.',
      'Turn one complete.',
      'Subagent finished SUBTASK-ALPHA.',
      'Subagent finished SUBTASK-ALPHA.',
    ]);
    expect(found[0]).toEqual({
      kind: 'assistant-text',
      text: 'Let me write a file.',
      messageId: 'msg_mock_1',
      at: Date.parse('2026-11-21T08:10:14.100Z'),
      uuid: expect.any(String),
      agentId: null,
    });
    // ignored: metadata, prompts, tool calls (their lines say their usage only) and results, stop-hook summaries
    expect(results.filter((r) => entriesOf([r]).length === 0)).toHaveLength(mainLines.length - 4);
  });

  it('marks entries of a subagent (sidechain) transcript with its agent id', () => {
    const found = entriesOf(subLines.map(parseClaudeTranscriptLine));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ kind: 'assistant-text', agentId: 'a427100067de70b46' });
    expect(subLines.map(parseClaudeTranscriptLine).filter((r) => r.verdict === 'skipped')).toEqual([]);
  });

  it('uses the CLI’s own interrupt strings', () => {
    const cli = readFileSync(
      new URL('../node_modules/@anthropic-ai/claude-code/bin/claude.exe', import.meta.url),
    ).toString('latin1');
    expect(cli).toContain(`"${CLAUDE_INTERRUPTED}"`);
    expect(cli).toContain(`"${CLAUDE_INTERRUPTED_TOOL_USE}"`);
  });
});

describe('Claude Code transcript lines (hand-made in the CLI’s shapes)', () => {
  it('an Esc mid-turn and an Esc at a tool prompt are interrupts', () => {
    const mid = parseClaudeTranscriptLine(claudeUser([{ type: 'text', text: CLAUDE_INTERRUPTED }]));
    expect(mid).toEqual({
      verdict: 'entries',
      entries: [
        {
          kind: 'interrupted',
          atToolPrompt: false,
          at: Date.parse('2026-11-21T08:10:20.000Z'),
          uuid: 'b1f7a3c2-0000-4000-8000-000000000001',
          agentId: null,
        },
      ],
    });
    const tool = parseClaudeTranscriptLine(claudeUser([{ type: 'text', text: CLAUDE_INTERRUPTED_TOOL_USE }]));
    expect(entriesOf([tool])).toMatchObject([{ kind: 'interrupted', atToolPrompt: true }]);
    // a string content works too
    expect(entriesOf([parseClaudeTranscriptLine(claudeUser(CLAUDE_INTERRUPTED))])).toMatchObject([
      { kind: 'interrupted', atToolPrompt: false },
    ]);
  });

  it('an interrupt written while the CLI shut down, and a prompt quoting the marker, are not interrupts', () => {
    const shutdown = claudeUser([{ type: 'text', text: CLAUDE_INTERRUPTED }], {
      interruptedByShutdown: true,
    });
    expect(parseClaudeTranscriptLine(shutdown)).toEqual({ verdict: 'ignored' });
    const quoted = claudeUser(`why did you print ${CLAUDE_INTERRUPTED}?`);
    expect(parseClaudeTranscriptLine(quoted)).toEqual({ verdict: 'ignored' });
  });

  it('an api_error system entry is an API error with its retry fields', () => {
    const line = JSON.stringify({
      type: 'system',
      subtype: 'api_error',
      level: 'error',
      error: { message: 'Overloaded', status: 529, formatted: 'API Error: 529 Overloaded' },
      retryInMs: 2150,
      retryAttempt: 2,
      maxRetries: 10,
      source: 'request_retry',
      timestamp: '2026-11-21T08:10:21.000Z',
      uuid: 'e-1',
    });
    expect(entriesOf([parseClaudeTranscriptLine(line)])).toEqual([
      {
        kind: 'api-error',
        message: 'Overloaded',
        attempt: 2,
        maxAttempts: 10,
        retryInMs: 2150,
        at: Date.parse('2026-11-21T08:10:21.000Z'),
        uuid: 'e-1',
        agentId: null,
      },
    ]);
  });

  it('an API error message the CLI gave up on is an API error, not assistant text', () => {
    const line = JSON.stringify({
      type: 'assistant',
      isApiErrorMessage: true,
      message: { id: 'x', role: 'assistant', content: [{ type: 'text', text: 'API Error: 500 boom' }] },
      timestamp: '2026-11-21T08:10:22.000Z',
      uuid: 'e-2',
    });
    expect(entriesOf([parseClaudeTranscriptLine(line)])).toMatchObject([
      {
        kind: 'api-error',
        message: 'API Error: 500 boom',
        attempt: null,
        maxAttempts: null,
        retryInMs: null,
      },
    ]);
  });

  it('a compact_boundary is a compaction with its trigger and tokens', () => {
    const line = JSON.stringify({
      type: 'system',
      subtype: 'compact_boundary',
      content: 'Conversation compacted',
      isMeta: false,
      timestamp: '2026-11-21T08:10:23.000Z',
      uuid: 'c-1',
      level: 'info',
      compactMetadata: { trigger: 'auto', preTokens: 167000 },
    });
    expect(entriesOf([parseClaudeTranscriptLine(line)])).toMatchObject([
      { kind: 'compacted', trigger: 'auto', preTokens: 167000, uuid: 'c-1' },
    ]);
  });

  it('skips unknown entry types and broken lines without throwing; blank text is not an entry', () => {
    expect(parseClaudeTranscriptLine('{"type":"hologram","x":1}')).toMatchObject({ verdict: 'skipped' });
    expect(parseClaudeTranscriptLine('{"type":"assist')).toMatchObject({ verdict: 'skipped' });
    expect(parseClaudeTranscriptLine('[1,2]')).toMatchObject({ verdict: 'skipped' });
    expect(parseClaudeTranscriptLine('{"no":"type"}')).toMatchObject({ verdict: 'skipped' });
    expect(parseClaudeTranscriptLine('{"type":"assistant","message":{"content":"x"}}')).toMatchObject({
      verdict: 'entries',
    });
    const blank = JSON.stringify({
      type: 'assistant',
      message: {
        id: 'm',
        content: [
          { type: 'text', text: '  ' },
          { type: 'thinking', thinking: 'hm' },
        ],
      },
    });
    expect(parseClaudeTranscriptLine(blank)).toEqual({ verdict: 'ignored' });
  });

  it('a hostile line (content nested 400,000 deep, a message that is no object) is read without throwing', () => {
    const deep = `${'['.repeat(400_000)}${']'.repeat(400_000)}`;
    const nested = claudeUser('x').replace('"content":"x"', `"content":${deep}`);
    expect(nested.length).toBeGreaterThan(800_000);
    expect(() => parseClaudeTranscriptLine(nested)).not.toThrow();
    expect(parseClaudeTranscriptLine(nested).verdict).not.toBe('entries');
    const odd = JSON.stringify({ type: 'assistant', message: [1, 2], timestamp: { no: 'date' } });
    expect(() => parseClaudeTranscriptLine(odd)).not.toThrow();
  });
});

describe('Codex rollout lines', () => {
  const line = (type: string, payload: unknown) =>
    JSON.stringify({ timestamp: '2026-11-21T09:00:00.000Z', type, payload });

  it('turn_aborted (interrupted) is an interrupt; other reasons are not', () => {
    expect(
      entriesOf([parseCodexRolloutLine(line('event_msg', { type: 'turn_aborted', reason: 'interrupted' }))]),
    ).toEqual([
      {
        kind: 'interrupted',
        atToolPrompt: false,
        at: Date.parse('2026-11-21T09:00:00.000Z'),
        uuid: null,
        agentId: null,
      },
    ]);
    expect(parseCodexRolloutLine(line('event_msg', { type: 'turn_aborted', reason: 'replaced' }))).toEqual({
      verdict: 'ignored',
    });
  });

  it('errors and stream retries are API errors', () => {
    expect(
      entriesOf([parseCodexRolloutLine(line('event_msg', { type: 'error', message: 'request failed' }))]),
    ).toMatchObject([{ kind: 'api-error', message: 'request failed', attempt: null }]);
    const retry = line('event_msg', {
      type: 'stream_error',
      message: 'Reconnecting... 1/4',
      codex_error_info: { response_stream_disconnected: { http_status_code: 503 } },
    });
    expect(entriesOf([parseCodexRolloutLine(retry)])).toMatchObject([
      { kind: 'api-error', attempt: 1, maxAttempts: 4, retryInMs: null },
    ]);
  });

  it('assistant messages are assistant text (once), compactions are compactions', () => {
    const msg = line('response_item', {
      type: 'message',
      role: 'assistant',
      id: 'msg_1',
      content: [{ type: 'output_text', text: 'Done.' }],
    });
    expect(entriesOf([parseCodexRolloutLine(msg)])).toMatchObject([
      { kind: 'assistant-text', text: 'Done.', messageId: 'msg_1' },
    ]);
    // the same text as a legacy event is not counted twice
    expect(parseCodexRolloutLine(line('event_msg', { type: 'agent_message', message: 'Done.' }))).toEqual({
      verdict: 'ignored',
    });
    expect(entriesOf([parseCodexRolloutLine(line('compacted', { message: 'summary' }))])).toMatchObject([
      { kind: 'compacted', trigger: null, preTokens: null },
    ]);
    expect(parseCodexRolloutLine(line('session_meta', { id: 'x' }))).toEqual({ verdict: 'ignored' });
    expect(parseCodexRolloutLine(line('event_msg', { type: 'brand_new' }))).toMatchObject({
      verdict: 'skipped',
    });
    expect(parseCodexRolloutLine(line('future_item', {}))).toMatchObject({ verdict: 'skipped' });
  });

  it('a failed command (item_completed CommandExecution, as 0.171.0 writes it) is a tool-failed entry', () => {
    const rollout = readFileSync(
      new URL('../../../fixtures/codex-0.171.0/two-turns/session.jsonl', import.meta.url),
      'utf8',
    ).split('\n');
    const found = entriesOf(rollout.map(parseCodexRolloutLine)).filter((e) => e.kind === 'tool-failed');
    expect(found).toEqual([
      {
        kind: 'tool-failed',
        toolUseId: 'call_fd_2',
        error: "Exit code 2: ls: cannot access '/nonexistent-flightdeck-dir': No such file or directory",
        at: expect.any(Number),
        uuid: null,
        agentId: null,
      },
    ]);
    const item = (fields: Record<string, unknown>) =>
      parseCodexRolloutLine(
        line('event_msg', {
          type: 'item_completed',
          item: { type: 'CommandExecution', id: 'c1', status: 'completed', exit_code: 0, ...fields },
        }),
      );
    // biome-ignore format: one row per case
    const cases: Array<[Record<string, unknown>, string | null]> = [
      [{}, null],
      [{ status: 'failed', exit_code: 1, aggregated_output: '' }, 'Exit code 1'],
      [{ status: 'failed', exit_code: null }, 'Failed'],
      [{ exit_code: 127, aggregated_output: 'nope\n' }, 'Exit code 127: nope'],
      [{ type: 'AgentMessage', status: 'failed', exit_code: 1 }, null],
      [{ id: '', status: 'failed', exit_code: 1 }, null],
      [{ exit_code: 1, aggregated_output: `${'x'.repeat(5000)}` }, `Exit code 1: ${'x'.repeat(4000)}`],
    ];
    for (const [fields, error] of cases) {
      const r = item(fields);
      if (error === null) expect(r, JSON.stringify(fields)).toEqual({ verdict: 'ignored' });
      else
        expect(entriesOf([r]), JSON.stringify(fields)).toMatchObject([
          { kind: 'tool-failed', toolUseId: 'c1', error },
        ]);
    }
  });

  it('picks a parser per CLI and path: Codex only for rollout files, Gemini only for its .jsonl chat files', () => {
    const claude = transcriptParserFor('claude', '/home/dev/.claude/projects/p/s.jsonl');
    expect(claude?.(claudeUser([{ type: 'text', text: CLAUDE_INTERRUPTED }]))).toMatchObject({
      verdict: 'entries',
      entries: [{ kind: 'interrupted' }],
    });
    expect(
      transcriptParserFor(
        'codex',
        '/home/dev/.codex/sessions/2026/11/21/rollout-2026-11-21T09-00-00-x.jsonl',
      ),
    ).toBeTypeOf('function');
    expect(transcriptParserFor('codex', '/tmp/other.json')).toBeNull();
    expect(
      transcriptParserFor('gemini', '/home/dev/.gemini/tmp/h/chats/session-2026-12-07T12-55-5a13909f.jsonl'),
    ).toBeTypeOf('function');
    expect(transcriptParserFor('claude', '/home/dev/.ssh/id_ed25519')).toBeNull();
    expect(transcriptParserFor('gemini', '/home/dev/.gemini/tmp/h/chats/session-1.json')).toBeNull();
  });
});

describe('Claude Code transcript lines (recorded interactively under tmux, 2.1.328)', () => {
  const root = new URL('../../../fixtures/claude-code-2.1.328/interactive/', import.meta.url);
  const kinds = (file: string) => {
    const parse = createClaudeTranscriptParser();
    const results = readFileSync(new URL(file, root), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => parse(l));
    expect(results.filter((r) => r.verdict === 'skipped')).toEqual([]);
    return entriesOf(results).map((e) =>
      e.kind === 'interrupted'
        ? `interrupted${e.atToolPrompt ? ' at tool' : ''}`
        : e.kind === 'api-error'
          ? `api-error ${e.attempt === null ? 'final' : 'retry'}`
          : e.kind === 'compacted'
            ? `compacted ${e.trigger}`
            : 'text',
    );
  };

  it.each([
    ['esc-at-permission-prompt/transcript.jsonl', ['interrupted at tool']],
    ['esc-mid-turn/transcript.jsonl', ['interrupted at tool']],
    ['esc-while-streaming/transcript.jsonl', ['text', 'interrupted']],
    // the CLI's two retries are the same request sent again (same requestDigest), then it gives up
    ['api-error-exhausted/transcript.jsonl', ['api-error retry', 'api-error retry', 'api-error final']],
    ['api-error-fatal/transcript.jsonl', ['api-error final']],
    // 2.1.328 writes no api_error line for a retry that then succeeds: the repeated request shows it
    ['api-error-retry/transcript.jsonl', ['api-error retry', 'api-error retry', 'text']],
    ['compact/transcript.jsonl', ['text', 'compacted manual', 'text']],
    ['long-tool/transcript.jsonl', ['text']],
    ['kill/transcript.jsonl', ['text']],
    ['clear/transcript-1.jsonl', ['text']],
    ['clear/transcript-2.jsonl', ['text']],
    ['subagent/transcript.jsonl', ['text', 'text']],
    ['subagent/subagent-agent-a51bdf2c051d1943f.jsonl', ['text']],
  ])('%s → %j, nothing skipped', (file, expected) => {
    expect(kinds(file)).toEqual(expected);
  });
});

describe('Claude Code API retries (one parser per file)', () => {
  const request = (id: string, digest: string, base?: string) =>
    JSON.stringify({
      type: 'api-request',
      sessionId: SESSION,
      id,
      timestamp: '2026-12-06T22:33:14.418Z',
      querySource: 'repl_main_thread',
      ...(base ? { base } : {}),
      requestDigest: digest,
    });
  const d1 = 'a'.repeat(64);
  const d2 = 'b'.repeat(64);

  it('the same request sent again is a retry, counted; a new request starts over', () => {
    const parse = createClaudeTranscriptParser();
    const out = entriesOf([
      parse(request('r1', d1)),
      parse(request('r2', d1, 'r1')),
      parse(request('r3', d1, 'r2')),
      parse(request('r4', d2, 'r3')),
      parse(request('r5', d2, 'r4')),
    ]);
    expect(out.map((e) => (e.kind === 'api-error' ? e.attempt : null))).toEqual([2, 3, 2]);
    expect(out[0]).toMatchObject({ kind: 'api-error', at: Date.parse('2026-12-06T22:33:14.418Z') });
  });

  it('the line parser alone (no memory) sees no retry, and each file gets its own parser', () => {
    expect(parseClaudeTranscriptLine(request('r1', d1)).verdict).toBe('ignored');
    const a = transcriptParserFor('claude', '/home/dev/.claude/projects/p/a.jsonl')!;
    const b = transcriptParserFor('claude', '/home/dev/.claude/projects/p/b.jsonl')!;
    a(request('r1', d1));
    expect(b(request('x1', d1)).verdict).toBe('ignored');
    expect(a(request('r2', d1, 'r1')).verdict).toBe('entries');
  });
});
