/**
 * OpenTelemetry as a second usage source (pure). The server's OTLP receiver hands the agent's `api_request` events
 * over as an `otel` input; each is added to its session's `usage.otel` once:
 *
 * - Counted once per session by its key: the API request id, or (without one) time + model + tokens. The keys of
 *   the last `MAX_OTEL_SEEN` requests are kept per session (`SessionRuntime.otelSeen`, checkpointed with the state):
 *   an exporter that sends a batch again (a retry after a timeout) adds nothing.
 * - The transcript stays the source used: the totals are the transcript's, `usage.otel` beside them. Only while the
 *   transcript counted no response are the totals OpenTelemetry's (`usage.source: 'otel'`); usage.ts keeps
 *   `usage.otel` when it recounts the transcript.
 * - A record for a session the core does not know (never seen, or its id malformed) is dropped, not kept: a
 *   `rejected` effect per record says which and why (the receiver answers them as the OTLP partial success's
 *   rejected records and counts them). Claude Code sends its first events seconds after the SessionStart hook,
 *   so a dropped record means an agent whose hooks do not reach Flightdeck.
 */
import type { OtelUsage, SessionUsage } from '@flightdeck/shared-types';
import { getOwn, own } from './pmap.js';
import { Tx } from './tx.js';
import type { CoreState, Effect, OtelApiRequest } from './types.js';

/** Request keys remembered per session: far more than an exporter retries (a few batches), bounded in the checkpoint. */
export const MAX_OTEL_SEEN = 512;
/** Records in one input (the receiver splits larger exports). */
export const MAX_OTEL_RECORDS = 5000;

const COUNTS = ['inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheCreationTokens'] as const;

/** The key a request is counted once by. */
export function otelKey(r: OtelApiRequest): string {
  if (r.requestId) return `req:${r.requestId}`;
  return `at:${r.at ?? ''}|${r.model ?? ''}|${COUNTS.map((k) => r[k] ?? '').join('|')}`;
}

const isCount = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v) && v >= 0);
const isText = (v: unknown, max: number) => v === null || (typeof v === 'string' && v.length <= max);

/** Why a record is not one (naming the field), or null. */
function invalid(r: unknown, i: number): string | null {
  if (r === null || typeof r !== 'object') return `otel.records.${i}: expected an object`;
  const o = r as Record<string, unknown>;
  if (typeof o.sessionId !== 'string' || o.sessionId === '' || o.sessionId.length > 256)
    return `otel.records.${i}.sessionId: expected a session id`;
  if (!isText(o.requestId, 256)) return `otel.records.${i}.requestId: expected a string or null`;
  if (!isText(o.model, 256)) return `otel.records.${i}.model: expected a string or null`;
  for (const k of ['at', 'costUsd', ...COUNTS] as const) {
    if (!isCount(o[k])) return `otel.records.${i}.${k}: expected a non-negative number or null`;
  }
  return null;
}

const EMPTY: OtelUsage = {
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  costUsd: 0,
  requests: 0,
};

function added(u: OtelUsage, r: OtelApiRequest): OtelUsage {
  return {
    inputTokens: u.inputTokens + (r.inputTokens ?? 0),
    outputTokens: u.outputTokens + (r.outputTokens ?? 0),
    cacheReadTokens: u.cacheReadTokens + (r.cacheReadTokens ?? 0),
    cacheWriteTokens: u.cacheWriteTokens + (r.cacheCreationTokens ?? 0),
    costUsd: u.costUsd === null || r.costUsd === null ? null : u.costUsd + r.costUsd,
    requests: u.requests + 1,
  };
}

/**
 * The session's usage with `otel` beside the transcript's totals (`otel` null or absent: `usage` as it is). While
 * the transcript counted nothing, the totals are OpenTelemetry's.
 */
export function withOtel(usage: SessionUsage, otel: OtelUsage | null | undefined): SessionUsage {
  if (!otel) return usage;
  if (usage.messages > 0) return { ...usage, otel, source: 'transcript' };
  return {
    inputTokens: otel.inputTokens,
    outputTokens: otel.outputTokens,
    cacheReadTokens: otel.cacheReadTokens,
    cacheWriteTokens: otel.cacheWriteTokens,
    cacheWrite5mTokens: otel.cacheWriteTokens,
    cacheWrite1hTokens: 0,
    costUsd: otel.costUsd,
    messages: 0,
    byModel: {},
    byAgent: {},
    otel,
    source: 'otel',
  };
}

/** Applies an `otel` input: every record of a known session counted once, the others dropped with a reason. */
export function applyOtel(
  state: CoreState,
  input: { records: unknown; receivedAt: unknown; host?: unknown },
  now: number,
): { state: CoreState; effects: Effect[] } {
  const reject = (reason: string) => ({ state, effects: [{ type: 'rejected', reason } as Effect] });
  if (!Array.isArray(input.records)) return reject('otel.records: expected an array');
  if (input.records.length > MAX_OTEL_RECORDS)
    return reject(`otel.records: at most ${MAX_OTEL_RECORDS} per input, got ${input.records.length}`);
  for (let i = 0; i < input.records.length; i++) {
    const why = invalid(input.records[i], i);
    if (why) return reject(why);
  }
  if (input.host !== undefined && (typeof input.host !== 'string' || input.host === ''))
    return reject('otel.host: expected a host name');
  const tx = new Tx(state, now);
  for (const r of input.records as OtelApiRequest[]) {
    const id = getOwn(state.sessions, r.sessionId)
      ? r.sessionId
      : (own(state.aliases, r.sessionId) ?? r.sessionId);
    const s = tx.session(id);
    if (!s) {
      tx.emit({
        type: 'rejected',
        reason: `otel: api_request ${r.requestId ?? '(no request id)'} dropped: session ${JSON.stringify(r.sessionId)} is not known`,
      });
      continue;
    }
    // Sent with a host's token: that host's sessions only (another host's cost is not its to report).
    if (input.host !== undefined && s.host !== input.host) {
      tx.emit({
        type: 'rejected',
        reason: `otel: api_request ${r.requestId ?? '(no request id)'} dropped: session ${JSON.stringify(r.sessionId)} is not on host ${JSON.stringify(input.host)}`,
      });
      continue;
    }
    const key = otelKey(r);
    const seen = tx.runtime(id).otelSeen ?? [];
    if (seen.includes(key)) continue;
    tx.patchRuntime(id, { otelSeen: [...seen, key].slice(-MAX_OTEL_SEEN) });
    tx.patch(id, { usage: withOtel(s.usage, added(s.usage.otel ?? EMPTY, r)) });
  }
  return tx.finish();
}
