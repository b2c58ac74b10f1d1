/**
 * How SQLite's search ranks its window (the newest `RANK_WINDOW` matches, `fts-search.ts`): Okapi BM25 with FTS5's
 * constants (k1 = 1.2, b = 0.75), computed here from the rows' text rather than by FTS5's `bm25()`. That function
 * first counts, for every query term, every row of the whole index holding it (its inverse document frequency):
 * over 1,000,000 messages that read most of a common word's query time (see "Search at scale" in the README).
 * Every ranked row holds every query word (they are ANDed), so here the words weigh alike: a row ranks higher the
 * more often it says them (with BM25's saturation) and the shorter it is against the mean length (the window's;
 * `bm25()` takes the whole index's). PostgreSQL's `ts_rank` weighs the words alike too.
 *
 * The words are read from the text as FTS5's `unicode61 remove_diacritics 2` tokenizer reads them: runs of
 * letters, digits and private-use characters, lowercased, Latin diacritics removed. Which rows match is FTS5's
 * decision; a rare character this reading folds differently only changes a row's score, never whether it is found.
 */

const K1 = 1.2;
const B = 0.75;
const NON_ASCII = /[\u0080-\uffff]/;

/** The words of `text` as the index holds them (see above). */
export function foldedTokens(text: string): string[] {
  if (!NON_ASCII.test(text)) return text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
  // Latin letters lose their combining diacritics (U+0300-U+036F); other scripts keep their marks (NFC again).
  const folded = text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]+/g, '')
    .normalize('NFC')
    .toLowerCase();
  return folded.match(/[\p{L}\p{N}\p{Co}]+/gu) ?? [];
}

/** A query word as FTS5 reads it: its tokens in a row (a phrase), the last one a prefix when `prefix`. */
export interface RankPhrase {
  tokens: string[];
  prefix: boolean;
}

/** The phrases of a query's words (`ftsWords`), the last word a prefix term as in `toFtsQuery`. */
export function rankPhrases(words: readonly string[]): RankPhrase[] {
  return words
    .map((word, i) => ({ tokens: foldedTokens(word), prefix: i === words.length - 1 }))
    .filter((p) => p.tokens.length > 0);
}

/** How many times `phrase` occurs in `tokens`. */
function occurrences(tokens: readonly string[], phrase: RankPhrase): number {
  const n = phrase.tokens.length;
  const last = phrase.tokens[n - 1] as string;
  let count = 0;
  for (let s = 0; s + n <= tokens.length; s++) {
    let j = 0;
    while (j < n - 1 && tokens[s + j] === phrase.tokens[j]) j++;
    if (j < n - 1) continue;
    const t = tokens[s + j] as string;
    if (phrase.prefix ? t.startsWith(last) : t === last) count++;
  }
  return count;
}

/** An ASCII letter or digit (`c | 0x20` lowercases a letter and leaves a digit as it is). */
const isAsciiWordChar = (c: number) => ((c | 0x20) >= 97 && (c | 0x20) <= 122) || (c >= 48 && c <= 57);

/** Whether the word `text[i, j)` is `token` (or starts with it, for a prefix), ASCII case folded. */
function sameWord(text: string, i: number, j: number, token: string, prefix: boolean): boolean {
  const len = j - i;
  if (len !== token.length && !(prefix && len > token.length)) return false;
  for (let k = 0; k < token.length; k++)
    if ((text.charCodeAt(i + k) | 0x20) !== token.charCodeAt(k)) return false;
  return true;
}

/**
 * The length in words of an ASCII `text` and how often it says each one-token phrase, in one pass over its
 * characters (no lowercased copy, no list of words: most of the ranking's time is here).
 */
function countAscii(text: string, phrases: readonly RankPhrase[], tf: number[]): number {
  const n = text.length;
  let words = 0;
  let i = 0;
  while (i < n) {
    if (!isAsciiWordChar(text.charCodeAt(i))) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < n && isAsciiWordChar(text.charCodeAt(j))) j++;
    words++;
    for (let p = 0; p < phrases.length; p++) {
      const phrase = phrases[p] as RankPhrase;
      if (sameWord(text, i, j, phrase.tokens[0] as string, phrase.prefix)) (tf[p] as number)++;
    }
    i = j;
  }
  return words;
}

/** A one-token phrase of lowercase ASCII letters and digits (what `countAscii` compares). */
const asciiWord = (p: RankPhrase) => p.tokens.length === 1 && /^[a-z0-9]+$/.test(p.tokens[0] as string);

/** A text's length in words and how often it says each phrase. */
function counts(text: string, phrases: readonly RankPhrase[]): { words: number; tf: number[] } {
  const tf = phrases.map(() => 0);
  if (!NON_ASCII.test(text) && phrases.every(asciiWord)) return { words: countAscii(text, phrases, tf), tf };
  const tokens = foldedTokens(text);
  for (let p = 0; p < phrases.length; p++) tf[p] = occurrences(tokens, phrases[p] as RankPhrase);
  return { words: tokens.length, tf };
}

/**
 * The rank of each text (lower is better, as FTS5's `bm25()`: minus the score), in the order given. The mean
 * length is that of `texts` (the window).
 */
export function rankTexts(texts: readonly string[], phrases: readonly RankPhrase[]): number[] {
  const docs = texts.map((t) => counts(t, phrases));
  const mean = docs.reduce((sum, d) => sum + d.words, 0) / Math.max(1, docs.length) || 1;
  return docs.map((d) => {
    const norm = K1 * (1 - B + (B * d.words) / mean);
    let score = 0;
    for (const tf of d.tf) if (tf > 0) score += (tf * (K1 + 1)) / (tf + norm);
    return score === 0 ? 0 : -score;
  });
}
