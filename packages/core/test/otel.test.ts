/**
 * OpenTelemetry usage in the core: each `api_request` counted once into `usage.otel` beside the transcript's totals,
 * used only while the transcript counted nothing; records of unknown sessions dropped with a reason.
 */
import { describe, expect, it } from 'vitest';
import { type CoreInput, MAX_OTEL_SEEN, type OtelApiRequest, type TranscriptEntry } from '../src/index.js';
import { Harness, hook } from './helpers.js';

const SID = 'sess-o';
const PATH = '/home/dev/.claude/projects/p/sess-o.jsonl';
const T0 = 1_700_000_000_000;

function req(requestId: string | null, more: Partial<OtelApiRequest> = {}): OtelApiRequest {
  return {
    sessionId: SID,
    requestId,
    at: T0,
    model: 'claude-sonnet-4-5',
    costUsd: 0.01,
    inputTokens: 50,
    outputTokens: 20,
    cacheReadTokens: 5,
    cacheCreationTokens: 3,
    ...more,
  };
}
const otel = (...records: OtelApiRequest[]): CoreInput => ({ type: 'otel', records, receivedAt: T0 });

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

const transcriptUsage = (inputTokens: number): CoreInput => ({
  type: 'transcript',
  sessionId: SID,
  path: PATH,
  offset: 100,
  skipped: 0,
  entries: [
    {
      kind: 'usage',
      messageId: 'm1',
      requestId: 'r1',
      model: 'claude-sonnet-4-5',
      inputTokens,
      outputTokens: 10,
      cacheReadTokens: 0,
      cacheWrite5mTokens: 0,
      cacheWrite1hTokens: 0,
      at: T0,
      uuid: null,
      agentId: null,
    } as TranscriptEntry,
  ],
});

const rejections = (h: Harness) => h.last.flatMap((e) => (e.type === 'rejected' ? [e.reason] : []));

