/**
 * Write plans: turns raw hook events, sessions, re-keys and removals into `WriteOp`s (plain data), to be applied
 * by an adapter in one transaction (`DatabaseAdapter.write`). The planner remembers which ring entries it planned
 * (`ring-memory.ts`); it needs no database.
 */
import {
  type HookEnvelope,
  hookEventName,
  type IngestEvent,
  type Session,
  type ToolCall,
} from '@flightdeck/shared-types';
import { DbInputError } from './errors.js';
import { createRingDiff, type RingDiff } from './ring-memory.js';
import { sessionRow } from './session-row.js';
import type { SessionInsert, ToolCallInsert, WriteOp } from './write-op.js';

export type { IngestEvent } from '@flightdeck/shared-types';

/** What one batch writes, in this order: raw events, re-keys, session rows with their new ring entries, removals. */
export interface IngestBatch {
  events: IngestEvent[];
  /** Sessions that changed (full objects as the core has them now). */
  sessions: Session[];
  /** Sessions to delete with all their child rows. Applied last. */
  removedSessionIds?: string[];
  /** Sessions that left memory (retention): their rows stay, what the planner tracked of them is forgotten. */
  evictedSessionIds?: string[];
  /** Re-keyed sessions (resume): children move from `oldId` to `newId`. Applied before the session upserts. */
  rekeys?: { oldId: string; newId: string }[];
}

/** Longest text kept per prompt. */
export const MAX_PROMPT_CHARS = 100_000;
/** Longest response excerpt kept (spec: first 2000 chars). */
export const MAX_RESPONSE_CHARS = 2000;
/** Longest tool input JSON / result excerpt kept. */
export const MAX_TOOL_TEXT_CHARS = 4000;

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

/** Session id of a raw hook payload (Claude/Gemini/Codex hooks `session_id`, Codex notify `thread-id`, …). */
export function payloadSessionId(payload: Record<string, unknown>): string | null {
  return (
    str(payload.session_id) ??
    str(payload.sessionId) ??
    str(payload['thread-id']) ??
    str(payload.thread_id) ??
    null
  );
}

function cut(text: string, max: number): string {
  return text.length > max ? text.slice(0, max) : text;
}

function jsonExcerpt(value: unknown): string | null {
  if (value === undefined) return null;
  try {
    const s = JSON.stringify(value);
    return s === undefined ? null : cut(s, MAX_TOOL_TEXT_CHARS);
  } catch {
    return null;
  }
}

function isObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null;
}

/** The write of one raw hook event (`hook_events`; a repeated `ingestId` is ignored when applied). */
export function hookEventOp(ev: IngestEvent): WriteOp {
  if (typeof ev?.ingestId !== 'string' || ev.ingestId.length === 0) {
    throw new DbInputError('hook event: ingestId must be a non-empty string', 'ingestId');
  }
  // Envelopes are validated upstream; stay tolerant here so one odd record cannot block a batch.
  const env: Partial<HookEnvelope> = isObject(ev.envelope) ? ev.envelope : {};
  const payload: Record<string, unknown> = isObject(env.payload) ? env.payload : {};
  const meta: Record<string, unknown> = isObject(env.meta) ? env.meta : {};
  return {
    op: 'hookEvent',
    row: {
      ingest_id: ev.ingestId,
      session_id: payloadSessionId(payload),
      cli: typeof env.cli === 'string' ? env.cli : 'unknown',
      event_type: hookEventName(payload),
      payload: JSON.stringify(payload),
      meta: JSON.stringify(meta),
      received_at: Number.isFinite(ev.receivedAt) ? ev.receivedAt : 0,
      sent_at:
        typeof meta.sentAt === 'number' && Number.isFinite(meta.sentAt) ? Math.round(meta.sentAt) : null,
    },
  };
}

/** The upsert of a session's row (see `session-row.ts`). */
function sessionRowOp(s: Session): WriteOp {
  return { op: 'session', row: sessionRow(s) as SessionInsert };
}

/** A tool call's row (the history import writes its tool calls with it too). */
export function toolRow(sessionId: string, t: Omit<ToolCall, 'seq'>): ToolCallInsert {
  return {
    session_id: sessionId,
    tool_use_id: t.toolUseId || null,
    tool_name: t.tool,
    tool_input_summary: t.inputSummary ?? '',
    tool_input: jsonExcerpt(t.input),
    status: t.status,
    timestamp: t.startedAt,
    ended_at: t.endedAt ?? null,
    duration_ms: t.durationMs ?? null,
    result_excerpt: t.result === null || t.result === undefined ? null : cut(t.result, MAX_TOOL_TEXT_CHARS),
    error: t.error === null || t.error === undefined ? null : cut(t.error, MAX_TOOL_TEXT_CHARS),
    agent_id: t.agentId ?? null,
  };
}

