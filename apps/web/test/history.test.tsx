import { cleanup, fireEvent, render, screen, waitFor } from '@solidjs/testing-library';
import { createSignal } from 'solid-js';
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryHit, HistoryHitsPage, HistoryQuery, HistoryRow } from '../src/data/types.js';
import {
  defaultHistoryQuery,
  HistoryResults,
  HistoryView,
  HitResults,
  historyQueryFromParams,
  historyQueryToParams,
} from '../src/views/History.js';
import { testApi } from './api.js';
import { makeSession, summaryOf } from './factory.js';

afterEach(cleanup);

/** A full-text hit as `history.fullText` sends it (the db already split the snippet into parts). */
function hit(over: Partial<HistoryHit> & Pick<HistoryHit, 'kind' | 'snippet'>): HistoryHit {
  return {
    refId: 1,
    toolUseId: null,
    toolName: null,
    sessionId: 'h1',
    sessionTitle: 'Session 1',
    projectName: 'alpha',
    projectPath: '/p/alpha',
    timestamp: 1_700_000_000_000,
    rank: -1,
    snippetHtml: '',
    ...over,
  };
}

function row(i: number): HistoryRow {
  const session = makeSession({
    sessionId: `h${i}`,
    projectName: 'alpha',
    projectPath: '/p/alpha',
    title: `Session ${i}`,
    status: 'ended',
    model: null,
    startedAt: 1_700_000_000_000 + i,
    lastActivityAt: 1_700_000_000_000 + i,
    totalToolCalls: i,
    totalPrompts: 1,
  });
  return summaryOf(session);
}

const hitsPage = (hits: HistoryHit[]): HistoryHitsPage => ({
  hits,
  total: hits.length,
  capped: false,
  page: 1,
  pageSize: 25,
});

const toolHit = hit({
  kind: 'tool_output',
  refId: 7,
  toolUseId: 'toolu_42',
  toolName: 'Bash',
  sessionId: 's-tool',
  sessionTitle: 'Fix the flaky test',
  timestamp: 1_700_000_000_500,
  snippet: [
    { text: 'FAIL ', match: false },
    { text: 'xylophone', match: true },
    { text: '.test.ts', match: false },
  ],
});

describe('HitResults', () => {
  it('lists the hits in the order the server ranked them, each with what matched and its highlighted snippet', () => {
    const page = hitsPage([
      toolHit,
      hit({
        kind: 'response',
        sessionId: 's-resp',
        sessionTitle: 'Cache work',
        snippet: [
          { text: 'the ', match: false },
          { text: 'xylophone', match: true },
          { text: ' race', match: false },
        ],
      }),
      hit({ kind: 'note', refId: 3, sessionId: 's-note', snippet: [{ text: 'xylophone', match: true }] }),
    ]);
    const { container } = render(() => <HitResults page={page} onOpen={() => {}} onPage={() => {}} />);
    const items = [...container.querySelectorAll('.hit')];
    expect(items.map((e) => e.getAttribute('data-session-id'))).toEqual(['s-tool', 's-resp', 's-note']);
    expect(items.map((e) => e.querySelector('.hit__kind')!.textContent)).toEqual([
      'Tool call output · Bash',
      'Response',
      'Note',
    ]);
    expect([...items[0]!.querySelectorAll('.snippet mark')].map((m) => m.textContent)).toEqual(['xylophone']);
    expect(items[0]!.querySelector('.snippet')!.textContent).toBe('FAIL xylophone.test.ts');
    expect(items[0]!.querySelector('.hit__title')!.textContent).toBe('Fix the flaky test');
    expect(screen.getByText(/Page 1 of 1 · 3 matches/)).toBeTruthy();
  });

  it('links each hit to its item in the session, and opens it there', () => {
    const opened: Array<[string, string]> = [];
    const page = hitsPage([
      toolHit,
      hit({ kind: 'prompt', sessionId: 's-p', timestamp: 1234, snippet: [{ text: 'x', match: true }] }),
      hit({
        kind: 'tool_input',
        toolUseId: null,
        toolName: 'Grep',
        sessionId: 's-g',
        timestamp: 99,
        snippet: [{ text: 'x', match: true }],
      }),
      hit({ kind: 'title', sessionId: 's-t', snippet: [{ text: 'x', match: true }] }),
    ]);
    const { container } = render(() => (
      <HitResults page={page} onOpen={(id, item) => opened.push([id, item])} onPage={() => {}} />
    ));
    const links = [...container.querySelectorAll<HTMLAnchorElement>('a.hit__title')];
    expect(links.map((a) => a.getAttribute('href'))).toEqual([
      '#/session/s-tool?item=tool%3Atoolu_42',
      '#/session/s-p?item=prompt%3A1234',
      '#/session/s-g?item=tool%3A%4099',
      '#/session/s-t?item=title',
    ]);
    fireEvent.click(links[0]!);
    expect(opened).toEqual([['s-tool', 'tool:toolu_42']]);
  });

  it('renders the server SnippetPart[] as text and never injects HTML', () => {
    const page = hitsPage([
      hit({
        kind: 'response',
        snippet: [
          { text: '<img src=x onerror=alert(1)> ', match: false },
          { text: 'needle', match: true },
        ],
      }),
    ]);
    const { container } = render(() => <HitResults page={page} onOpen={() => {}} onPage={() => {}} />);
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('mark')!.textContent).toBe('needle');
  });

  it('says when more matched than were ranked', () => {
    const page = { ...hitsPage([toolHit]), total: 2000, capped: true, pageSize: 20 };
    render(() => <HitResults page={page} onOpen={() => {}} onPage={() => {}} />);
    expect(screen.getByText(/Page 1 of 100 · 2,000\+ matches \(the newest ranked\)/)).toBeTruthy();
  });

  it('says so when nothing matches', () => {
    render(() => <HitResults page={hitsPage([])} onOpen={() => {}} onPage={() => {}} />);
    expect(screen.getByText('Nothing matches this search.')).toBeTruthy();
  });
});

