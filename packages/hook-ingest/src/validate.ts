import {
  type AgentCli,
  type HookEnvelope,
  hookEnvelopeSchema,
  parseHookPayload,
} from '@flightdeck/shared-types';
import { z } from 'zod';

/** `payload.session_id: Required` style message naming the field that does not fit. */
export function formatZodError(error: z.ZodError, prefix = ''): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid input';
  const path = [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.');
  const message =
    issue.code === 'invalid_type' && /received undefined/i.test(issue.message) ? 'Required' : issue.message;
  return path ? `${path}: ${message}` : message;
}

const idField = (max: number) => z.string().min(1).max(max);
/** The minimum every payload needs to be routed (spec §2.3): a session and an event name. */
const baselineSchema = z.object({ session_id: idField(256), hook_event_name: idField(128) });
/** Codex legacy `notify` payloads are kebab-case and carry the thread id instead. */
const codexNotifySchema = z.object({ type: idField(128), 'thread-id': idField(256) });

function checkBaseline(cli: string, payload: unknown): string | null {
  if (cli === 'codex' && payload && typeof payload === 'object' && !('hook_event_name' in payload)) {
    const r = codexNotifySchema.safeParse(payload);
    return r.success ? null : formatZodError(r.error, 'payload');
  }
  const r = baselineSchema.safeParse(payload);
  return r.success ? null : formatZodError(r.error, 'payload');
}

/**
 * Validates a CLI payload: `session_id` and `hook_event_name` (or Codex notify's `type` and `thread-id`)
 * must be there, then `parseHookPayload` from @flightdeck/shared-types checks the event's fields.
 * Returns an error message naming the field, or null when the payload is acceptable.
 */
export function checkPayload(cli: AgentCli, payload: unknown): string | null {
  const baseline = checkBaseline(cli, payload);
  if (baseline) return baseline;
  try {
    const result = parseHookPayload(cli, payload);
    return result.ok ? null : result.error;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

export type EnvelopeCheck = { ok: true; envelope: HookEnvelope } | { ok: false; error: string };

/** Validates a whole envelope: shape with `hookEnvelopeSchema`, payload with `parseHookPayload` when present. */
export function validateEnvelope(input: unknown): EnvelopeCheck {
  const parsed = hookEnvelopeSchema.safeParse(input);
  if (!parsed.success) return { ok: false, error: formatZodError(parsed.error) };
  const payloadError = checkPayload(parsed.data.cli, parsed.data.payload);
  if (payloadError) return { ok: false, error: payloadError };
  return { ok: true, envelope: parsed.data };
}
