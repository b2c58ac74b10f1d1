/**
 * OTLP/HTTP answers in the encoding of the request (spec: "the response body MUST be encoded the same way as the
 * request"): success is an export response (empty, or with `partialSuccess` naming the rejected records); a
 * refusal of a protobuf request is a `google.rpc.Status` message (code + message), of a JSON one its JSON form.
 */
import protobuf from 'protobufjs/minimal.js';
import { OTLP_MESSAGES } from './generated.js';

export type OtlpAnswerSignal = 'logs' | 'metrics' | 'traces';

export interface OtlpAnswer {
  contentType: 'application/json' | 'application/x-protobuf';
  body: Buffer | string;
}

const RESPONSES = {
  logs: 'rejectedLogRecords',
  metrics: 'rejectedDataPoints',
} as const;

/** The export response as protobuf (the generated encoders of `@opentelemetry/otlp-transformer`). */
function encodeResponse(signal: 'logs' | 'metrics', partialSuccess: Record<string, unknown>): Uint8Array {
  const t = signal === 'logs' ? OTLP_MESSAGES.logsResponse : OTLP_MESSAGES.metricsResponse;
  return t.encode(t.fromObject({ partialSuccess })).finish();
}

/** The export response: empty, or `partialSuccess` when `rejected` records were not accepted. */
export function exportAnswer(
  signal: OtlpAnswerSignal,
  asProtobuf: boolean,
  rejected = 0,
  errorMessage = '',
): OtlpAnswer {
  if (rejected === 0 || signal === 'traces') {
    return asProtobuf
      ? { contentType: 'application/x-protobuf', body: Buffer.alloc(0) }
      : { contentType: 'application/json', body: '{}' };
  }
  const field = RESPONSES[signal];
  const partialSuccess = { [field]: rejected, errorMessage };
  if (!asProtobuf) {
    // int64 as a decimal string, as the OTLP JSON mapping writes it
    return {
      contentType: 'application/json',
      body: JSON.stringify({ partialSuccess: { ...partialSuccess, [field]: String(rejected) } }),
    };
  }
  return { contentType: 'application/x-protobuf', body: Buffer.from(encodeResponse(signal, partialSuccess)) };
}

/** gRPC status codes the answers use. */
const STATUS_CODE: Record<number, number> = { 400: 3, 401: 16, 413: 8, 415: 3, 429: 8 };

/** A refusal of a protobuf request: `google.rpc.Status { int32 code = 1; string message = 2; }`. */
export function statusProtobuf(httpStatus: number, message: string): Buffer {
  const w = protobuf.Writer.create();
  w.uint32((1 << 3) | 0).int32(STATUS_CODE[httpStatus] ?? 2);
  w.uint32((2 << 3) | 2).string(message);
  return Buffer.from(w.finish());
}