/** Plans the ring entries of `s` that `diff` has not seen (prompts, responses, tool calls, events, in that order). */
function planRings(diff: RingDiff, ops: WriteOp[], s: Session, later: Array<() => void>): void {
  const id = s.sessionId;
  const { rings, remember } = diff.entries(s);
  for (const p of rings.promptHistory) {
    ops.push({
      op: 'prompt',
      row: {
        session_id: id,
        text: cut(p.text ?? '', MAX_PROMPT_CHARS),
        prompt_id: p.promptId ?? null,
        timestamp: p.timestamp,
      },
    });
  }
  for (const r of rings.responseLog) {
    ops.push({
      op: 'response',
      row: {
        session_id: id,
        text_excerpt: cut(r.text ?? '', MAX_RESPONSE_CHARS),
        agent_id: r.agentId ?? null,
        timestamp: r.timestamp,
      },
    });
  }
  for (const t of rings.toolLog) ops.push({ op: 'tool', row: toolRow(id, t) });
  for (const e of rings.events) {
    ops.push({
      op: 'event',
      row: { session_id: id, event_type: e.type, detail: e.detail ?? '', timestamp: e.timestamp },
    });
  }
  later.push(remember);
}

/**
 * Plans writes for an adapter (`DatabaseAdapter.write`, maybe on another thread). It assumes immutable ring
 * entries (the core's) and records what it planned at once, as if already written: after a failed write call
 * `forget()`, and the next plan of each session writes its whole rings again (idempotent).
 */
export interface WritePlanner {
  hookEvent(ops: WriteOp[], ev: IngestEvent): void;
  /** The session's row. */
  sessionRow(ops: WriteOp[], s: Session): void;
  /** The session's ring-buffer entries not planned before. */
  sessionRings(ops: WriteOp[], s: Session): void;
  /**
   * A whole batch, in its order: raw events, re-keys, session rows with their new ring entries, removals (for
   * batches that re-key or remove sessions).
   */
  batch(ops: WriteOp[], batch: IngestBatch): void;
  /** Forgets every ring planned so far. */
  forget(): void;
  /**
   * The `ringSeq` a session's rings were planned up to (0: not planned since the planner started, the id was
   * deleted or re-keyed, or `forget()`): with `ringsAtRisk(session, plannedUpTo(id), …)`, whether its rings must be
   * planned before more entries leave them.
   */
  plannedUpTo(sessionId: string): number;
}

export function createWritePlanner(): WritePlanner {
  const diff = createRingDiff();
  const settle = (later: Array<() => void>) => {
    for (const f of later) f();
  };
  return {
    hookEvent: (ops, ev) => ops.push(hookEventOp(ev)),
    sessionRow: (ops, s) => ops.push(sessionRowOp(s)),
    sessionRings(ops, s) {
      const later: Array<() => void> = [];
      planRings(diff, ops, s, later);
      settle(later);
    },
    batch(ops, b) {
      // Raw events, re-keys, session rows with their new ring entries, then removals: the order of a batch.
      const later: Array<() => void> = [];
      for (const ev of b.events) ops.push(hookEventOp(ev));
      for (const rk of b.rekeys ?? []) {
        if (typeof rk?.oldId !== 'string' || typeof rk.newId !== 'string' || !rk.oldId || !rk.newId) {
          throw new DbInputError('rekeys: oldId and newId must be non-empty strings', 'rekeys');
        }
        if (rk.oldId === rk.newId) continue;
        diff.forgetSession(rk.oldId);
        diff.forgetSession(rk.newId);
        ops.push({ op: 'rekey', oldId: rk.oldId, newId: rk.newId });
      }
      for (const s of b.sessions) {
        ops.push(sessionRowOp(s));
        planRings(diff, ops, s, later);
      }
      for (const id of b.evictedSessionIds ?? []) diff.forgetSession(id);
      for (const id of b.removedSessionIds ?? []) {
        diff.forgetSession(id);
        ops.push({ op: 'remove', sessionId: id });
      }
      settle(later);
    },
    forget() {
      diff.clear();
    },
    plannedUpTo: (id) => diff.plannedUpTo(id),
  };
}
