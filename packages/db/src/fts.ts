/**
 * Full-text search over prompts, responses, tool call inputs and outputs, notes and session titles (FTS5, bm25
 * ranking; the index is built by migration 0002).
 */
import { AGENT_CLIS, SESSION_STATUSES } from '@flightdeck/shared-types';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { z } from 'zod';
import { parseInput } from './errors.js';
import type { Database, SearchKind } from './schema.js';

const MAX_TERMS = 16;

/**
 * Turns any user string into a safe FTS5 MATCH expression: every word becomes a quoted prefix term
 * (`"word"*`), terms are ANDed. FTS operators (`AND`, `OR`, `NOT`, `NEAR`, `*`, `^`, `:`, parentheses,
 * quotes) lose their meaning and are searched as plain words or dropped. Returns `null` when nothing
 * searchable remains (the caller then returns an empty result).
 */
export function toFtsQuery(query: string): string | null {
  const terms: string[] = [];
  for (const raw of query.normalize('NFC').split(/\s+/u)) {
    // Keep letters, digits and inner punctuation the tokenizer splits anyway; strip the rest at the edges.
    const word = raw.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
    if (!/[\p{L}\p{N}]/u.test(word)) continue;
    terms.push(`"${word.replaceAll('"', '""')}"*`);
    if (terms.length >= MAX_TERMS) break;
  }
  return terms.length > 0 ? terms.join(' ') : null;
}

export const FTS_KINDS = ['all', 'prompts', 'responses', 'tools', 'notes', 'titles'] as const;
export type FtsKind = (typeof FTS_KINDS)[number];

const oneOrMany = <T extends z.ZodType>(t: T) => z.union([t, z.array(t).min(1).max(20)]);

/** Filters on the session a row belongs to, shared by `searchSessions` and `fullTextSearch`. */
export const sessionFilterFields = {
  /** Project path or project name. */
  project: z.string().min(1).max(4096).optional(),
  status: oneOrMany(z.enum(SESSION_STATUSES)).optional(),
  cli: oneOrMany(z.enum(AGENT_CLIS)).optional(),
  /** Unix ms; sessions started at or after. */
  dateFrom: z.number().int().nonnegative().optional(),
  /** Unix ms; sessions started at or before. */
  dateTo: z.number().int().nonnegative().optional(),
  archived: z.boolean().optional(),
};

export const fullTextSearchInputSchema = z.object({
  query: z.string().max(1000),
  kind: z.enum(FTS_KINDS).default('all'),
  ...sessionFilterFields,
  page: z.number().int().min(1).default(1),
  pageSize: z.number().int().min(1).max(200).default(20),
});
export type FullTextSearchInput = z.input<typeof fullTextSearchInputSchema>;

/** Start/end markers of a match inside `FtsHit.snippet`. */
export const SNIPPET_MARK_START = '\u0002';
export const SNIPPET_MARK_END = '\u0003';

export interface SnippetPart {
  text: string;
  match: boolean;
}

export interface FtsHit {
  /** What matched: a prompt, a response, a tool call's input or output, a note or the session title. */
  kind: SearchKind;
  /** id in `prompts`, `responses`, `tool_calls` (both tool kinds) or `notes`; the session's rowid for a title. */
  refId: number;
  /** The tool call's `tool_use_id` and tool name (tool kinds only, else null). */
  toolUseId: string | null;
  toolName: string | null;
  sessionId: string;
  sessionTitle: string;
  projectName: string;
  projectPath: string;
  /** When the item happened (a tool call's start, a note's last edit, a title: the session's start). */
  timestamp: number;
  /** bm25 score (lower = better; results come best first). */
  rank: number;
  /** Snippet split into plain and matching parts: render `match` parts highlighted (no HTML to sanitise). */
  snippet: SnippetPart[];
  /** The same snippet as HTML: text escaped, matches in `<mark>…</mark>`. */
  snippetHtml: string;
}

export interface FtsResult {
  items: FtsHit[];
  total: number;
  page: number;
  pageSize: number;
}

const KIND_FILTER: Record<FtsKind, SearchKind[] | null> = {
  all: null,
  prompts: ['prompt'],
  responses: ['response'],
  tools: ['tool_input', 'tool_output'],
  notes: ['note'],
  titles: ['title'],
};

type SessionFilters = Partial<
  Pick<z.output<z.ZodObject<typeof sessionFilterFields>>, keyof typeof sessionFilterFields>
>;

