/** Session history: detail, search/list (spec §12.7), projects, the raw event log. */
import type { Note, Session, ToolCallStatus } from '@flightdeck/shared-types';
import type { Expression, Kysely, SqlBool } from 'kysely';
import { z } from 'zod';
import { parseInput } from './errors.js';
import { sessionFilterFields } from './fts.js';
import { hydrateSession, toolCallFields } from './hydrate.js';
import type { Database } from './schema.js';
import { columnOf, SESSION_COLUMNS, type SessionSummary, toSessionSummary } from './session-row.js';

export type { SessionSummary } from './session-row.js';

/** The columns a history listing selects (those that mirror a field). */
const SUMMARY_COLUMNS = Object.keys(SESSION_COLUMNS) as (keyof typeof SESSION_COLUMNS)[];

export interface PromptRecord {
  id: number;
  text: string;
  promptId: string | null;
  timestamp: number;
}
export interface ResponseRecord {
  id: number;
  text: string;
  agentId: string | null;
  timestamp: number;
}
export interface ToolCallRecord {
  id: number;
  toolUseId: string | null;
  tool: string;
  inputSummary: string;
  /** JSON text of the input, cut to 4000 chars. */
  inputExcerpt: string | null;
  status: ToolCallStatus;
  startedAt: number;
  endedAt: number | null;
  durationMs: number | null;
  result: string | null;
  error: string | null;
  agentId: string | null;
}
export interface EventRecord {
  id: number;
  type: string;
  detail: string;
  timestamp: number;
}

export interface SessionDetail {
  /** The session as last persisted (snapshot + ring buffers rebuilt). */
  session: Session;
  summary: SessionSummary;
  prompts: PromptRecord[];
  responses: ResponseRecord[];
  toolCalls: ToolCallRecord[];
  events: EventRecord[];
  notes: Note[];
}

/** Full detail of one session, or `null` when unknown. */
export async function getSession(db: Kysely<Database>, sessionId: string): Promise<SessionDetail | null> {
  const id = parseInput(z.string().min(1).max(512), sessionId, 'getSession: sessionId');
  const row = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return null;
  const [prompts, responses, tools, events, notes] = await Promise.all([
    db
      .selectFrom('prompts')
      .selectAll()
      .where('session_id', '=', id)
      .orderBy('timestamp')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('responses')
      .selectAll()
      .where('session_id', '=', id)
      .orderBy('timestamp')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('tool_calls')
      .selectAll()
      .where('session_id', '=', id)
      .orderBy('timestamp')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('events')
      .selectAll()
      .where('session_id', '=', id)
      .orderBy('timestamp')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('notes')
      .selectAll()
      .where('session_id', '=', id)
      .orderBy('created_at')
      .orderBy('id')
      .execute(),
  ]);
  return {
    session: await hydrateSession(db, row),
    summary: toSessionSummary(row),
    prompts: prompts.map((p) => ({ id: p.id, text: p.text, promptId: p.prompt_id, timestamp: p.timestamp })),
    responses: responses.map((r) => ({
      id: r.id,
      text: r.text_excerpt,
      agentId: r.agent_id,
      timestamp: r.timestamp,
    })),
    toolCalls: tools.map((t) => ({ id: t.id, ...toolCallFields(t), inputExcerpt: t.tool_input })),
    events: events.map((e) => ({ id: e.id, type: e.event_type, detail: e.detail, timestamp: e.timestamp })),
    notes: notes.map((n) => ({
      id: n.id,
      sessionId: n.session_id,
      text: n.text,
      createdAt: n.created_at,
      updatedAt: n.updated_at,
    })),
  };
}

export const SESSION_SORT_COLUMNS = ['started_at', 'last_activity_at', 'project_name', 'status'] as const;

/** The fields a history listing sorts by (the browser's words), each with its column (`SESSION_SORT_COLUMNS`). */
export const SESSION_SORT_FIELDS = ['startedAt', 'lastActivityAt', 'projectName', 'status'] as const;
export type SessionSortField = (typeof SESSION_SORT_FIELDS)[number];

/** The column of a sort field. */
export function sortColumnOf(field: SessionSortField): (typeof SESSION_SORT_COLUMNS)[number] {
  return columnOf(field) as (typeof SESSION_SORT_COLUMNS)[number];
}

export const searchSessionsInputSchema = z.object({
  /** Words searched in the sessions' prompts (FTS). */
  query: z.string().max(1000).optional(),
  ...sessionFilterFields,
  sortBy: z.enum(SESSION_SORT_COLUMNS).default('last_activity_at'),
  sortDir: z.enum(['asc', 'desc']).default('desc'),
  page: z.number().int().min(1).default(1),
  pageSize: z.number().int().min(1).max(200).default(50),
});
export type SearchSessionsInput = z.input<typeof searchSessionsInputSchema>;

