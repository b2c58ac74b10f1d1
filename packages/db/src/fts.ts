/**
 * Full-text search over prompts, responses, tool call inputs and outputs, notes and session titles: the input, the
 * result and the snippets. The search itself is the adapter's (`DatabaseAdapter.fullTextSearch`; FTS5 with bm25
 * ranking in `sqlite/fts-search.ts`, the index built by migration 0002).
 */
import { AGENT_CLIS, SESSION_STATUSES } from '@flightdeck/shared-types';
import { z } from 'zod';
import type { SearchKind } from './schema.js';

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
