/**
 * The OTLP decoder on what Claude Code 2.1.328 really sent (fixtures/otlp/, one run per protocol against the fake
 * API): both encodings give the same records, the usage equals what the fake API reported, and hostile bodies are
 * refused with a status and a message (never a throw).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { OtlpApiRequest, OtlpLogRecord, OtlpMetricPoint } from '@flightdeck/shared-types';
import { describe, expect, it } from 'vitest';
import {
  decodeOtlpLogs,
  decodeOtlpMetrics,
  OTLP_MAX_BYTES,
  type OtlpBody,
  type OtlpDecodeResult,
} from '../src/otlp/decode.js';

const ROOT = fileURLToPath(new URL('../../../fixtures/otlp/claude-code-2.1.328/', import.meta.url));
const JSON_TYPE = 'application/json';
const PROTO_TYPE = 'application/x-protobuf';

interface Run {
  logs: OtlpLogRecord[];
  metrics: OtlpMetricPoint[];
  api: { answered: Array<{ model: string; side: boolean; usage: Record<string, number> }> };
}

function ok<T>(r: OtlpDecodeResult<T>): T[] {
  if (!r.ok) throw new Error(`expected ok, got ${r.status} ${r.error}`);
  return r.records;
}

function load(dir: 'http-json' | 'http-protobuf'): Run {
  const [ext, contentType] = dir === 'http-json' ? ['json', JSON_TYPE] : ['pb', PROTO_TYPE];
  const body = (name: string) => readFileSync(`${ROOT}${dir}/${name}.${ext}`);
  return {
    logs: ok(decodeOtlpLogs({ contentType, body: body('01-logs') })),
    metrics: ok(decodeOtlpMetrics({ contentType, body: body('02-metrics') })),
    api: JSON.parse(readFileSync(`${ROOT}${dir}/api.json`, 'utf8')),
  };
}

const apiRequests = (run: Run) => run.logs.filter((r): r is OtlpApiRequest => r.kind === 'api-request');

/** A record without what differs from one run to the next (ids, times, durations). */
function stable(r: OtlpLogRecord): unknown {
  const { at, sessionId, attributes, ...rest } = r;
  const varying = /(^|\.)(id|uuid|timestamp)$|_ms$|duration|plugin_id_hash/;
  return {
    ...rest,
    ...(r.kind === 'api-request' ? { durationMs: typeof r.durationMs, requestId: typeof r.requestId } : {}),
    attributes: Object.fromEntries(
      Object.entries(attributes).map(([k, v]) => [k, varying.test(k) ? typeof v : v]),
    ),
  };
}