export interface SearchSessionsResult {
  items: SessionSummary[];
  total: number;
  page: number;
  pageSize: number;
}

/**
 * The dialect's full-text condition on `sessions.id` for "a prompt of the session matches `query`" (the SQLite
 * adapter's is FTS5), or null when nothing can match (a query of punctuation only).
 */
export type PromptMatch = (query: string) => Expression<SqlBool> | null;

/**
 * Filtered, sorted, paginated session list (spec §12.7). `query` matches prompt text through the dialect's
 * full-text index (`promptMatch`; adapters call this with theirs: `adapter.searchSessions`).
 */
export async function searchSessions(
  db: Kysely<Database>,
  input: SearchSessionsInput,
  promptMatch: PromptMatch,
): Promise<SearchSessionsResult> {
  const q = parseInput(searchSessionsInputSchema, input, 'searchSessions');
  let base = db.selectFrom('sessions');
  if (q.query !== undefined && q.query.trim() !== '') {
    const match = promptMatch(q.query);
    if (!match) return { items: [], total: 0, page: q.page, pageSize: q.pageSize };
    base = base.where(match);
  }
  if (q.project) {
    const p = q.project;
    base = base.where((eb) => eb.or([eb('project_path', '=', p), eb('project_name', '=', p)]));
  }
  if (q.status) base = base.where('status', 'in', Array.isArray(q.status) ? q.status : [q.status]);
  if (q.cli) base = base.where('cli', 'in', Array.isArray(q.cli) ? q.cli : [q.cli]);
  if (q.dateFrom !== undefined) base = base.where('started_at', '>=', q.dateFrom);
  if (q.dateTo !== undefined) base = base.where('started_at', '<=', q.dateTo);
  if (q.archived !== undefined) base = base.where('archived', '=', q.archived ? 1 : 0);

  const totalRow = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
  const total = Number(totalRow?.n ?? 0);
  const rows = await base
    .select(SUMMARY_COLUMNS)
    .orderBy(q.sortBy, q.sortDir)
    .orderBy('id', q.sortDir)
    .limit(q.pageSize)
    .offset((q.page - 1) * q.pageSize)
    .execute();
  return { items: rows.map(toSessionSummary), total, page: q.page, pageSize: q.pageSize };
}

export interface ProjectInfo {
  projectPath: string;
  projectName: string;
  sessionCount: number;
  lastActivityAt: number;
}

/** Sessions grouped by project: `project_path`, `project_name`, session count `n`, latest activity `last`. */
export function projectsQuery(db: Kysely<Database>) {
  return db
    .selectFrom('sessions')
    .select((eb) => [
      'project_path',
      eb.fn.max('project_name').as('project_name'),
      eb.fn.countAll<number>().as('n'),
      eb.fn.max('last_activity_at').as('last'),
    ])
    .groupBy('project_path');
}

/** Distinct projects, most recently active first. */
export async function listProjects(db: Kysely<Database>): Promise<ProjectInfo[]> {
  const rows = await projectsQuery(db).orderBy('last', 'desc').execute();
  return rows.map((r) => ({
    projectPath: r.project_path,
    projectName: r.project_name,
    sessionCount: Number(r.n),
    lastActivityAt: Number(r.last),
  }));
}

export const listHookEventsInputSchema = z.object({
  sessionId: z.string().min(1).max(512).optional(),
  /** Only events with a row id greater than this (for paging through the log in order). */
  afterId: z.number().int().nonnegative().default(0),
  limit: z.number().int().min(1).max(5000).default(500),
});
export type ListHookEventsInput = z.input<typeof listHookEventsInputSchema>;

export interface StoredHookEvent {
  id: number;
  ingestId: string;
  sessionId: string | null;
  cli: string;
  eventType: string | null;
  payload: Record<string, unknown>;
  meta: Record<string, unknown>;
  receivedAt: number;
  sentAt: number | null;
}

/** Raw hook events in arrival order (e.g. to show a session's raw log, or to replay the log into the core). */
export async function listHookEvents(
  db: Kysely<Database>,
  input: ListHookEventsInput = {},
): Promise<StoredHookEvent[]> {
  const q = parseInput(listHookEventsInputSchema, input, 'listHookEvents');
  let query = db.selectFrom('hook_events').selectAll().where('id', '>', q.afterId);
  if (q.sessionId) query = query.where('session_id', '=', q.sessionId);
  const rows = await query.orderBy('id').limit(q.limit).execute();
  return rows.map((r) => ({
    id: r.id,
    ingestId: r.ingest_id,
    sessionId: r.session_id,
    cli: r.cli,
    eventType: r.event_type,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
    meta: JSON.parse(r.meta) as Record<string, unknown>,
    receivedAt: r.received_at,
    sentAt: r.sent_at,
  }));
}
