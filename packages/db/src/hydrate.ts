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
import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { Database, EventRow, PromptRow, ResponseRow, ToolCallRow } from './schema.js';
import { TOOL_CALL_FIELDS } from './write-op.js';

export interface StoredSessionRow {
  id: string;
  snapshot: string;
  ring_lengths: string;
}

export interface RingLengths {
  promptHistory: number;
  toolLog: number;
  responseLog: number;
  events: number;
}

/** The ring lengths of a row (`ring_lengths` JSON; 0 for what is missing or odd). */
export function ringLengths(json: string): RingLengths {
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

/** Each stored ring: its table and the columns its entries are rebuilt from. */
const RING_TABLES = {
  prompts: { table: 'prompts', columns: ['text', 'timestamp', 'prompt_id'] },
  responses: { table: 'responses', columns: ['text_excerpt', 'timestamp', 'agent_id'] },
  tools: { table: 'tool_calls', columns: TOOL_CALL_FIELDS },
  events: { table: 'events', columns: ['event_type', 'detail', 'timestamp'] },
} as const;

/** A query of ring rows (its rows are those of `RingRows`). */
export type RingQuery = SelectQueryBuilder<Database, keyof Database, Record<string, unknown>>;

/** The queries of the last N rows of each stored ring of session `id` (newest first; null: N = 0). */
export function ringQueries(
  db: Kysely<Database>,
  id: string,
  len: RingLengths,
): Record<keyof RingRows, RingQuery | null> {
  const last = (ring: keyof RingRows, n: number): RingQuery | null => {
    if (n <= 0) return null;
    const { table, columns } = RING_TABLES[ring];
    return (db as unknown as Kysely<Record<string, { session_id: string; id: number }>>)
      .selectFrom(table)
      .select(columns as never)
      .where('session_id', '=', id)
      .orderBy('id', 'desc')
      .limit(n) as unknown as RingQuery;
  };
  return {
    prompts: last('prompts', len.promptHistory),
    responses: last('responses', len.responseLog),
    tools: last('tools', len.toolLog),
    events: last('events', len.events),
  };
}

/** The rows of the last N entries of each stored ring of a session, newest first (as `ringQueries` selects them). */
export interface RingRows {
  prompts: Pick<PromptRow, 'text' | 'timestamp' | 'prompt_id'>[];
  responses: Pick<ResponseRow, 'text_excerpt' | 'timestamp' | 'agent_id'>[];
  tools: Omit<ToolCallRow, 'id' | 'session_id'>[];
  events: Pick<EventRow, 'event_type' | 'detail' | 'timestamp'>[];
}

/** The stored session: its snapshot with the rings rebuilt from `rows`. */
export function assembleSession(row: StoredSessionRow, rows: RingRows): Session {
  const base = JSON.parse(row.snapshot) as Session;
  const promptHistory: PromptEntry[] = rows.prompts
    .slice()
    .reverse()
    .map((r) => ({
      text: r.text,
      timestamp: r.timestamp,
      promptId: r.prompt_id,
      seq: 0,
    }));
  const responseLog: ResponseEntry[] = rows.responses
    .slice()
    .reverse()
    .map((r) => ({
      text: r.text_excerpt,
      timestamp: r.timestamp,
      agentId: r.agent_id,
      seq: 0,
    }));
  const toolLog: ToolCall[] = rows.tools
    .slice()
    .reverse()
    .map((r) => ({ ...toolCallFields(r), input: parseToolInput(r.tool_input), seq: 0 }));
  const events: LifecycleEvent[] = rows.events
    .slice()
    .reverse()
    .map((r) => ({ type: r.event_type, detail: r.detail, timestamp: r.timestamp, seq: 0 }));
  // The row id wins over the snapshot's (they differ only after a re-key that the core did not re-send).
  return { ...base, sessionId: row.id, promptHistory, toolLog, responseLog, events };
}

/** A stored session, rebuilt (snapshot + the last rows of each ring, as many as it had). */
export async function hydrateSession(db: Kysely<Database>, row: StoredSessionRow): Promise<Session> {
  const q = ringQueries(db, row.id, ringLengths(row.ring_lengths));
  const [prompts, responses, tools, events] = await Promise.all(
    [q.prompts, q.responses, q.tools, q.events].map((query) => query?.execute() ?? []),
  );
  return assembleSession(row, { prompts, responses, tools, events } as unknown as RingRows);
}

/** The stored records of a session, as `getSession` lists them. */
export interface StoredRecords {
  prompts: readonly Omit<PromptEntry, 'seq'>[];
  responses: readonly Omit<ResponseEntry, 'seq'>[];
  toolCalls: readonly StoredToolCall[];
  events: readonly Omit<LifecycleEvent, 'seq'>[];
}

/** A stored tool call: its fields, the input as the text the row keeps. */
type StoredToolCall = Omit<ToolCall, 'input' | 'seq'> & { inputExcerpt: string | null };
/** A stored record as `getSession` lists it: the entry's fields and, there, its row id. */
type Row<T> = Omit<T, 'seq'> & { id?: number };

/**
 * `session` with each ring replaced by the stored records where those are longer (the core keeps only the latest
 * entries; the database keeps them all): the session to open at an older item.
 */
export function withStoredRings(session: Session, stored: StoredRecords): Session {
  const out: Session = { ...session };
  // Records are entries plus their row id (and a tool call's input as stored text): the id goes, seq is 0.
  if (stored.prompts.length > session.promptHistory.length)
    out.promptHistory = stored.prompts.map(({ id: _, ...p }: Row<PromptEntry>) => ({ ...p, seq: 0 }));
  if (stored.responses.length > session.responseLog.length)
    out.responseLog = stored.responses.map(({ id: _, ...r }: Row<ResponseEntry>) => ({ ...r, seq: 0 }));
  if (stored.toolCalls.length > session.toolLog.length)
    out.toolLog = stored.toolCalls.map(({ id: _, inputExcerpt, ...t }: Row<StoredToolCall>) => ({
      ...t,
      input: parseToolInput(inputExcerpt),
      seq: 0,
    }));
  if (stored.events.length > session.events.length)
    out.events = stored.events.map(({ id: _, ...e }: Row<LifecycleEvent>) => ({ ...e, seq: 0 }));
  return out;
}
