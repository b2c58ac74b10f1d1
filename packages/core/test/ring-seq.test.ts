import type { Session } from '@flightdeck/shared-types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CoreInput,
  createSession,
  initialState,
  LIMITS,
  reduce,
  type TranscriptEntry,
} from '../src/index.js';
import { Harness, hook, user } from './helpers.js';

/**
 * Ring sequence numbers: every entry the core adds to or changes in a stored ring (prompts, tool calls, responses,
 * lifecycle events) gets `seq = ringSeq + 1`, and `ringSeq` moves on with it. A writer that wrote up to `seq` n
 * writes the entries with `seq > n`: exactly the entries new or changed since.
 */

const RINGS = ['promptHistory', 'toolLog', 'responseLog', 'events'] as const;
type Ring = (typeof RINGS)[number];
type Entry = Session[Ring][number];

const SID = 'sess-seq';
const PATH = '/home/dev/.claude/projects/p/sess-seq.jsonl';
const ev = (name: string, extra: Record<string, unknown> = {}, id = SID) =>
  hook('claude', {
    session_id: id,
    cwd: '/home/dev/p',
    transcript_path: PATH,
    hook_event_name: name,
    ...extra,
  });
const start = ev('SessionStart', { source: 'startup' });
const prompt = ev('UserPromptSubmit', { prompt: 'do it', prompt_id: 'p1' });
const pre = (id = 'tu1', extra: Record<string, unknown> = {}) =>
  ev('PreToolUse', { tool_name: 'Bash', tool_input: { command: 'make' }, tool_use_id: id, ...extra });
const post = (id = 'tu1') =>
  ev('PostToolUse', { tool_name: 'Bash', tool_input: {}, tool_use_id: id, tool_response: 'ok' });
const stop = ev('Stop', { last_assistant_message: 'done' });

/** One transcript entry of session `id`, the follower's offset moving on each time. */
let offset = 0;
function transcript(entry: Partial<TranscriptEntry> & Pick<TranscriptEntry, 'kind'>, id = SID): CoreInput {
  offset += 100;
  const e = { at: null, uuid: null, agentId: null, ...entry } as TranscriptEntry;
  return {
    type: 'transcript',
    sessionId: id,
    path: `/home/dev/${id}.jsonl`,
    offset,
    skipped: 0,
    entries: [e],
  };
}

function label(ring: Ring, e: Entry): string {
  switch (ring) {
    case 'promptHistory':
      return `prompt ${(e as Session['promptHistory'][number]).text}`;
    case 'toolLog': {
      const t = e as Session['toolLog'][number];
      return `tool ${t.tool} ${t.status}`;
    }
    case 'responseLog':
      return `response ${(e as Session['responseLog'][number]).text}`;
    case 'events':
      return `event ${(e as Session['events'][number]).type}`;
  }
}

/** The entries of `after` that `before` does not hold (by identity): the new and the changed ones, by ring. */
function fresh(before: Session | undefined, after: Session): { ring: Ring; entry: Entry }[] {
  const out: { ring: Ring; entry: Entry }[] = [];
  for (const ring of RINGS) {
    const old = new Set<Entry>(before?.[ring] ?? []);
    for (const entry of after[ring]) if (!old.has(entry)) out.push({ ring, entry });
  }
  return out;
}

function seqOf(e: Entry): number {
  return e.seq ?? 0;
}

/**
 * Applies `input` and checks the numbering: the fresh entries are `what` (in the order they were numbered), with
 * seqs previous ringSeq + 1, + 2, …; ringSeq is the last; every other entry is the same object as before, in place.
 */
function expectNumbered(h: Harness, input: CoreInput, what: string[]): Session {
  const before = h.state.sessions[SID];
  const prev = before?.ringSeq ?? 0;
  h.send(input);
  const after = h.session(SID);
  const changed = fresh(before, after).sort((a, b) => seqOf(a.entry) - seqOf(b.entry));
  expect(changed.map((c) => label(c.ring, c.entry))).toEqual(what);
  expect(changed.map((c) => c.entry.seq)).toEqual(what.map((_, i) => prev + i + 1));
  expect(after.ringSeq).toBe(prev + what.length);
  for (const ring of RINGS) {
    const old = before?.[ring] ?? [];
    const cur = after[ring];
    for (let i = 0; i < old.length; i++) {
      // No ring here is full: entries stay at their index; a changed one is the same call, replaced in place.
      if (cur[i] === old[i]) continue;
      expect(ring).toBe('toolLog');
      expect((cur[i] as Session['toolLog'][number]).toolUseId).toBe(
        (old[i] as Session['toolLog'][number]).toolUseId,
      );
      expect(cur[i]!.seq).toBeGreaterThan(prev);
    }
  }
  return after;
}

