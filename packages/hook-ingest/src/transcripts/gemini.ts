/**
 * Gemini CLI chat files (`~/.gemini/tmp/<project>/chats/session-<time>-<id8>.jsonl`, 0.61.0; the `transcript_path`
 * of its hooks). Read from the CLI itself: despite older documentation (one JSON document rewritten in place, a
 * `.json` file), 0.61.0 appends one JSON object per line — a metadata line (`sessionId`, `projectHash`, `startTime`,
 * `kind`), `{"$set": {…}}` updates of the document (`lastUpdated`; on resume the whole `messages` list again,
 * without tokens), and message records `{id, timestamp, type: "user"|"gemini"|"info"|"error"|"warning", content,
 * …}`. A `gemini` message is written again, same id, when its tool calls complete (`toolCalls` added, same
 * `tokens`): the core counts a message id once (a later line of it replaces its count).
 *
 * What hooks miss: the token usage of every model response (`tokens: {input, output, cached, thoughts, tool,
 * total}`, the API's `usageMetadata`). Everything else (prompts, answers, tool calls) the hooks report.
 */
import type { TranscriptEntry } from '@flightdeck/core';
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

const IGNORED_MESSAGE_TYPES = new Set(['user', 'info', 'error', 'warning']);

/**
 * The usage of a `gemini` message. Gemini's `input` (promptTokenCount) includes the cached part and `tool`
 * (toolUsePromptTokenCount) is more prompt; `thoughts` are billed as output. Counted like the Anthropic API, where
 * they are disjoint: input = input − cached + tool, output = output + thoughts, cache read = cached.
 */
function usageOf(o: Json, id: string): TranscriptEntry | null {
  const t = o.tokens;
  const model = str(o.model);
  if (!isObj(t) || model === null || model.length > MAX_ID) return null;
  const input = tokens(t.input);
  const cached = Math.min(tokens(t.cached), input);
  return {
    kind: 'usage',
    messageId: id,
    requestId: null,
    model,
    inputTokens: input - cached + tokens(t.tool),
    outputTokens: tokens(t.output) + tokens(t.thoughts),
    cacheReadTokens: cached,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    at: timeOf(o.timestamp),
    uuid: null,
    agentId: null,
  };
}

/** One chat file line already parsed as a JSON object. Never throws. */
export function parseGeminiChatObject(o: Json): TranscriptLineResult {
  if (Object.hasOwn(o, '$set')) return IGNORED;
  if (typeof o.sessionId === 'string' && o.type === undefined) return IGNORED; // the metadata line
  const id = str(o.id);
  if (o.type === 'gemini') {
    if (id === null || id.length > MAX_ID) return skipped('gemini message without a usable id');
    const usage = usageOf(o, id);
    return usage ? entries([usage]) : IGNORED;
  }
  if (typeof o.type === 'string' && IGNORED_MESSAGE_TYPES.has(o.type)) return IGNORED;
  return skipped(
    typeof o.type === 'string' ? `unknown chat record ${JSON.stringify(o.type.slice(0, 40))}` : 'no type',
  );
}

/** Parses one line of a Gemini CLI chat file. Never throws. */
export const parseGeminiChatLine: (line: string) => TranscriptLineResult = lineParser(parseGeminiChatObject);

/** Whether a path names a Gemini CLI chat file that is appended line by line (`session-*.jsonl`). */
export function isGeminiChatPath(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return name.startsWith('session-') && name.endsWith('.jsonl');
}
