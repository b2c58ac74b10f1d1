/**
 * Codex rollout files (`~/.codex/sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl`): one `{timestamp, type, payload}`
 * per line (codex-rs `RolloutLine`). What hooks miss: `event_msg` `turn_aborted` (reason `interrupted`: Esc),
 * `error` (the turn failed) and `stream_error` (`Reconnecting... 2/5`: a retry), the top-level `compacted` item
 * (one per compaction, in every history mode), and the assistant's messages, read from `response_item`
 * `message`/`assistant` (persisted in every version and mode; the `agent_message` / `item_completed` events
 * repeat them in some modes and are ignored so nothing is counted twice), and failed commands (`item_completed`
 * of a `CommandExecution`: hooks carry no exit code), and the token usage of every response (`token_usage_record`,
 * 0.171.0: one line per model response with its `response_id` and that response's `usage`; the `token_count` events
 * after it repeat the same numbers as a running total and `last_token_usage`, and are ignored so nothing is counted
 * twice). The model of a response is the one the latest `turn_context` line named.
 */
import type { TranscriptEntry, TranscriptEntryBody } from '@flightdeck/core';
import {
  entries,
  IGNORED,
  isObj,
  type Json,
  lineParser,
  MAX_ID,
  skipped,
  str,
  type TranscriptLineResult,
  timeOf,
  tokens,
} from './line.js';

const IGNORED_LINE_TYPES = new Set([
  'session_meta',
  'world_state',
  'tool_manifest',
  'sampling_boundary',
  'inter_agent_communication',
  'inter_agent_communication_metadata',
]);

const IGNORED_RESPONSE_ITEMS = new Set([
  'message', // user, developer and system messages (assistant ones are read)
  'agent_message',
  'reasoning',
  'local_shell_call',
  'function_call',
  'function_call_output',
  'custom_tool_call',
  'custom_tool_call_output',
  'tool_search_call',
  'tool_search_output',
  'web_search_call',
  'image_generation_call',
  'compaction',
  'compaction_trigger',
  'context_compaction',
  'additional_tools',
  'ghost_snapshot',
  'other',
]);

/** Persisted events that hooks or the lines above already cover. */
const IGNORED_EVENTS = new Set([
  'token_count',
  'task_started',
  'task_complete',
  'turn_started',
  'turn_complete',
  'user_message',
  'agent_message',
  'agent_reasoning',
  'agent_reasoning_raw_content',
  'plan_update',
  'thread_goal_updated',
  'thread_rolled_back',
  'thread_settings_applied',
  'thread_name_updated',
  'warning',
  'model_reroute',
  'model_verification',
  'hook_started',
  'hook_completed',
  'entered_review_mode',
  'exited_review_mode',
  'patch_apply_end',
  'context_compacted',
  'mcp_tool_call_end',
  'web_search_end',
  'image_generation_end',
  'sub_agent_activity',
  'undo_completed',
  'realtime_conversation_closed',
  'exec_command_end',
  'view_image_tool_call',
  'turn_diff',
]);

function stamp(o: Json, body: TranscriptEntryBody): TranscriptEntry {
  return { ...body, at: timeOf(o.timestamp), uuid: null, agentId: null };
}

function responseItem(o: Json, p: Json): TranscriptLineResult {
  if (p.type === 'message' && p.role === 'assistant') {
    const out: TranscriptEntry[] = [];
    const content = Array.isArray(p.content) ? p.content : [];
    for (const block of content) {
      if (!isObj(block) || block.type !== 'output_text' || typeof block.text !== 'string') continue;
      if (block.text.trim() === '') continue;
      out.push(stamp(o, { kind: 'assistant-text', text: block.text, messageId: str(p.id) }));
    }
    return entries(out);
  }
  if (typeof p.type === 'string' && IGNORED_RESPONSE_ITEMS.has(p.type)) return IGNORED;
  return skipped(`unknown response_item ${JSON.stringify(String(p.type).slice(0, 40))}`);
}

/** `Reconnecting... 2/5` → attempt 2 of 5. */
function retryOf(message: string): { attempt: number; maxAttempts: number } | null {
  const m = /(\d+)\s*\/\s*(\d+)/.exec(message);
  return m ? { attempt: Number(m[1]), maxAttempts: Number(m[2]) } : null;
}

/**
 * `item_completed` of a `CommandExecution` that failed (0.171.0: `status: "failed"`, `exit_code`), the only record of
 * a failing command: Codex's PostToolUse hook carries the output, not the exit code. `item.id` is the call id the
 * hooks send as `tool_use_id`. Every other completed item repeats what hooks or other lines say.
 */
/** Characters of a failed command's output carried as its error. */
const MAX_ERROR = 4000;

function itemCompleted(o: Json, p: Json): TranscriptLineResult {
  const item = isObj(p.item) ? p.item : {};
  const id = str(item.id);
  if (item.type !== 'CommandExecution' || id === null || id.length > 200) return IGNORED;
  const code = typeof item.exit_code === 'number' ? item.exit_code : null;
  if (item.status !== 'failed' && (code === null || code === 0)) return IGNORED;
  // the core keeps an excerpt: no need to carry a command's whole output
  const output = str(item.aggregated_output)?.slice(0, MAX_ERROR).trim() ?? '';
  const what = code === null ? 'Failed' : `Exit code ${code}`;
  return entries([
    stamp(o, { kind: 'tool-failed', toolUseId: id, error: output === '' ? what : `${what}: ${output}` }),
  ]);
}

