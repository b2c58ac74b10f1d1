/**
 * Token usage read from the session files of the real Codex CLI (rollout, 0.171.0) and Gemini CLI (chat file,
 * 0.61.0), through the parsers and the core, against an independent count made here from the raw lines; and from
 * synthetic files with a repeated and a partial line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CoreInput, getOwn, initialState, reduce } from '@flightdeck/core';
import type { AgentCli, SessionUsage } from '@flightdeck/shared-types';
import { describe, expect, it } from 'vitest';
import {
  CODEX_UNKNOWN_MODEL,
  createCodexRolloutParser,
  parseGeminiChatLine,
  type TranscriptLineParser,
  transcriptParserFor,
} from '../src/index.js';

const FIXTURES = join(import.meta.dirname, '../../../fixtures');
const CODEX_ROLLOUT = join(FIXTURES, 'codex-0.171.0/two-turns/session.jsonl');
const GEMINI_CHAT = join(FIXTURES, 'gemini-cli-0.61.0/two-turns/session.jsonl');
const SID = 'agent-usage';
const T0 = 1_800_000_000_000;

interface Sum {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  messages: number;
}

const sumOf = (u: SessionUsage): Sum => ({
  input: u.inputTokens,
  output: u.outputTokens,
  cacheRead: u.cacheReadTokens,
  cacheWrite: u.cacheWriteTokens,
  messages: u.messages,
});

/** A session of `cli` whose file `path` is fed to the core through `parse`, `perInput` lines per input. */
function usageOf(cli: AgentCli, path: string, text: string, parse: TranscriptLineParser, perInput = 3) {
  let state = initialState();
  const send = (input: CoreInput) => {
    state = reduce(state, input, T0).state;
  };
  send({
    type: 'hook',
    envelope: {
      cli,
      payload: {
        hook_event_name: 'SessionStart',
        session_id: SID,
        cwd: '/home/dev/project',
        transcript_path: path,
        source: 'startup',
      },
      meta: {},
    },
  });
  const lines = text.split('\n');
  let offset = 0;
  let skipped = 0;
  for (let i = 0; i < lines.length; i += perInput) {
    const chunk = lines.slice(i, i + perInput);
    const entries = chunk.flatMap((l) => {
      const r = parse(l);
      if (r.verdict === 'skipped') skipped += 1;
      return r.verdict === 'entries' ? r.entries : [];
    });
    offset += chunk.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
    send({ type: 'transcript', sessionId: SID, path, offset, entries, skipped: 0 });
  }
  const s = getOwn(state.sessions, SID);
  if (!s) throw new Error('no session');
  return { usage: s.usage, skipped };
}

type Raw = Record<string, unknown> & { payload?: Record<string, unknown> };
const rawLines = (text: string): Raw[] =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Raw);

/** Independent count of a rollout: every `token_usage_record` once per response id, cached input split off. */
function codexCount(text: string): Sum {
  const byResponse = new Map<string, Record<string, number>>();
  for (const o of rawLines(text)) {
    if (o.type === 'token_usage_record') {
      byResponse.set(String(o.payload?.response_id), o.payload?.usage as Record<string, number>);
    }
  }
  const s: Sum = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, messages: byResponse.size };
  for (const u of byResponse.values()) {
    s.input += (u.input_tokens ?? 0) - (u.cached_input_tokens ?? 0) - (u.cache_write_input_tokens ?? 0);
    s.output += u.output_tokens ?? 0;
    s.cacheRead += u.cached_input_tokens ?? 0;
    s.cacheWrite += u.cache_write_input_tokens ?? 0;
  }
  return s;
}

/** Independent count of a chat file: the last line of every `gemini` message id. */
function geminiCount(text: string): Sum {
  const byId = new Map<string, Record<string, number>>();
  for (const o of rawLines(text)) {
    if (o.type === 'gemini' && o.tokens) byId.set(String(o.id), o.tokens as Record<string, number>);
  }
  const s: Sum = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, messages: byId.size };
  for (const t of byId.values()) {
    s.input += (t.input ?? 0) - (t.cached ?? 0) + (t.tool ?? 0);
    s.output += (t.output ?? 0) + (t.thoughts ?? 0);
    s.cacheRead += t.cached ?? 0;
  }
  return s;
}

