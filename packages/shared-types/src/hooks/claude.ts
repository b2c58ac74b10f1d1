import { z } from 'zod';
import { jsonObject, optBool, optNullableStr, optNum, optStr } from './common.js';

/**
 * Claude Code hook payloads (agent-hooks-reference §1.1–§1.4): all 31 events of v2.1.240+, with every field
 * except `session_id` and `hook_event_name` optional and unknown fields kept.
 */

/** Common input fields (§1.3). */
export const claudeBaseSchema = z.looseObject({
  session_id: z.string(),
  hook_event_name: z.string(),
  transcript_path: optStr,
  cwd: optStr,
  /** `default`, `plan`, `acceptEdits`, `auto`, `dontAsk`, `bypassPermissions` (not sent on every event). */
  permission_mode: optStr,
  /** 2.1.196+: id of the user prompt being processed. */
  prompt_id: optStr,
  /** 2.1.133+: `{ level: low|medium|high|xhigh|max }`. */
  effort: z.looseObject({ level: optStr }).optional(),
  /** 2.1.69+: set when the hook fires inside a subagent. */
  agent_id: optStr,
  agent_type: optStr,
});

const toolCallSchema = z.looseObject({
  tool_name: optStr,
  tool_input: z.unknown().optional(),
  tool_use_id: optStr,
  tool_response: z.unknown().optional(),
});

const backgroundTaskSchema = z.looseObject({ id: optStr, type: optStr, status: optStr, description: optStr });
const sessionCronSchema = z.looseObject({ id: optStr, schedule: optStr, recurring: optBool, prompt: optStr });

function ev<N extends string, S extends z.ZodRawShape>(name: N, shape: S) {
  return claudeBaseSchema.extend({ hook_event_name: z.literal(name), ...shape });
}

export const claudeEventSchemas = {
  SessionStart: ev('SessionStart', {
    /** `startup`, `resume`, `clear`, `compact`, `fork`. */
    source: optStr,
    model: optStr,
    session_title: optStr,
  }),
  Setup: ev('Setup', { trigger: optStr }),
  InstructionsLoaded: ev('InstructionsLoaded', {
    file_path: optStr,
    memory_type: optStr,
    load_reason: optStr,
    globs: z.array(z.string()).optional(),
    trigger_file_path: optStr,
    parent_file_path: optStr,
  }),
  UserPromptSubmit: ev('UserPromptSubmit', { prompt: optStr, session_title: optStr }),
  UserPromptExpansion: ev('UserPromptExpansion', {
    expansion_type: optStr,
    command_name: optStr,
    command_args: optStr,
    command_source: optStr,
    prompt: optStr,
  }),
  MessageDisplay: ev('MessageDisplay', {
    turn_id: optStr,
    message_id: optStr,
    index: optNum,
    final: optBool,
    delta: optStr,
  }),
  PreToolUse: ev('PreToolUse', { tool_name: optStr, tool_input: jsonObject.optional(), tool_use_id: optStr }),
  PermissionRequest: ev('PermissionRequest', {
    tool_name: optStr,
    tool_input: jsonObject.optional(),
    permission_suggestions: z.array(z.unknown()).optional(),
  }),
  PermissionDenied: ev('PermissionDenied', {
    tool_name: optStr,
    tool_input: jsonObject.optional(),
    tool_use_id: optStr,
    reason: optStr,
  }),
  PostToolUse: ev('PostToolUse', {
    tool_name: optStr,
    tool_input: jsonObject.optional(),
    tool_response: z.unknown().optional(),
    tool_use_id: optStr,
    duration_ms: optNum,
  }),
  PostToolUseFailure: ev('PostToolUseFailure', {
    tool_name: optStr,
    tool_input: jsonObject.optional(),
    tool_use_id: optStr,
    error: optStr,
    is_interrupt: optBool,
    duration_ms: optNum,
  }),
  PostToolBatch: ev('PostToolBatch', { tool_calls: z.array(toolCallSchema).optional() }),
  Notification: ev('Notification', { message: optStr, title: optStr, notification_type: optStr }),
  SubagentStart: ev('SubagentStart', {}),
  SubagentStop: ev('SubagentStop', {
    stop_hook_active: optBool,
    agent_transcript_path: optStr,
    last_assistant_message: optNullableStr,
    background_tasks: z.array(backgroundTaskSchema).optional(),
    session_crons: z.array(sessionCronSchema).optional(),
  }),
  TaskCreated: ev('TaskCreated', {
    task_id: optStr,
    task_subject: optStr,
    task_description: optStr,
    teammate_name: optStr,
    team_name: optStr,
  }),
  TaskCompleted: ev('TaskCompleted', {
    task_id: optStr,
    task_subject: optStr,
    task_description: optStr,
    teammate_name: optStr,
    team_name: optStr,
  }),
  Stop: ev('Stop', {
    stop_hook_active: optBool,
    last_assistant_message: optNullableStr,
    background_tasks: z.array(backgroundTaskSchema).optional(),
    session_crons: z.array(sessionCronSchema).optional(),
  }),
  StopFailure: ev('StopFailure', {
    error: optStr,
    error_details: z.unknown().optional(),
    last_assistant_message: optNullableStr,
  }),
  TeammateIdle: ev('TeammateIdle', { teammate_name: optStr, team_name: optStr }),
  ConfigChange: ev('ConfigChange', { source: optStr, file_path: optStr }),
  CwdChanged: ev('CwdChanged', { old_cwd: optStr, new_cwd: optStr }),
  DirectoryAdded: ev('DirectoryAdded', { directory: optStr, source: optStr }),
  FileChanged: ev('FileChanged', { file_path: optStr, event: optStr }),
  WorktreeCreate: ev('WorktreeCreate', { name: optStr }),
  WorktreeRemove: ev('WorktreeRemove', { worktree_path: optStr }),
  PreCompact: ev('PreCompact', { trigger: optStr, custom_instructions: optNullableStr }),
  PostCompact: ev('PostCompact', { trigger: optStr, compact_summary: optStr }),
  Elicitation: ev('Elicitation', {
    mcp_server_name: optStr,
    message: optStr,
    mode: optStr,
    url: optStr,
    elicitation_id: optStr,
    requested_schema: z.unknown().optional(),
  }),
  ElicitationResult: ev('ElicitationResult', {
    mcp_server_name: optStr,
    action: optStr,
    content: z.unknown().optional(),
    mode: optStr,
    elicitation_id: optStr,
  }),
  SessionEnd: ev('SessionEnd', {
    /** `clear`, `resume`, `logout`, `prompt_input_exit`, `other`. */
    reason: optStr,
  }),
} as const;

export type ClaudeEventName = keyof typeof claudeEventSchemas;
export const CLAUDE_EVENT_NAMES = Object.keys(claudeEventSchemas) as ClaudeEventName[];

type ClaudeEventPayloads = { [K in ClaudeEventName]: z.infer<(typeof claudeEventSchemas)[K]> };
/** The payload of one known Claude Code event, e.g. `ClaudeHookEvent<'PreToolUse'>`. */
export type ClaudeHookEvent<K extends ClaudeEventName> = ClaudeEventPayloads[K];
/** A payload of an event this version does not know yet (kept as is). */
export type ClaudeGenericPayload = z.infer<typeof claudeBaseSchema>;
export type ClaudeHookPayload = ClaudeEventPayloads[ClaudeEventName] | ClaudeGenericPayload;
