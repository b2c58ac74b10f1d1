import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DbInputError,
  deleteSessionCascade,
  fullTextSearch,
  migrateSessionId,
  parseSnippet,
  recordIngestBatch,
  toFtsQuery,
} from '../src/index.js';
import { makeSession, openTestDb, T0, tool } from './helpers.js';

type TestDb = Awaited<ReturnType<typeof openTestDb>>;

describe('toFtsQuery', () => {
  it('quotes every word as a prefix term and drops what cannot match', () => {
    expect(toFtsQuery('login bug')).toBe('"login"* "bug"*');
    expect(toFtsQuery('  say "hi" AND (x OR y) NEAR* ^z')).toBe(
      '"say"* "hi"* "AND"* "x"* "OR"* "y"* "NEAR"* "z"*',
    );
    expect(toFtsQuery('a"b')).toBe('"a""b"*');
    expect(toFtsQuery('" * ( ) : ^ -')).toBeNull();
    expect(toFtsQuery('')).toBeNull();
  });
});

describe.each(['memory', 'file'] as const)('fullTextSearch (%s)', (kind) => {
  let h: TestDb;
  beforeAll(async () => {
    h = await openTestDb(kind);
    recordIngestBatch(h.db, {
      events: [],
      sessions: [
        makeSession('s-auth', {
          title: 'Auth refactor',
          promptHistory: [
            {
              text: 'Refactor the login flow; the login page keeps redirecting after login',
              timestamp: T0 + 1,
              promptId: null,
            },
            { text: 'Also add a test for the café menu <script>', timestamp: T0 + 2, promptId: null },
          ],
          responseLog: [
            {
              text: 'I refactored the handler once; the login should now work for every user of the app.',
              timestamp: T0 + 3,
              agentId: null,
            },
          ],
          toolLog: [
            tool({
              tool: 'Bash',
              startedAt: T0 + 4,
              input: { command: 'npm run lint' },
              inputSummary: 'npm run lint',
            }),
          ],
        }),
        makeSession('s-docs', {
          title: 'Docs',
          projectPath: '/home/dev/src/docs',
          projectName: 'docs',
          promptHistory: [
            { text: 'Document the login endpoint in the README', timestamp: T0 + 5, promptId: null },
          ],
          responseLog: [{ text: '日本語のドキュメントを更新しました', timestamp: T0 + 6, agentId: null }],
        }),
      ],
    });
  });
  afterAll(async () => {
    await h.cleanup();
  });

  it('ranks by bm25 (more matches first) and returns highlighted snippets with session info', async () => {
    const r = await fullTextSearch(h.db, { query: 'login' });
    expect(r.total).toBe(3);
    expect(r.items.map((i) => [i.kind, i.sessionId])).toEqual([
      ['prompt', 's-auth'],
      ['prompt', 's-docs'],
      ['response', 's-auth'],
    ]);
    expect(r.items[0]?.rank).toBeLessThan(r.items[1]?.rank ?? 0);
    const top = r.items[0]!;
    expect(top).toMatchObject({ sessionTitle: 'Auth refactor', projectName: 'acme-api', timestamp: T0 + 1 });
    expect(top.snippet.filter((p) => p.match).map((p) => p.text)).toEqual(['login', 'login', 'login']);
    expect(top.snippetHtml).toContain('the <mark>login</mark> flow');
    expect(top.snippet.map((p) => p.text).join('')).toBe(
      'Refactor the login flow; the login page keeps redirecting after login',
    );
  });

  it('matches prefixes, diacritics-insensitively, and escapes HTML in snippets', async () => {
    const r = await fullTextSearch(h.db, { query: 'cafe scr' });
    expect(r.total).toBe(1);
    expect(r.items[0]?.snippetHtml).toBe(
      'Also add a test for the <mark>café</mark> menu &lt;<mark>script</mark>&gt;',
    );
    expect((await fullTextSearch(h.db, { query: 'refact' })).total).toBe(2);
  });

  it('filters by kind and project and paginates', async () => {
    expect(
      (await fullTextSearch(h.db, { query: 'login', kind: 'responses' })).items.map((i) => i.kind),
    ).toEqual(['response']);
    expect((await fullTextSearch(h.db, { query: 'lint', kind: 'tools' })).items[0]).toMatchObject({
      kind: 'tool',
      sessionId: 's-auth',
    });
    expect((await fullTextSearch(h.db, { query: 'lint', kind: 'prompts' })).total).toBe(0);
    expect(
      (await fullTextSearch(h.db, { query: 'login', project: 'docs' })).items.map((i) => i.sessionId),
    ).toEqual(['s-docs']);
    expect((await fullTextSearch(h.db, { query: 'login', project: '/home/dev/src/acme-api' })).total).toBe(2);
    const p2 = await fullTextSearch(h.db, { query: 'login', page: 2, pageSize: 2 });
    expect(p2).toMatchObject({ total: 3, page: 2, pageSize: 2 });
    expect(p2.items.map((i) => i.kind)).toEqual(['response']);
  });

  it('never throws on weird queries', async () => {
    const weird = [
      '"',
      '*',
      'AND',
      'OR NOT',
      '(',
      ')',
      'login)',
      'NEAR(a b)',
      'a:b',
      '^',
      '-',
      '""',
      "'; DROP TABLE sessions; --",
      '日本語',
      '🙂',
      '\u0000',
      'x'.repeat(1000),
      'login*',
      '"login',
      'col:login',
      '{login}',
      '[login]',
    ];
    for (const query of weird) {
      const r = await fullTextSearch(h.db, { query });
      expect(r.total, query).toBeGreaterThanOrEqual(0);
    }
    expect((await fullTextSearch(h.db, { query: '日本語のドキュメントを更新しました' })).total).toBe(1);
    expect((await fullTextSearch(h.db, { query: 'AND' })).total).toBe(0);
    expect((await fullTextSearch(h.db, { query: 'login)' })).total).toBe(3);
    expect(await fullTextSearch(h.db, { query: '   ' })).toEqual({
      items: [],
      total: 0,
      page: 1,
      pageSize: 20,
    });
  });

  it('validates its input with a DbInputError naming the field', async () => {
    await expect(fullTextSearch(h.db, { query: 'x', pageSize: 0 })).rejects.toThrow(/pageSize/);
    await expect(fullTextSearch(h.db, { query: 'x', kind: 'files' as never })).rejects.toBeInstanceOf(
      DbInputError,
    );
    await expect(fullTextSearch(h.db, { query: 42 as never })).rejects.toThrow(/query/);
  });
});