function harness(setup: CoreInput[]): Harness {
  const h = new Harness();
  for (const input of setup) {
    h.advance(100);
    h.send(input);
  }
  h.advance(100);
  return h;
}

describe('ring sequence numbers, by path', () => {
  // biome-ignore format: table
  const rows: { path: string; setup: CoreInput[]; input: CoreInput; fresh: string[] }[] = [
    { path: 'a new card logs its creation', setup: [], input: start, fresh: ['event created', 'event SessionStart'] },
    { path: 'prompt', setup: [start], input: prompt, fresh: ['prompt do it', 'event UserPromptSubmit'] },
    { path: 'tool start', setup: [start, prompt], input: pre(), fresh: ['tool Bash running'] },
    { path: 'subagent tool start', setup: [start, prompt], input: pre('tu-sub', { agent_id: 'ag1' }), fresh: ['tool Bash running'] },
    { path: 'tool done replaces the running entry', setup: [start, prompt, pre()], input: post(), fresh: ['tool Bash ok'] },
    {
      path: 'tool failed replaces the running entry',
      setup: [start, prompt, pre()],
      input: ev('PostToolUseFailure', { tool_name: 'Bash', tool_input: {}, tool_use_id: 'tu1', error: 'exit 1' }),
      fresh: ['tool Bash failed'],
    },
    { path: 'tool done whose start was never seen is appended', setup: [start, prompt], input: post('tu9'), fresh: ['tool Bash ok'] },
    {
      path: 'permission denied: the call, then the event',
      setup: [start, prompt, pre()],
      input: ev('PermissionDenied', { tool_name: 'Bash', tool_input: {}, tool_use_id: 'tu1', reason: 'no' }),
      fresh: ['tool Bash denied', 'event PermissionDenied'],
    },
    {
      path: 'tool batch denies the unanswered call',
      setup: [start, prompt, pre('t1'), pre('t2'), post('t2')],
      input: ev('PostToolBatch', { tool_calls: [
        { tool_name: 'Bash', tool_use_id: 't1', tool_response: 'no' },
        { tool_name: 'Bash', tool_use_id: 't2', tool_response: 'ok' },
      ] }),
      fresh: ['tool Bash denied', 'event PostToolBatch'],
    },
    {
      path: 'Stop: the response, the interrupted call, the event',
      setup: [start, prompt, pre()],
      input: stop,
      fresh: ['response done', 'tool Bash interrupted', 'event Stop'],
    },
    {
      path: 'Stop interrupts every running call of the main agent, each with its own seq',
      setup: [start, prompt, pre('t1'), pre('t2'), pre('t3', { agent_id: 'ag1' })],
      input: stop,
      fresh: ['response done', 'tool Bash interrupted', 'tool Bash interrupted', 'event Stop'],
    },
    { path: 'response (Stop after the tools)', setup: [start, prompt, pre(), post()], input: stop, fresh: ['response done', 'event Stop'] },
    {
      path: 'lifecycle event only (PermissionRequest)',
      setup: [start, prompt, pre()],
      input: ev('PermissionRequest', { tool_name: 'Bash', tool_input: { command: 'make' } }),
      fresh: ['event PermissionRequest'],
    },
    {
      path: 'transcript: Esc interrupts the running call',
      setup: [start, prompt, pre()],
      input: transcript({ kind: 'interrupted', atToolPrompt: false }),
      fresh: ['tool Bash interrupted', 'event interrupted'],
    },
    {
      path: 'transcript: assistant text adds a response',
      setup: [start, prompt],
      input: transcript({ kind: 'assistant-text', text: 'Looking at it', messageId: null }),
      fresh: ['response Looking at it'],
    },
    {
      path: 'transcript: compaction adds an event',
      setup: [start, prompt],
      input: transcript({ kind: 'compacted', trigger: 'auto', preTokens: 150_000 }),
      fresh: ['event compacted'],
    },
    { path: 'a duplicate PreToolUse changes no ring', setup: [start, prompt, pre()], input: pre(), fresh: [] },
    { path: 'a duplicate PostToolUse changes no ring', setup: [start, prompt, pre(), post()], input: post(), fresh: [] },
    { path: 'a user edit changes no ring', setup: [start, prompt], input: user({ type: 'set-title', sessionId: SID, title: 'T' }), fresh: [] },
  ];

  it.each(rows)('$path', ({ setup, input, fresh: what }) => {
    expectNumbered(harness(setup), input, what);
  });

  it('a new session starts at 0', () => {
    const s = createSession({ sessionId: SID, cli: 'claude', projectPath: '/p', source: 'tmux', now: 1 });
    expect(s.ringSeq).toBe(0);
  });

  it('two sessions count independently', () => {
    const h = new Harness();
    const other = (name: string, extra: Record<string, unknown> = {}) => ev(name, extra, 'sess-other');
    h.send(start);
    h.send(other('SessionStart', { source: 'startup' }));
    const a0 = h.session(SID).ringSeq;
    const b0 = h.session('sess-other').ringSeq;
    h.send(prompt);
    h.send(pre());
    expect(h.session(SID).ringSeq).toBe(a0 + 3);
    expect(h.session('sess-other').ringSeq).toBe(b0);
    h.send(other('UserPromptSubmit', { prompt: 'other' }));
    expect(h.session('sess-other').ringSeq).toBe(b0 + 2);
    expect(h.session('sess-other').promptHistory[0]?.seq).toBe(b0 + 1);
    expect(h.session(SID).ringSeq).toBe(a0 + 3);
  });

  it('a full ring keeps numbering: the oldest entry drops out, the new one has the next seq', () => {
    const h = harness([start, prompt]);
    for (let i = 0; i < LIMITS.toolLog + 5; i++) h.send(pre(`t${i}`));
    const before = h.session(SID);
    expect(before.toolLog).toHaveLength(LIMITS.toolLog);
    h.send(pre('last'));
    const after = h.session(SID);
    expect(after.toolLog).toHaveLength(LIMITS.toolLog);
    expect(after.toolLog.slice(0, -1)).toEqual(before.toolLog.slice(1));
    for (let i = 0; i < LIMITS.toolLog - 1; i++) expect(after.toolLog[i]).toBe(before.toolLog[i + 1]);
    expect(after.toolLog.at(-1)).toMatchObject({ toolUseId: 'last', seq: before.ringSeq + 1 });
    expect(after.ringSeq).toBe(before.ringSeq + 1);
    // Every call and the prompt's entries were numbered: 205 tool starts after the start and the prompt.
    expect(before.ringSeq).toBe(before.events.length + 1 + LIMITS.toolLog + 5);
  });

  it('a resumed card keeps its entries and their numbering under its new id', () => {
    const h = harness([start, prompt]);
    h.send(ev('SessionEnd', { reason: 'other' }));
    const old = h.session(SID);
    h.send({ type: 'resume-requested', sessionId: SID, terminalId: 'T1' });
    h.send(
      hook(
        'claude',
        { session_id: 'B', hook_event_name: 'SessionStart', source: 'resume', cwd: '/x' },
        { terminalId: 'T1' },
      ),
    );
    const b = h.session('B');
    expect(b.promptHistory[0]).toBe(old.promptHistory[0]);
    const added = fresh(old, b);
    expect(added.map((a) => a.entry.seq)).toEqual(added.map((_, i) => old.ringSeq + i + 1));
    expect(b.ringSeq).toBe(old.ringSeq + added.length);
  });

  it('a state saved before ring sequences (no ringSeq, entries without seq) reads as 0 and numbers on from 1', () => {
    const h = harness([start, prompt, pre()]);
    const legacy = JSON.parse(JSON.stringify(h.state), (k, v) =>
      k === 'seq' || k === 'ringSeq' ? undefined : v,
    );
    // The core state's own timer counter is also named `seq`: keep it.
    legacy.seq = h.state.seq;
    h.state = legacy;
    const old = h.session(SID);
    expect(old.ringSeq).toBeUndefined();
    expect(old.toolLog[0]?.seq).toBeUndefined();
    const after = expectNumbered(h, post(), ['tool Bash ok']);
    expect(after.toolLog[0]?.seq).toBe(1);
    expect(after.promptHistory[0]).toBe(old.promptHistory[0]);
    expect(after.promptHistory[0]?.seq).toBeUndefined();
  });

  it.each([-3, 1.5, Number.NaN, '7', null])('a corrupt ringSeq (%s) reads as 0', (bad) => {
    const h = harness([start]);
    const s = h.session(SID);
    h.state = { ...h.state, sessions: { ...h.state.sessions, [SID]: { ...s, ringSeq: bad as number } } };
    h.send(prompt);
    expect(h.session(SID).ringSeq).toBe(2);
    expect(h.session(SID).promptHistory.at(-1)?.seq).toBe(1);
  });
});

