/**
 * Usage read from Claude Code transcripts, through the parser and the core, against an independent count: a plain
 * reader (below) that keeps, per message id and request id, the usage of the LAST line of that response, then sums.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type CoreInput, type CoreState, getOwn, initialState, reduce } from '@flightdeck/core';
import type { SessionUsage } from '@flightdeck/shared-types';
import { describe, expect, it } from 'vitest';
import { createClaudeTranscriptParser } from '../src/index.js';

const FIXTURES = join(import.meta.dirname, '../../../fixtures/claude-code-2.1.328');
const SID = 'usage-sess';
const T0 = 1_800_000_000_000;

interface Sum {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  messages: number;
}

/** The independent count: every assistant line's usage, the last one of each (message id, request id) kept. */
function independentCount(texts: string[], agent?: string): Map<string, Sum> {
  const last = new Map<string, { model: string; u: Record<string, unknown>; agent: string | null }>();
  for (const text of texts) {
    for (const raw of text.split('\n')) {
      let o: {
        type?: string;
        requestId?: string;
        isSidechain?: boolean;
        agentId?: string;
        message?: { id?: string; model: string; usage?: Record<string, unknown> };
      };
      try {
        o = JSON.parse(raw);
      } catch {
        continue;
      }
      if (o?.type !== 'assistant' || !o.message?.usage || !o.message.id) continue;
      if (o.message.model === '<synthetic>') continue;
      last.set(`${o.message.id} ${o.requestId ?? '-'}`, {
        model: o.message.model,
        u: o.message.usage,
        agent: o.isSidechain ? (o.agentId ?? null) : null,
      });
    }
  }
  const byModel = new Map<string, Sum>();
  for (const { model, u, agent: a } of last.values()) {
    if (agent !== undefined && a !== agent) continue;
    const s = byModel.get(model) ?? {
      input: 0,
      output: 0,
      cacheRead: 0,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      messages: 0,
    };
    const cc = (u.cache_creation ?? {}) as Record<string, number>;
    const oneHour = cc.ephemeral_1h_input_tokens ?? 0;
    s.input += Number(u.input_tokens ?? 0);
    s.output += Number(u.output_tokens ?? 0);
    s.cacheRead += Number(u.cache_read_input_tokens ?? 0);
    s.cacheWrite1h += oneHour;
    s.cacheWrite5m += Number(u.cache_creation_input_tokens ?? 0) - oneHour;
    s.messages += 1;
    byModel.set(model, s);
  }
  return byModel;
}

function total(byModel: Map<string, Sum>): Sum {
  const t: Sum = { input: 0, output: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, messages: 0 };
  for (const s of byModel.values()) for (const k of Object.keys(t) as (keyof Sum)[]) t[k] += s[k];
  return t;
}

function asSum(u: SessionUsage | SessionUsage['byModel'][string], messages?: number): Sum {
  return {
    input: u.inputTokens,
    output: u.outputTokens,
    cacheRead: u.cacheReadTokens,
    cacheWrite5m: u.cacheWrite5mTokens,
    cacheWrite1h: u.cacheWrite1hTokens,
    messages: messages ?? ('messages' in u ? (u as SessionUsage).messages : 0),
  };
}

/** A session, then each file fed through its own parser to the core in inputs of `perInput` lines. */
function run(
  files: Array<{ path: string; text: string }>,
  perInput = 7,
  extra: (state: CoreState) => CoreState = (s) => s,
) {
  let state = initialState();
  const send = (input: CoreInput) => {
    state = reduce(state, input, T0).state;
  };
  send({
    type: 'hook',
    envelope: {
      cli: 'claude',
      payload: {
        hook_event_name: 'SessionStart',
        session_id: SID,
        cwd: '/home/dev/p',
        transcript_path: files[0]?.path,
        source: 'startup',
      },
      meta: {},
    },
  });
  state = extra(state);
  for (const f of files) {
    const parse = createClaudeTranscriptParser();
    const lines = f.text.split('\n');
    let offset = 0;
    for (let i = 0; i < lines.length; i += perInput) {
      const chunk = lines.slice(i, i + perInput);
      const entries = chunk.flatMap((l) => {
        const r = parse(l);
        return r.verdict === 'entries' ? r.entries : [];
      });
      offset += chunk.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
      send({ type: 'transcript', sessionId: SID, path: f.path, offset, entries, skipped: 0 });
    }
  }
  const s = getOwn(state.sessions, SID);
  if (!s) throw new Error('no session');
  return { usage: s.usage, state };
}

function transcriptsUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...transcriptsUnder(p));
    else if (name.endsWith('.jsonl') && name !== 'hooks.jsonl' && !dir.endsWith('2.1.328')) out.push(p);
  }
  return out;
}

describe('usage from recorded Claude Code transcripts', () => {
  const files = transcriptsUnder(FIXTURES);

  it('finds the recorded transcripts (main sessions and subagents)', () => {
    expect(files.length).toBeGreaterThanOrEqual(12);
    expect(files.some((f) => f.includes('agent-'))).toBe(true);
  });

  for (const file of transcriptsUnder(FIXTURES)) {
    const rel = file.slice(FIXTURES.length + 1);
    it(`${rel}: totals and per model equal the independent count`, () => {
      const text = readFileSync(file, 'utf8');
      const expected = independentCount([text]);
      const { usage } = run([{ path: `/home/dev/${rel}`, text }]);
      expect(asSum(usage)).toEqual(total(expected));
      expect(Object.keys(usage.byModel).sort()).toEqual([...expected.keys()].sort());
      for (const [model, sum] of expected) {
        expect(asSum(usage.byModel[model]!, sum.messages)).toEqual(sum);
      }
      expect(usage.cacheWriteTokens).toBe(usage.cacheWrite5mTokens + usage.cacheWrite1hTokens);
    });
  }

  it('a session and its subagent file: the subagent is counted apart and rolled into the session', () => {
    const dir = join(FIXTURES, 'transcripts');
    const main = readFileSync(join(dir, 'c9c7f7bc-be3d-4fec-a871-5d943fafe0e1.jsonl'), 'utf8');
    const sub = readFileSync(
      join(dir, 'c9c7f7bc-be3d-4fec-a871-5d943fafe0e1/subagents/agent-a427100067de70b46.jsonl'),
      'utf8',
    );
    const { usage } = run([
      { path: '/home/dev/p/main.jsonl', text: main },
      { path: '/home/dev/p/main/subagents/agent-a427100067de70b46.jsonl', text: sub },
    ]);
    expect(asSum(usage)).toEqual(total(independentCount([main, sub])));
    const agent = usage.byAgent.a427100067de70b46;
    expect(agent).toBeDefined();
    expect(asSum(agent!, 0)).toEqual({ ...total(independentCount([sub], 'a427100067de70b46')), messages: 0 });
    expect(agent!.inputTokens).toBeGreaterThan(0);
    expect(agent!.inputTokens).toBeLessThan(usage.inputTokens);
  });
});

/** An assistant line as Claude Code writes it. */
function line(
  id: string,
  req: string | null,
  u: { in: number; out: number; cr?: number; cw?: number; h1?: number; m5?: number },
  extra: Record<string, unknown> = {},
  model = 'claude-sonnet-4-5',
): string {
  const usage: Record<string, unknown> = {
    input_tokens: u.in,
    output_tokens: u.out,
    cache_read_input_tokens: u.cr ?? 0,
    cache_creation_input_tokens: u.cw ?? 0,
  };
  if (u.h1 !== undefined || u.m5 !== undefined)
    usage.cache_creation = { ephemeral_1h_input_tokens: u.h1 ?? 0, ephemeral_5m_input_tokens: u.m5 ?? 0 };
  return JSON.stringify({
    type: 'assistant',
    uuid: `${id}-${Math.random()}`,
    timestamp: '2027-01-05T10:00:00.000Z',
    ...(req ? { requestId: req } : {}),
    message: { id, model, role: 'assistant', content: [{ type: 'text', text: 'x' }], usage },
    ...extra,
  });
}