describe('usage from the recorded Codex rollout (0.171.0)', () => {
  const text = readFileSync(CODEX_ROLLOUT, 'utf8');
  const path = '/home/dev/.codex/sessions/2026/12/07/rollout-2026-12-07T12-56-34-x.jsonl';

  it('one count per response (token_usage_record), priced per the turn_context model, equal to the independent count', () => {
    const { usage, skipped } = usageOf('codex', path, text, createCodexRolloutParser());
    const expected = codexCount(text);
    expect(expected.messages).toBe(4);
    expect(sumOf(usage)).toEqual(expected);
    expect(Object.keys(usage.byModel)).toEqual(['gpt-fake']);
    // no price is published for the fake's model: "price unknown", never a guess
    expect(usage.costUsd).toBeNull();
    expect(skipped).toBe(0);
  });

  it('agrees with the running total of the last token_count event (its input includes the cached part)', () => {
    const { usage } = usageOf('codex', path, text, createCodexRolloutParser());
    const last = rawLines(text)
      .filter((o) => o.type === 'event_msg' && o.payload?.type === 'token_count')
      .at(-1)?.payload?.info as { total_token_usage: Record<string, number> };
    const t = last.total_token_usage;
    expect(usage.inputTokens + usage.cacheReadTokens).toBe(t.input_tokens);
    expect(usage.cacheReadTokens).toBe(t.cached_input_tokens);
    expect(usage.outputTokens).toBe(t.output_tokens);
  });

  it('the parser the follower picks for a rollout path counts the same', () => {
    const parse = transcriptParserFor('codex', path);
    expect(parse).not.toBeNull();
    expect(sumOf(usageOf('codex', path, text, parse as TranscriptLineParser, 1).usage)).toEqual(
      codexCount(text),
    );
  });

  it('usage before any turn_context (reading resumed mid-file) is counted under the model "unknown"', () => {
    const records = text.split('\n').filter((l) => l.includes('"type":"token_usage_record"'));
    const { usage } = usageOf('codex', path, records.join('\n'), createCodexRolloutParser());
    expect(Object.keys(usage.byModel)).toEqual([CODEX_UNKNOWN_MODEL]);
    expect(usage.messages).toBe(4);
  });

  it('a repeated record line and a partial line: counted once, the partial line skipped', () => {
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    const i = lines.findIndex((l) => l.includes('"type":"token_usage_record"'));
    const rec = lines[i] as string;
    const synthetic = [
      ...lines.slice(0, i + 1),
      rec, // the same response again
      rec.slice(0, Math.floor(rec.length / 2)), // a line cut mid-write
      ...lines.slice(i + 1),
    ].join('\n');
    const { usage, skipped } = usageOf('codex', path, synthetic, createCodexRolloutParser());
    expect(sumOf(usage)).toEqual(codexCount(text));
    expect(skipped).toBe(1);
  });
});

describe('usage from the recorded Gemini CLI chat file (0.61.0)', () => {
  const text = readFileSync(GEMINI_CHAT, 'utf8');
  const path = '/home/dev/.gemini/tmp/project/chats/session-2026-12-07T12-55-5a13909f.jsonl';

  it('one count per gemini message id (its second line, with the tool calls, not added), equal to the independent count', () => {
    const { usage, skipped } = usageOf('gemini', path, text, parseGeminiChatLine);
    const expected = geminiCount(text);
    // two tool calls and an answer, then the resumed turn's answer
    expect(expected.messages).toBe(4);
    expect(text.split('\n').filter((l) => l.includes('"type":"gemini"')).length).toBeGreaterThan(4);
    expect(sumOf(usage)).toEqual(expected);
    expect(Object.keys(usage.byModel)).toEqual(['gemini-2.5-flash']);
    expect(skipped).toBe(0);
  });

  it('the resumed run rewrites the message list ($set, without tokens): nothing is counted again', () => {
    const sets = text.split('\n').filter((l) => l.startsWith('{"$set":{"messages"'));
    expect(sets.length).toBeGreaterThan(1);
    const parse = transcriptParserFor('gemini', path) as TranscriptLineParser;
    for (const l of sets) expect(parse(l)).toEqual({ verdict: 'ignored' });
  });

  it('a synthetic file: thoughts, cached and tool prompt tokens; a repeated and a partial line', () => {
    const msg = (id: string, t: Record<string, number>, extra: Record<string, unknown> = {}) =>
      JSON.stringify({
        id,
        timestamp: '2026-12-07T12:00:00.000Z',
        type: 'gemini',
        content: '',
        tokens: t,
        model: 'gemini-2.5-pro',
        ...extra,
      });
    const a = msg('m1', { input: 1000, output: 40, cached: 600, thoughts: 25, tool: 7, total: 1072 });
    const a2 = msg(
      'm1',
      { input: 1000, output: 40, cached: 600, thoughts: 25, tool: 7, total: 1072 },
      { toolCalls: [{ id: 'c1', name: 'run_shell_command' }] },
    );
    const b = msg('m2', { input: 1100, output: 10, cached: 0, thoughts: 0, tool: 0, total: 1110 });
    const file = [
      '{"sessionId":"s","projectHash":"h","startTime":"2026-12-07T12:00:00.000Z","kind":"main"}',
      a,
      '{"$set":{"lastUpdated":"2026-12-07T12:00:00.000Z"}}',
      a2,
      b.slice(0, 40),
      b,
    ].join('\n');
    const { usage, skipped } = usageOf('gemini', path, file, parseGeminiChatLine, 2);
    expect(sumOf(usage)).toEqual({
      input: 1000 - 600 + 7 + 1100,
      output: 40 + 25 + 10,
      cacheRead: 600,
      cacheWrite: 0,
      messages: 2,
    });
    expect(skipped).toBe(1);
  });

  it('unknown records are skipped, never thrown; a gemini message without tokens counts nothing', () => {
    expect(parseGeminiChatLine('{"type":"brand_new","id":"x"}')).toMatchObject({ verdict: 'skipped' });
    expect(parseGeminiChatLine('not json')).toMatchObject({ verdict: 'skipped' });
    expect(parseGeminiChatLine('{"id":"x","type":"gemini","content":"hi"}')).toEqual({ verdict: 'ignored' });
    expect(parseGeminiChatLine('{"id":"u","type":"user","content":[]}')).toEqual({ verdict: 'ignored' });
  });
});
