/**
 * Claude Code transcripts (`transcript_path`, `~/.claude/projects/<project>/<session>.jsonl`): one JSON object per
 * line, appended as the session goes. Read from the CLI itself (2.1.328): the interrupt markers are user messages
 * with one text block, `[Request interrupted by user]` (Esc mid-turn) or `[Request interrupted by user for tool
 * use]` (Esc while a tool call was pending: at its permission prompt, or while it ran); API retries are
 * `{type:'system', subtype:'api_error', error:{message,…}, retryAttempt, maxRetries, retryInMs}`; a failure the
 * CLI gave up on is an assistant message with `isApiErrorMessage: true`; a compaction is
 * `{type:'system', subtype:'compact_boundary', compactMetadata:{trigger, preTokens}}`.
 */
import type { TranscriptEntry, TranscriptEntryBody } from '@flightdeck/core';
import {
  entries,
  IGNORED,
  int,
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

/** The markers Claude Code 2.1.328 writes when the user presses Esc (its strings, verbatim). */
export const CLAUDE_INTERRUPTED = '[Request interrupted by user]';
export const CLAUDE_INTERRUPTED_TOOL_USE = '[Request interrupted by user for tool use]';

/** Entry types that say nothing hooks don't (session metadata, API request logs, queue and cost bookkeeping). */
const METADATA_TYPES = new Set([
  'summary',
  'custom-title',
  'ended-by-model',
  'continued-in',
  'ai-title',
  'last-prompt',
  'tag',
  'relocated',
  'agent-name',
  'agent-color',
  'agent-setting',
  'pr-link',
  'frame-link',
  'artifact-comment-monitor',
  'artifact-autoreact-ledger',
  'bridge-session',
  'history-suppression',
  'file-history-snapshot',
  'file-history-delta',
  'attribution-snapshot',
  'mode',
  'repl-mode',
  'permission-mode',
  'isolation-latch',
  'session-owner',
  'dev-mods',
  'memory-mode',
  'atis-latch',
  'tools-used',
  'data-flow-records',
  'data-flow-incomplete',
  'derived-from',
  'worktree-state',
  'cost-state',
  'queue-operation',
  'content-replacement',
  'api-request-shape',
  'api-request-blob',
  'api-request',
  'api-request-resumed',
  'fork-context-ref',
  'observer-ref',
  'resume-head-vouch',
  'attachment',
  'progress',
]);

function stamp(o: Json, body: TranscriptEntryBody): TranscriptEntry {
  return {
    ...body,
    at: timeOf(o.timestamp),
    uuid: str(o.uuid),
    agentId: o.isSidechain === true ? str(o.agentId) : null,
  };
}

/** The text blocks of a message's content (a string is one block). */
function texts(content: unknown): string[] {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) return [];
  const out: string[] = [];
  for (const block of content) {
    if (isObj(block) && block.type === 'text' && typeof block.text === 'string') out.push(block.text);
  }
  return out;
}

function user(o: Json): TranscriptLineResult {
  // An interrupt written because the CLI itself was shutting down is no user's Esc: the end comes by hook or PID.
  if (o.interruptedByShutdown === true || !isObj(o.message)) return IGNORED;
  for (const text of texts(o.message.content)) {
    const t = text.trim();
    if (t === CLAUDE_INTERRUPTED) return entries([stamp(o, { kind: 'interrupted', atToolPrompt: false })]);
    if (t === CLAUDE_INTERRUPTED_TOOL_USE)
      return entries([stamp(o, { kind: 'interrupted', atToolPrompt: true })]);
  }
  // prompts, tool results, task notifications: the hooks report them
  return IGNORED;
}

function assistant(o: Json): TranscriptLineResult {
  const m = o.message;
  if (!isObj(m)) return IGNORED;
  if (o.isApiErrorMessage === true) {
    // the CLI gave up on the request: its text is the error shown to the user
    const message = texts(m.content).join('\n').trim() || 'API error';
    return entries([
      stamp(o, { kind: 'api-error', message, attempt: null, maxAttempts: null, retryInMs: null }),
    ]);
  }
  const messageId = str(m.id);
  const out: TranscriptEntry[] = [];
  for (const text of texts(m.content)) {
    if (text.trim() === '') continue;
    out.push(stamp(o, { kind: 'assistant-text', text, messageId }));
  }
  const usage = usageOf(o, m, messageId);
  if (usage) out.push(usage);
  return entries(out);
}

