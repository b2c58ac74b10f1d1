/**
 * The ingest hot path and everything the server needs synchronously (inside the spool reader's
 * `onBatch`, or at startup): raw better-sqlite3 prepared statements in one transaction.
 *
 * All functions here are synchronous and never hold a transaction across an `await`, so they cannot
 * interleave with one another.
 */
import {
  type HookEnvelope,
  hookEventName,
  type IngestEvent,
  type Session,
  type ToolCall,
} from '@flightdeck/shared-types';
import type { Kysely } from 'kysely';
import { DbInputError } from './errors.js';
import { hydrateSession, type StoredSessionRow } from './hydrate.js';
import { type Handle, handleOf } from './open.js';
import type { Database } from './schema.js';
import { sessionRow } from './session-row.js';
import { OP, prepared, type WriteOp } from './write-ops.js';

export type { IngestEvent } from '@flightdeck/shared-types';
export type { IngestResult } from './write-ops.js';

/** What one batch writes, in this order: raw events, re-keys, session rows with their new ring entries, removals. */
export interface IngestBatch {
  events: IngestEvent[];
  /** Sessions that changed (full objects as the core has them now). */
  sessions: Session[];
  /** Sessions to delete with all their child rows. Applied last. */
  removedSessionIds?: string[];
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

/* ------------------------------------------------------------------------------------------------------------
 * Write plans. Recording a batch has two halves:
 *  - planning (needs the caller's objects and the connection's memory of what was written: `Handle.rings`):
 *    turns events and sessions into a list of write operations made of strings and numbers only;
 *  - applying (needs only a SQLite connection): runs the operations with prepared statements.
 * The server plans on its event loop and applies on another thread's connection (`createOpWriter`), since a plan
 * is plain data that crosses `postMessage`.
 * ---------------------------------------------------------------------------------------------------------- */

/** The write of one raw hook event (`hook_events`; a repeated `ingestId` is ignored when applied). */
export function hookEventOp(ev: IngestEvent): WriteOp {
  if (typeof ev?.ingestId !== 'string' || ev.ingestId.length === 0) {
    throw new DbInputError('hook event: ingestId must be a non-empty string', 'ingestId');
  }
  // Envelopes are validated upstream; stay tolerant here so one odd record cannot block a batch.
  const env: Partial<HookEnvelope> = isObject(ev.envelope) ? ev.envelope : {};
  const payload: Record<string, unknown> = isObject(env.payload) ? env.payload : {};
  const meta: Record<string, unknown> = isObject(env.meta) ? env.meta : {};
  return [
    OP.hook,
    ev.ingestId,
    payloadSessionId(payload),
    typeof env.cli === 'string' ? env.cli : 'unknown',
    hookEventName(payload),
    JSON.stringify(payload),
    JSON.stringify(meta),
    Number.isFinite(ev.receivedAt) ? ev.receivedAt : 0,
    typeof meta.sentAt === 'number' && Number.isFinite(meta.sentAt) ? Math.round(meta.sentAt) : null,
  ];
}

/** The upsert of a session's row (see `session-row.ts`). */
export function sessionRowOp(s: Session): WriteOp {
  return [OP.session, sessionRow(s)];
}

function toolOp(sessionId: string, t: ToolCall): WriteOp {
  return [
    OP.tool,
    sessionId,
    t.toolUseId || null,
    t.tool,
    t.inputSummary ?? '',
    jsonExcerpt(t.input),
    t.status,
    t.startedAt,
    t.endedAt ?? null,
    t.durationMs ?? null,
    t.result === null || t.result === undefined ? null : cut(t.result, MAX_TOOL_TEXT_CHARS),
    t.error === null || t.error === undefined ? null : cut(t.error, MAX_TOOL_TEXT_CHARS),
    t.agentId ?? null,
  ];
}

/** The last planned array of a ring of a session, under the session key it was planned for. */
interface RingRecord {
  key: string;
  arr: readonly unknown[];
}

/** Ring arrays planned by a batch; moved to `h.rings` when the batch's plan is complete. */
type Pending = [string, RingRecord][];

function sessionKey(h: Handle, id: string): string {
  return `${h.generations.get(id) ?? 0}:${id}`;
}

function isObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null;
}

/**
 * Plans the entries of one ring buffer that were not planned before. Ring entries are immutable (the core makes a
 * new object when one changes), and ring buffers append at the end and drop from the front: the array is lined up
 * with the last planned array of the same ring (`h.rings`), and what is not at its place there is new. An array
 * object planned whole before is skipped at once (the core shares unchanged arrays between states).
 */
function planRing<T>(
  h: Handle,
  ring: string,
  id: string,
  arr: T[] | undefined,
  key: string,
  pending: Pending,
  write: (entry: T) => void,
): void {
  if (!Array.isArray(arr) || arr.length === 0) return;
  const slot = `${ring}\u0000${id}`;
  const prev = h.rings.get(slot);
  if (prev !== undefined && prev.key === key && prev.arr === arr) return;
  const last = prev !== undefined && prev.key === key ? prev.arr : null;
  const offset = last !== null ? last.indexOf(arr[0]) : -1;
  for (let i = 0; i < arr.length; i++) {
    const entry = arr[i] as T;
    if (!isObject(entry)) continue;
    if (offset >= 0 && (last as readonly unknown[])[i + offset] === entry) continue;
    write(entry);
  }
  pending.push([slot, { key, arr }]);
}