describe('OTLP decoding of recorded Claude Code exports', () => {
  const json = load('http-json');
  const proto = load('http-protobuf');

  it('reads every log record of both encodings, in order, each with its run session and time', () => {
    for (const run of [json, proto]) {
      expect(run.logs.length).toBeGreaterThan(5);
      const sessions = new Set(run.logs.map((r) => r.sessionId));
      expect(sessions.size).toBe(1);
      expect([...sessions][0]).toMatch(/^[0-9a-f-]{36}$/);
      for (const r of run.logs) {
        expect(r.name).toMatch(/^claude_code\./);
        expect(r.at).toBe(Date.parse(String(r.attributes['event.timestamp'])));
        expect(r.source).toEqual({ service: 'claude-code', version: '2.1.328' });
      }
      expect(run.logs.map((r) => r.name)).toEqual(
        expect.arrayContaining([
          'claude_code.user_prompt',
          'claude_code.tool_result',
          'claude_code.api_request',
        ]),
      );
    }
  });

  it('gives the same normalized records for http/json and http/protobuf', () => {
    expect(proto.logs.map(stable)).toEqual(json.logs.map(stable));
    const point = ({ at, startAt, sessionId, attributes, ...rest }: OtlpMetricPoint) => ({
      ...rest,
      attributes: { ...attributes, 'session.id': typeof attributes['session.id'] },
    });
    expect(proto.metrics.map(point)).toEqual(json.metrics.map(point));
  });

  it('api_request records carry the model, tokens and cost that the fake API reported', () => {
    for (const run of [json, proto]) {
      const calls = apiRequests(run);
      const main = run.api.answered.filter((a) => !a.side);
      expect(calls).toHaveLength(main.length);
      calls.forEach((c, i) => {
        const reported = main[i];
        expect(c.model).toBe(reported?.model);
        expect(c.inputTokens).toBe(reported?.usage.input_tokens);
        expect(c.outputTokens).toBe(reported?.usage.output_tokens);
        expect(c.cacheReadTokens).toBe(reported?.usage.cache_read_input_tokens);
        expect(c.cacheCreationTokens).toBe(reported?.usage.cache_creation_input_tokens);
        expect(c.costUsd).toBeGreaterThan(0);
        expect(c.costUsd).toBeCloseTo(Number(c.attributes.cost_usd_micros) / 1e6, 12);
        expect(c.durationMs).toBeGreaterThanOrEqual(0);
        expect(c.requestId).toMatch(/^req_/);
        expect(c.sessionId).toBe(run.logs[0]?.sessionId);
      });
    }
  });

  it('usage metrics sum to what the API calls report; other metrics are left out', () => {
    for (const run of [json, proto]) {
      const calls = apiRequests(run);
      const sum = (f: (c: OtlpApiRequest) => number | null) => calls.reduce((s, c) => s + (f(c) ?? 0), 0);
      expect(new Set(run.metrics.map((p) => p.name))).toEqual(
        new Set(['claude_code.cost.usage', 'claude_code.token.usage']),
      );
      const cost = run.metrics.filter((p) => p.name === 'claude_code.cost.usage');
      expect(cost.reduce((s, p) => s + p.value, 0)).toBeCloseTo(
        sum((c) => c.costUsd),
        12,
      );
      expect(cost.every((p) => p.unit === 'USD' && p.temporality === 'delta')).toBe(true);
      const tokens = Object.fromEntries(
        run.metrics.filter((p) => p.name === 'claude_code.token.usage').map((p) => [p.type, p.value]),
      );
      expect(tokens).toEqual({
        input: sum((c) => c.inputTokens),
        output: sum((c) => c.outputTokens),
        cacheRead: sum((c) => c.cacheReadTokens),
        cacheCreation: sum((c) => c.cacheCreationTokens),
      });
      expect(run.metrics.every((p) => p.sessionId === run.logs[0]?.sessionId && p.model !== null)).toBe(true);
    }
  });
});