describe('OpenTelemetry usage (core)', () => {
  it('counts each api_request once by request id, even when the export is sent again', () => {
    const h = started();
    h.send(otel(req('req_1'), req('req_2', { costUsd: 0.02 })));
    h.send(otel(req('req_2', { costUsd: 0.02 }), req('req_1')));
    expect(h.session(SID).usage.otel).toEqual({
      inputTokens: 100,
      outputTokens: 40,
      cacheReadTokens: 10,
      cacheWriteTokens: 6,
      costUsd: expect.closeTo(0.03, 12),
      requests: 2,
    });
  });

  it('without a request id, the same time, model and tokens are counted once', () => {
    const h = started();
    h.send(otel(req(null), req(null)));
    h.send(otel(req(null)));
    h.send(otel(req(null, { at: T0 + 1 })));
    expect(h.session(SID).usage.otel?.requests).toBe(2);
    expect(h.session(SID).usage.otel?.inputTokens).toBe(100);
  });

  it('while the transcript counted nothing, the totals are OpenTelemetry’s (source otel)', () => {
    const h = started();
    h.send(otel(req('req_1')));
    expect(h.session(SID).usage).toMatchObject({
      source: 'otel',
      inputTokens: 50,
      outputTokens: 20,
      cacheReadTokens: 5,
      cacheWriteTokens: 3,
      cacheWrite5mTokens: 3,
      cacheWrite1hTokens: 0,
      costUsd: 0.01,
      messages: 0,
    });
  });

  it('once the transcript counts, its totals are used and OpenTelemetry’s stay beside them', () => {
    const h = started();
    h.send(otel(req('req_1')));
    h.send(transcriptUsage(70));
    const u = h.session(SID).usage;
    expect(u).toMatchObject({ source: 'transcript', inputTokens: 70, messages: 1 });
    expect(u.otel).toMatchObject({ inputTokens: 50, requests: 1, costUsd: 0.01 });
    // and the other way round: OpenTelemetry after the transcript keeps the transcript's totals
    h.send(otel(req('req_2')));
    expect(h.session(SID).usage).toMatchObject({ source: 'transcript', inputTokens: 70, messages: 1 });
    expect(h.session(SID).usage.otel?.requests).toBe(2);
  });

  it('a session without OpenTelemetry keeps its usage as it was (no otel, no source)', () => {
    const h = started();
    h.send(transcriptUsage(70));
    expect(h.session(SID).usage.otel).toBeUndefined();
    expect(h.session(SID).usage.source).toBeUndefined();
  });

  it('a request without a cost makes the OpenTelemetry cost unknown (null), never a guess', () => {
    const h = started();
    h.send(otel(req('req_1'), req('req_2', { costUsd: null })));
    expect(h.session(SID).usage.otel?.costUsd).toBeNull();
    expect(h.session(SID).usage.costUsd).toBeNull();
  });

  it('records of a session it does not know are dropped, each with a reason; the others count', () => {
    const h = started();
    h.send(otel(req('req_x', { sessionId: 'nobody' }), req('req_1')));
    expect(rejections(h)).toEqual(['otel: api_request req_x dropped: session "nobody" is not known']);
    expect(h.session(SID).usage.otel?.requests).toBe(1);
    expect(h.sessionList).toHaveLength(1);
  });

  it("sent with a host's token, only that host's sessions count; the others are dropped with a reason", () => {
    const h = new Harness(T0);
    const start = (sessionId: string, host: string) =>
      h.send(
        hook(
          'claude',
          { session_id: sessionId, cwd: '/p', hook_event_name: 'SessionStart', source: 'startup' },
          { host },
        ),
      );
    start('on-a', 'host-a');
    start('on-b', 'host-b');
    expect(h.session('on-a').host).toBe('host-a');
    const fromA = (...records: OtelApiRequest[]): CoreInput => ({
      type: 'otel',
      records,
      receivedAt: T0,
      host: 'host-a',
    });
    h.send(fromA(req('req_a', { sessionId: 'on-a' }), req('req_b', { sessionId: 'on-b' })));
    expect(rejections(h)).toEqual([
      'otel: api_request req_b dropped: session "on-b" is not on host "host-a"',
    ]);
    expect(h.session('on-a').usage.otel?.requests).toBe(1);
    expect(h.session('on-b').usage.otel).toBeUndefined();
    // Without a host (the local token or none), any known session counts.
    h.send(otel(req('req_b2', { sessionId: 'on-b' })));
    expect(rejections(h)).toEqual([]);
    expect(h.session('on-b').usage.otel?.requests).toBe(1);
    const before = h.state;
    h.send({ ...fromA(req('req_c', { sessionId: 'on-a' })), host: '' } as CoreInput);
    expect(rejections(h)).toEqual(['otel.host: expected a host name']);
    expect(h.state).toBe(before);
  });

  it('a malformed input is refused whole, naming the field, and changes nothing', () => {
    const h = started();
    const before = h.state;
    h.send(otel(req('req_1'), req('req_2', { inputTokens: -1 })));
    expect(rejections(h)).toEqual(['otel.records.1.inputTokens: expected a non-negative number or null']);
    expect(h.state).toBe(before);
    h.send({ type: 'otel', records: 'x', receivedAt: T0 } as unknown as CoreInput);
    expect(rejections(h)).toEqual(['otel.records: expected an array']);
    h.send(otel(req('req_1', { sessionId: '' })));
    expect(rejections(h)).toEqual(['otel.records.0.sessionId: expected a session id']);
  });

  it('remembers the last MAX_OTEL_SEEN request keys per session (bounded)', () => {
    const h = started();
    const many = Array.from({ length: MAX_OTEL_SEEN + 10 }, (_, i) => req(`req_${i}`));
    h.send(otel(...many));
    expect(h.session(SID).usage.otel?.requests).toBe(MAX_OTEL_SEEN + 10);
    const seen = h.state.runtime;
    expect(JSON.stringify(seen).match(/req:req_/g)).toHaveLength(MAX_OTEL_SEEN);
    // a recent one sent again still counts once
    h.send(otel(req(`req_${MAX_OTEL_SEEN + 9}`)));
    expect(h.session(SID).usage.otel?.requests).toBe(MAX_OTEL_SEEN + 10);
  });

  it('the state with usage.otel survives JSON (checkpoint) and keeps deduplicating', () => {
    const h = started();
    h.send(otel(req('req_1')));
    h.state = JSON.parse(JSON.stringify(h.state));
    h.send(otel(req('req_1'), req('req_2')));
    expect(h.session(SID).usage.otel?.requests).toBe(2);
  });
});