describe('HistoryResults', () => {
  it('paginates: shows page x of y, disables the ends and asks for the next page', () => {
    const [pageNo, setPageNo] = createSignal(1);
    const page = () => ({ rows: [row(1), row(2)], total: 60, page: pageNo(), pageSize: 25 });
    render(() => (
      <HistoryResults page={page()} query={defaultHistoryQuery()} onOpen={() => {}} onPage={setPageNo} />
    ));
    expect(screen.getByText(/Page 1 of 3/)).toBeTruthy();
    const prev = screen.getByRole('button', { name: /Previous/ }) as HTMLButtonElement;
    const next = screen.getByRole('button', { name: /Next/ }) as HTMLButtonElement;
    expect(prev.disabled).toBe(true);
    fireEvent.click(next);
    expect(screen.getByText(/Page 2 of 3/)).toBeTruthy();
    fireEvent.click(next);
    expect(screen.getByText(/Page 3 of 3/)).toBeTruthy();
    expect(next.disabled).toBe(true);
  });

  it('opens a past session from its title', () => {
    const opened: string[] = [];
    const page = { rows: [row(5)], total: 1, page: 1, pageSize: 25 };
    render(() => (
      <HistoryResults
        page={page}
        query={defaultHistoryQuery()}
        onOpen={(id) => opened.push(id)}
        onPage={() => {}}
      />
    ));
    fireEvent.click(screen.getByText('Session 5'));
    expect(opened).toEqual(['h5']);
  });
});

describe('the History query in the URL', () => {
  it('round-trips the search and every filter, leaving defaults out', () => {
    const q: HistoryQuery = {
      ...defaultHistoryQuery(),
      query: 'rate limiting & co',
      project: 'acme api',
      status: 'ended',
      cli: 'codex',
      dateFrom: 1_700_000_000_000,
      dateTo: 1_700_100_000_000,
      archived: false,
      sortBy: 'startedAt',
      sortDir: 'asc',
      page: 3,
    };
    const params = historyQueryToParams(q);
    expect(new URLSearchParams(params).get('q')).toBe('rate limiting & co');
    expect(historyQueryFromParams(params)).toEqual(q);
    expect(historyQueryToParams(defaultHistoryQuery())).toBe('');
    expect(historyQueryFromParams(undefined)).toEqual(defaultHistoryQuery());
  });

  it('ignores invalid values', () => {
    expect(
      historyQueryFromParams('status=bogus&cli=vim&from=yesterday&sort=evil:up&page=-2&archived=x'),
    ).toEqual(defaultHistoryQuery());
  });
});

describe('HistoryView', () => {
  it('with search text shows the ranked full-text hits within the filters, and keeps the search in the URL', async () => {
    window.location.hash = '#/history';
    const asked: HistoryQuery[] = [];
    const api = testApi({
      historyProjects: async () => ['alpha'],
      searchText: async (q) => {
        asked.push(q);
        return hitsPage([toolHit]);
      },
      searchHistory: async () => ({ rows: [row(1)], total: 1, page: 1, pageSize: 25 }),
    });
    const opened: Array<[string, string | undefined]> = [];
    const { container } = render(() => (
      <HistoryView
        api={api}
        params="q=xylophone&status=ended"
        onOpen={(id, item) => opened.push([id, item])}
      />
    ));
    await waitFor(() => expect(container.querySelector('.hit')).toBeTruthy());
    expect(asked[0]).toMatchObject({ query: 'xylophone', status: 'ended' });
    expect((screen.getByRole('searchbox') as HTMLInputElement).value).toBe('xylophone');
    expect(container.querySelector('.history-row')).toBeNull();
    expect(window.location.hash).toBe('#/history?q=xylophone&status=ended');
    fireEvent.click(container.querySelector('a.hit__title')!);
    expect(opened).toEqual([['s-tool', 'tool:toolu_42']]);

    // A new search replaces the URL's query (no new history entry); clearing it lists sessions again.
    const input = screen.getByRole('searchbox') as HTMLInputElement;
    const entries = window.history.length;
    fireEvent.input(input, { target: { value: 'narwhal' } });
    fireEvent.submit(input.form!);
    await waitFor(() => expect(window.location.hash).toBe('#/history?q=narwhal&status=ended'));
    expect(window.history.length).toBe(entries);
    await waitFor(() => expect(asked.at(-1)?.query).toBe('narwhal'));
    fireEvent.input(input, { target: { value: '' } });
    fireEvent.submit(input.form!);
    await waitFor(() => expect(container.querySelector('.history-row')).toBeTruthy());
    expect(container.querySelector('.hit')).toBeNull();
    expect(window.location.hash).toBe('#/history?status=ended');
  });
});
