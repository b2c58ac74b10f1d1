import { cleanup, fireEvent, render, screen } from '@solidjs/testing-library';
import { createSignal } from 'solid-js';
import { afterEach, describe, expect, it } from 'vitest';
import { sessionFromHistory } from '../src/data/normalise.js';
import type { HistoryRow, HistorySnippet } from '../src/data/types.js';
import { defaultHistoryQuery, HistoryResults } from '../src/views/History.js';
import { makeSession, summaryOf } from './factory.js';

afterEach(cleanup);

/** A full-text hit as `history.fullText` sends it (the db already split the snippet into parts). */
function hit(kind: HistorySnippet['kind'], snippet: HistorySnippet['snippet']): HistorySnippet {
  return {
    kind,
    refId: 1,
    sessionId: 'h1',
    sessionTitle: 'Session 1',
    projectName: 'alpha',
    projectPath: '/p/alpha',
    timestamp: 1_700_000_000_000,
    rank: -1,
    snippet,
    snippetHtml: '',
  };
}

function row(i: number, snippet?: HistorySnippet['snippet']): HistoryRow {
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
  return { ...summaryOf(session), snippets: snippet ? [hit('prompt', snippet)] : [] };
}

describe('HistoryResults', () => {
  it('highlights the matching parts of server snippets with <mark>', () => {
    const page = {
      rows: [
        row(1, [
          { text: 'add ', match: false },
          { text: 'rate', match: true },
          { text: ' ', match: false },
          { text: 'limiting', match: true },
          { text: ' to login', match: false },
        ]),
      ],
      total: 1,
      page: 1,
      pageSize: 25,
    };
    const { container } = render(() => (
      <HistoryResults
        page={page}
        query={{ ...defaultHistoryQuery(), query: 'rate limiting' }}
        onOpen={() => {}}
        onPage={() => {}}
      />
    ));
    const marks = [...container.querySelectorAll('.snippet mark')].map((m) => m.textContent);
    expect(marks).toEqual(['rate', 'limiting']);
    expect(container.querySelector('.snippet')!.textContent).toContain('add rate limiting to login');
  });

  it('renders the server SnippetPart[] as text and never injects HTML', () => {
    const sn = hit('response', [
      { text: '<img src=x onerror=alert(1)> ', match: false },
      { text: 'needle', match: true },
    ]);
    const page = { rows: [{ ...row(2), snippets: [sn] }], total: 1, page: 1, pageSize: 25 };
    const { container } = render(() => (
      <HistoryResults page={page} query={defaultHistoryQuery()} onOpen={() => {}} onPage={() => {}} />
    ));
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('mark')!.textContent).toBe('needle');
  });

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

describe('sessionFromHistory', () => {
  it('uses the persisted records when they are fuller than the snapshot, parsing tool inputs', () => {
    const snapshot = makeSession({ sessionId: 'old', toolLog: [] });
    const got = sessionFromHistory({
      session: snapshot,
      summary: summaryOf(snapshot),
      prompts: [{ id: 1, text: 'first prompt', promptId: null, timestamp: 5 }],
      responses: [],
      toolCalls: [
        {
          id: 9,
          toolUseId: 'tu',
          tool: 'Edit',
          inputSummary: '/a.ts',
          inputExcerpt: JSON.stringify({ file_path: '/a.ts', old_string: 'a', new_string: 'b' }),
          status: 'ok',
          startedAt: 6,
          endedAt: 7,
          durationMs: 1,
          result: null,
          error: null,
          agentId: null,
        },
      ],
      events: [],
      notes: [{ id: 3, sessionId: 'old', text: 'n', createdAt: 1, updatedAt: 1 }],
    });
    expect(got?.session.sessionId).toBe('old');
    expect(got?.session.promptHistory.map((p) => p.text)).toEqual(['first prompt']);
    expect(got?.session.toolLog[0]?.input).toEqual({ file_path: '/a.ts', old_string: 'a', new_string: 'b' });
    expect(got?.notes.length).toBe(1);
  });
});