const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** SQL conditions (ANDed, each starting with AND) on the `sessions` row aliased `s`. */
function sessionConditions(f: SessionFilters): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [];
  if (f.project) parts.push(sql`AND (s.project_path = ${f.project} OR s.project_name = ${f.project})`);
  if (f.status) parts.push(sql`AND s.status IN (${sql.join(list(f.status))})`);
  if (f.cli) parts.push(sql`AND s.cli IN (${sql.join(list(f.cli))})`);
  if (f.dateFrom !== undefined) parts.push(sql`AND s.started_at >= ${f.dateFrom}`);
  if (f.dateTo !== undefined) parts.push(sql`AND s.started_at <= ${f.dateTo}`);
  if (f.archived !== undefined) parts.push(sql`AND s.archived = ${f.archived ? 1 : 0}`);
  return parts.length > 0 ? sql.join(parts, sql` `) : sql``;
}

function escapeHtml(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/** Splits an FTS5 `snippet()` produced with the control-character markers into parts. */
export function parseSnippet(raw: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  let rest = raw;
  while (rest.length > 0) {
    const start = rest.indexOf(SNIPPET_MARK_START);
    if (start < 0) {
      parts.push({ text: rest, match: false });
      break;
    }
    if (start > 0) parts.push({ text: rest.slice(0, start), match: false });
    const end = rest.indexOf(SNIPPET_MARK_END, start + 1);
    const stop = end < 0 ? rest.length : end;
    parts.push({ text: rest.slice(start + 1, stop), match: true });
    rest = end < 0 ? '' : rest.slice(end + 1);
  }
  return parts
    .map((p) => ({ ...p, text: p.text.replaceAll(SNIPPET_MARK_START, '').replaceAll(SNIPPET_MARK_END, '') }))
    .filter((p) => p.text.length > 0);
}

function isFtsError(err: unknown): boolean {
  const msg = err instanceof Error ? err.message : String(err);
  return /fts5|syntax error|unterminated|no such column/i.test(msg);
}

/**
 * Ranked full-text search. Any query string is safe: it is sanitised by `toFtsQuery`, an empty query
 * gives an empty result, and an FTS error never reaches the caller.
 */
export async function fullTextSearch(db: Kysely<Database>, input: FullTextSearchInput): Promise<FtsResult> {
  const q = parseInput(fullTextSearchInputSchema, input, 'fullTextSearch');
  const empty: FtsResult = { items: [], total: 0, page: q.page, pageSize: q.pageSize };
  const match = toFtsQuery(q.query);
  if (!match) return empty;
  const kind = KIND_FILTER[q.kind];
  const where = sql`search_index MATCH ${match}
    ${kind ? sql`AND search_index.kind IN (${sql.join(kind)})` : sql``}
    ${sessionConditions(q)}`;
  try {
    const totalRow = await sql<{ n: number }>`SELECT count(*) AS n FROM search_index
      JOIN sessions s ON s.id = search_index.session_id WHERE ${where}`.execute(db);
    const total = totalRow.rows[0]?.n ?? 0;
    if (total === 0) return empty;
    const rows = await sql<{
      kind: SearchKind;
      ref_id: number;
      tool_use_id: string | null;
      tool_name: string | null;
      session_id: string;
      timestamp: number;
      rank: number;
      snip: string;
      title: string;
      project_name: string;
      project_path: string;
    }>`SELECT search_index.kind, search_index.ref_id, search_index.session_id, search_index.timestamp,
        bm25(search_index) AS rank,
        snippet(search_index, 4, ${SNIPPET_MARK_START}, ${SNIPPET_MARK_END}, '…', 24) AS snip,
        s.title, s.project_name, s.project_path, t.tool_use_id, t.tool_name
      FROM search_index JOIN sessions s ON s.id = search_index.session_id
      LEFT JOIN tool_calls t ON search_index.kind IN ('tool_input', 'tool_output') AND t.id = search_index.ref_id
      WHERE ${where}
      ORDER BY rank, search_index.timestamp DESC
      LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`.execute(db);
    return {
      items: rows.rows.map((r) => {
        const parts = parseSnippet(r.snip ?? '');
        return {
          kind: r.kind,
          refId: Number(r.ref_id),
          toolUseId: r.tool_use_id ?? null,
          toolName: r.tool_name ?? null,
          sessionId: r.session_id,
          sessionTitle: r.title,
          projectName: r.project_name,
          projectPath: r.project_path,
          timestamp: Number(r.timestamp),
          rank: r.rank,
          snippet: parts,
          snippetHtml: parts
            .map((p) => (p.match ? `<mark>${escapeHtml(p.text)}</mark>` : escapeHtml(p.text)))
            .join(''),
        };
      }),
      total,
      page: q.page,
      pageSize: q.pageSize,
    };
  } catch (err) {
    if (isFtsError(err)) return empty;
    throw err;
  }
}
