/**
 * Claude Code transcript lines (JSONL, one object per line) mapped to conversation items for the detail page. Pure:
 * the server reads the lines (with their byte offsets), this decides what each says. Two steps: `parseConversationLine`
 * maps one line on its own (items, tool results, the message it belongs to), `assembleConversation` puts a page's
 * lines together (consecutive text blocks of one streamed message merged, tool results attached to their calls).
 *
 * Read from the CLI's own files (2.1.328): an assistant message is written one content block per line, each line
 * with the same `message.id`; tool results come back as `user` lines with `tool_result` blocks (`toolUseResult`
 * carries the started subagent's `agentId` for Task/Agent calls); Esc writes `[Request interrupted by user…]`;
 * a compaction is `system` `compact_boundary`; a retried request is an `api-request` line whose `base` is the
 * previous attempt and whose `tail` is empty (same messages); a retry notice is `system` `api_error`; a request
 * the CLI gave up on is an assistant line with `isApiErrorMessage`. Every other line type is bookkeeping: ignored.
 */
import type {
  ConversationItem,
  ConversationSystemEvent,
  ConversationToolResult,
} from '@flightdeck/shared-types';
import { clip, oneLine, truncateDeep } from './limits.js';
import { describeTaskNotification, isTaskNotification } from './plain.js';

/** Longest text kept per item (prompt, text, thinking, system event). */
export const CONVERSATION_TEXT_MAX = 20_000;
/** Longest tool result kept. */
export const CONVERSATION_RESULT_MAX = 8_000;

/** Tools whose call starts a subagent (Claude Code's `Task`, renamed `Agent`). */
const SUBAGENT_TOOLS = new Set(['Task', 'Agent']);

/** The markers Claude Code writes when the user presses Esc. */
const INTERRUPT_RE = /^\[Request interrupted by user( for tool use)?\]$/;

/** What one line says. */
export interface ConversationLine {
  items: ConversationItem[];
  results: ConversationToolResult[];
  /** The assistant message the line is a block of (streamed messages span lines). */
  messageId: string | null;
  /** The line's own id (`uuid`), to drop a line written twice. */
  uuid: string | null;
}

/** Nothing for the conversation (bookkeeping, metadata). */
const NOTHING: ConversationLine = { items: [], results: [], messageId: null, uuid: null };

type Json = Record<string, unknown>;

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function timeOf(v: unknown): number | null {
  if (typeof v !== 'string') return null;
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : null;
}

/** Text of a tool result's `content`: a string, or text blocks (other blocks named). */
function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const parts: string[] = [];
  for (const b of content) {
    if (!isObj(b)) continue;
    if (b.type === 'text' && typeof b.text === 'string') parts.push(b.text);
    else if (typeof b.type === 'string') parts.push(`[${b.type}]`);
  }
  return parts.join('\n');
}

/** Builds items for one line, ids `<offset>:<block>`. */
class LineBuilder {
  readonly items: ConversationItem[] = [];
  readonly results: ConversationToolResult[] = [];
  constructor(
    private readonly offset: number,
    private readonly at: number | null,
  ) {}
  private id(): string {
    return `${this.offset}:${this.items.length}`;
  }
  text(kind: 'prompt' | 'text' | 'thinking', text: string): void {
    if (text.trim() === '') return;
    this.items.push({ kind, id: this.id(), at: this.at, text: clip(text, CONVERSATION_TEXT_MAX) });
  }
  system(event: ConversationSystemEvent, text: string): void {
    this.items.push({
      kind: 'system',
      id: this.id(),
      at: this.at,
      event,
      text: clip(text, CONVERSATION_TEXT_MAX),
    });
  }
  tool(block: Json): void {
    const toolUseId = str(block.id);
    const name = str(block.name);
    if (toolUseId === null || name === null) return;
    const input = isObj(block.input) ? block.input : {};
    this.items.push({
      kind: 'tool',
      id: this.id(),
      at: this.at,
      toolUseId,
      name,
      input: truncateDeep(input),
      result: null,
      isError: false,
      subagent: SUBAGENT_TOOLS.has(name)
        ? { agentId: null, description: str(input.description), agentType: str(input.subagent_type) }
        : null,
    });
  }
  line(messageId: string | null, uuid: string | null): ConversationLine {
    return { items: this.items, results: this.results, messageId, uuid };
  }
}

function user(o: Json, b: LineBuilder): void {
  const m = o.message;
  if (!isObj(m) || o.isMeta === true || o.isCompactSummary === true) return;
  const toolUseResult = isObj(o.toolUseResult) ? o.toolUseResult : null;
  const blocks = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content;
  if (!Array.isArray(blocks)) return;
  for (const block of blocks) {
    if (!isObj(block)) continue;
    if (block.type === 'tool_result') {
      const toolUseId = str(block.tool_use_id);
      if (toolUseId === null) continue;
      b.results.push({
        toolUseId,
        result: clip(resultText(block.content), CONVERSATION_RESULT_MAX),
        isError: block.is_error === true,
        agentId: str(toolUseResult?.agentId) ?? null,
      });
    } else if (block.type === 'text' && typeof block.text === 'string') {
      userText(block.text, b);
    } else if (block.type === 'image') {
      b.text('prompt', '[image]');
    }
  }
}

