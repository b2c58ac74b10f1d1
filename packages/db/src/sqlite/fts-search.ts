/**
 * Full-text search on SQLite: the FTS5 table `search_index` (migration 0002), the newest `RANK_WINDOW` matches
 * ranked by BM25 (`fts-rank.ts`), snippets marked with the control characters of `fts.ts`. The portable half (input
 * schema, query sanitising, snippet parsing) is in `fts.ts`.
 */
import { type Kysely, type SqlBool, sql } from 'kysely';
import { parseInput } from '../errors.js';
import {
  type FtsResult,
  type FullTextSearchInput,
  ftsWords,
  fullTextSearchInputSchema,
  KIND_FILTER,
  RANK_WINDOW,
  SNIPPET_MARK_END,
  SNIPPET_MARK_START,
  sessionConditions,
  toFtsQuery,
  toHit,
} from '../fts.js';
import type { Database, SearchKind } from '../schema.js';
import type { PromptMatch } from '../sessions.js';
import { rankPhrases, rankTexts } from './fts-rank.js';

/** Where a snippet is cut: a bound parameter, so the SQL text (and the server bundle) stays ASCII. */
const SNIPPET_ELLIPSIS = '\u2026';

function isFtsError(err: unknown): boolean {
  const msg = err instanceof Error ? err.message : String(err);
  return /fts5|syntax error|unterminated|no such column/i.test(msg);
}

interface Candidate {
  rid: number;
  session_id: string;
  kind: SearchKind;
  ref_id: number;
  timestamp: number;
  text: string | null;
}

/** The most indexed words a last word (a prefix term) is spelled out as; beyond it, FTS5 merges the prefix. */
const PREFIX_TERMS_MAX = 16;

/**
 * The indexed words starting with `word` (lowercase ASCII letters and digits only, as the index holds them), from
 * the index's own vocabulary (an `fts5vocab` table, read one word at a time: no counting), or null when there are
 * more than `PREFIX_TERMS_MAX` or `word` may be folded by the tokenizer. FTS5 reads a prefix term by merging the
 * whole doclists of every word it starts, newest to oldest, before the first row comes out; an OR of the words
 * themselves is read lazily, so a query can stop at its window.
 */
async function prefixTerms(db: Kysely<Database>, word: string): Promise<string[] | null> {
  if (!/^[a-z0-9]{2,}$/.test(word)) return null;
  await sql`CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_terms USING fts5vocab(main, search_index, instance)`.execute(
    db,
  );
  const end = word.slice(0, -1) + String.fromCharCode(word.charCodeAt(word.length - 1) + 1);
  const terms: string[] = [];
  let from = word;
  for (;;) {
    const next = await sql<{ term: string }>`SELECT term FROM temp.search_terms
      WHERE term >= ${from} AND term < ${end} LIMIT 1`.execute(db);
    const term = next.rows[0]?.term;
    if (term === undefined) return terms;
    if (terms.length === PREFIX_TERMS_MAX) return null;
    terms.push(term);
    from = `${term}\u0000`;
  }
}

/** The MATCH expression of the candidate query: `toFtsQuery`'s, its prefix term spelled out when it can be. */
async function candidateMatch(db: Kysely<Database>, words: string[], match: string): Promise<string> {
  const terms = await prefixTerms(db, (words.at(-1) ?? '').toLowerCase());
  if (terms === null || terms.length === 0) return match;
  const quote = (w: string) => `"${w.replaceAll('"', '""')}"`;
  return [...words.slice(0, -1).map(quote), `(${terms.map(quote).join(' OR ')})`].join(' AND ');
}

/**
 * The snippets of a page's rows, made by FTS5's own `snippet()` on a temporary index of just those rows (same
 * tokenizer): the same text as on the whole index, without re-reading a common term's doclist once per row.
 */
async function snippets(db: Kysely<Database>, match: string, rows: { rid: number; text: string }[]) {
  const out = new Map<number, string>();
  if (rows.length === 0) return out;
  await sql`CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_page USING fts5(
    batch UNINDEXED, text, tokenize = 'unicode61 remove_diacritics 2'
  )`.execute(db);
  const batch = `${Date.now()}-${Math.random()}`;
  try {
    await sql`INSERT INTO temp.search_page (rowid, batch, text) VALUES ${sql.join(
      rows.map((r) => sql`(${r.rid}, ${batch}, ${r.text})`),
    )}`.execute(db);
    const found = await sql<{ rid: number; snip: string }>`SELECT rowid AS rid,
        snippet(search_page, 1, ${SNIPPET_MARK_START}, ${SNIPPET_MARK_END}, ${SNIPPET_ELLIPSIS}, 24) AS snip
      FROM temp.search_page WHERE search_page MATCH ${match} AND batch = ${batch}`.execute(db);
    for (const r of found.rows) out.set(Number(r.rid), r.snip);
  } finally {
    await sql`DELETE FROM temp.search_page WHERE batch = ${batch}`.execute(db);
  }
  return out;
}

