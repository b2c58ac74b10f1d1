/**
 * Full-text search on SQLite: the FTS5 table `search_index` (migration 0002), ranked by bm25, snippets marked with
 * the control characters of `fts.ts`. The portable half (input schema, query sanitising, snippet parsing) is in
 * `fts.ts`.
 */
import { type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { z } from 'zod';
import { parseInput } from '../errors.js';
import {
  escapeHtml,
  type FtsKind,
  type FtsResult,
  type FullTextSearchInput,
  fullTextSearchInputSchema,
  parseSnippet,
  SNIPPET_MARK_END,
  SNIPPET_MARK_START,
  type sessionFilterFields,
  toFtsQuery,
} from '../fts.js';
import type { Database, SearchKind } from '../schema.js';
import type { PromptMatch } from '../sessions.js';

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

/** Sessions with a prompt matching `query`, through the FTS5 index (`searchSessions`' text filter). */
export const ftsPromptMatch: PromptMatch = (query) => {
  const match = toFtsQuery(query);
  if (!match) return null;
  return sql<SqlBool>`id IN (SELECT session_id FROM search_index WHERE search_index MATCH ${match} AND kind = 'prompt')`;
};
