/**
 * History import (issue 17), the pure part: what the lines of a past session's transcript file become once stored
 * (prompts, the assistant's text, tool calls with their results, events, usage) and the ended session they make.
 * The shell reads the file line by line and parses each JSON object; the transcript parser of the live follower
 * (@flightdeck/hook-ingest) turns it into `TranscriptEntry`s (assistant text, usage, interrupts, API errors,
 * compactions) and this module adds what the hooks report for a live session (prompts, tool calls and results).
 * Usage is counted by the core's own `foldUsage` and priced by `summarize`, like a live session's.
 *
 * The state (`ImportState`) is plain JSON: the shell stores it with the file's progress, so an interrupted or grown
 * file continues from where it stopped. No IO, time and ids come as arguments.
 */
import type {
  AgentCli,
  Session,
  ToolCall,
  ToolCallStatus,
  TranscriptEntry,
  UsageRecord,
} from '@flightdeck/shared-types';
import { clip, LIMITS, oneLine, summarizeInput, truncateDeep } from './limits.js';
import type { PricingTable } from './pricing.js';
import { createSession, titleFromPrompt } from './session.js';
import { foldUsage, summarize, type UsageFile } from './usage.js';

/** Tool calls waiting for their result that the state remembers (the oldest is written as interrupted first). */
export const MAX_PENDING_TOOLS = 64;

/** The import's state of one transcript file (JSON: stored to continue the file later). */
export interface ImportState {
  v: 1;
  sessionId: string;
  cli: AgentCli;
  /** Set for a subagent's transcript (its rows carry it; the session row is its parent's). */
  agentId: string | null;
  projectPath: string;
  title: string | null;
  model: string | null;
  startedAt: number | null;
  lastAt: number | null;
  prompts: number;
  toolCalls: number;
  toolUsage: Record<string, number>;
  usage: UsageFile;
  /** Tool calls started and not yet answered: tool use id → the call as written. */
  pending: Array<[string, ImportedTool]>;
  lines: number;
  skipped: number;
}

export type ImportedTool = Omit<ToolCall, 'seq'>;

/** What a run of lines adds to the database (the shell writes each list as rows). */
export interface ImportRows {
  prompts: Array<{ text: string; timestamp: number; promptId: string | null }>;
  responses: Array<{ text: string; timestamp: number; agentId: string | null }>;
  /** Tool calls started (status `running`) or finished (written again: same tool use id, result set). */
  tools: ImportedTool[];
  events: Array<{ type: string; detail: string; timestamp: number }>;
  usage: UsageRecord[];
}

/** One line as the shell hands it over: the parsed object and the live parser's entries for it. */
export interface ImportLine {
  obj: Record<string, unknown>;
  entries: readonly TranscriptEntry[];
}

export function startImport(f: {
  sessionId: string;
  cli: AgentCli;
  path: string;
  agentId: string | null;
}): ImportState {
  return {
    v: 1,
    sessionId: f.sessionId,
    cli: f.cli,
    agentId: f.agentId,
    projectPath: '',
    title: null,
    model: null,
    startedAt: null,
    lastAt: null,
    prompts: 0,
    toolCalls: 0,
    toolUsage: {},
    usage: { path: f.path, buckets: [], recent: [] },
    pending: [],
    lines: 0,
    skipped: 0,
  };
}

type Json = Record<string, unknown>;

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

function timeOf(v: unknown): number | null {
  if (typeof v !== 'string') return null;
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : null;
}

/** The text of a tool result's content (a string, or blocks of which the text ones count). */
function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const parts: string[] = [];
  for (const b of content)
    if (isObj(b) && b.type === 'text' && typeof b.text === 'string') parts.push(b.text);
  return parts.join('\n');
}

/**
 * The start of `s` that a cut to `max` characters keeps, with a margin: redaction runs on what is stored (a secret
 * across the cut is still matched whole within the margin), not on megabytes that are cut away after.
 */
function head(s: string, max: number): string {
  return s.length > max + 512 ? s.slice(0, max + 512) : s;
}

