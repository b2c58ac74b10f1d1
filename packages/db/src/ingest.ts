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
import { type Handle, handleOf, prepared } from './open.js';
import type { Database } from './schema.js';

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

export interface IngestResult {
  insertedIngestIds: string[];
  duplicateIngestIds: string[];
}

/** Longest text kept per prompt. */
export const MAX_PROMPT_CHARS = 100_000;
/** Longest response excerpt kept (spec: first 2000 chars). */
export const MAX_RESPONSE_CHARS = 2000;
/** Longest tool input JSON / result excerpt kept. */
export const MAX_TOOL_TEXT_CHARS = 4000;

const SQL = {
  insertHookEvent: `INSERT OR IGNORE INTO hook_events (ingest_id, session_id, cli, event_type, payload, meta, received_at, sent_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  upsertSession: `INSERT INTO sessions (id, cli, project_path, project_name, title, model, status, status_reason, source, label,
      team_id, team_role, accent_color, parent_session_id, agent_name, agent_type, permission_mode, transcript_path,
      started_at, ended_at, end_reason, last_activity_at, total_prompts, total_tool_calls, archived, previous_session_ids,
      resume_count, snapshot, ring_lengths)
    VALUES (@id, @cli, @project_path, @project_name, @title, @model, @status, @status_reason, @source, @label,
      @team_id, @team_role, @accent_color, @parent_session_id, @agent_name, @agent_type, @permission_mode, @transcript_path,
      @started_at, @ended_at, @end_reason, @last_activity_at, @total_prompts, @total_tool_calls, @archived, @previous_session_ids,
      @resume_count, @snapshot, @ring_lengths)
    ON CONFLICT (id) DO UPDATE SET cli = excluded.cli, project_path = excluded.project_path,
      project_name = excluded.project_name, title = excluded.title, model = excluded.model, status = excluded.status,
      status_reason = excluded.status_reason, source = excluded.source, label = excluded.label, team_id = excluded.team_id,
      team_role = excluded.team_role, accent_color = excluded.accent_color, parent_session_id = excluded.parent_session_id,
      agent_name = excluded.agent_name, agent_type = excluded.agent_type, permission_mode = excluded.permission_mode,
      transcript_path = excluded.transcript_path, started_at = excluded.started_at, ended_at = excluded.ended_at,
      end_reason = excluded.end_reason, last_activity_at = excluded.last_activity_at,
      total_prompts = excluded.total_prompts, total_tool_calls = excluded.total_tool_calls, archived = excluded.archived,
      previous_session_ids = excluded.previous_session_ids, resume_count = excluded.resume_count,
      snapshot = excluded.snapshot, ring_lengths = excluded.ring_lengths`,
  insertPrompt: `INSERT OR IGNORE INTO prompts (session_id, text, prompt_id, timestamp) VALUES (?, ?, ?, ?)`,
  insertResponse: `INSERT OR IGNORE INTO responses (session_id, text_excerpt, agent_id, timestamp) VALUES (?, ?, ?, ?)`,
  insertEvent: `INSERT OR IGNORE INTO events (session_id, event_type, detail, timestamp) VALUES (?, ?, ?, ?)`,
  insertTool: `INSERT OR IGNORE INTO tool_calls (session_id, tool_use_id, tool_name, tool_input_summary, tool_input, status,
      timestamp, ended_at, duration_ms, result_excerpt, error, agent_id)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  updateToolById: `UPDATE tool_calls SET status = ?, ended_at = ?, duration_ms = ?, result_excerpt = ?, error = ?, agent_id = ?
    WHERE session_id = ? AND tool_use_id = ?`,
  updateToolByTime: `UPDATE tool_calls SET status = ?, ended_at = ?, duration_ms = ?, result_excerpt = ?, error = ?, agent_id = ?
    WHERE session_id = ? AND tool_use_id IS NULL AND timestamp = ? AND tool_name = ?`,
  insertSearch: `INSERT INTO search_index (rowid, session_id, kind, ref_id, timestamp, text) VALUES (?, ?, ?, ?, ?, ?)`,
  saveCoreState: `INSERT INTO core_state (id, state, updated_at) VALUES (1, ?, ?)
    ON CONFLICT (id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
  hasIngestId: `SELECT 1 FROM hook_events WHERE ingest_id = ?`,
  sessionExists: `SELECT 1 FROM sessions WHERE id = ?`,
  deleteSession: `DELETE FROM sessions WHERE id = ?`,
  deleteHookEventsOf: `DELETE FROM hook_events WHERE session_id = ?`,
} as const;

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

function sessionParams(s: Session): Record<string, string | number | null> {
  return {
    id: s.sessionId,
    cli: s.cli,
    project_path: s.projectPath ?? '',
    project_name: s.projectName ?? '',
    title: s.title ?? '',
    model: s.model ?? null,
    status: s.status,
    status_reason: s.statusReason ? JSON.stringify(s.statusReason) : null,
    source: s.source ?? 'unknown',
    label: s.label ?? null,
    team_id: s.teamId ?? null,
    team_role: s.teamRole ?? null,
    accent_color: s.accentColor ?? null,
    parent_session_id: s.parentSessionId ?? null,
    agent_name: s.agentName ?? null,
    agent_type: s.agentType ?? null,
    permission_mode: s.permissionMode ?? null,
    transcript_path: s.transcriptPath ?? null,
    started_at: s.startedAt,
    ended_at: s.endedAt ?? null,
    end_reason: s.endReason ?? null,
    last_activity_at: s.lastActivityAt,
    total_prompts: s.totalPrompts ?? 0,
    total_tool_calls: s.totalToolCalls ?? 0,
    archived: s.archived ? 1 : 0,
    previous_session_ids: JSON.stringify(s.previousSessionIds ?? []),
    resume_count: s.resumeCount ?? 0,
    snapshot: JSON.stringify({ ...s, promptHistory: [], toolLog: [], responseLog: [], events: [] }),
    ring_lengths: JSON.stringify({
      promptHistory: s.promptHistory?.length ?? 0,
      toolLog: s.toolLog?.length ?? 0,
      responseLog: s.responseLog?.length ?? 0,
      events: s.events?.length ?? 0,
    }),
  };
}

const KIND_CODE = { prompt: 1, response: 2, tool: 3 } as const;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the snippet markers are control characters on purpose
const MARKERS = /[\u0002\u0003]/g;

/** Adds a freshly inserted child row to the full-text index (see the migration for why not a trigger). */
function index(
  h: Handle,
  kind: keyof typeof KIND_CODE,
  refId: number | bigint,
  sessionId: string,
  timestamp: number,
  text: string,
): void {
  const id = Number(refId);
  prepared(h, SQL.insertSearch).run(
    id * 4 + KIND_CODE[kind],
    sessionId,
    kind,
    id,
    timestamp,
    text.replace(MARKERS, ''),
  );
}

function writeToolCall(h: Handle, sessionId: string, t: ToolCall): void {
  const input = jsonExcerpt(t.input);
  const summary = t.inputSummary ?? '';
  const result = t.result === null || t.result === undefined ? null : cut(t.result, MAX_TOOL_TEXT_CHARS);
  const error = t.error === null || t.error === undefined ? null : cut(t.error, MAX_TOOL_TEXT_CHARS);
  const ended = t.endedAt ?? null;
  const duration = t.durationMs ?? null;
  const agent = t.agentId ?? null;
  const useId = t.toolUseId || null;
  const r = prepared(h, SQL.insertTool).run(
    sessionId,
    useId,
    t.tool,
    summary,
    input,
    t.status,
    t.startedAt,
    ended,
    duration,
    result,
    error,
    agent,
  );
  if (r.changes > 0) {
    index(h, 'tool', r.lastInsertRowid, sessionId, t.startedAt, `${t.tool} ${summary} ${input ?? ''}`);
  } else if (useId) {
    prepared(h, SQL.updateToolById).run(t.status, ended, duration, result, error, agent, sessionId, useId);
  } else {
    prepared(h, SQL.updateToolByTime).run(
      t.status,
      ended,
      duration,
      result,
      error,
      agent,
      sessionId,
      t.startedAt,
      t.tool,
    );
  }
}

/** What was committed for an entry (or a whole ring-buffer array): the session key, plus a tool call's mutable fields. */
interface WrittenMark {
  key: string;
  status?: unknown;
  endedAt?: unknown;
  durationMs?: unknown;
  result?: unknown;
  error?: unknown;
  agentId?: unknown;
}

/** Ring record of `Handle.rings`. */
interface RingRecord {
  key: string;
  arr: readonly unknown[];
  marks: ReadonlyArray<WrittenMark>;
}

/** Entries and ring arrays written in the current transaction; moved to `h.written`/`h.rings` only once it commits. */
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
 * Writes the entries of one ring buffer that were not committed before. An array object already written
 * whole is skipped at once (the core shares unchanged arrays between states). Otherwise the array is lined up
 * with the last committed array of the same ring (`h.rings`): an entry at the same place there (after the
 * entries dropped from the front) reuses its mark without a `WeakMap` lookup; anything else is looked up.
 */
function writeRing<T>(
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
      if (immutable) {
        marks[i] = m;
        continue;
      }
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
      if (!immutable) pending.entries.push([entry, mark]);
    } else {
      if (m !== undefined && m.key === key) {
        marks[i] = m;
        continue;
      }
      const mark = { key };
      marks[i] = mark;
      if (!immutable) pending.entries.push([entry, mark]);
    }
    write(entry);
  }
  // With immutable entries the ring record is enough (the WeakMap only served entries found out of place,
  // which are rewritten idempotently instead); it spares the GC a large ephemeron table.
  if (!immutable) pending.entries.push([arr, { key }]);
  pending.rings.push([slot, { key, arr, marks }]);
}

function writeSession(h: Handle, s: Session, pending: Pending, immutable: boolean): void {
  if (!isObject(s) || typeof s.sessionId !== 'string' || s.sessionId.length === 0) {
    throw new DbInputError('recordIngestBatch: sessions[].sessionId must be a non-empty string', 'sessionId');
  }
  prepared(h, SQL.upsertSession).run(sessionParams(s));
  const id = s.sessionId;
  const key = sessionKey(h, id);
  const insPrompt = prepared(h, SQL.insertPrompt);
  writeRing(
    h,
    'p',
    id,
    s.promptHistory,
    key,
    pending,
    (p) => {
      const text = cut(p.text ?? '', MAX_PROMPT_CHARS);
      const r = insPrompt.run(id, text, p.promptId ?? null, p.timestamp);
      if (r.changes > 0) index(h, 'prompt', r.lastInsertRowid, id, p.timestamp, text);
    },
    false,
    immutable,
  );
  const insResponse = prepared(h, SQL.insertResponse);
  writeRing(
    h,
    'r',
    id,
    s.responseLog,
    key,
    pending,
    (r) => {
      const text = cut(r.text ?? '', MAX_RESPONSE_CHARS);
      const res = insResponse.run(id, text, r.agentId ?? null, r.timestamp);
      if (res.changes > 0) index(h, 'response', res.lastInsertRowid, id, r.timestamp, text);
    },
    false,
    immutable,
  );
  writeRing(h, 't', id, s.toolLog, key, pending, (t) => writeToolCall(h, id, t), true, immutable);
  const insEvent = prepared(h, SQL.insertEvent);
  writeRing(
    h,
    'e',
    id,
    s.events,
    key,
    pending,
    (e) => insEvent.run(id, e.type, e.detail ?? '', e.timestamp),
    false,
    immutable,
  );
}

function bump(h: Handle, id: string): void {
  h.generations.set(id, (h.generations.get(id) ?? 0) + 1);
  for (const ring of ['p', 'r', 't', 'e']) h.rings.delete(`${ring}\u0000${id}`);
}

function deleteSessionWith(h: Handle, id: string): boolean {
  bump(h, id);
  prepared(h, SQL.deleteHookEventsOf).run(id);
  return prepared(h, SQL.deleteSession).run(id).changes > 0;
}

const CHILD_TABLES = ['prompts', 'responses', 'tool_calls', 'events', 'notes'] as const;

function migrateWith(h: Handle, oldId: string, newId: string): boolean {
  if (oldId === newId) return false;
  bump(h, oldId);
  bump(h, newId);
  const exists = (id: string) => prepared(h, SQL.sessionExists).get(id) !== undefined;
  prepared(h, 'UPDATE hook_events SET session_id = ? WHERE session_id = ?').run(newId, oldId);
  if (!exists(oldId)) return false;
  if (!exists(newId)) {
    // ON UPDATE CASCADE carries every child row (and the FTS triggers follow).
    prepared(h, 'UPDATE sessions SET id = ? WHERE id = ?').run(newId, oldId);
    return true;
  }
  // Both exist: move the children that do not collide with the new session's own, drop the old row.
  for (const t of CHILD_TABLES) {
    prepared(h, `UPDATE OR IGNORE ${t} SET session_id = ? WHERE session_id = ?`).run(newId, oldId);
  }
  prepared(h, SQL.deleteSession).run(oldId);
  return true;
}

/**
 * Records one batch atomically: raw hook events (duplicate `ingestId`s ignored and reported), re-keys,
 * session upserts with their prompts/responses/tool calls/lifecycle events (idempotent), removals and the
 * core state. Synchronous; throws (and rolls everything back) only on a programming error or IO failure.
 */
export function recordIngestBatch(db: Kysely<Database>, batch: IngestBatch): IngestResult {
  const h = handleOf(db);
  const pending: Pending = { entries: [], rings: [] };
  const run = h.sqlite.transaction((b: IngestBatch): IngestResult => {
    if (!isObject(b) || !Array.isArray(b.events) || !Array.isArray(b.sessions)) {
      throw new DbInputError('recordIngestBatch: events and sessions must be arrays', 'events');
    }
    const inserted: string[] = [];
    const duplicates: string[] = [];
    const insEvent = prepared(h, SQL.insertHookEvent);
    let latest = 0;
    for (const ev of b.events) {
      if (typeof ev?.ingestId !== 'string' || ev.ingestId.length === 0) {
        throw new DbInputError('recordIngestBatch: events[].ingestId must be a non-empty string', 'ingestId');
      }
      // Envelopes are validated upstream; stay tolerant here so one odd record cannot block a batch.
      const env: Partial<HookEnvelope> = isObject(ev.envelope) ? ev.envelope : {};
      const payload: Record<string, unknown> = isObject(env.payload) ? env.payload : {};
      const meta: Record<string, unknown> = isObject(env.meta) ? env.meta : {};
      const r = insEvent.run(
        ev.ingestId,
        payloadSessionId(payload),
        typeof env.cli === 'string' ? env.cli : 'unknown',
        payloadEventType(payload),
        JSON.stringify(payload),
        JSON.stringify(meta),
        Number.isFinite(ev.receivedAt) ? ev.receivedAt : 0,
        typeof meta.sentAt === 'number' && Number.isFinite(meta.sentAt) ? Math.round(meta.sentAt) : null,
      );
      (r.changes > 0 ? inserted : duplicates).push(ev.ingestId);
      if (ev.receivedAt > latest) latest = ev.receivedAt;
    }
    for (const rk of b.rekeys ?? []) {
      if (typeof rk?.oldId !== 'string' || typeof rk.newId !== 'string' || !rk.oldId || !rk.newId) {
        throw new DbInputError(
          'recordIngestBatch: rekeys[].oldId and newId must be non-empty strings',
          'rekeys',
        );
      }
      migrateWith(h, rk.oldId, rk.newId);
    }
    const immutable = b.immutableEntries === true;
    for (const s of b.sessions) writeSession(h, s, pending, immutable);
    for (const id of b.removedSessionIds ?? []) deleteSessionWith(h, id);
    if (b.coreState !== undefined) {
      prepared(h, SQL.saveCoreState).run(JSON.stringify(b.coreState), b.now ?? (latest || Date.now()));
    }
    return { insertedIngestIds: inserted, duplicateIngestIds: duplicates };
  });
  const result = run(batch);
  for (const [entry, fingerprint] of pending.entries) h.written.set(entry, fingerprint);
  for (const [slot, record] of pending.rings) h.rings.set(slot, record);
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
  return h.sqlite.transaction(() => migrateWith(h, oldId, newId))();
}

/**
 * Deletes raw hook events received before `before` (Unix ms), keeping the newest `keepAtLeast` (default 0).
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
  return prepared(h, 'DELETE FROM hook_events WHERE received_at < ? AND id < ?').run(options.before, floor)
    .changes;
}
