import { describe, expect, it } from 'vitest';
import { foldedTokens, rankPhrases, rankTexts } from '../src/sqlite/fts-rank.js';

describe('foldedTokens', () => {
  it('reads words as the unicode61 tokenizer does: letters and digits, lowercased, without diacritics', () => {
    expect(foldedTokens('Fix the LOGIN_flow (v2), now!')).toEqual([
      'fix',
      'the',
      'login',
      'flow',
      'v2',
      'now',
    ]);
    expect(foldedTokens('Café crème, naïve Ångström')).toEqual(['cafe', 'creme', 'naive', 'angstrom']);
    expect(foldedTokens('cafe\u0301')).toEqual(['cafe']);
    expect(foldedTokens('日本語のドキュメント 更新')).toEqual(['日本語のドキュメント', '更新']);
    expect(foldedTokens(' -- ')).toEqual([]);
  });
});

describe('rankPhrases', () => {
  it('makes each word a phrase of its tokens, the last one a prefix', () => {
    expect(rankPhrases(['Login', 'café-bar', 'Ref'])).toEqual([
      { tokens: ['login'], prefix: false },
      { tokens: ['cafe', 'bar'], prefix: false },
      { tokens: ['ref'], prefix: true },
    ]);
  });
});

describe('rankTexts', () => {
  const rank = (texts: string[], ...words: string[]) => rankTexts(texts, rankPhrases(words));

  it('ranks a text saying the words more often first (lower is better), with saturation', () => {
    const [once, twice, thrice] = rank(['login a b c', 'login login b c', 'login login login c'], 'login');
    expect(twice).toBeLessThan(once as number);
    expect(thrice).toBeLessThan(twice as number);
    expect((once as number) - (twice as number)).toBeGreaterThan((twice as number) - (thrice as number));
  });

  it('ranks a shorter text first when both say the words as often', () => {
    const [long, short] = rank(['the login page keeps redirecting after a while', 'login endpoint'], 'login');
    expect(short).toBeLessThan(long as number);
  });

  it('counts the last word as a prefix and the others whole, case and diacritics folded', () => {
    const [a, b, c] = rank(
      ['LOGIN refactored', 'login refactor refactoring', 'logins refactor'],
      'login',
      'refact',
    );
    expect(b).toBeLessThan(a as number);
    // "logins" is not the whole word "login": only the prefix word counts there.
    expect(a).toBeLessThan(c as number);
    expect(rank(['Crème brûlée'], 'creme', 'brul')[0]).toBeLessThan(0);
  });

  it('counts a word of several tokens as a phrase, in order', () => {
    const [inOrder, apart] = rank(['see cafe bar now', 'bar then cafe now'], 'café-bar');
    expect(inOrder).toBeLessThan(0);
    expect(apart).toBe(0);
  });

  it('weighs the words alike, whichever is rarer', () => {
    const [a, b] = rank(['alpha alpha beta', 'alpha beta beta'], 'alpha', 'beta');
    expect(a).toBeCloseTo(b as number, 12);
  });

  it('reads non-ASCII texts by the same rules as ASCII ones', () => {
    const [ascii, accented] = rank(['the cafe menu', 'the café menu'], 'cafe');
    expect(accented).toBeCloseTo(ascii as number, 12);
    expect(rank(['x'], 'cafe')).toEqual([0]);
    expect(rank([], 'cafe')).toEqual([]);
  });
});
