/**
 * OpenTelemetry (OTLP) export requests from agent CLIs → normalized records. Pure: the server decodes the bytes (JSON
 * or protobuf) into the OTLP JSON-mapping shape (camelCase fields, int64 as number or decimal string) and hands the
 * object here; the zod schemas below are the edge, the mapping never throws on a request they accepted.
 *
 * What Claude Code sends (fixtures/otlp/): log records named `claude_code.<event>` (body and `event.name`), each with
 * `session.id`; `claude_code.api_request` carries model, tokens, `cost_usd`, `duration_ms`, `request_id`. Metrics
 * `claude_code.cost.usage` (USD) and `claude_code.token.usage` (attribute `type`: input, output, cacheRead,
 * cacheCreation) are sums, delta temporality by default.
 */
import { z } from 'zod';

/** An attribute value, flattened from OTLP's AnyValue (bytes as their base64/hex text, kvlists as objects). */
export type OtlpAttrValue =
  | string
  | number
  | boolean
  | null
  | OtlpAttrValue[]
  | { [key: string]: OtlpAttrValue };
export type OtlpAttributes = Record<string, OtlpAttrValue>;

/** Where a record comes from: the resource's `service.name` / `service.version` (Claude Code: its version). */
export interface OtlpSource {
  service: string | null;
  version: string | null;
}

interface OtlpLogCommon {
  /** Full event name, e.g. `claude_code.api_request`. */
  name: string;
  /** When it happened (Unix ms), or null when the record has no time. */
  at: number | null;
  sessionId: string | null;
  /** The record's own attributes (resource attributes excluded). */
  attributes: OtlpAttributes;
  source: OtlpSource;
}

/** One model API call and what it cost. Numbers are null when the CLI did not send them (or sent junk). */
export interface OtlpApiRequest extends OtlpLogCommon {
  kind: 'api-request';
  model: string | null;
  costUsd: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadTokens: number | null;
  cacheCreationTokens: number | null;
  durationMs: number | null;
  requestId: string | null;
}
/** Any other event, kept with its name and attributes. */
export interface OtlpEvent extends OtlpLogCommon {
  kind: 'event';
}
export type OtlpLogRecord = OtlpApiRequest | OtlpEvent;

export const OTLP_USAGE_METRICS = ['claude_code.cost.usage', 'claude_code.token.usage'] as const;
export type OtlpUsageMetricName = (typeof OTLP_USAGE_METRICS)[number];

/** One data point of a usage metric. `temporality`: delta (the CLI's default) or cumulative since `startAt`. */
export interface OtlpMetricPoint {
  name: OtlpUsageMetricName;
  unit: string | null;
  value: number;
  temporality: 'delta' | 'cumulative' | 'unspecified';
  startAt: number | null;
  at: number | null;
  sessionId: string | null;
  model: string | null;
  /** `token.usage`: input | output | cacheRead | cacheCreation; null for cost. */
  type: string | null;
  attributes: OtlpAttributes;
  source: OtlpSource;
}

const int64 = z.union([z.number(), z.string().regex(/^-?\d+$/, 'an integer')]);
const double = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]);
/** One level of AnyValue; nested values are checked by `valueOf` as it descends (depth-bounded). */
const anyValueSchema = z.object({
  stringValue: z.string().optional(),
  boolValue: z.boolean().optional(),
  intValue: int64.optional(),
  doubleValue: double.optional(),
  arrayValue: z.object({ values: z.array(z.unknown()).optional() }).optional(),
  kvlistValue: z.object({ values: z.array(z.unknown()).optional() }).optional(),
  bytesValue: z.string().optional(),
});
const keyValueSchema = z.object({ key: z.string(), value: z.unknown().optional() });
const attributesSchema = z.array(keyValueSchema).optional();
const resourceSchema = z.object({ attributes: attributesSchema }).optional();

export const otlpLogsRequestSchema = z.object({
  resourceLogs: z
    .array(
      z.object({
        resource: resourceSchema,
        scopeLogs: z
          .array(
            z.object({
              logRecords: z
                .array(
                  z.object({
                    timeUnixNano: int64.optional(),
                    observedTimeUnixNano: int64.optional(),
                    eventName: z.string().optional(),
                    body: z.unknown().optional(),
                    attributes: attributesSchema,
                  }),
                )
                .optional(),
            }),
          )
          .optional(),
      }),
    )
    .optional(),
});
export type OtlpLogsRequest = z.infer<typeof otlpLogsRequestSchema>;

const numberPointSchema = z.object({
  attributes: attributesSchema,
  startTimeUnixNano: int64.optional(),
  timeUnixNano: int64.optional(),
  asDouble: double.optional(),
  asInt: int64.optional(),
});
const temporalitySchema = z.union([z.number(), z.string()]).optional();
export const otlpMetricsRequestSchema = z.object({
  resourceMetrics: z
    .array(
      z.object({
        resource: resourceSchema,
        scopeMetrics: z
          .array(
            z.object({
              metrics: z
                .array(
                  z.object({
                    name: z.string(),
                    unit: z.string().optional(),
                    sum: z
                      .object({
                        dataPoints: z.array(numberPointSchema).optional(),
                        aggregationTemporality: temporalitySchema,
                      })
                      .optional(),
                    gauge: z.object({ dataPoints: z.array(numberPointSchema).optional() }).optional(),
                  }),
                )
                .optional(),
            }),
          )
          .optional(),
      }),
    )
    .optional(),
});
export type OtlpMetricsRequest = z.infer<typeof otlpMetricsRequestSchema>;