describe('the index follows re-keys and deletes', () => {
  it('finds entries under the new id and forgets deleted sessions', async () => {
    const h = await openTestDb('memory');
    try {
      recordIngestBatch(h.db, {
        events: [],
        sessions: [
          makeSession('old', {
            promptHistory: [{ text: 'unique zebra words', timestamp: T0, promptId: null }],
          }),
        ],
      });
      migrateSessionId(h.db, 'old', 'new');
      expect((await fullTextSearch(h.db, { query: 'zebra' })).items.map((i) => i.sessionId)).toEqual(['new']);
      deleteSessionCascade(h.db, 'new');
      expect((await fullTextSearch(h.db, { query: 'zebra' })).total).toBe(0);
      expect(h.sqlite.prepare('SELECT count(*) FROM search_index').pluck().get()).toBe(0);
    } finally {
      await h.cleanup();
    }
  });
});

describe('parseSnippet', () => {
  it('splits marked text and tolerates unbalanced markers', () => {
    expect(parseSnippet('a \u0002b\u0003 c')).toEqual([
      { text: 'a ', match: false },
      { text: 'b', match: true },
      { text: ' c', match: false },
    ]);
    expect(parseSnippet('\u0002open')).toEqual([{ text: 'open', match: true }]);
    expect(parseSnippet('')).toEqual([]);
  });
});
