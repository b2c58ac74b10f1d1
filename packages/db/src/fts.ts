/** Full-text search over prompts, responses and tool inputs (FTS5, bm25 ranking). */
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import { parseInput } from './errors.js';
import type { Database } from './schema.js';

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

export const FTS_KINDS = ['all', 'prompts', 'responses', 'tools'] as const;
export type FtsKind = (typeof FTS_KINDS)[number];

export const fullTextSearchInputSchema = z.object({
  query: z.string().max(1000),
  kind: z.enum(FTS_KINDS).default('all'),
  /** Project path or project name. */
  project: z.string().min(1).max(4096).optional(),
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
  kind: 'prompt' | 'response' | 'tool';
  /** id in `prompts`, `responses` or `tool_calls`. */
  refId: number;
  sessionId: string;
  sessionTitle: string;
  projectName: string;
  projectPath: string;
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

const KIND_FILTER: Record<FtsKind, string | null> = {
  all: null,
  prompts: 'prompt',
  responses: 'response',
  tools: 'tool',
};

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
    ${kind ? sql`AND search_index.kind = ${kind}` : sql``}
    ${q.project ? sql`AND (s.project_path = ${q.project} OR s.project_name = ${q.project})` : sql``}`;
  try {
    const totalRow = await sql<{ n: number }>`SELECT count(*) AS n FROM search_index
      JOIN sessions s ON s.id = search_index.session_id WHERE ${where}`.execute(db);
    const total = totalRow.rows[0]?.n ?? 0;
    if (total === 0) return empty;
    const rows = await sql<{
      kind: 'prompt' | 'response' | 'tool';
      ref_id: number;
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
        s.title, s.project_name, s.project_path
      FROM search_index JOIN sessions s ON s.id = search_index.session_id
      WHERE ${where}
      ORDER BY rank, search_index.timestamp DESC
      LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`.execute(db);
    return {
      items: rows.rows.map((r) => {
        const parts = parseSnippet(r.snip ?? '');
        return {
          kind: r.kind,
          refId: Number(r.ref_id),
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
