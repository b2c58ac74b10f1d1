/**
 * The ingest hot path and everything the server needs synchronously (inside the spool reader's
 * `onBatch`, or at startup): raw better-sqlite3 prepared statements in one transaction.
 *
 * All functions here are synchronous and never hold a transaction across an `await`, so they cannot
 * interleave with one another.
 */
import type { HookEnvelope, Session, ToolCall } from '@flightdeck/shared-types';
import type { Kysely } from 'kysely';
import { DbInputError } from './errors.js';
import { hydrateSession, type StoredSessionRow } from './hydrate.js';
import { type Handle, handleOf } from './open.js';
import type { Database } from './schema.js';
import { sessionRow } from './session-row.js';
import {
  applyOps,
  deleteSessionWith,
  type IngestResult,
  migrateWith,
  OP,
  prepared,
  SQL,
  WATERMARK_KEY,
  type WriteOp,
} from './write-ops.js';

export type { IngestResult } from './write-ops.js';

export interface IngestEvent {
  /** Unique, ordered id of the delivery (spool record id); duplicates are ignored. */
  ingestId: string;
  envelope: HookEnvelope;
  /** Unix ms when the server received it. */
  receivedAt: number;
}

export interface IngestBatch {
  events: IngestEvent[];
  /** Sessions that changed (full objects as the core has them now). */
  sessions: Session[];
  /** Sessions to delete with all their child rows. Applied last. */
  removedSessionIds?: string[];
  /** Re-keyed sessions (resume): children move from `oldId` to `newId`. Applied before the session upserts. */
  rekeys?: { oldId: string; newId: string }[];
  /** The core's state, saved as JSON when given (anything JSON-serialisable). */
  coreState?: unknown;
  /** Unix ms stored as `core_state.updated_at`; default: the latest `receivedAt`, else `Date.now()`. */
  now?: number;
  /**
   * The caller guarantees that ring-buffer entries are never mutated once passed in (a changed entry is a new
   * object, as the core does): an entry found at the same place as in the last committed array of its ring
   * is then skipped without comparing a tool call's mutable fields, and nothing is recorded in `Handle.written`
   * (an entry found out of place is rewritten, idempotently). Default `false` (compare them).
   */
  immutableEntries?: boolean;
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

/** Event name of a raw hook payload (`hook_event_name`, or Codex notify `type`). */
export function payloadEventType(payload: Record<string, unknown>): string | null {
  return str(payload.hook_event_name) ?? str(payload.type) ?? str(payload.event) ?? null;
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
 * `recordIngestBatch` does both in one transaction. A server can instead plan on its event loop and apply on
 * another thread's connection (`createOpWriter`), since a plan is plain data that crosses `postMessage`.
 * ---------------------------------------------------------------------------------------------------------- */

/** The write of one raw hook event (`hook_events`; a repeated `ingestId` is ignored when applied). */
export function hookEventOp(ev: IngestEvent): WriteOp {
  if (typeof ev?.ingestId !== 'string' || ev.ingestId.length === 0) {
    throw new DbInputError('recordIngestBatch: events[].ingestId must be a non-empty string', 'ingestId');
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
    payloadEventType(payload),
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

/** What was planned for an entry (or a whole ring-buffer array): the session key, plus a tool call's mutable fields. */
interface WrittenMark {
  key: string;
  status?: unknown;
  endedAt?: unknown;
  durationMs?: unknown;
  result?: unknown;
  error?: unknown;
  agentId?: unknown;
}

const NO_MARKS: ReadonlyArray<WrittenMark> = [];

/** Ring record of `Handle.rings` (`marks` stay empty for immutable entries: identity says it all). */
interface RingRecord {
  key: string;
  arr: readonly unknown[];
  marks: ReadonlyArray<WrittenMark>;
}

/** Marks of planned entries and ring arrays; moved to `h.written`/`h.rings` once their writes are committed. */
interface Pending {
  entries: [object, WrittenMark][];
  rings: [string, RingRecord][];
}

function sessionKey(h: Handle, id: string): string {
  return `${h.generations.get(id) ?? 0}:${id}`;
}

function isObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null;
}

function toolMark(key: string, t: ToolCall): WrittenMark {
  return {
    key,
    status: t.status,
    endedAt: t.endedAt,
    durationMs: t.durationMs,
    result: t.result,
    error: t.error,
    agentId: t.agentId,
  };
}

function sameTool(m: WrittenMark | undefined, key: string, t: ToolCall): boolean {
  return (
    m !== undefined &&
    m.key === key &&
    m.status === t.status &&
    m.endedAt === t.endedAt &&
    m.durationMs === t.durationMs &&
    m.result === t.result &&
    m.error === t.error &&
    m.agentId === t.agentId
  );
}

/**
 * Plans the entries of one ring buffer that were not written before. An array object already written
 * whole is skipped at once (the core shares unchanged arrays between states). Otherwise the array is lined up
 * with the last written array of the same ring (`h.rings`): an entry at the same place there (after the
 * entries dropped from the front) reuses its mark without a `WeakMap` lookup; anything else is looked up.
 */
function planRing<T>(
  h: Handle,
  ring: string,
  id: string,
  arr: T[] | undefined,
  key: string,
  pending: Pending,
  write: (entry: T) => void,
  isTool: boolean,
  immutable: boolean,
): void {
  if (!Array.isArray(arr) || arr.length === 0) return;
  const slot = `${ring}\u0000${id}`;
  const prev = h.rings.get(slot) as RingRecord | undefined;
  if (prev !== undefined && prev.key === key && prev.arr === arr) return;
  if (immutable) {
    // An entry is a new object whenever it changed: what is not at its place in the last array is new.
    const last = prev !== undefined && prev.key === key ? prev.arr : null;
    const offset = last !== null ? last.indexOf(arr[0]) : -1;
    for (let i = 0; i < arr.length; i++) {
      const entry = arr[i] as T;
      if (!isObject(entry)) continue;
      if (offset >= 0 && (last as readonly unknown[])[i + offset] === entry) continue;
      write(entry);
    }
    pending.rings.push([slot, { key, arr, marks: NO_MARKS }]);
    return;
  }
  if (h.written.get(arr)?.key === key) return;
  let offset = -1;
  if (prev !== undefined && prev.key === key) offset = prev.arr.indexOf(arr[0]);
  const prevArr = offset >= 0 ? (prev as RingRecord).arr : null;
  const prevMarks = offset >= 0 ? (prev as RingRecord).marks : null;
  const marks: WrittenMark[] = new Array(arr.length);
  for (let i = 0; i < arr.length; i++) {
    const entry = arr[i] as T;
    if (!isObject(entry)) {
      marks[i] = { key: '' };
      continue;
    }
    const j = i + offset;
    let m: WrittenMark | undefined;
    if (prevArr !== null && j < prevArr.length && prevArr[j] === entry) {
      m = (prevMarks as ReadonlyArray<WrittenMark>)[j] as WrittenMark;
    } else {
      m = h.written.get(entry);
    }
    if (isTool) {
      const t = entry as unknown as ToolCall;
      if (m !== undefined && sameTool(m, key, t)) {
        marks[i] = m;
        continue;
      }
      const mark = toolMark(key, t);
      marks[i] = mark;
      pending.entries.push([entry, mark]);
    } else {
      if (m !== undefined && m.key === key) {
        marks[i] = m;
        continue;
      }
      const mark = { key };
      marks[i] = mark;
      pending.entries.push([entry, mark]);
    }
    write(entry);
  }
  pending.entries.push([arr, { key }]);
  pending.rings.push([slot, { key, arr, marks }]);
}

/** Plans the ring-buffer entries of a session not written before (prompts, responses, tool calls, events). */
function planRings(h: Handle, ops: WriteOp[], s: Session, pending: Pending, immutable: boolean): void {
  const id = s.sessionId;
  const key = sessionKey(h, id);
  planRing(
    h,
    'p',
    id,
    s.promptHistory,
    key,
    pending,
    (p) => ops.push([OP.prompt, id, cut(p.text ?? '', MAX_PROMPT_CHARS), p.promptId ?? null, p.timestamp]),
    false,
    immutable,
  );
  planRing(
    h,
    'r',
    id,
    s.responseLog,
    key,
    pending,
    (r) => ops.push([OP.response, id, cut(r.text ?? '', MAX_RESPONSE_CHARS), r.agentId ?? null, r.timestamp]),
    false,
    immutable,
  );
  planRing(h, 't', id, s.toolLog, key, pending, (t) => ops.push(toolOp(id, t)), true, immutable);
  planRing(
    h,
    'e',
    id,
    s.events,
    key,
    pending,
    (e) => ops.push([OP.event, id, e.type, e.detail ?? '', e.timestamp]),
    false,
    immutable,
  );
}

/** A session id deleted or re-keyed: what was written under it no longer counts. */
function bump(h: Handle, id: string): void {
  h.generations.set(id, (h.generations.get(id) ?? 0) + 1);
  for (const ring of ['p', 'r', 't', 'e']) h.rings.delete(`${ring}\u0000${id}`);
}

function settle(h: Handle, pending: Pending): void {
  for (const [entry, fingerprint] of pending.entries) h.written.set(entry, fingerprint);
  for (const [slot, record] of pending.rings) h.rings.set(slot, record);
}

/** What `planBatch` reads of an `IngestBatch`. */
export type BatchParts = Pick<IngestBatch, 'events' | 'sessions' | 'rekeys' | 'removedSessionIds'>;

/** Plans raw events, re-keys, session rows with their new ring entries, then removals: the order of a batch. */
function planBatch(h: Handle, ops: WriteOp[], b: BatchParts, pending: Pending, immutable: boolean): void {
  for (const ev of b.events) ops.push(hookEventOp(ev));
  for (const rk of b.rekeys ?? []) {
    if (typeof rk?.oldId !== 'string' || typeof rk.newId !== 'string' || !rk.oldId || !rk.newId) {
      throw new DbInputError(
        'recordIngestBatch: rekeys[].oldId and newId must be non-empty strings',
        'rekeys',
      );
    }
    if (rk.oldId === rk.newId) continue;
    bump(h, rk.oldId);
    bump(h, rk.newId);
    ops.push([OP.rekey, rk.oldId, rk.newId]);
  }
  for (const s of b.sessions) {
    ops.push(sessionRowOp(s));
    planRings(h, ops, s, pending, immutable);
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
   * A whole batch, in the order `recordIngestBatch` writes it: raw events, re-keys, session rows with their new
   * ring entries, removals (for batches that re-key or remove sessions).
   */
  batch(ops: WriteOp[], batch: BatchParts): void;
  /** Forgets every ring planned so far. */
  forget(): void;
}

export function createIngestPlanner(db: Kysely<Database>): IngestPlanner {
  const h = handleOf(db);
  return {
    hookEvent: (ops, ev) => ops.push(hookEventOp(ev)),
    sessionRow: (ops, s) => ops.push(sessionRowOp(s)),
    sessionRings(ops, s) {
      const pending: Pending = { entries: [], rings: [] };
      planRings(h, ops, s, pending, true);
      settle(h, pending);
    },
    batch(ops, parts) {
      const pending: Pending = { entries: [], rings: [] };
      planBatch(h, ops, parts, pending, true);
      settle(h, pending);
    },
    forget() {
      h.rings.clear();
      h.written = new WeakMap();
    },
  };
}

/**
 * Records one batch atomically: raw hook events (duplicate `ingestId`s ignored and reported), re-keys,
 * session upserts with their prompts/responses/tool calls/lifecycle events (idempotent), removals and the
 * core state. Synchronous; throws (and rolls everything back) only on a programming error or IO failure.
 */
export function recordIngestBatch(db: Kysely<Database>, batch: IngestBatch): IngestResult {
  const h = handleOf(db);
  if (!isObject(batch) || !Array.isArray(batch.events) || !Array.isArray(batch.sessions)) {
    throw new DbInputError('recordIngestBatch: events and sessions must be arrays', 'events');
  }
  const pending: Pending = { entries: [], rings: [] };
  const ops: WriteOp[] = [];
  planBatch(h, ops, batch, pending, batch.immutableEntries === true);
  if (batch.coreState !== undefined) {
    let latest = 0;
    for (const ev of batch.events) if (ev.receivedAt > latest) latest = ev.receivedAt;
    ops.push([OP.core, JSON.stringify(batch.coreState), batch.now ?? (latest || Date.now())]);
  }
  const result = h.sqlite.transaction(() => applyOps(h, ops))();
  settle(h, pending);
  return result;
}

/** Which of `ids` are already stored in `hook_events`. */
export function hasIngestIds(db: Kysely<Database>, ids: Iterable<string>): Set<string> {
  const h = handleOf(db);
  const stmt = prepared(h, SQL.hasIngestId).pluck();
  const found = new Set<string>();
  for (const id of ids) if (stmt.get(id) !== undefined) found.add(id);
  return found;
}

/** A raw hook event as stored, with its row id. */
export interface LoggedHookEvent extends IngestEvent {
  id: number;
}

/** Row id of the last raw event the checkpoint includes; `null` when no checkpoint was written. */
function watermark(h: Handle): number | null {
  const mark = prepared(h, 'SELECT value FROM kv WHERE key = ?').pluck().get(WATERMARK_KEY);
  if (mark === undefined || mark === null) return null;
  const n = Number(mark);
  return Number.isFinite(n) ? n : null;
}

/**
 * The raw hook events that the saved state does not include yet (stored after the checkpoint watermark), oldest
 * first: what a restart replays. Without a watermark: none when a core state was saved (a database written before
 * checkpoints existed, when every transaction carried the whole state), else all of them.
 */
export function hookEventsAfterCheckpoint(db: Kysely<Database>): LoggedHookEvent[] {
  const h = handleOf(db);
  let after = watermark(h);
  if (after === null) {
    if (prepared(h, 'SELECT 1 FROM core_state WHERE id = 1').get() !== undefined) return [];
    after = 0;
  }
  const rows = prepared(
    h,
    'SELECT id, ingest_id, cli, payload, meta, received_at FROM hook_events WHERE id > ? ORDER BY id',
  ).all(after) as Array<{
    id: number;
    ingest_id: string;
    cli: string;
    payload: string;
    meta: string;
    received_at: number;
  }>;
  return rows.map((r) => ({
    id: r.id,
    ingestId: r.ingest_id,
    envelope: {
      cli: r.cli as HookEnvelope['cli'],
      payload: JSON.parse(r.payload) as HookEnvelope['payload'],
      meta: JSON.parse(r.meta) as HookEnvelope['meta'],
    },
    receivedAt: r.received_at,
  }));
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

/** Deletes a session and every child row (prompts, responses, tool calls, events, notes, raw hook events). */
export function deleteSessionCascade(db: Kysely<Database>, sessionId: string): boolean {
  const h = handleOf(db);
  bump(h, sessionId);
  return h.sqlite.transaction(() => deleteSessionWith(h, sessionId))();
}

/**
 * Re-keys a session (resume): the row and all child rows move from `oldId` to `newId`. When `newId` already
 * exists, children are merged into it (duplicates dropped) and the old row is deleted. Returns whether
 * anything moved.
 */
export function migrateSessionId(db: Kysely<Database>, oldId: string, newId: string): boolean {
  if (typeof oldId !== 'string' || typeof newId !== 'string' || !oldId || !newId) {
    throw new DbInputError('migrateSessionId: oldId and newId must be non-empty strings', 'oldId');
  }
  const h = handleOf(db);
  if (oldId !== newId) {
    bump(h, oldId);
    bump(h, newId);
  }
  return h.sqlite.transaction(() => migrateWith(h, oldId, newId))();
}

/**
 * Deletes raw hook events received before `before` (Unix ms), keeping the newest `keepAtLeast` (default 0) and
 * every event after the checkpoint watermark.
 * Their ingest ids are forgotten, so only prune what the spool can no longer redeliver. Returns rows deleted.
 */
export function pruneHookEvents(
  db: Kysely<Database>,
  options: { before: number; keepAtLeast?: number },
): number {
  if (!Number.isFinite(options?.before))
    throw new DbInputError('pruneHookEvents: before must be a number', 'before');
  const keep = Math.max(0, Math.floor(options.keepAtLeast ?? 0));
  const h = handleOf(db);
  const floor =
    keep > 0
      ? ((prepared(h, 'SELECT id FROM hook_events ORDER BY id DESC LIMIT 1 OFFSET ?')
          .pluck()
          .get(keep - 1) as number | undefined) ?? 0)
      : Number.MAX_SAFE_INTEGER;
  // Events after the checkpoint watermark are still needed: a restart replays them.
  const mark = watermark(h) ?? Number.MAX_SAFE_INTEGER;
  return prepared(h, 'DELETE FROM hook_events WHERE received_at < ? AND id < ? AND id <= ?').run(
    options.before,
    floor,
    mark,
  ).changes;
}
