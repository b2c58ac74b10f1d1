/**
 * OTLP/HTTP request bodies (logs, metrics) → normalized records. JSON (`application/json`) or protobuf
 * (`application/x-protobuf`, decoded by the protobufjs static code generated from opentelemetry-proto that
 * `@opentelemetry/otlp-transformer` ships), then the
 * shared zod schema and pure mapping (`@flightdeck/shared-types` otlp.ts). Hostile input answers a result with an
 * HTTP status and a message, never throws: over the size cap 413, an unknown content type 415, bytes that are not
 * the message or do not match the schema 400. Compressed bodies (`Content-Encoding: gzip`) are the caller's to
 * inflate (within the same cap) before this.
 */
import {
  normalizeOtlpLogs,
  normalizeOtlpMetrics,
  type OtlpLogRecord,
  type OtlpMetricPoint,
  otlpLogsRequestSchema,
  otlpMetricsRequestSchema,
} from '@flightdeck/shared-types';
import type { z } from 'zod';
import { OTLP_MESSAGES } from './generated.js';

/** Default cap on a request body, in bytes (Claude Code's exports are a few KB). */
export const OTLP_MAX_BYTES = 4 * 1024 * 1024;

export type OtlpSignal = 'logs' | 'metrics';
export type OtlpRefusal = { ok: false; status: 400 | 413 | 415; error: string };
export type OtlpDecodeResult<T> = { ok: true; records: T[] } | OtlpRefusal;

export interface OtlpBody {
  /** The request's Content-Type header (parameters such as `charset` are ignored). */
  contentType: string | undefined;
  body: Uint8Array;
}

const TYPES = { logs: OTLP_MESSAGES.logsRequest, metrics: OTLP_MESSAGES.metricsRequest } as const;

/** Protobuf field names come camelCased, int64 as decimal strings, bytes as base64: the OTLP JSON mapping's shape. */
const TO_OBJECT = { longs: String, enums: Number, bytes: String } as const;

function decodeProtobuf(signal: OtlpSignal, body: Uint8Array): unknown {
  const t = TYPES[signal];
  return t.toObject(t.decode(body), TO_OBJECT);
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The body as the OTLP JSON-mapping object, or why not. */
function parseBody(signal: OtlpSignal, input: OtlpBody): { ok: true; value: unknown } | OtlpRefusal {
  const type = mediaType(input.contentType);
  if (type === 'application/json') {
    try {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(input.body);
      return { ok: true, value: JSON.parse(text) };
    } catch (e) {
      return { ok: false, status: 400, error: `malformed OTLP ${signal} JSON: ${messageOf(e)}` };
    }
  }
  if (type === 'application/x-protobuf') {
    try {
      return { ok: true, value: decodeProtobuf(signal, input.body) };
    } catch (e) {
      return { ok: false, status: 400, error: `malformed OTLP ${signal} protobuf: ${messageOf(e)}` };
    }
  }
  return {
    ok: false,
    status: 415,
    error: `unsupported content-type ${JSON.stringify(input.contentType ?? '')} for OTLP ${signal}: expected application/json or application/x-protobuf`,
  };
}

function decode<S extends z.ZodType, T>(
  signal: OtlpSignal,
  schema: S,
  normalize: (request: z.infer<S>) => T[],
  input: OtlpBody,
  maxBytes: number,
): OtlpDecodeResult<T> {
  if (input.body.byteLength > maxBytes) {
    return {
      ok: false,
      status: 413,
      error: `OTLP ${signal} body is ${input.body.byteLength} bytes, over the ${maxBytes}-byte limit`,
    };
  }
  const parsed = parseBody(signal, input);
  if (!parsed.ok) return parsed;
  try {
    const checked = schema.safeParse(parsed.value);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      const where = issue?.path.length ? issue.path.join('.') : '(root)';
      return {
        ok: false,
        status: 400,
        error: `invalid OTLP ${signal} request at ${where}: ${issue?.message}`,
      };
    }
    return { ok: true, records: normalize(checked.data) };
  } catch (e) {
    // e.g. a structure nested deep enough to exhaust the stack
    return { ok: false, status: 400, error: `invalid OTLP ${signal} request: ${messageOf(e)}` };
  }
}

/** An OTLP/HTTP logs export (`POST /v1/logs`) → its log records. */
export function decodeOtlpLogs(input: OtlpBody, maxBytes = OTLP_MAX_BYTES): OtlpDecodeResult<OtlpLogRecord> {
  return decode('logs', otlpLogsRequestSchema, normalizeOtlpLogs, input, maxBytes);
}

/** An OTLP/HTTP metrics export (`POST /v1/metrics`) → the usage metrics' data points. */
export function decodeOtlpMetrics(
  input: OtlpBody,
  maxBytes = OTLP_MAX_BYTES,
): OtlpDecodeResult<OtlpMetricPoint> {
  return decode('metrics', otlpMetricsRequestSchema, normalizeOtlpMetrics, input, maxBytes);
}
