import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addNote,
  DbInputError,
  deleteNote,
  type FullTextSearchInput,
  fullTextSearch,
  migrateToLatest,
  parseSnippet,
  RANK_WINDOW,
  toFtsQuery,
  updateNote,
} from '../src/index.js';
import {
  count,
  makeSession,
  migrateDownThrough,
  openTestDb,
  pluck,
  recordBatch,
  revise,
  STORES,
  T0,
  type TestDb,
  tool,
} from './helpers.js';

describe('toFtsQuery', () => {
  it('quotes every word, the last one (being typed) as a prefix term, and drops what cannot match', () => {
    expect(toFtsQuery('login bug')).toBe('"login" "bug"*');
    expect(toFtsQuery('refact')).toBe('"refact"*');
    expect(toFtsQuery('  say "hi" AND (x OR y) NEAR* ^z')).toBe('"say" "hi" "AND" "x" "OR" "y" "NEAR" "z"*');
    expect(toFtsQuery('a"b')).toBe('"a""b"*');
    expect(toFtsQuery('" * ( ) : ^ -')).toBeNull();
    expect(toFtsQuery('')).toBeNull();
  });
});

describe.each(STORES)('fullTextSearch (%s)', (kind) => {
  let h: TestDb;
  beforeAll(async () => {
    h = await openTestDb(kind);
    await recordBatch(h, {
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
    const r = await h.fullTextSearch({ query: 'login' });
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
    const r = await h.fullTextSearch({ query: 'cafe scr' });
    expect(r.total).toBe(1);
    expect(r.items[0]?.snippetHtml).toBe(
      'Also add a test for the <mark>café</mark> menu &lt;<mark>script</mark>&gt;',
    );
    expect((await h.fullTextSearch({ query: 'refact' })).items.map((i) => i.kind).sort()).toEqual([
      'prompt',
      'response',
      'title',
    ]);
    // only the last word is a prefix (the one being typed); the words before it match whole
    expect((await h.fullTextSearch({ query: 'login refact' })).items.map((i) => i.kind).sort()).toEqual([
      'prompt',
      'response',
    ]);
    expect((await h.fullTextSearch({ query: 'refact login' })).total).toBe(0);
  });

  it('filters by kind and project and paginates', async () => {
    expect((await h.fullTextSearch({ query: 'login', kind: 'responses' })).items.map((i) => i.kind)).toEqual([
      'response',
    ]);
    expect((await h.fullTextSearch({ query: 'lint', kind: 'tools' })).items[0]).toMatchObject({
      kind: 'tool_input',
      sessionId: 's-auth',
      toolName: 'Bash',
    });
    expect((await h.fullTextSearch({ query: 'lint', kind: 'prompts' })).total).toBe(0);
    expect(
      (await h.fullTextSearch({ query: 'login', project: 'docs' })).items.map((i) => i.sessionId),
    ).toEqual(['s-docs']);
    expect((await h.fullTextSearch({ query: 'login', project: '/home/dev/src/acme-api' })).total).toBe(2);
    const p2 = await h.fullTextSearch({ query: 'login', page: 2, pageSize: 2 });
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
      const r = await h.fullTextSearch({ query });
      expect(r.total, query).toBeGreaterThanOrEqual(0);
    }
    expect((await h.fullTextSearch({ query: '日本語のドキュメントを更新しました' })).total).toBe(1);
    expect((await h.fullTextSearch({ query: 'AND' })).total).toBe(0);
    expect((await h.fullTextSearch({ query: 'login)' })).total).toBe(3);
    expect(await h.fullTextSearch({ query: '   ' })).toEqual({
      items: [],
      total: 0,
      capped: false,
      page: 1,
      pageSize: 20,
    });
  });

  it('validates its input with a DbInputError naming the field', async () => {
    await expect(h.fullTextSearch({ query: 'x', pageSize: 0 })).rejects.toThrow(/pageSize/);
    await expect(h.fullTextSearch({ query: 'x', kind: 'files' as never })).rejects.toBeInstanceOf(
      DbInputError,
    );
    await expect(h.fullTextSearch({ query: 42 as never })).rejects.toThrow(/query/);
  });
});

describe.each(STORES)('the index follows re-keys and deletes (%s)', (kind) => {
  it('finds entries under the new id and forgets deleted sessions', async () => {
    const h = await openTestDb(kind);
    try {
      await recordBatch(h, {
        events: [],
        sessions: [
          makeSession('old', {
            promptHistory: [{ text: 'unique zebra words', timestamp: T0, promptId: null }],
          }),
        ],
      });
      await recordBatch(h, { events: [], sessions: [], rekeys: [{ oldId: 'old', newId: 'new' }] });
      expect((await h.fullTextSearch({ query: 'zebra' })).items.map((i) => i.sessionId)).toEqual(['new']);
      await recordBatch(h, { events: [], sessions: [], removedSessionIds: ['new'] });
      expect((await h.fullTextSearch({ query: 'zebra' })).total).toBe(0);
      expect(await count(h, 'search_index')).toBe(0);
    } finally {
      await h.cleanup();
    }
  });
});

describe.each(STORES)('search at scale: the newest matches are ranked (%s)', (kind) => {
  it('ranks the newest RANK_WINDOW matches, says there were more, and snippets only the page', async () => {
    const h = await openTestDb(kind);
    try {
      const n = RANK_WINDOW + 50;
      const promptHistory = Array.from({ length: n }, (_, i) => ({
        // The oldest prompt says "zebra" most often: it would rank first if every match were ranked.
        text:
          i === 0
            ? 'zebra zebra zebra zebra zebra in the oldest prompt'
            : `prompt ${i} about a zebra crossing`,
        timestamp: T0 + i,
        promptId: null,
      }));
      // The best of the window: the newest prompts, one of them saying it twice.
      promptHistory[n - 10] = { text: 'zebra and zebra again', timestamp: T0 + n - 10, promptId: null };
      await recordBatch(h, { events: [], sessions: [makeSession('s-many', { promptHistory })] });
      const first = await h.fullTextSearch({ query: 'zebra', pageSize: 5 });
      expect(await count(h, 'prompts')).toBe(n);
      expect(first.capped).toBe(true);
      expect(first.total).toBe(RANK_WINDOW);
      expect(first.items[0]?.snippetHtml).toBe('<mark>zebra</mark> and <mark>zebra</mark> again');
      expect(first.items).toHaveLength(5);
      for (const item of first.items) expect(item.snippetHtml).toContain('<mark>zebra</mark>');
      // The oldest matches are outside the window: no page holds them.
      const last = await h.fullTextSearch({ query: 'zebra', page: RANK_WINDOW / 200, pageSize: 200 });
      expect(last.items).toHaveLength(200);
      expect(last.items.some((i) => i.snippetHtml.includes('oldest'))).toBe(false);
      // Under the window, everything is ranked and nothing is capped.
      const few = await h.fullTextSearch({ query: 'oldest' });
      expect(few).toMatchObject({ total: 1, capped: false });
      expect(few.items[0]?.snippetHtml).toBe(
        '<mark>zebra</mark> <mark>zebra</mark> <mark>zebra</mark> <mark>zebra</mark> <mark>zebra</mark> in the <mark>oldest</mark> prompt'.replace(
          /<mark>zebra<\/mark>/g,
          'zebra',
        ),
      );
    } finally {
      await h.cleanup();
    }
  });
  it('never ranks a match older than the window, on any page', async () => {
    const h = await openTestDb(kind);
    try {
      const n = RANK_WINDOW + 10;
      const promptHistory = Array.from({ length: n }, (_, i) => ({
        text: i < 10 ? `okapi ancient prompt ${i}` : `okapi prompt ${i}`,
        timestamp: T0 + i,
        promptId: null,
      }));
      await recordBatch(h, { events: [], sessions: [makeSession('s-window', { promptHistory })] });
      const seen: string[] = [];
      for (let page = 1; page <= RANK_WINDOW / 200 + 1; page++) {
        const r = await h.fullTextSearch({ query: 'okapi', page, pageSize: 200 });
        seen.push(...r.items.map((i) => i.snippet.map((p) => p.text).join('')));
      }
      expect(seen).toHaveLength(RANK_WINDOW);
      expect(seen.filter((t) => t.includes('ancient'))).toEqual([]);
    } finally {
      await h.cleanup();
    }
  });
});

describe.each(STORES)('the last word as a prefix, however many words it starts (%s)', (kind) => {
  it('finds every word the last word starts, ANDed with the words before it, in any case', async () => {
    const h = await openTestDb(kind);
    try {
      // More words start with "quagga" than SQLite spells a prefix out as (it merges the prefix then).
      const promptHistory = Array.from({ length: 40 }, (_, i) => ({
        text: `${i % 2 === 0 ? 'even' : 'odd'} quagga${i} herd`,
        timestamp: T0 + i,
        promptId: null,
      }));
      promptHistory.push({ text: 'even Quagga herd', timestamp: T0 + 40, promptId: null });
      await recordBatch(h, { events: [], sessions: [makeSession('s-herd', { promptHistory })] });
      expect((await h.fullTextSearch({ query: 'quagga' })).total).toBe(41);
      expect((await h.fullTextSearch({ query: 'QUAGGA' })).total).toBe(41);
      expect((await h.fullTextSearch({ query: 'even quagga' })).total).toBe(21);
      // A few words: quagga3 and quagga30..quagga39.
      expect((await h.fullTextSearch({ query: 'Quagga3' })).total).toBe(11);
      expect((await h.fullTextSearch({ query: 'odd quagga3' })).total).toBe(6);
      const one = await h.fullTextSearch({ query: 'herd quagga39' });
      expect(one.items.map((i) => i.snippetHtml)).toEqual(['odd <mark>quagga39</mark> <mark>herd</mark>']);
      // A word before the last matches whole: quagga3 only.
      expect((await h.fullTextSearch({ query: 'quagga3 herd' })).total).toBe(1);
      expect((await h.fullTextSearch({ query: 'quaggb' })).total).toBe(0);
    } finally {
      await h.cleanup();
    }
  });
});

describe.each(STORES)('what the index covers (%s)', (kind) => {
  let h: TestDb;
  beforeAll(async () => {
    h = await openTestDb(kind);
  });
  afterAll(async () => {
    await h.cleanup();
  });

  it('finds a word that appears only in a tool call output, ranked, with a highlighted snippet', async () => {
    const running = tool({
      tool: 'Bash',
      toolUseId: 'toolu_out',
      startedAt: T0 + 10,
      status: 'running',
      input: { command: 'npm test' },
      inputSummary: 'npm test',
    });
    const other = makeSession('s-other', {
      promptHistory: [{ text: 'a prompt about xylophone once', timestamp: T0 + 1, promptId: null }],
    });
    const s = makeSession('s-out', { toolLog: [running] });
    await recordBatch(h, { events: [], sessions: [s, other] });
    expect((await h.fullTextSearch({ query: 'xylophone' })).items.map((i) => i.kind)).toEqual(['prompt']);
    // PostToolUse: the output arrives later, as an update of the stored call.
    const done = {
      ...running,
      status: 'ok' as const,
      endedAt: T0 + 20,
      result: 'FAIL src/keys.test.ts: xylophone xylophone expected 3 received 2',
    };
    await recordBatch(h, { events: [], sessions: [revise(s, { toolLog: [done] })] });
    const r = await h.fullTextSearch({ query: 'xylophone' });
    expect(r.items.map((i) => [i.kind, i.sessionId])).toEqual([
      ['tool_output', 's-out'],
      ['prompt', 's-other'],
    ]);
    expect(r.items[0]!.rank).toBeLessThan(r.items[1]!.rank);
    expect(r.items[0]).toMatchObject({ toolUseId: 'toolu_out', toolName: 'Bash', timestamp: T0 + 10 });
    expect(r.items[0]!.snippet.filter((p) => p.match).map((p) => p.text)).toEqual(['xylophone', 'xylophone']);
    expect(r.items[0]!.snippetHtml).toContain('<mark>xylophone</mark> <mark>xylophone</mark> expected');
    expect((await h.fullTextSearch({ query: 'xylophone', kind: 'tools' })).total).toBe(1);
    // A call stored already finished (one batch) is indexed with its output too, and errors are searchable.
    const failed = tool({
      tool: 'Bash',
      toolUseId: 'toolu_err',
      startedAt: T0 + 30,
      status: 'failed',
      inputSummary: 'make',
      error: 'quokka: command not found',
    });
    await recordBatch(h, { events: [], sessions: [makeSession('s-err', { toolLog: [failed] })] });
    expect((await h.fullTextSearch({ query: 'quokka' })).items).toMatchObject([
      { kind: 'tool_output', sessionId: 's-err', toolUseId: 'toolu_err' },
    ]);
  });

  it('finds a word that appears only in a response', async () => {
    await recordBatch(h, {
      events: [],
      sessions: [
        makeSession('s-resp', {
          responseLog: [
            { text: 'The flaky test was a narwhal race in the cache.', timestamp: T0 + 5, agentId: null },
          ],
        }),
      ],
    });
    const r = await h.fullTextSearch({ query: 'narwhal' });
    expect(r.items).toMatchObject([
      { kind: 'response', sessionId: 's-resp', timestamp: T0 + 5, toolUseId: null },
    ]);
    expect(r.items[0]!.snippetHtml).toBe('The flaky test was a <mark>narwhal</mark> race in the cache.');
  });

  it('finds notes and titles, and follows their edits', async () => {
    await recordBatch(h, { events: [], sessions: [makeSession('s-note', { title: 'Ocelot migration' })] });
    const note = await addNote(h.db, 's-note', 'remember the pangolin flag', T0 + 100);
    expect((await h.fullTextSearch({ query: 'pangolin' })).items).toMatchObject([
      { kind: 'note', sessionId: 's-note', refId: note.id, timestamp: T0 + 100 },
    ]);
    await updateNote(h.db, note.id, 'remember the wombat flag', T0 + 200);
    expect((await h.fullTextSearch({ query: 'pangolin' })).total).toBe(0);
    expect((await h.fullTextSearch({ query: 'wombat', kind: 'notes' })).items).toMatchObject([
      { kind: 'note', timestamp: T0 + 200 },
    ]);
    await deleteNote(h.db, note.id);
    expect((await h.fullTextSearch({ query: 'wombat' })).total).toBe(0);

    expect((await h.fullTextSearch({ query: 'ocelot' })).items).toMatchObject([
      { kind: 'title', sessionId: 's-note', sessionTitle: 'Ocelot migration' },
    ]);
    // A renamed session (its row upserted again): the title row follows (update trigger).
    await recordBatch(h, { events: [], sessions: [makeSession('s-note', { title: 'Lynx migration' })] });
    expect((await h.fullTextSearch({ query: 'ocelot' })).total).toBe(0);
    expect((await h.fullTextSearch({ query: 'lynx', kind: 'titles' })).total).toBe(1);
    // The default title (the project name) is not indexed: it would match every session of the project.
    await recordBatch(h, { events: [], sessions: [makeSession('s-plain', { title: 'acme-api' })] });
    expect(
      Number((await pluck(h, sql`SELECT count(*) FROM search_index WHERE session_id = 's-plain'`))[0]),
    ).toBe(0);
  });

  it('applies the History filters (status, CLI, dates, archived) to the hits', async () => {
    const mk = (id: string, over: Parameters<typeof makeSession>[1]) =>
      makeSession(id, {
        promptHistory: [{ text: 'tapir filter check', timestamp: T0 + 1, promptId: null }],
        ...over,
      });
    await recordBatch(h, {
      events: [],
      sessions: [
        mk('f-ended', { status: 'ended', startedAt: T0 - 86_400_000 }),
        mk('f-codex', { cli: 'codex' }),
        mk('f-archived', { archived: true }),
      ],
    });
    const ids = async (f: Omit<FullTextSearchInput, 'query'>) =>
      (await h.fullTextSearch({ ...f, query: 'tapir' })).items.map((i) => i.sessionId).sort();
    expect(await ids({})).toEqual(['f-archived', 'f-codex', 'f-ended']);
    expect(await ids({ status: 'ended' })).toEqual(['f-ended']);
    expect(await ids({ cli: ['codex'] })).toEqual(['f-codex']);
    expect(await ids({ archived: true })).toEqual(['f-archived']);
    expect(await ids({ archived: false })).toEqual(['f-codex', 'f-ended']);
    expect(await ids({ dateTo: T0 - 1 })).toEqual(['f-ended']);
    expect(await ids({ dateFrom: T0 })).toEqual(['f-archived', 'f-codex']);
  });
});

describe('migration 0002 backfills the index', () => {
  it('makes tool outputs, notes and titles recorded before it searchable', async () => {
    const h = await openTestDb('file');
    try {
      // Back to before 0002 (through the migrations that came after it).
      const down = await migrateDownThrough(h.db, '2026_12_06_0002_search_all');
      expect(down.undone).toEqual(down.expected);
      const run = (q: string) => h.sqlite.prepare(q).run();
      run(`INSERT INTO sessions (id, cli, project_path, project_name, title, status, started_at, last_activity_at, snapshot)
        VALUES ('old-s', 'claude', '/p/acme', 'acme', 'Badger cleanup', 'ended', ${T0}, ${T0}, '{}')`);
      run(
        `INSERT INTO prompts (session_id, text, timestamp) VALUES ('old-s', 'clean the badger code', ${T0 + 1})`,
      );
      run(`INSERT INTO tool_calls (session_id, tool_use_id, tool_name, tool_input_summary, status, timestamp, result_excerpt)
        VALUES ('old-s', 'toolu_old', 'Bash', 'ls', 'ok', ${T0 + 2}, 'README.md armadillo.txt')`);
      run(
        `INSERT INTO notes (session_id, text, created_at, updated_at) VALUES ('old-s', 'an axolotl note', 1, 2)`,
      );
      expect(await migrateToLatest(h.db)).toEqual([...down.expected].reverse());
      expect((await fullTextSearch(h.db, { query: 'armadillo' })).items).toMatchObject([
        { kind: 'tool_output', sessionId: 'old-s', toolUseId: 'toolu_old' },
      ]);
      expect((await fullTextSearch(h.db, { query: 'axolotl' })).items).toMatchObject([{ kind: 'note' }]);
      expect((await fullTextSearch(h.db, { query: 'badger' })).items.map((i) => i.kind).sort()).toEqual([
        'prompt',
        'title',
      ]);
      expect((await fullTextSearch(h.db, { query: 'ls' })).items).toMatchObject([{ kind: 'tool_input' }]);
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
