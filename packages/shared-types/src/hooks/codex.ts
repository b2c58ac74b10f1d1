import { z } from 'zod';
import { jsonObject, optBool, optNullableStr, optStr } from './common.js';

/**
 * OpenAI Codex CLI payloads (agent-hooks-reference §3): the `hooks.json` events (Claude-like, with `turn_id`)
 * and the legacy `notify` program's kebab-case `agent-turn-complete` payload.
 */
export const codexBaseSchema = z.looseObject({
  /** Thread id (UUIDv7); subagent hooks carry the parent's. */
  session_id: z.string(),
  hook_event_name: z.string(),
  transcript_path: optNullableStr,
  cwd: optStr,
  model: optStr,
  permission_mode: optStr,
  /** On turn-scoped events. */
  turn_id: optStr,
  agent_id: optStr,
  agent_type: optStr,
});

function ev<N extends string, S extends z.ZodRawShape>(name: N, shape: S) {
  return codexBaseSchema.extend({ hook_event_name: z.literal(name), ...shape });
}

export const codexEventSchemas = {
  SessionStart: ev('SessionStart', { source: optStr }),
  SubagentStart: ev('SubagentStart', {}),
  PreToolUse: ev('PreToolUse', { tool_name: optStr, tool_use_id: optStr, tool_input: jsonObject.optional() }),
  PermissionRequest: ev('PermissionRequest', {
    tool_name: optStr,
    tool_input: jsonObject.optional(),
    description: optStr,
  }),
  PostToolUse: ev('PostToolUse', {
    tool_name: optStr,
    tool_use_id: optStr,
    tool_input: jsonObject.optional(),
    tool_response: z.unknown().optional(),
  }),
  PreCompact: ev('PreCompact', { trigger: optStr }),
  PostCompact: ev('PostCompact', { trigger: optStr }),
  UserPromptSubmit: ev('UserPromptSubmit', { prompt: optStr }),
  SubagentStop: ev('SubagentStop', {
    agent_transcript_path: optNullableStr,
    stop_hook_active: optBool,
    last_assistant_message: optNullableStr,
  }),
  Stop: ev('Stop', { stop_hook_active: optBool, last_assistant_message: optNullableStr }),
  StopFailure: ev('StopFailure', { error: z.unknown().optional(), last_assistant_message: optNullableStr }),
  SessionEnd: ev('SessionEnd', { reason: optStr }),
} as const;

/** Legacy `notify = [...]` payload (last argv argument). Only `agent-turn-complete` exists today. */
export const codexNotifySchema = z.looseObject({
  type: z.string(),
  'thread-id': z.string(),
  'turn-id': optStr,
  cwd: optStr,
  client: optStr,
  'input-messages': z.array(z.string()).optional(),
  'last-assistant-message': optNullableStr,
});

export type CodexEventName = keyof typeof codexEventSchemas;
export const CODEX_EVENT_NAMES = Object.keys(codexEventSchemas) as CodexEventName[];
type CodexEventPayloads = { [K in CodexEventName]: z.infer<(typeof codexEventSchemas)[K]> };
export type CodexHookEvent<K extends CodexEventName> = CodexEventPayloads[K];
export type CodexGenericPayload = z.infer<typeof codexBaseSchema>;
export type CodexNotifyPayload = z.infer<typeof codexNotifySchema>;
export type CodexHookPayload = CodexEventPayloads[CodexEventName] | CodexGenericPayload | CodexNotifyPayload;

/** True for a legacy notify payload (`type` set, no `hook_event_name`). */
export function isCodexNotifyPayload(payload: Record<string, unknown>): boolean {
  return payload.hook_event_name === undefined && typeof payload.type === 'string';
}