/** Plans the ring-buffer entries of a session not written before (prompts, responses, tool calls, events). */
function planRings(h: Handle, ops: WriteOp[], s: Session, pending: Pending): void {
  const id = s.sessionId;
  const key = sessionKey(h, id);
  planRing(h, 'p', id, s.promptHistory, key, pending, (p) =>
    ops.push([OP.prompt, id, cut(p.text ?? '', MAX_PROMPT_CHARS), p.promptId ?? null, p.timestamp]),
  );
  planRing(h, 'r', id, s.responseLog, key, pending, (r) =>
    ops.push([OP.response, id, cut(r.text ?? '', MAX_RESPONSE_CHARS), r.agentId ?? null, r.timestamp]),
  );
  planRing(h, 't', id, s.toolLog, key, pending, (t) => ops.push(toolOp(id, t)));
  planRing(h, 'e', id, s.events, key, pending, (e) =>
    ops.push([OP.event, id, e.type, e.detail ?? '', e.timestamp]),
  );
}

/** A session id deleted or re-keyed: what was written under it no longer counts. */
function bump(h: Handle, id: string): void {
  h.generations.set(id, (h.generations.get(id) ?? 0) + 1);
  for (const ring of ['p', 'r', 't', 'e']) h.rings.delete(`${ring}\u0000${id}`);
}

function settle(h: Handle, pending: Pending): void {
  for (const [slot, record] of pending) h.rings.set(slot, record);
}

/** Plans raw events, re-keys, session rows with their new ring entries, then removals: the order of a batch. */
function planBatch(h: Handle, ops: WriteOp[], b: IngestBatch, pending: Pending): void {
  for (const ev of b.events) ops.push(hookEventOp(ev));
  for (const rk of b.rekeys ?? []) {
    if (typeof rk?.oldId !== 'string' || typeof rk.newId !== 'string' || !rk.oldId || !rk.newId) {
      throw new DbInputError('rekeys: oldId and newId must be non-empty strings', 'rekeys');
    }
    if (rk.oldId === rk.newId) continue;
    bump(h, rk.oldId);
    bump(h, rk.newId);
    ops.push([OP.rekey, rk.oldId, rk.newId]);
  }
  for (const s of b.sessions) {
    ops.push(sessionRowOp(s));
    planRings(h, ops, s, pending);
  }
  for (const id of b.removedSessionIds ?? []) {
    bump(h, id);
    ops.push([OP.remove, id]);
  }
}

/**
 * Plans writes for a server that applies them elsewhere (another connection, another thread). It assumes
 * immutable ring entries (the core's) and records what it planned at once, as if already written: after a
 * failed write call `forget()`, and the next plan of each session writes its whole rings again (idempotent).
 */
export interface IngestPlanner {
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
}

export function createIngestPlanner(db: Kysely<Database>): IngestPlanner {
  const h = handleOf(db);
  return {
    hookEvent: (ops, ev) => ops.push(hookEventOp(ev)),
    sessionRow: (ops, s) => ops.push(sessionRowOp(s)),
    sessionRings(ops, s) {
      const pending: Pending = [];
      planRings(h, ops, s, pending);
      settle(h, pending);
    },
    batch(ops, parts) {
      const pending: Pending = [];
      planBatch(h, ops, parts, pending);
      settle(h, pending);
    },
    forget() {
      h.rings.clear();
    },
  };
}

/** The core state saved by the last batch that carried one, or `null`. */
export function loadCoreState(db: Kysely<Database>): { state: unknown; updatedAt: number } | null {
  const row = prepared(handleOf(db), 'SELECT state, updated_at FROM core_state WHERE id = 1').get() as
    | { state: string; updated_at: number }
    | undefined;
  if (!row) return null;
  return { state: JSON.parse(row.state) as unknown, updatedAt: row.updated_at };
}

/**
 * Snapshots of the sessions not ended, plus those that ended within the last `recentlyEndedMinutes`
 * (default 30, spec §4.6), most recently active first.
 */
export function loadLiveSessions(
  db: Kysely<Database>,
  options: { now: number; recentlyEndedMinutes?: number },
): Session[] {
  if (!Number.isFinite(options?.now)) throw new DbInputError('loadLiveSessions: now must be a number', 'now');
  const minutes = options.recentlyEndedMinutes ?? 30;
  if (!Number.isFinite(minutes) || minutes < 0) {
    throw new DbInputError('loadLiveSessions: recentlyEndedMinutes must be >= 0', 'recentlyEndedMinutes');
  }
  const cutoff = options.now - minutes * 60_000;
  const h = handleOf(db);
  const rows = prepared(
    h,
    `SELECT id, snapshot, ring_lengths FROM sessions WHERE status != 'ended' OR ifnull(ended_at, last_activity_at) >= ?
     ORDER BY last_activity_at DESC`,
  ).all(cutoff) as StoredSessionRow[];
  return rows.map((r) => hydrateSession(h, r));
}