function eventMsg(o: Json, p: Json): TranscriptLineResult {
  switch (p.type) {
    case 'item_completed':
      return itemCompleted(o, p);
    case 'turn_aborted':
      // `replaced` (a new turn took over) and `review_ended` are not the user's Esc
      return p.reason === 'interrupted'
        ? entries([stamp(o, { kind: 'interrupted', atToolPrompt: false })])
        : IGNORED;
    case 'error': {
      const message = str(p.message) ?? 'error';
      return entries([
        stamp(o, { kind: 'api-error', message, attempt: null, maxAttempts: null, retryInMs: null }),
      ]);
    }
    case 'stream_error': {
      const message = str(p.message) ?? 'stream error';
      const retry = retryOf(message);
      return entries([
        stamp(o, {
          kind: 'api-error',
          message,
          attempt: retry?.attempt ?? null,
          maxAttempts: retry?.maxAttempts ?? null,
          retryInMs: null,
        }),
      ]);
    }
    default:
      if (typeof p.type === 'string' && IGNORED_EVENTS.has(p.type)) return IGNORED;
      return skipped(`unknown event_msg ${JSON.stringify(String(p.type).slice(0, 40))}`);
  }
}

/** The model of usage read before any `turn_context` line (a follower that resumed reading mid-turn). */
export const CODEX_UNKNOWN_MODEL = 'unknown';

/**
 * A `token_usage_record` line: one model response's usage. Codex's `input_tokens` is the whole prompt, cached
 * part included (the Responses API's convention; codex-rs counts `input_tokens - cached_input_tokens` as non-cached
 * input), and `output_tokens` includes the reasoning tokens. Flightdeck counts like the Anthropic API, where the
 * three are disjoint: input = input − cached − cache writes, cache read = cached, cache writes (5-minute bucket) =
 * `cache_write_input_tokens`.
 */
function usageRecord(o: Json, p: Json, model: string): TranscriptLineResult {
  const id = str(p.response_id);
  const u = p.usage;
  if (!isObj(u) || id === null || id.length > MAX_ID) return IGNORED;
  const input = tokens(u.input_tokens);
  const cached = Math.min(tokens(u.cached_input_tokens), input);
  const written = Math.min(tokens(u.cache_write_input_tokens), input - cached);
  return entries([
    stamp(o, {
      kind: 'usage',
      messageId: id,
      requestId: null,
      model,
      inputTokens: input - cached - written,
      outputTokens: tokens(u.output_tokens),
      cacheReadTokens: cached,
      cacheWrite5mTokens: written,
      cacheWrite1hTokens: 0,
    }),
  ]);
}

function parseRolloutObject(o: Json, model: string): TranscriptLineResult {
  const p = isObj(o.payload) ? o.payload : {};
  switch (o.type) {
    case 'response_item':
      return responseItem(o, p);
    case 'event_msg':
      return eventMsg(o, p);
    case 'token_usage_record':
      return usageRecord(o, p, model);
    case 'compacted':
      return entries([stamp(o, { kind: 'compacted', trigger: null, preTokens: null })]);
    case 'turn_context':
      return IGNORED;
    default:
      if (typeof o.type === 'string' && IGNORED_LINE_TYPES.has(o.type)) return IGNORED;
      return skipped(
        typeof o.type === 'string'
          ? `unknown rollout item ${JSON.stringify(o.type.slice(0, 40))}`
          : 'no type',
      );
  }
}

/** The model a `turn_context` line names, or null. */
function turnModel(o: Json): string | null {
  if (o.type !== 'turn_context' || !isObj(o.payload)) return null;
  const model = str(o.payload.model);
  return model !== null && model.length <= MAX_ID ? model : null;
}

/**
 * A parser for one Codex rollout file read in order (a new one per file): like `parseCodexRolloutLine`, and it
 * remembers the model of the latest `turn_context` line for the usage lines after it.
 */
export function createCodexRolloutParser(): (line: string) => TranscriptLineResult {
  return lineParser(createCodexRolloutObjectParser());
}

/** `createCodexRolloutParser` for lines already parsed as JSON objects (the history import parses each once). */
export function createCodexRolloutObjectParser(): (o: Json) => TranscriptLineResult {
  let model = CODEX_UNKNOWN_MODEL;
  return (o) => {
    model = turnModel(o) ?? model;
    return parseRolloutObject(o, model);
  };
}

/** Parses one line of a Codex rollout file on its own (usage gets the model `unknown`). Never throws. */
export const parseCodexRolloutLine: (line: string) => TranscriptLineResult = lineParser((o) =>
  parseRolloutObject(o, CODEX_UNKNOWN_MODEL),
);

/** Whether a path names a Codex rollout file (`rollout-*.jsonl`). */
export function isCodexRolloutPath(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return name.startsWith('rollout-') && name.endsWith('.jsonl');
}
