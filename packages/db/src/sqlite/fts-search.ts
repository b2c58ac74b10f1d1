/**
 * Full-text search on SQLite: the FTS5 table `search_index` (migration 0002), ranked by bm25, snippets marked with
 * the control characters of `fts.ts`. The portable half (input schema, query sanitising, snippet parsing) is in
 * `fts.ts`.
 */
import { type Kysely, type SqlBool, sql } from 'kysely';
import { parseInput } from '../errors.js';
import {
  type FtsResult,
  type FtsRow,
  type FullTextSearchInput,
  fullTextSearchInputSchema,
  KIND_FILTER,
  SNIPPET_MARK_END,
  SNIPPET_MARK_START,
  sessionConditions,
  toFtsQuery,
  toHit,
} from '../fts.js';
import type { Database } from '../schema.js';
import type { PromptMatch } from '../sessions.js';

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
    const rows =
      await sql<FtsRow>`SELECT search_index.kind, search_index.ref_id, search_index.session_id, search_index.timestamp,
        bm25(search_index) AS rank,
        snippet(search_index, 4, ${SNIPPET_MARK_START}, ${SNIPPET_MARK_END}, '…', 24) AS snip,
        s.title, s.project_name, s.project_path, t.tool_use_id, t.tool_name
      FROM search_index JOIN sessions s ON s.id = search_index.session_id
      LEFT JOIN tool_calls t ON search_index.kind IN ('tool_input', 'tool_output') AND t.id = search_index.ref_id
      WHERE ${where}
      ORDER BY rank, search_index.timestamp DESC
      LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`.execute(db);
    return {
      items: rows.rows.map(toHit),
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