/**
 * The usage of an assistant line (`message.usage`): input, output, cache read and cache writes, split by lifetime
 * when the CLI recorded `cache_creation.ephemeral_5m/1h_input_tokens` (what it did not split counts as 5-minute,
 * the API's default). None for a message the CLI made itself (model `<synthetic>`: errors, no API call).
 */
function usageOf(o: Json, m: Json, messageId: string | null): TranscriptEntry | null {
  const u = m.usage;
  const model = str(m.model);
  if (!isObj(u) || messageId === null || model === null || model === '<synthetic>') return null;
  const requestId = str(o.requestId);
  if (messageId.length > MAX_ID || model.length > MAX_ID || (requestId?.length ?? 0) > MAX_ID) return null;
  const written = tokens(u.cache_creation_input_tokens);
  const split = isObj(u.cache_creation) ? u.cache_creation : {};
  const oneHour = tokens(split.ephemeral_1h_input_tokens);
  const fiveMin = tokens(split.ephemeral_5m_input_tokens);
  const total = Math.max(written, fiveMin + oneHour);
  return stamp(o, {
    kind: 'usage',
    messageId,
    requestId,
    model,
    inputTokens: tokens(u.input_tokens),
    outputTokens: tokens(u.output_tokens),
    cacheReadTokens: tokens(u.cache_read_input_tokens),
    cacheWrite5mTokens: total - oneHour,
    cacheWrite1hTokens: oneHour,
  });
}

function system(o: Json): TranscriptLineResult {
  if (o.subtype === 'api_error') {
    const err = o.error;
    const message =
      (isObj(err) ? (str(err.message) ?? str(err.formatted)) : str(err)) ?? str(o.content) ?? 'API error';
    return entries([
      stamp(o, {
        kind: 'api-error',
        message,
        attempt: int(o.retryAttempt),
        maxAttempts: int(o.maxRetries),
        retryInMs: int(o.retryInMs),
      }),
    ]);
  }
  if (o.subtype === 'compact_boundary') {
    const meta = isObj(o.compactMetadata) ? o.compactMetadata : {};
    return entries([
      stamp(o, { kind: 'compacted', trigger: str(meta.trigger), preTokens: int(meta.preTokens) }),
    ]);
  }
  // stop_hook_summary, turn_duration, informational, local_command, …: display notes
  return IGNORED;
}

/** Parses one line of a Claude Code transcript. Never throws. */
export function parseClaudeTranscriptLine(line: string): TranscriptLineResult {
  return lineParser(parseClaudeObject)(line);
}

/**
 * A parser for one Claude Code transcript file, read in order: like `parseClaudeTranscriptLine`, and it also sees
 * the API retries that 2.1.328 writes no `api_error` line for. The CLI logs each request it sends as an
 * `api-request` line with a `requestDigest` of its content; a retry sends the same request again, so a digest equal
 * to the previous request's is a retry (a new request after a tool result or a new prompt has another digest).
 */
export function createClaudeTranscriptParser(): (line: string) => TranscriptLineResult {
  return lineParser(createClaudeTranscriptObjectParser());
}

/** `createClaudeTranscriptParser` for lines already parsed as JSON objects (the history import parses each once). */
export function createClaudeTranscriptObjectParser(): (o: Json) => TranscriptLineResult {
  let lastDigest: string | null = null;
  let retries = 0;
  return (o) => {
    if (o.type !== 'api-request') return parseClaudeObject(o);
    const digest = str(o.requestDigest);
    if (digest === null) return IGNORED;
    if (digest !== lastDigest) {
      lastDigest = digest;
      retries = 0;
      return IGNORED;
    }
    retries += 1;
    return entries([
      stamp(o, {
        kind: 'api-error',
        message: 'the request failed and is being retried',
        attempt: retries + 1,
        maxAttempts: null,
        retryInMs: null,
      }),
    ]);
  };
}

function parseClaudeObject(o: Json): TranscriptLineResult {
  const type = o.type;
  if (type === 'user') return user(o);
  if (type === 'assistant') return assistant(o);
  if (type === 'system') return system(o);
  if (typeof type === 'string' && METADATA_TYPES.has(type)) return IGNORED;
  return skipped(
    typeof type === 'string' ? `unknown entry type ${JSON.stringify(type.slice(0, 40))}` : 'no type',
  );
}