/** Values nested this deep read as null (a hostile request cannot recurse us off the stack). */
const MAX_VALUE_DEPTH = 16;

function toNumber(v: number | string | undefined): number | null {
  if (v === undefined) return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : null;
}

/** Unix nanoseconds (number or decimal string) → Unix ms; 0 or absent → null. */
function nanosToMs(v: number | string | undefined): number | null {
  if (v === undefined) return null;
  const ms = typeof v === 'number' ? Math.floor(v / 1e6) : Number(BigInt(v) / 1_000_000n);
  return ms > 0 && Number.isSafeInteger(ms) ? ms : null;
}

function anyValueOf(raw: unknown, depth = 0): OtlpAttrValue {
  if (depth >= MAX_VALUE_DEPTH) return null;
  const parsed = anyValueSchema.safeParse(raw);
  if (!parsed.success) return null;
  const v = parsed.data;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return toNumber(v.intValue);
  if (v.doubleValue !== undefined) return toNumber(v.doubleValue);
  if (v.bytesValue !== undefined) return v.bytesValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map((x) => anyValueOf(x, depth + 1));
  if (v.kvlistValue) {
    const kvs = z.array(keyValueSchema).safeParse(v.kvlistValue.values ?? []);
    return kvs.success ? attributesOf(kvs.data, depth + 1) : null;
  }
  return null;
}

function attributesOf(list: z.infer<typeof attributesSchema>, depth = 0): OtlpAttributes {
  const out: OtlpAttributes = {};
  for (const { key, value } of list ?? []) out[key] = anyValueOf(value, depth);
  return out;
}

const text = (v: OtlpAttrValue | undefined): string | null => (typeof v === 'string' ? v : null);
/** A count or amount: numbers, and numeric strings (the CLI sends some numbers as text). */
function num(v: OtlpAttrValue | undefined): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '') return toNumber(v);
  return null;
}

function sourceOf(resource: z.infer<typeof resourceSchema>): OtlpSource {
  const attrs = attributesOf(resource?.attributes);
  return { service: text(attrs['service.name']), version: text(attrs['service.version']) };
}

/** The log records of an OTLP logs request, in order; `claude_code.api_request` ones with their usage read out. */
export function normalizeOtlpLogs(request: OtlpLogsRequest): OtlpLogRecord[] {
  const out: OtlpLogRecord[] = [];
  for (const rl of request.resourceLogs ?? []) {
    const source = sourceOf(rl.resource);
    for (const sl of rl.scopeLogs ?? []) {
      for (const r of sl.logRecords ?? []) {
        const attributes = attributesOf(r.attributes);
        const body = anyValueOf(r.body);
        const eventName = text(attributes['event.name']);
        const name =
          r.eventName || text(body) || (eventName ? `claude_code.${eventName}` : null) || 'unknown';
        const common = {
          name,
          at: nanosToMs(r.timeUnixNano) ?? nanosToMs(r.observedTimeUnixNano),
          sessionId: text(attributes['session.id']),
          attributes,
          source,
        };
        if (name !== 'claude_code.api_request') {
          out.push({ kind: 'event', ...common });
          continue;
        }
        out.push({
          kind: 'api-request',
          ...common,
          model: text(attributes.model),
          costUsd: num(attributes.cost_usd),
          inputTokens: num(attributes.input_tokens),
          outputTokens: num(attributes.output_tokens),
          cacheReadTokens: num(attributes.cache_read_tokens),
          cacheCreationTokens: num(attributes.cache_creation_tokens),
          durationMs: num(attributes.duration_ms),
          requestId: text(attributes.request_id),
        });
      }
    }
  }
  return out;
}

function temporalityOf(v: number | string | undefined): OtlpMetricPoint['temporality'] {
  if (v === 2 || v === 'AGGREGATION_TEMPORALITY_CUMULATIVE') return 'cumulative';
  if (v === 1 || v === 'AGGREGATION_TEMPORALITY_DELTA') return 'delta';
  return 'unspecified';
}

const isUsageMetric = (name: string): name is OtlpUsageMetricName =>
  (OTLP_USAGE_METRICS as readonly string[]).includes(name);

/** The data points of the usage metrics (`claude_code.cost.usage`, `claude_code.token.usage`); other metrics are left out. */
export function normalizeOtlpMetrics(request: OtlpMetricsRequest): OtlpMetricPoint[] {
  const out: OtlpMetricPoint[] = [];
  for (const rm of request.resourceMetrics ?? []) {
    const source = sourceOf(rm.resource);
    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) {
        const name = m.name;
        if (!isUsageMetric(name)) continue;
        const temporality = m.sum ? temporalityOf(m.sum.aggregationTemporality) : 'unspecified';
        for (const p of m.sum?.dataPoints ?? m.gauge?.dataPoints ?? []) {
          const value = toNumber(p.asDouble ?? p.asInt);
          if (value === null) continue;
          const attributes = attributesOf(p.attributes);
          out.push({
            name,
            unit: m.unit || null,
            value,
            temporality,
            startAt: nanosToMs(p.startTimeUnixNano),
            at: nanosToMs(p.timeUnixNano),
            sessionId: text(attributes['session.id']),
            model: text(attributes.model),
            type: text(attributes.type),
            attributes,
            source,
          });
        }
      }
    }
  }
  return out;
}
