/**
 * Split a server search snippet into plain and highlighted parts. Understands `<mark>…</mark>`,
 * control-character markers (\u0002…\u0003) and `**…**`; never interprets anything else as HTML.
 */
export interface Part {
  text: string;
  match: boolean;
}

const MARKERS: ReadonlyArray<readonly [string, string]> = [
  ['<mark>', '</mark>'],
  ['\u0002', '\u0003'],
  ['<b>', '</b>'],
];

export function splitHighlights(snippet: string): Part[] {
  const pair = MARKERS.find(([open]) => snippet.includes(open));
  if (!pair) return snippet ? [{ text: snippet, match: false }] : [];
  const [open, close] = pair;
  const parts: Part[] = [];
  let rest = snippet;
  while (rest.length > 0) {
    const start = rest.indexOf(open);
    if (start < 0) {
      parts.push({ text: rest, match: false });
      break;
    }
    if (start > 0) parts.push({ text: rest.slice(0, start), match: false });
    const end = rest.indexOf(close, start + open.length);
    const inner = end < 0 ? rest.slice(start + open.length) : rest.slice(start + open.length, end);
    if (inner) parts.push({ text: inner, match: true });
    rest = end < 0 ? '' : rest.slice(end + close.length);
  }
  return parts;
}

/** Highlight occurrences of `terms` in plain text (used when the server sends no markers). */
export function highlightTerms(text: string, query: string): Part[] {
  const terms = query
    .split(/\s+/)
    .map((t) => t.replace(/["*^()]/g, ''))
    .filter((t) => t.length > 1);
  if (terms.length === 0) return [{ text, match: false }];
  const escaped = terms.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const re = new RegExp(`(${escaped.join('|')})`, 'gi');
  const parts: Part[] = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    const idx = m.index ?? 0;
    if (idx > last) parts.push({ text: text.slice(last, idx), match: false });
    parts.push({ text: m[0], match: true });
    last = idx + m[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last), match: false });
  return parts;
}