/** User text that is no prompt the user typed: CLI bookkeeping, command output, notifications, interrupts. */
const NOT_A_PROMPT =
  /^(<local-command-|<command-name>|<bash-(stdout|stderr)>|<task-notification>|\[Request interrupted by user)/;

/** Put with a key from input: never a prototype setter. */
function bump(rec: Record<string, number>, key: string): void {
  const v = Object.hasOwn(rec, key) ? (rec[key] ?? 0) : 0;
  Object.defineProperty(rec, key, { value: v + 1, writable: true, enumerable: true, configurable: true });
}

function emptyRows(): ImportRows {
  return { prompts: [], responses: [], tools: [], events: [], usage: [] };
}

function copyState(s: ImportState): ImportState {
  return { ...s, toolUsage: { ...s.toolUsage }, pending: [...s.pending] };
}

/** The lines' user message: prompts (main transcript only) and tool results. */
function userLine(s: ImportState, o: Json, at: number, redact: (t: string) => string, out: ImportRows): void {
  const m = o.message;
  // CLI bookkeeping: reminders (`isMeta`) and the summary a compaction starts the conversation again with
  if (!isObj(m) || o.isMeta === true || o.isCompactSummary === true) return;
  const content = m.content;
  const texts: string[] = [];
  if (typeof content === 'string') texts.push(content);
  else if (Array.isArray(content)) {
    for (const b of content) {
      if (!isObj(b)) continue;
      if (b.type === 'text' && typeof b.text === 'string') texts.push(b.text);
      else if (b.type === 'tool_result' && typeof b.tool_use_id === 'string') {
        const i = s.pending.findIndex(([id]) => id === b.tool_use_id);
        if (i < 0) continue;
        const call = s.pending[i]![1];
        s.pending.splice(i, 1);
        const text = clip(redact(head(resultText(b.content), LIMITS.excerpt)), LIMITS.excerpt);
        const failed = b.is_error === true;
        const done: ImportedTool = {
          ...call,
          status: failed ? 'failed' : 'ok',
          endedAt: at,
          durationMs: Math.max(0, at - call.startedAt),
          result: failed ? null : text,
          error: failed ? text : null,
        };
        // started in this run of lines: one row, written finished (else its row is updated)
        const j = out.tools.lastIndexOf(call);
        if (j >= 0) out.tools[j] = done;
        else out.tools.push(done);
      }
    }
  }
  if (o.isSidechain === true || s.agentId !== null) return; // a subagent's task: its parent's tool call holds it
  const text = texts.join('\n').trim();
  if (text === '') return;
  if (text.startsWith('<task-notification>')) {
    out.events.push({ type: 'task-notification', detail: oneLine(text, LIMITS.summary), timestamp: at });
    return;
  }
  if (NOT_A_PROMPT.test(text)) return;
  const prompt = clip(redact(head(text, LIMITS.prompt)), LIMITS.prompt);
  s.prompts += 1;
  if (s.title === null) s.title = titleFromPrompt(prompt);
  out.prompts.push({ text: prompt, timestamp: at, promptId: str(o.promptId) ?? str(o.uuid) });
}

/** The tool calls an assistant line starts. */
function assistantLine(
  s: ImportState,
  o: Json,
  at: number,
  redact: (t: string) => string,
  out: ImportRows,
): void {
  const m = o.message;
  if (!isObj(m)) return;
  const model = str(m.model);
  if (model !== null && model !== '<synthetic>' && model.length <= 200) s.model = model;
  if (!Array.isArray(m.content)) return;
  const agentId = o.isSidechain === true ? (str(o.agentId) ?? s.agentId) : s.agentId;
  for (const b of m.content) {
    if (!isObj(b) || b.type !== 'tool_use') continue;
    const tool = str(b.name);
    if (tool === null) continue;
    const input = redactDeep(truncateDeep(b.input), redact);
    const call: ImportedTool = {
      toolUseId: str(b.id),
      tool: clip(tool, LIMITS.label),
      input,
      inputSummary: summarizeInput(tool, input),
      status: 'running',
      startedAt: at,
      endedAt: null,
      durationMs: null,
      result: null,
      error: null,
      agentId,
    };
    s.toolCalls += 1;
    bump(s.toolUsage, call.tool);
    out.tools.push(call);
    if (call.toolUseId === null) continue;
    s.pending.push([call.toolUseId, call]);
    if (s.pending.length > MAX_PENDING_TOOLS) {
      const [, oldest] = s.pending.shift()!;
      out.tools.push(ended(oldest, 'interrupted'));
    }
  }
}

function redactDeep(v: unknown, redact: (t: string) => string, depth = 0): unknown {
  if (typeof v === 'string') return redact(v);
  if (depth > LIMITS.maxDepth || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => redactDeep(x, redact, depth + 1));
  const out: Json = {};
  for (const [k, x] of Object.entries(v as Json)) {
    Object.defineProperty(out, k, {
      value: redactDeep(x, redact, depth + 1),
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
  return out;
}

function ended(call: ImportedTool, status: ToolCallStatus): ImportedTool {
  return { ...call, status };
}

/** The parser's entries: the assistant's text, events; usage is counted apart. */
function entryRows(
  s: ImportState,
  e: TranscriptEntry,
  at: number,
  redact: (t: string) => string,
  out: ImportRows,
) {
  const agentId = e.agentId ?? s.agentId;
  switch (e.kind) {
    case 'assistant-text': {
      const text = e.text.trim();
      if (text !== '')
        out.responses.push({
          text: clip(redact(head(text, LIMITS.excerpt)), LIMITS.excerpt),
          timestamp: at,
          agentId,
        });
      break;
    }
    case 'interrupted':
      out.events.push({
        type: 'interrupted',
        detail: e.atToolPrompt ? 'Interrupted by the user during a tool call' : 'Interrupted by the user',
        timestamp: at,
      });
      break;
    case 'api-error':
      out.events.push({
        type: 'api-error',
        detail: `API error: ${oneLine(redact(e.message || 'unknown error'), LIMITS.summary)}`,
        timestamp: at,
      });
      break;
    case 'compacted':
      out.events.push({
        type: 'compacted',
        detail: `Conversation compacted (${e.trigger ?? 'auto'})`,
        timestamp: at,
      });
      break;
    case 'usage':
      break;
  }
}

/**
 * Folds lines of the file (in order) into the state: returns the new state (`state` is not changed) and the rows
 * they add. `fallbackAt` dates a line without a timestamp (the last one seen, else the file's mtime).
 */
export function importLines(
  state: ImportState,
  lines: readonly ImportLine[],
  redact: (text: string) => string,
  fallbackAt: number,
): { state: ImportState; rows: ImportRows } {
  const s = copyState(state);
  const out = emptyRows();
  const usageEntries: TranscriptEntry[] = [];
  for (const { obj: o, entries } of lines) {
    s.lines += 1;
    const at = timeOf(o.timestamp) ?? s.lastAt ?? fallbackAt;
    if (timeOf(o.timestamp) !== null) {
      s.startedAt = s.startedAt === null ? at : Math.min(s.startedAt, at);
      s.lastAt = s.lastAt === null ? at : Math.max(s.lastAt, at);
    }
    if (s.projectPath === '' && typeof o.cwd === 'string' && o.cwd.length <= 4096) s.projectPath = o.cwd;
    if (o.type === 'user') userLine(s, o, at, redact, out);
    else if (o.type === 'assistant') assistantLine(s, o, at, redact, out);
    for (const e of entries) {
      if (e.kind === 'usage')
        usageEntries.push(e.agentId === null && s.agentId !== null ? { ...e, agentId: s.agentId } : e);
      else entryRows(s, e, e.at ?? at, redact, out);
    }
  }
  if (usageEntries.length > 0) {
    const { file, records } = foldUsage(s.usage, usageEntries, s.lastAt ?? fallbackAt);
    s.usage = file;
    // the lines of one response: only its last count is stored (the row is keyed by the response)
    const last = new Map(records.map((r) => [`${r.messageId}\u0000${r.requestId ?? ''}`, r]));
    out.usage = [...last.values()];
  }
  return { state: s, rows: out };
}

/** Counts a line the shell could not read (not JSON, too long). */
export function skipLine(state: ImportState): ImportState {
  return { ...state, lines: state.lines + 1, skipped: state.skipped + 1 };
}

/** The end of a file: tool calls still waiting for a result are written as interrupted. */
export function finishImport(state: ImportState): { state: ImportState; rows: ImportRows } {
  const out = emptyRows();
  for (const [, call] of state.pending) out.tools.push(ended(call, 'interrupted'));
  return { state: { ...state, pending: [] }, rows: out };
}

/** The ended session a main transcript file makes, its usage (with its subagents') priced at the table with `pricing` overrides. */
export function importedSession(
  state: ImportState,
  pricing: Readonly<PricingTable> | undefined,
  fallbackAt: number,
  /** What the session's subagents' files counted (rolled into its usage, per agent too). */
  subagentUsage: readonly UsageFile[] = [],
): Session {
  const startedAt = state.startedAt ?? fallbackAt;
  const endedAt = state.lastAt ?? startedAt;
  const base = createSession({
    sessionId: state.sessionId,
    cli: state.cli,
    projectPath: state.projectPath,
    source: 'unknown',
    now: startedAt,
    status: 'ended',
    trigger: 'import',
    detail: 'Imported from the transcript',
  });
  const statusReason = { ...base.statusReason, at: endedAt };
  return {
    ...base,
    title: state.title ?? base.title,
    model: state.model,
    lastActivityAt: endedAt,
    endedAt,
    endReason: 'imported',
    statusReason,
    statusHistory: [statusReason],
    totalPrompts: state.prompts,
    totalToolCalls: state.toolCalls,
    toolUsage: { ...state.toolUsage },
    usage: summarize([state.usage, ...subagentUsage], pricing),
  };
}