/** A user text block: a prompt, or one of the CLI's own messages. */
function userText(text: string, b: LineBuilder): void {
  const t = text.trim();
  if (INTERRUPT_RE.test(t)) {
    b.system(
      'interrupt',
      t.includes('tool use') ? 'Interrupted by the user during a tool call' : 'Interrupted by the user',
    );
  } else if (isTaskNotification(t)) {
    b.system('task-notification', describeTaskNotification(t));
  } else if (t.startsWith('<command-name>')) {
    const name = /<command-name>([\s\S]*?)<\/command-name>/.exec(t)?.[1]?.trim() ?? '';
    const args = /<command-args>([\s\S]*?)<\/command-args>/.exec(t)?.[1]?.trim() ?? '';
    b.text('prompt', args ? `${name} ${args}` : name);
  } else if (!t.startsWith('<local-command-') && !t.startsWith('<system-reminder>')) {
    b.text('prompt', text);
  }
}

function assistant(o: Json, b: LineBuilder): string | null {
  const m = o.message;
  if (!isObj(m)) return null;
  if (o.isApiErrorMessage === true) {
    b.system('error', resultText(m.content).trim() || 'API error');
    return null;
  }
  if (!Array.isArray(m.content)) return null;
  for (const block of m.content) {
    if (!isObj(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string') b.text('text', block.text);
    else if (block.type === 'thinking' && typeof block.thinking === 'string')
      b.text('thinking', block.thinking);
    else if (block.type === 'redacted_thinking') b.text('thinking', '[thinking redacted by the API]');
    else if (block.type === 'tool_use') b.tool(block);
  }
  return str(m.id);
}

function system(o: Json, b: LineBuilder): void {
  if (o.subtype === 'compact_boundary') {
    const meta = isObj(o.compactMetadata) ? o.compactMetadata : {};
    const n = typeof meta.preTokens === 'number' ? meta.preTokens : null;
    const pre = n === null ? '' : `, ${n >= 1000 ? `${Math.round(n / 1000)}k` : n} tokens before`;
    b.system('compaction', `Conversation compacted (${str(meta.trigger) ?? 'auto'}${pre})`);
  } else if (o.subtype === 'api_error') {
    const err = o.error;
    const message = (isObj(err) ? (str(err.message) ?? str(err.formatted)) : str(err)) ?? 'API error';
    const attempt = typeof o.retryAttempt === 'number' ? ` (retry ${o.retryAttempt}` : '';
    const of = attempt && typeof o.maxRetries === 'number' ? ` of ${o.maxRetries})` : attempt ? ')' : '';
    b.system('retry', `${oneLine(message, 500)}${attempt}${of}`);
  }
}

/**
 * Maps one transcript line (its text, its byte offset in the file) to what it says; null when it is not a JSON
 * object (a broken line: the caller counts it as skipped).
 */
export function parseConversationLine(line: string, offset: number): ConversationLine | null {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return null;
  }
  if (!isObj(o)) return null;
  const b = new LineBuilder(offset, timeOf(o.timestamp));
  let messageId: string | null = null;
  switch (o.type) {
    case 'user':
      user(o, b);
      break;
    case 'assistant':
      messageId = assistant(o, b);
      break;
    case 'system':
      system(o, b);
      break;
    case 'api-request':
      if (typeof o.base === 'string' && Array.isArray(o.tail) && o.tail.length === 0)
        b.system('retry', 'The API request was retried');
      break;
    default:
      return NOTHING;
  }
  return b.line(messageId, str(o.uuid));
}

/**
 * One page from its lines (oldest first): lines written twice (same `uuid`) dropped, consecutive text blocks of one
 * message merged into one item, each tool result attached to its call on the page; results whose call is not on the
 * page are returned apart (the client attaches them to a call it has, or will have once it loads the older page).
 */
export function assembleConversation(lines: readonly ConversationLine[]): {
  items: ConversationItem[];
  results: ConversationToolResult[];
} {
  const items: ConversationItem[] = [];
  const calls = new Map<string, Extract<ConversationItem, { kind: 'tool' }>>();
  const results: ConversationToolResult[] = [];
  const seen = new Set<string>();
  let lastMessage: string | null = null;
  for (const line of lines) {
    if (line.uuid !== null) {
      if (seen.has(line.uuid)) continue;
      seen.add(line.uuid);
    }
    for (const item of line.items) {
      const prev = items[items.length - 1];
      if (
        item.kind === 'text' &&
        prev?.kind === 'text' &&
        line.messageId !== null &&
        line.messageId === lastMessage
      ) {
        items[items.length - 1] = {
          ...prev,
          text: clip(`${prev.text}\n\n${item.text}`, CONVERSATION_TEXT_MAX),
        };
        continue;
      }
      const copy = item.kind === 'tool' ? { ...item } : item;
      if (copy.kind === 'tool') calls.set(copy.toolUseId, copy);
      items.push(copy);
    }
    if (line.items.length > 0) lastMessage = line.messageId;
    for (const r of line.results) {
      const call = calls.get(r.toolUseId);
      if (call === undefined) {
        results.push(r);
        continue;
      }
      call.result = r.result;
      call.isError = r.isError;
      if (call.subagent !== null && r.agentId !== null)
        call.subagent = { ...call.subagent, agentId: r.agentId };
    }
  }
  return { items, results };
}