/**
 * Ranked full-text search. Any query string is safe: it is sanitised by `toFtsQuery`, an empty query
 * gives an empty result, and an FTS error never reaches the caller. The newest `RANK_WINDOW` matches are read
 * (with their text) and ranked (BM25 on their text, `fts-rank.ts`; then newest first); `total` counts them, and
 * `capped` says there were more. No FTS5 `bm25()`: its per-term document counts read every match in the index.
 */
export async function fullTextSearch(db: Kysely<Database>, input: FullTextSearchInput): Promise<FtsResult> {
  const q = parseInput(fullTextSearchInputSchema, input, 'fullTextSearch');
  const empty: FtsResult = { items: [], total: 0, capped: false, page: q.page, pageSize: q.pageSize };
  const words = ftsWords(q.query);
  const match = toFtsQuery(q.query);
  if (!match) return empty;
  const kind = KIND_FILTER[q.kind];
  const filters = sessionConditions(q);
  const filtered = q.project || q.status || q.cli || q.dateFrom !== undefined || q.dateTo !== undefined;
  const byArchive = q.archived !== undefined;
  try {
    // Newest matches first, straight from the index's doclists; the session row is read only when a filter needs it.
    const candidates = await sql<Candidate>`SELECT search_index.rowid AS rid, search_index.session_id,
        search_index.kind, search_index.ref_id, search_index.timestamp, search_index.text
      FROM search_index ${filtered || byArchive ? sql`JOIN sessions s ON s.id = search_index.session_id` : sql``}
      WHERE search_index MATCH ${await candidateMatch(db, words, match)}
        ${kind ? sql`AND search_index.kind IN (${sql.join(kind)})` : sql``}
        ${filters}
      ORDER BY search_index.rowid DESC LIMIT ${RANK_WINDOW + 1}`.execute(db);
    const capped = candidates.rows.length > RANK_WINDOW;
    const window = candidates.rows.slice(0, RANK_WINDOW);
    const ranks = rankTexts(
      window.map((r) => r.text ?? ''),
      rankPhrases(words),
    );
    // Best first, then newest: an order of indexes (the rows themselves are not copied).
    const order = window
      .map((_, i) => i)
      .sort((x, y) => {
        const a = window[x] as Candidate;
        const b = window[y] as Candidate;
        return (ranks[x] as number) - (ranks[y] as number) || b.timestamp - a.timestamp || b.rid - a.rid;
      });
    const total = order.length;
    if (total === 0) return empty;
    const page = order
      .slice((q.page - 1) * q.pageSize, q.page * q.pageSize)
      .map((i) => ({ ...(window[i] as Candidate), rank: ranks[i] as number }));
    if (page.length === 0) return { ...empty, total, capped };
    const details = await sql<{
      rid: number;
      title: string;
      project_name: string;
      project_path: string;
      tool_use_id: string | null;
      tool_name: string | null;
    }>`SELECT search_index.rowid AS rid, s.title, s.project_name, s.project_path, t.tool_use_id, t.tool_name
      FROM search_index JOIN sessions s ON s.id = search_index.session_id
      LEFT JOIN tool_calls t ON search_index.kind IN ('tool_input', 'tool_output') AND t.id = search_index.ref_id
      WHERE search_index.rowid IN (${sql.join(page.map((r) => r.rid))})`.execute(db);
    const detail = new Map(details.rows.map((d) => [Number(d.rid), d]));
    const snips = await snippets(
      db,
      match,
      page.map((r) => ({ rid: Number(r.rid), text: r.text ?? '' })),
    );
    return {
      items: page.flatMap((r) => {
        const d = detail.get(Number(r.rid));
        if (!d) return [];
        return [toHit({ ...r, ...d, snip: snips.get(Number(r.rid)) ?? '' })];
      }),
      total,
      capped,
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
