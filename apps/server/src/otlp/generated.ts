/**
 * The OTLP export messages as protobufjs static code, generated from opentelemetry-proto and shipped by
 * `@opentelemetry/otlp-transformer` (pinned; its package declares no `exports`, so the file is part of what it
 * publishes). Its declaration types the module as a bare protobufjs `Root`; the few members used are typed here.
 */
import generated from '@opentelemetry/otlp-transformer/build/src/generated/root.js';

/** What a generated message class offers (the parts Flightdeck uses). */
export interface GeneratedMessage {
  decode(body: Uint8Array): object;
  toObject(
    message: object,
    options: { longs: typeof String; enums: typeof Number; bytes: typeof String },
  ): unknown;
  fromObject(value: object): object;
  encode(message: object): { finish(): Uint8Array };
}

interface Collector {
  logs: { v1: { ExportLogsServiceRequest: GeneratedMessage; ExportLogsServiceResponse: GeneratedMessage } };
  metrics: {
    v1: { ExportMetricsServiceRequest: GeneratedMessage; ExportMetricsServiceResponse: GeneratedMessage };
  };
}

const collector = (generated as unknown as { opentelemetry: { proto: { collector: Collector } } })
  .opentelemetry.proto.collector;

export const OTLP_MESSAGES = {
  logsRequest: collector.logs.v1.ExportLogsServiceRequest,
  logsResponse: collector.logs.v1.ExportLogsServiceResponse,
  metricsRequest: collector.metrics.v1.ExportMetricsServiceRequest,
  metricsResponse: collector.metrics.v1.ExportMetricsServiceResponse,
} as const;

for (const [name, m] of Object.entries(OTLP_MESSAGES))
  if (typeof m?.decode !== 'function' || typeof m.encode !== 'function')
    throw new Error(
      `@opentelemetry/otlp-transformer no longer ships the generated ${name} (check its pinned version)`,
    );