/** Hook inputs over two sessions and a few tool ids, plus transcript entries and user edits. */
const ids = ['a', 'b'] as const;
const tools = ['t1', 't2', 't3'] as const;
const inputArb: fc.Arbitrary<CoreInput> = fc.oneof(
  fc.constantFrom(...ids).map((id) => ev('SessionStart', { source: 'startup' }, id)),
  fc
    .tuple(fc.constantFrom(...ids), fc.string({ maxLength: 6 }))
    .map(([id, p]) => ev('UserPromptSubmit', { prompt: p }, id)),
  fc
    .tuple(fc.constantFrom(...ids), fc.constantFrom(...tools), fc.boolean())
    .map(([id, t, sub]) =>
      ev(
        'PreToolUse',
        { tool_name: 'Bash', tool_input: { command: t }, tool_use_id: t, ...(sub ? { agent_id: 'ag' } : {}) },
        id,
      ),
    ),
  fc
    .tuple(fc.constantFrom(...ids), fc.constantFrom(...tools, null))
    .map(([id, t]) =>
      ev('PostToolUse', { tool_name: 'Bash', tool_input: {}, tool_use_id: t, tool_response: 'ok' }, id),
    ),
  fc
    .tuple(fc.constantFrom(...ids), fc.constantFrom(...tools))
    .map(([id, t]) =>
      ev('PostToolUseFailure', { tool_name: 'Bash', tool_input: {}, tool_use_id: t, error: 'e' }, id),
    ),
  fc
    .tuple(fc.constantFrom(...ids), fc.constantFrom(...tools))
    .map(([id, t]) =>
      ev('PermissionDenied', { tool_name: 'Bash', tool_input: {}, tool_use_id: t, reason: 'no' }, id),
    ),
  fc
    .tuple(fc.constantFrom(...ids), fc.subarray([...tools], { minLength: 1 }))
    .map(([id, ts]) =>
      ev(
        'PostToolBatch',
        { tool_calls: ts.map((t) => ({ tool_name: 'Bash', tool_use_id: t, tool_response: 'r' })) },
        id,
      ),
    ),
  fc
    .tuple(fc.constantFrom(...ids), fc.constantFrom('x', 'y'))
    .map(([id, m]) => ev('Stop', { last_assistant_message: m }, id)),
  fc
    .constantFrom(...ids)
    .map((id) => ev('PermissionRequest', { tool_name: 'Bash', tool_input: { command: 't1' } }, id)),
  fc.constantFrom(...ids).map((id) => ev('SessionEnd', { reason: 'other' }, id)),
  fc
    .tuple(
      fc.constantFrom(...ids),
      fc.constantFrom<TranscriptEntry['kind']>('interrupted', 'assistant-text', 'compacted'),
    )
    .map(([id, kind]) => {
      const e =
        kind === 'interrupted'
          ? { kind, atToolPrompt: false }
          : kind === 'assistant-text'
            ? { kind, text: 'x', messageId: null }
            : { kind, trigger: null, preTokens: null };
      return transcript(e as Pick<TranscriptEntry, 'kind'>, id);
    }),
  fc.constantFrom(...ids).map((id) => user({ type: 'set-label', sessionId: id, label: 'L' })),
);