describe('usage from synthetic transcripts', () => {
  const synthetic = [
    // a streamed message: three lines, the usage growing, the last one final
    line('m1', 'r1', { in: 10, out: 1, cw: 100, h1: 40, m5: 60 }),
    line('m1', 'r1', { in: 10, out: 7, cw: 100, h1: 40, m5: 60 }),
    JSON.stringify({
      type: 'user',
      message: { role: 'user', content: [{ type: 'tool_result', content: 'ok' }] },
    }),
    line('m1', 'r1', { in: 10, out: 30, cw: 100, h1: 40, m5: 60 }),
    // an exact duplicate line (the same response written twice)
    line('m2', 'r2', { in: 5, out: 3, cr: 1000 }),
    line('m2', 'r2', { in: 5, out: 3, cr: 1000 }),
    // the same message id under another request id: another response (a retry that got billed)
    line('m2', 'r3', { in: 5, out: 4, cr: 1000 }),
    // cache writes the CLI did not split: 5-minute ones
    line('m3', null, { in: 2, out: 2, cw: 50 }),
    // a compaction, unknown entry types, a broken line, an error message the CLI made itself
    JSON.stringify({ type: 'system', subtype: 'compact_boundary', compactMetadata: { trigger: 'auto' } }),
    JSON.stringify({ type: 'brand-new-kind', usage: { input_tokens: 999 } }),
    '{"type":"assistant", broken',
    line('e1', 'r9', { in: 0, out: 0 }, { isApiErrorMessage: true }, '<synthetic>'),
    // the compaction summary's own response, and a subagent's (sidechain) response of another model
    line('m4', 'r4', { in: 300, out: 90 }),
    line('s1', 'r5', { in: 40, out: 11 }, { isSidechain: true, agentId: 'agentA' }, 'claude-haiku-4-5'),
    line('s1', 'r5', { in: 40, out: 12 }, { isSidechain: true, agentId: 'agentA' }, 'claude-haiku-4-5'),
    // a model the table does not price
    line('m5', 'r6', { in: 1, out: 1 }, {}, 'claude-unreleased-9'),
  ].join('\n');

  it('streamed chunks, duplicates, subagents, compaction and unknown entries: the independent count', () => {
    for (const perInput of [1, 2, 3, 50]) {
      const { usage } = run([{ path: '/home/dev/p/s.jsonl', text: synthetic }], perInput);
      const expected = independentCount([synthetic]);
      expect(asSum(usage)).toEqual(total(expected));
      expect(usage).toMatchObject({
        inputTokens: 10 + 5 + 5 + 2 + 300 + 40 + 1,
        outputTokens: 30 + 3 + 4 + 2 + 90 + 12 + 1,
        cacheReadTokens: 2000,
        cacheWrite5mTokens: 60 + 50,
        cacheWrite1hTokens: 40,
        cacheWriteTokens: 150,
        messages: 7,
      });
      expect(usage.byAgent.agentA).toMatchObject({ inputTokens: 40, outputTokens: 12 });
    }
  });

  it('a model without a price: its tokens are shown, the cost is unknown (null), never made up', () => {
    const { usage } = run([{ path: '/home/dev/p/s.jsonl', text: synthetic }]);
    expect(usage.byModel['claude-unreleased-9']).toMatchObject({ inputTokens: 1, costUsd: null });
    expect(usage.costUsd).toBeNull();
    // Sonnet 4.5: $3 in, $15 out, $0.30 cache read, $3.75 5m write, $6 1h write per MTok
    const sonnet = usage.byModel['claude-sonnet-4-5']!;
    expect(sonnet.costUsd).toBeCloseTo((322 * 3 + 129 * 15 + 2000 * 0.3 + 110 * 3.75 + 40 * 6) / 1e6, 12);
    expect(usage.byModel['claude-haiku-4-5']!.costUsd).toBeCloseTo((40 * 1 + 12 * 5) / 1e6, 12);
  });

  it('the config prices a model the table lacks: the cost is known', () => {
    const { usage } = run([{ path: '/home/dev/p/s.jsonl', text: synthetic }], 5, (state) => {
      const r = reduce(
        state,
        {
          type: 'configure',
          config: {
            autoIdleMs: {},
            pricing: {
              'claude-unreleased-9': {
                input: 100,
                output: 200,
                cacheRead: 0,
                cacheWrite5m: 0,
                cacheWrite1h: 0,
              },
            },
          },
        },
        T0,
      );
      return r.state;
    });
    expect(usage.byModel['claude-unreleased-9']!.costUsd).toBeCloseTo(300 / 1e6, 12);
    expect(usage.costUsd).not.toBeNull();
  });
});
