import { describe, expect, it } from 'vitest';
import {
  type CoreInput,
  DEFAULT_PRICING,
  type Effect,
  getOwn,
  MAX_USAGE_FILES,
  priceOf,
  type TranscriptEntry,
} from '../src/index.js';
import { Harness, hook } from './helpers.js';

const SID = 'sess-u';
const PATH = '/home/dev/.claude/projects/p/sess-u.jsonl';
const T0 = 1_700_000_000_000;

type UsageEntry = Extract<TranscriptEntry, { kind: 'usage' }>;
function usage(
  messageId: string,
  requestId: string | null,
  inputTokens: number,
  more: Partial<UsageEntry> = {},
) {
  return {
    kind: 'usage',
    messageId,
    requestId,
    model: 'claude-sonnet-4-5',
    inputTokens,
    outputTokens: 10,
    cacheReadTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    at: T0,
    uuid: null,
    agentId: null,
    ...more,
  } as UsageEntry;
}

function tr(offset: number, entries: TranscriptEntry[], extra: Partial<CoreInput> = {}): CoreInput {
  return {
    type: 'transcript',
    sessionId: SID,
    path: PATH,
    offset,
    entries,
    skipped: 0,
    ...extra,
  } as CoreInput;
}

function started(): Harness {
  const h = new Harness(T0);
  h.send(
    hook('claude', {
      session_id: SID,
      cwd: '/home/dev/p',
      transcript_path: PATH,
      hook_event_name: 'SessionStart',
      source: 'startup',
    }),
  );
  return h;
}

const records = (effects: Effect[]) =>
  effects.flatMap((e) =>
    e.type === 'usage-recorded' ? e.records.map((r) => [r.messageId, r.inputTokens]) : [],
  );

describe('session usage (core)', () => {
  it('a new session has no usage and costs nothing', () => {
    expect(started().session(SID).usage).toMatchObject({ inputTokens: 0, costUsd: 0, messages: 0 });
  });

  it('a file read again from its start (restarted) replaces its count instead of adding to it', () => {
    const h = started();
    h.send(tr(100, [usage('m1', 'r1', 100), usage('m2', 'r2', 200)]));
    h.send(tr(200, [usage('m3', 'r3', 300)]));
    expect(h.session(SID).usage).toMatchObject({ inputTokens: 600, messages: 3 });
    // truncated and written again, read from 0: the same responses
    h.send(
      tr(150, [usage('m1', 'r1', 100), usage('m2', 'r2', 200), usage('m3', 'r3', 300)], { restarted: true }),
    );
    expect(h.session(SID).usage).toMatchObject({ inputTokens: 600, messages: 3 });
    // the records go out again: the store keeps one row per response
    expect(records(h.last)).toEqual([
      ['m1', 100],
      ['m2', 200],
      ['m3', 300],
    ]);
  });

  it('the same bytes again (offset not past the cursor) change nothing', () => {
    const h = started();
    h.send(tr(100, [usage('m1', 'r1', 100)]));
    h.send(tr(100, [usage('m1', 'r1', 100)]));
    expect(h.session(SID).usage.inputTokens).toBe(100);
  });

  it('a later line of a response replaces its usage (the final count), and only a change is recorded', () => {
    const h = started();
    h.send(tr(100, [usage('m1', 'r1', 100, { outputTokens: 1 })]));
    h.send(tr(200, [usage('m1', 'r1', 100, { outputTokens: 50 })]));
    expect(records(h.last)).toEqual([['m1', 100]]);
    h.send(tr(300, [usage('m1', 'r1', 100, { outputTokens: 50 })]));
    expect(records(h.last)).toEqual([]);
    expect(h.session(SID).usage).toMatchObject({ inputTokens: 100, outputTokens: 50, messages: 1 });
  });

  it('files of a session (its subagents) are counted apart; each one is bounded', () => {
    const h = started();
    let offset = 0;
    for (let i = 0; i < MAX_USAGE_FILES + 5; i++) {
      offset += 10;
      h.send({
        type: 'transcript',
        sessionId: SID,
        path: `/home/dev/p/sub/agent-${i}.jsonl`,
        offset,
        entries: [usage(`m${i}`, null, 1, { agentId: `a${i}` })],
        skipped: 0,
      });
    }
    const u = h.session(SID).usage;
    expect(u).toMatchObject({ inputTokens: MAX_USAGE_FILES + 5, messages: MAX_USAGE_FILES + 5 });
    expect(Object.keys(u.byAgent)).toHaveLength(MAX_USAGE_FILES + 5);
    expect(getOwn(h.state.runtime, SID)?.usage?.length).toBeLessThanOrEqual(MAX_USAGE_FILES);
  });

  it('new prices in the config reprice the cards; bad prices are refused naming the field', () => {
    const h = started();
    h.send(tr(100, [usage('m1', 'r1', 1_000_000, { model: 'claude-next', outputTokens: 0 })]));
    expect(h.session(SID).usage.costUsd).toBeNull();
    const price = { input: 2, output: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 };
    h.send({ type: 'configure', config: { autoIdleMs: {}, pricing: { 'claude-next': price } } });
    expect(h.session(SID).usage.costUsd).toBeCloseTo(2, 9);
    const out = h.send({
      type: 'configure',
      config: { autoIdleMs: {}, pricing: { 'claude-next': { ...price, output: -1 } } },
    });
    expect(out).toEqual([
      { type: 'rejected', reason: expect.stringContaining('configure.pricing.claude-next.output') },
    ]);
  });

  it('prices: a dated id is its model; a lookalike id is not priced', () => {
    expect(priceOf('claude-sonnet-4-5-20250929', DEFAULT_PRICING)).toEqual(
      DEFAULT_PRICING['claude-sonnet-4-5'],
    );
    expect(priceOf('claude-opus-4-9', DEFAULT_PRICING)).toBeNull();
    expect(priceOf('__proto__', DEFAULT_PRICING)).toBeNull();
  });

  it('a malformed usage entry is refused whole', () => {
    const h = started();
    const out = h.send(tr(100, [usage('m1', 'r1', -5)]));
    expect(out[0]).toMatchObject({ type: 'rejected', reason: expect.stringContaining('inputTokens') });
    expect(h.session(SID).usage.inputTokens).toBe(0);
  });

  it("a subagent's file keeps its own cursor; the session's stays on its transcript", () => {
    const h = started();
    h.send(tr(100, [usage('m1', 'r1', 100)]));
    const sub = '/home/dev/.claude/projects/p/sess-u/subagents/agent-a1.jsonl';
    h.send({ ...tr(40, [usage('s1', 'r2', 7, { agentId: 'a1' })]), path: sub, agentId: 'a1' } as CoreInput);
    // the same bytes of the subagent's file again: nothing
    h.send({ ...tr(40, [usage('s9', 'r9', 7, { agentId: 'a1' })]), path: sub, agentId: 'a1' } as CoreInput);
    const rt = getOwn(h.state.runtime, SID);
    expect(rt?.transcript).toMatchObject({ path: PATH, offset: 100 });
    expect(rt?.subTranscripts).toEqual([{ path: sub, offset: 40, entries: 1, skipped: 0 }]);
    expect(h.session(SID).usage).toMatchObject({
      inputTokens: 107,
      messages: 2,
      byAgent: { a1: { inputTokens: 7 } },
    });
    const out = h.send({ ...tr(50, []), agentId: '' } as CoreInput);
    expect(out[0]).toMatchObject({ type: 'rejected', reason: expect.stringContaining('transcript.agentId') });
  });
});