describe('OTLP decoding refuses hostile bodies', () => {
  const fixture = readFileSync(`${ROOT}http-protobuf/01-logs.pb`);
  const jsonBody = (v: unknown): OtlpBody => ({
    contentType: JSON_TYPE,
    body: Buffer.from(JSON.stringify(v)),
  });
  const refused = (r: OtlpDecodeResult<unknown>) => (r.ok ? null : { status: r.status, error: r.error });

  it('a body over the cap is refused with 413 before it is parsed', () => {
    const big = Buffer.alloc(OTLP_MAX_BYTES + 1, 0x20);
    expect(refused(decodeOtlpLogs({ contentType: JSON_TYPE, body: big }))).toEqual({
      status: 413,
      error: `OTLP logs body is ${OTLP_MAX_BYTES + 1} bytes, over the ${OTLP_MAX_BYTES}-byte limit`,
    });
    const small = decodeOtlpLogs({ contentType: PROTO_TYPE, body: fixture }, fixture.length - 1);
    expect(refused(small)?.status).toBe(413);
    expect(decodeOtlpLogs({ contentType: PROTO_TYPE, body: fixture }, fixture.length).ok).toBe(true);
  });

  it('malformed protobuf (truncated, or JSON sent as protobuf) is a 400 naming the signal', () => {
    for (const body of [fixture.subarray(0, fixture.length - 7), Buffer.from('{"resourceLogs":[]}')]) {
      const r = refused(decodeOtlpLogs({ contentType: PROTO_TYPE, body }));
      expect(r?.status).toBe(400);
      expect(r?.error).toMatch(/^malformed OTLP logs protobuf: /);
    }
    const m = refused(decodeOtlpMetrics({ contentType: PROTO_TYPE, body: Buffer.from([0x0a, 0xff, 0xff]) }));
    expect(m?.error).toMatch(/^malformed OTLP metrics protobuf: /);
  });

  it('malformed JSON and invalid UTF-8 are a 400', () => {
    const bad = refused(decodeOtlpLogs({ contentType: JSON_TYPE, body: Buffer.from('{"resourceLogs": [') }));
    expect(bad?.status).toBe(400);
    expect(bad?.error).toMatch(/^malformed OTLP logs JSON: /);
    const latin = refused(decodeOtlpLogs({ contentType: JSON_TYPE, body: Buffer.from([0x22, 0xff, 0x22]) }));
    expect(latin?.error).toMatch(/^malformed OTLP logs JSON: /);
  });

  it('JSON of the wrong shape is a 400 naming the field', () => {
    const r = refused(decodeOtlpLogs(jsonBody({ resourceLogs: [{ scopeLogs: [{ logRecords: 'x' }] }] })));
    expect(r?.status).toBe(400);
    expect(r?.error).toMatch(/^invalid OTLP logs request at resourceLogs\.0\.scopeLogs\.0\.logRecords: /);
    const m = refused(
      decodeOtlpMetrics(jsonBody({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{}] }] }] })),
    );
    expect(m?.error).toMatch(
      /^invalid OTLP metrics request at resourceMetrics\.0\.scopeMetrics\.0\.metrics\.0\.name: /,
    );
    expect(refused(decodeOtlpLogs(jsonBody(null)))?.status).toBe(400);
  });

  it('an unknown content type is a 415', () => {
    const r = refused(decodeOtlpLogs({ contentType: 'text/plain', body: Buffer.from('{}') }));
    expect(r?.status).toBe(415);
    expect(r?.error).toContain('expected application/json or application/x-protobuf');
    expect(refused(decodeOtlpMetrics({ contentType: undefined, body: Buffer.from('{}') }))?.status).toBe(415);
    expect(
      decodeOtlpLogs({ contentType: 'Application/JSON; charset=utf-8', body: Buffer.from('{}') }),
    ).toEqual({
      ok: true,
      records: [],
    });
  });

  it('an attribute nested 100 000 levels deep is cut off, not recursed into', () => {
    const n = 100_000;
    const value = `${'{"arrayValue":{"values":['.repeat(n)}{"stringValue":"bottom"}${']}}'.repeat(n)}`;
    const record = `{"body":{"stringValue":"x.deep"},"attributes":[{"key":"deep","value":${value}}]}`;
    const body = Buffer.from(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[${record}]}]}]}`);
    const records = ok(decodeOtlpLogs({ contentType: JSON_TYPE, body }));
    let v = records[0]?.attributes.deep;
    let depth = 0;
    while (Array.isArray(v)) {
      v = v[0];
      depth++;
    }
    expect(v).toBeNull();
    expect(depth).toBe(16);
  });

  it('protobuf nested 100 000 levels deep is a 400, not a crash', () => {
    const shallow = ok(decodeOtlpLogs({ contentType: PROTO_TYPE, body: nestedProtobuf(3) }));
    expect(shallow[0]?.attributes).toEqual({ k: [[['b']]] });
    const r = refused(decodeOtlpLogs({ contentType: PROTO_TYPE, body: nestedProtobuf(100_000) }));
    expect(r?.status).toBe(400);
    expect(r?.error).toMatch(/^malformed OTLP logs protobuf: /);
  });
});

/**
 * An ExportLogsServiceRequest whose one record has an attribute `k` of `depth` nested arrays around "b".
 * Length-delimited fields end where their length says, so the bytes are every field's prefix (outermost first), the
 * key where it belongs, then the innermost value: built in O(depth).
 */
function nestedProtobuf(depth: number): Buffer {
  const varint = (v: number) => {
    const out: number[] = [];
    for (; v > 0x7f; v >>>= 7) out.push((v & 0x7f) | 0x80);
    out.push(v);
    return out;
  };
  const inner = [0x0a, 1, 0x62]; // AnyValue { string_value: "b" }
  const key = [0x0a, 1, 0x6b]; // KeyValue { key: "k" }
  const prefixes: number[][] = []; // innermost first
  let len = inner.length;
  const wrap = (tag: number) => {
    const p = [tag, ...varint(len)];
    prefixes.push(p);
    len += p.length;
  };
  for (let i = 0; i < depth; i++) {
    wrap(0x0a); // ArrayValue.values = 1
    wrap(0x2a); // AnyValue.array_value = 5
  }
  wrap(0x12); // KeyValue.value = 2
  len += key.length;
  for (const tag of [0x32, 0x12, 0x12, 0x0a]) wrap(tag); // attributes 6, log_records 2, scope_logs 2, resource_logs 1
  const bytes: number[] = [];
  const valueAt = prefixes.length - 5;
  for (let i = prefixes.length - 1; i >= 0; i--) {
    if (i === valueAt) bytes.push(...key);
    for (const b of prefixes[i] ?? []) bytes.push(b);
  }
  bytes.push(...inner);
  return Buffer.from(bytes);
}
