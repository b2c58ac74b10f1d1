/**
 * Full-text search on PostgreSQL: `search_index.tsv` (a tsvector under a GIN index, PostgreSQL migration 0002), the
 * newest `RANK_WINDOW` matches (as on SQLite; `capped` when more matched) ranked by `ts_rank` (normalised by document length, as bm25 favours short documents; `rank` is its negative, so
 * lower is better as on SQLite), snippets by `ts_headline` marked with the control characters of `fts.ts`. The
 * words are those of `ftsWords`, the last one a prefix term, all ANDed: operators of the tsquery syntax lose their meaning.
 */
import { type Kysely, type SqlBool, sql } from 'kysely';
import { parseInput } from '../errors.js';
import {
  type FtsResult,
  type FtsRow,
  type FullTextSearchInput,
  ftsWords,
  fullTextSearchInputSchema,
  KIND_FILTER,
  RANK_WINDOW,
  SNIPPET_MARK_END,
  SNIPPET_MARK_START,
  sessionConditions,
  toHit,
} from '../fts.js';
import type { Database } from '../schema.js';
import type { PromptMatch } from '../sessions.js';

/** `<`, `>`, `&` are blanks to the parser (else `<script>` is a tag it drops); put back in snippets. */
const AS_BLANKS = ['\u0001', '\u0004', '\u0005'] as const;
const searchable = (column: string) => sql`translate(${sql.ref(column)}, '<>&', ${AS_BLANKS.join('')})`;

const HEADLINE = [
  `StartSel=${SNIPPET_MARK_START}`,
  `StopSel=${SNIPPET_MARK_END}`,
  'MaxWords=24',
  'MinWords=12',
  'ShortWord=0',
].join(', ');

/**
 * The tsquery text of a user string: every word a quoted term, the last one a prefix term (the word being typed),
 * ANDed, as `toFtsQuery` does for SQLite; null when nothing is left.
 */
export function toTsQuery(query: string): string | null {
  const words = ftsWords(query.replaceAll('\u0000', ''));
  const terms = words.map((word, i) => {
    const lexeme = word.replace(/[<>&]/g, ' ').replaceAll('\\', '\\\\').replaceAll("'", "''");
    return `'${lexeme}'${i === words.length - 1 ? ':*' : ''}`;
  });
  return terms.length > 0 ? terms.join(' & ') : null;
}

const tsQuery = (text: string) => sql`to_tsquery('flightdeck', ${text})`;

function isQueryError(err: unknown): boolean {
  return /tsquery|text-search/i.test(err instanceof Error ? err.message : String(err));
}

function unblank(snip: string): string {
  return snip.replaceAll(AS_BLANKS[0], '<').replaceAll(AS_BLANKS[1], '>').replaceAll(AS_BLANKS[2], '&');
}

/** Ranked full-text search (the contract of the SQLite adapter's: any query is safe, an empty one finds nothing). */
export async function fullTextSearch(db: Kysely<Database>, input: FullTextSearchInput): Promise<FtsResult> {
  const q = parseInput(fullTextSearchInputSchema, input, 'fullTextSearch');
  const empty: FtsResult = { items: [], total: 0, capped: false, page: q.page, pageSize: q.pageSize };
  const text = toTsQuery(q.query);
  if (!text) return empty;
  const kind = KIND_FILTER[q.kind];
  // The newest matches (one more than the window: were there more?), ranked within.
  const newest = (
    limit: number,
  ) => sql`SELECT i.id, i.kind, i.ref_id, i.session_id, i.timestamp, i.text, i.tsv,
      s.title, s.project_name, s.project_path
    FROM search_index i JOIN sessions s ON s.id = i.session_id
    WHERE i.tsv @@ ${tsQuery(text)}
      ${kind ? sql`AND i.kind IN (${sql.join(kind)})` : sql``}
      ${sessionConditions(q)}
    ORDER BY i.id DESC LIMIT ${limit}`;
  try {
    const counted = await sql<{
      n: number;
    }>`SELECT count(*) AS n FROM (${newest(RANK_WINDOW + 1)}) w`.execute(db);
    const matched = Number(counted.rows[0]?.n ?? 0);
    const total = Math.min(matched, RANK_WINDOW);
    const capped = matched > RANK_WINDOW;
    if (total === 0) return empty;
    // The page first, then the snippets of its rows only (ts_headline re-parses the text).
    const rows = await sql<FtsRow>`SELECT p.id, p.kind, p.ref_id, p.session_id, p.timestamp, p.rank,
        ts_headline('flightdeck', ${searchable('p.text')}, ${tsQuery(text)}, ${HEADLINE}) AS snip,
        p.title, p.project_name, p.project_path, t.tool_use_id, t.tool_name
      FROM (
        SELECT w.*, -ts_rank(w.tsv, ${tsQuery(text)}, 1) AS rank
        FROM (${newest(RANK_WINDOW)}) w
        ORDER BY rank, w.timestamp DESC, w.id DESC
        LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}
      ) p
      LEFT JOIN tool_calls t ON p.kind IN ('tool_input', 'tool_output') AND t.id = p.ref_id
      ORDER BY p.rank, p.timestamp DESC, p.id DESC`.execute(db);
    return {
      items: rows.rows.map((r) => toHit({ ...r, snip: unblank(r.snip ?? '') })),
      total,
      capped,
      page: q.page,
      pageSize: q.pageSize,
    };
  } catch (err) {
    if (isQueryError(err)) return empty;
    throw err;
  }
}

/** Sessions with a prompt matching `query`, through the tsvector index (`searchSessions`' text filter). */
export const tsPromptMatch: PromptMatch = (query) => {
  const text = toTsQuery(query);
  if (!text) return null;
  return sql<SqlBool>`id IN (SELECT session_id FROM search_index WHERE kind = 'prompt' AND tsv @@ ${tsQuery(text)})`;
};
