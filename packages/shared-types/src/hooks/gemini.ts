import { z } from 'zod';
import { jsonObject, optBool, optStr } from './common.js';

/** Gemini CLI hook payloads (agent-hooks-reference §2): 11 events, common fields plus event fields. */
export const geminiBaseSchema = z.looseObject({
  session_id: z.string(),
  hook_event_name: z.string(),
  /** Path of the chat-recording file; may be `""`. */
  transcript_path: optStr,
  cwd: optStr,
  /** ISO 8601. */
  timestamp: optStr,
});

const mcpContextSchema = z.looseObject({ server_name: optStr, tool_name: optStr });
const llmRequestSchema = z.looseObject({ model: optStr, messages: z.array(z.unknown()).optional() });

function ev<N extends string, S extends z.ZodRawShape>(name: N, shape: S) {
  return geminiBaseSchema.extend({ hook_event_name: z.literal(name), ...shape });
}

export const geminiEventSchemas = {
  SessionStart: ev('SessionStart', { source: optStr }),
  SessionEnd: ev('SessionEnd', { reason: optStr }),
  BeforeAgent: ev('BeforeAgent', { prompt: optStr }),
  AfterAgent: ev('AfterAgent', { prompt: optStr, prompt_response: optStr, stop_hook_active: optBool }),
  BeforeModel: ev('BeforeModel', { llm_request: llmRequestSchema.optional() }),
  AfterModel: ev('AfterModel', {
    llm_request: llmRequestSchema.optional(),
    llm_response: z.unknown().optional(),
  }),
  BeforeToolSelection: ev('BeforeToolSelection', { llm_request: llmRequestSchema.optional() }),
  BeforeTool: ev('BeforeTool', {
    tool_name: optStr,
    tool_input: jsonObject.optional(),
    mcp_context: mcpContextSchema.optional(),
    original_request_name: optStr,
  }),
  AfterTool: ev('AfterTool', {
    tool_name: optStr,
    tool_input: jsonObject.optional(),
    /** `{ llmContent, returnDisplay, error? }`. */
    tool_response: z
      .looseObject({
        llmContent: z.unknown().optional(),
        returnDisplay: z.unknown().optional(),
        error: z.unknown().optional(),
      })
      .optional(),
    mcp_context: mcpContextSchema.optional(),
    original_request_name: optStr,
  }),
  PreCompress: ev('PreCompress', { trigger: optStr }),
  Notification: ev('Notification', {
    /** `ToolPermission` is the only value today. */
    notification_type: optStr,
    message: optStr,
    details: z.looseObject({ type: optStr, title: optStr }).optional(),
  }),
} as const;

export type GeminiEventName = keyof typeof geminiEventSchemas;
export const GEMINI_EVENT_NAMES = Object.keys(geminiEventSchemas) as GeminiEventName[];
type GeminiEventPayloads = { [K in GeminiEventName]: z.infer<(typeof geminiEventSchemas)[K]> };
export type GeminiHookEvent<K extends GeminiEventName> = GeminiEventPayloads[K];
export type GeminiGenericPayload = z.infer<typeof geminiBaseSchema>;
export type GeminiHookPayload = GeminiEventPayloads[GeminiEventName] | GeminiGenericPayload;
