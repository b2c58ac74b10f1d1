/**
 * Full-text search over prompts, responses, tool call inputs and outputs, notes and session titles: the input, the
 * result, the snippets, and what both adapters' searches share (kind and session filters, the hit of a row). The
 * search itself is the adapter's (`DatabaseAdapter.fullTextSearch`): FTS5 in `sqlite/fts-search.ts`, ranked by
 * BM25 in `sqlite/fts-rank.ts`; a tsvector with a GIN index and `ts_rank` in `postgres/fts-search.ts`.
 */
import { AGENT_CLIS, SESSION_STATUSES } from '@flightdeck/shared-types';
import { type RawBuilder, sql } from 'kysely';
import { z } from 'zod';
import type { SearchKind } from './schema.js';

const MAX_TERMS = 16;

/**
 * How many of the newest matches are ranked (see "Search at scale" in the README): a query matching more ranks its
 * newest `RANK_WINDOW` matches (BM25 on SQLite, ts_rank on PostgreSQL; the words weigh alike on both) and says
 * `capped`. Measured with `pnpm bench:fts` over 1,000,000 messages: ranking every match of a word in 30 % of them
 * took over a second; the window keeps every query near its cost of reading that many matches.
 */
export const RANK_WINDOW = 2000;

/**
 * The words of any user string that a full-text search looks for (at most 16), NFC-normalised, punctuation
 * stripped at their edges; words without a letter or digit are dropped. Each adapter builds its own query from
 * them (FTS5: `toFtsQuery`; PostgreSQL: a tsquery of prefix terms).
 */
export function ftsWords(query: string): string[] {
  const words: string[] = [];
  for (const raw of query.normalize('NFC').split(/\s+/u)) {
    // Keep letters, digits and inner punctuation the tokenizer splits anyway; strip the rest at the edges.
    const word = raw.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
    if (!/[\p{L}\p{N}]/u.test(word)) continue;
    words.push(word);
    if (words.length >= MAX_TERMS) break;
  }
  return words;
}

/**
 * Turns any user string into a safe FTS5 MATCH expression: every word becomes a quoted term (`"word"`), the
 * last one a prefix term (`"word"*`: the word being typed), terms are ANDed. A prefix term merges the doclists
 * of every indexed word it starts, so only the word still being typed pays for it. FTS operators (`AND`, `OR`,
 * `NOT`, `NEAR`, `*`, `^`, `:`, parentheses, quotes) lose their meaning and are searched as plain words or
 * dropped. Returns `null` when nothing searchable remains (the caller then returns an empty result).
 */
export function toFtsQuery(query: string): string | null {
  const words = ftsWords(query);
  const terms = words.map((word, i) => `"${word.replaceAll('"', '""')}"${i === words.length - 1 ? '*' : ''}`);
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
  /** The score (lower = better; results come best first): minus BM25 on SQLite, minus `ts_rank` on PostgreSQL. */
  rank: number;
  /** Snippet split into plain and matching parts: render `match` parts highlighted (no HTML to sanitise). */
  snippet: SnippetPart[];
  /** The same snippet as HTML: text escaped, matches in `<mark>…</mark>`. */
  snippetHtml: string;
}

export interface FtsResult {
  items: FtsHit[];
  /** Matches ranked (at most the adapter's window of the newest ones; see `capped`). */
  total: number;
  /** More matched than were ranked: the newest ones were ranked, `total` is that window. */
  capped: boolean;
  page: number;
  pageSize: number;
}

/** The result of `fullTextSearch`. */
export type FullTextSearchResult = FtsResult;

export function escapeHtml(s: string): string {
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

/** The `search_index` kinds of each `kind` filter (null: every kind). */
export const KIND_FILTER: Record<FtsKind, SearchKind[] | null> = {
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

/** SQL conditions (ANDed, each starting with AND) on the `sessions` row aliased `s` (portable SQL). */
export function sessionConditions(f: SessionFilters): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [];
  if (f.project) parts.push(sql`AND (s.project_path = ${f.project} OR s.project_name = ${f.project})`);
  if (f.status) parts.push(sql`AND s.status IN (${sql.join(list(f.status))})`);
  if (f.cli) parts.push(sql`AND s.cli IN (${sql.join(list(f.cli))})`);
  if (f.dateFrom !== undefined) parts.push(sql`AND s.started_at >= ${f.dateFrom}`);
  if (f.dateTo !== undefined) parts.push(sql`AND s.started_at <= ${f.dateTo}`);
  if (f.archived !== undefined) parts.push(sql`AND s.archived = ${f.archived ? 1 : 0}`);
  return parts.length > 0 ? sql.join(parts, sql` `) : sql``;
}

/** A result row of either adapter's search: `snip` marked with `SNIPPET_MARK_START`/`SNIPPET_MARK_END`. */
export interface FtsRow {
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
}

export function toHit(r: FtsRow): FtsHit {
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
    rank: Number(r.rank),
    snippet: parts,
    snippetHtml: parts
      .map((p) => (p.match ? `<mark>${escapeHtml(p.text)}</mark>` : escapeHtml(p.text)))
      .join(''),
  };
}