describe('ring sequence numbers, property', () => {
  /*
   * After any inputs, per session:
   * - ringSeq is the largest seq over the four stored rings (0 with none): the entry numbered last is still there
   *   (it was appended, so it is the newest, or it replaced a call in place);
   * - seqs are distinct across the four rings;
   * - in prompts, responses and events (append only) seqs strictly increase in array order;
   * - in the tool log, an entry with a larger seq than a later one was replaced in place after that one was
   *   appended, so it is a finished call (never `running`): running calls are never renumbered;
   * - each step numbers exactly what it adds or changes: the entries with seq > the previous ringSeq are the
   *   entries the previous state did not hold (by identity), and every other entry is the same object.
   */
  it('holds for any sequence of inputs', () => {
    fc.assert(
      fc.property(fc.array(inputArb, { maxLength: 60 }), (inputs) => {
        let state = initialState();
        let now = 1_700_000_000_000;
        for (const input of inputs) {
          now += 1000;
          const next = reduce(state, input, now).state;
          for (const id of ids) {
            const before = state.sessions[id];
            const after = next.sessions[id];
            if (!after) continue;
            const all = RINGS.flatMap((r) => after[r].map(seqOf));
            expect(after.ringSeq).toBe(all.length === 0 ? 0 : Math.max(...all));
            expect(new Set(all).size).toBe(all.length);
            for (const r of ['promptHistory', 'responseLog', 'events'] as const) {
              const seqs = after[r].map(seqOf);
              for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!);
            }
            const log = after.toolLog;
            for (let i = 0; i < log.length; i++) {
              for (let j = i + 1; j < log.length; j++) {
                if (log[i]!.seq > log[j]!.seq) expect(log[i]!.status).not.toBe('running');
              }
            }
            const prev = before?.ringSeq ?? 0;
            const byIdentity = fresh(before, after).map((f) => f.entry);
            const bySeq = RINGS.flatMap((r) => after[r].filter((e: Entry) => seqOf(e) > prev));
            expect(bySeq.length).toBe(byIdentity.length);
            for (const e of bySeq) expect(byIdentity).toContain(e);
          }
          state = next;
        }
      }),
      { numRuns: 300 },
    );
  });
});
