/**
 * Rebuilds full `Session` objects from a stored snapshot (which has empty ring buffers) and the child
 * tables: the last N rows of each, N being the ring-buffer length recorded at the last upsert.
 * Fidelity: texts and tool inputs/results come back as stored (prompts ≤ 100,000 chars, responses ≤ 2,000,
 * tool input JSON / result / error ≤ 4,000; a tool input whose JSON was longer comes back as the cut string).
 * Rebuilt ring entries carry `seq: 0`: they are written; the core gives any later change a new sequence number.
 */
import type {
  LifecycleEvent,
  PromptEntry,
  ResponseEntry,
  Session,
  ToolCall,
  ToolCallStatus,
} from '@flightdeck/shared-types';
import { type Handle, prepared } from './open.js';
import type { EventRow, PromptRow, ResponseRow, ToolCallRow } from './schema.js';

export interface StoredSessionRow {
  id: string;
  snapshot: string;
  ring_lengths: string;
}

interface RingLengths {
  promptHistory: number;
  toolLog: number;
  responseLog: number;
  events: number;
}

function lengths(json: string): RingLengths {
  let v: Partial<Record<keyof RingLengths, unknown>> = {};
  try {
    const parsed: unknown = JSON.parse(json);
    if (typeof parsed === 'object' && parsed !== null) v = parsed;
  } catch {
    // keep defaults
  }
  const n = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) && x > 0 ? Math.floor(x) : 0);
  return {
    promptHistory: n(v.promptHistory),
    toolLog: n(v.toolLog),
    responseLog: n(v.responseLog),
    events: n(v.events),
  };
}

/** A tool input stored as JSON text (possibly cut): parsed, or the text itself when it does not parse. */
export function parseToolInput(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const Q = {
  prompts: `SELECT text, timestamp, prompt_id FROM prompts WHERE session_id = ? ORDER BY id DESC LIMIT ?`,
  responses: `SELECT text_excerpt, timestamp, agent_id FROM responses WHERE session_id = ? ORDER BY id DESC LIMIT ?`,
  tools: `SELECT tool_use_id, tool_name, tool_input_summary, tool_input, status, timestamp, ended_at, duration_ms,
      result_excerpt, error, agent_id FROM tool_calls WHERE session_id = ? ORDER BY id DESC LIMIT ?`,
  events: `SELECT event_type, detail, timestamp FROM events WHERE session_id = ? ORDER BY id DESC LIMIT ?`,
} as const;

function lastRows<T>(h: Handle, sqlText: string, id: string, limit: number): T[] {
  if (limit === 0) return [];
  return (prepared(h, sqlText).all(id, limit) as T[]).reverse();
}

/** A `tool_calls` row's columns as tool-call fields (all but the input, kept as JSON text in the row). */
export function toolCallFields(
  r: Omit<ToolCallRow, 'id' | 'session_id' | 'tool_input'>,
): Omit<ToolCall, 'input' | 'seq'> {
  return {
    toolUseId: r.tool_use_id,
    tool: r.tool_name,
    inputSummary: r.tool_input_summary,
    status: r.status as ToolCallStatus,
    startedAt: r.timestamp,
    endedAt: r.ended_at,
    durationMs: r.duration_ms,
    result: r.result_excerpt,
    error: r.error,
    agentId: r.agent_id,
  };
}

export function hydrateSession(h: Handle, row: StoredSessionRow): Session {
  const base = JSON.parse(row.snapshot) as Session;
  const len = lengths(row.ring_lengths);
  const promptHistory: PromptEntry[] = lastRows<Pick<PromptRow, 'text' | 'timestamp' | 'prompt_id'>>(
    h,
    Q.prompts,
    row.id,
    len.promptHistory,
  ).map((r) => ({
    text: r.text,
    timestamp: r.timestamp,
    promptId: r.prompt_id,
    seq: 0,
  }));
  const responseLog: ResponseEntry[] = lastRows<Pick<ResponseRow, 'text_excerpt' | 'timestamp' | 'agent_id'>>(
    h,
    Q.responses,
    row.id,
    len.responseLog,
  ).map((r) => ({
    text: r.text_excerpt,
    timestamp: r.timestamp,
    agentId: r.agent_id,
    seq: 0,
  }));
  const toolLog: ToolCall[] = lastRows<Omit<ToolCallRow, 'id' | 'session_id'>>(
    h,
    Q.tools,
    row.id,
    len.toolLog,
  ).map((r) => ({ ...toolCallFields(r), input: parseToolInput(r.tool_input), seq: 0 }));
  const events: LifecycleEvent[] = lastRows<Pick<EventRow, 'event_type' | 'detail' | 'timestamp'>>(
    h,
    Q.events,
    row.id,
    len.events,
  ).map((r) => ({ type: r.event_type, detail: r.detail, timestamp: r.timestamp, seq: 0 }));
  // The row id wins over the snapshot's (they differ only after a re-key that the core did not re-send).
  return { ...base, sessionId: row.id, promptHistory, toolLog, responseLog, events };
}

/** The stored records of a session, as `getSession` lists them. */
export interface StoredRecords {
  prompts: readonly { text: string; promptId: string | null; timestamp: number }[];
  responses: readonly { text: string; agentId: string | null; timestamp: number }[];
  toolCalls: readonly (Omit<ToolCall, 'input' | 'seq'> & { inputExcerpt: string | null })[];
  events: readonly Omit<LifecycleEvent, 'seq'>[];
}

/**
 * `session` with each ring replaced by the stored records where those are longer (the core keeps only the latest
 * entries; the database keeps them all): the session to open at an older item.
 */
export function withStoredRings(session: Session, stored: StoredRecords): Session {
  const out: Session = { ...session };
  if (stored.prompts.length > session.promptHistory.length) {
    out.promptHistory = stored.prompts.map((p) => ({
      text: p.text,
      timestamp: p.timestamp,
      promptId: p.promptId,
      seq: 0,
    }));
  }
  if (stored.responses.length > session.responseLog.length) {
    out.responseLog = stored.responses.map((r) => ({
      text: r.text,
      timestamp: r.timestamp,
      agentId: r.agentId,
      seq: 0,
    }));
  }
  if (stored.toolCalls.length > session.toolLog.length) {
    out.toolLog = stored.toolCalls.map(({ inputExcerpt, ...t }) => ({
      toolUseId: t.toolUseId,
      tool: t.tool,
      input: parseToolInput(inputExcerpt),
      inputSummary: t.inputSummary,
      status: t.status,
      startedAt: t.startedAt,
      endedAt: t.endedAt,
      durationMs: t.durationMs,
      result: t.result,
      error: t.error,
      agentId: t.agentId,
      seq: 0,
    }));
  }
  if (stored.events.length > session.events.length) {
    out.events = stored.events.map((e) => ({
      type: e.type,
      detail: e.detail,
      timestamp: e.timestamp,
      seq: 0,
    }));
  }
  return out;
}
