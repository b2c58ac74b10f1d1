import { AGENT_CLIS, type AgentCli, SESSION_STATUSES, type SessionStatus } from '@flightdeck/shared-types';
import { createResource, createSignal, For, type JSX, Show } from 'solid-js';
import { StatusBadge } from '../components/StatusBadge.js';
import type { Api, HistoryPage, HistoryQuery, HistorySnippet, HistorySortBy } from '../data/types.js';
import { formatDateTime, plural } from '../lib/format.js';
import { displayTitle } from '../lib/status.js';

export const defaultHistoryQuery = (): HistoryQuery => ({
  query: '',
  project: null,
  status: null,
  cli: null,
  dateFrom: null,
  dateTo: null,
  archived: null,
  sortBy: 'lastActivityAt',
  sortDir: 'desc',
  page: 1,
  pageSize: 25,
});

export function Snippet(props: { snippet: HistorySnippet }): JSX.Element {
  return (
    <p class="snippet">
      <span class="snippet__kind">{props.snippet.kind}</span>
      <For each={props.snippet.snippet}>
        {(p) => (p.match ? <mark>{p.text}</mark> : <span>{p.text}</span>)}
      </For>
    </p>
  );
}

export function Pagination(props: {
  page: number;
  pageSize: number;
  total: number;
  onPage: (p: number) => void;
}) {
  const pages = () => Math.max(1, Math.ceil(props.total / props.pageSize));
  return (
    <nav class="pagination" aria-label="Pagination">
      <button
        type="button"
        class="btn"
        disabled={props.page <= 1}
        onClick={() => props.onPage(props.page - 1)}
      >
        ← Previous
      </button>
      <span class="pagination__info" aria-live="polite">
        Page {props.page} of {pages()} · {plural(props.total, 'session')}
      </span>
      <button
        type="button"
        class="btn"
        disabled={props.page >= pages()}
        onClick={() => props.onPage(props.page + 1)}
      >
        Next →
      </button>
    </nav>
  );
}

export interface HistoryResultsProps {
  page: HistoryPage;
  query: HistoryQuery;
  onOpen: (sessionId: string) => void;
  onPage: (page: number) => void;
}

/** The result table of the history view (pure). */
export function HistoryResults(props: HistoryResultsProps): JSX.Element {
  return (
    <>
      <Show
        when={props.page.rows.length > 0}
        fallback={
          <p class="empty">
            {props.query.query ? 'Nothing matches this search.' : 'No sessions recorded yet.'}
          </p>
        }
      >
        <ol class="history-list">
          <For each={props.page.rows}>
            {(r) => (
              <li class="history-row" data-session-id={r.sessionId}>
                <div class="history-row__head">
                  <StatusBadge status={r.status} compact />
                  <a
                    class="history-row__title"
                    href={`#/session/${encodeURIComponent(r.sessionId)}`}
                    onClick={(e) => {
                      e.preventDefault();
                      props.onOpen(r.sessionId);
                    }}
                  >
                    {displayTitle(r)}
                  </a>
                  <span class="chip">{r.projectName}</span>
                  <span class={`chip chip--cli chip--${r.cli}`}>{r.cli}</span>
                  <Show when={r.archived}>
                    <span class="chip">archived</span>
                  </Show>
                </div>
                <div class="history-row__meta muted">
                  {formatDateTime(r.startedAt)} · last activity {formatDateTime(r.lastActivityAt)} ·{' '}
                  {plural(r.totalPrompts, 'prompt')} · {plural(r.totalToolCalls, 'tool call')}
                  <Show when={r.model}> · {r.model}</Show>
                </div>
                <For each={r.snippets}>{(sn) => <Snippet snippet={sn} />}</For>
              </li>
            )}
          </For>
        </ol>
      </Show>
      <Pagination
        page={props.page.page}
        pageSize={props.page.pageSize}
        total={props.page.total}
        onPage={props.onPage}
      />
    </>
  );
}

const toDateInput = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString().slice(0, 10));
const fromDateInput = (v: string, endOfDay: boolean): number | null => {
  if (!v) return null;
  const t = Date.parse(`${v}T${endOfDay ? '23:59:59.999' : '00:00:00.000'}`);
  return Number.isFinite(t) ? t : null;
};

/** The history route: filters + results, loading from the server. */
export function HistoryView(props: { api: Api; onOpen: (id: string) => void }): JSX.Element {
  const [query, setQuery] = createSignal<HistoryQuery>(defaultHistoryQuery());
  const [text, setText] = createSignal('');
  const [projects] = createResource(() => props.api.historyProjects().catch(() => [] as string[]));
  const [page] = createResource(query, (q) => props.api.searchHistory(q));
  const patch = (p: Partial<HistoryQuery>) => setQuery({ ...query(), page: 1, ...p });
  let debounce: ReturnType<typeof setTimeout> | undefined;
  return (
    <section class="history" aria-label="History">
      <h1 class="page-title">History</h1>
      <form
        class="toolbar"
        aria-label="Search history"
        onSubmit={(e) => {
          e.preventDefault();
          clearTimeout(debounce);
          patch({ query: text().trim() });
        }}
      >
        <input
          class="toolbar__search"
          type="search"
          name="q"
          placeholder="Search prompts, responses and tool calls"
          aria-label="Search history"
          value={text()}
          onInput={(e) => {
            setText(e.currentTarget.value);
            clearTimeout(debounce);
            debounce = setTimeout(() => patch({ query: text().trim() }), 300);
          }}
        />
        <select
          aria-label="Project"
          value={query().project ?? ''}
          onChange={(e) => patch({ project: e.currentTarget.value || null })}
        >
          <option value="">All projects</option>
          <For each={projects() ?? []}>{(p) => <option value={p}>{p}</option>}</For>
        </select>
        <select
          aria-label="Status"
          value={query().status ?? ''}
          onChange={(e) => patch({ status: (e.currentTarget.value || null) as SessionStatus | null })}
        >
          <option value="">Any status</option>
          <For each={SESSION_STATUSES}>{(s) => <option value={s}>{s}</option>}</For>
        </select>
        <select
          aria-label="Agent CLI"
          value={query().cli ?? ''}
          onChange={(e) => patch({ cli: (e.currentTarget.value || null) as AgentCli | null })}
        >
          <option value="">All CLIs</option>
          <For each={AGENT_CLIS}>{(c) => <option value={c}>{c}</option>}</For>
        </select>
        <label class="toolbar__field">
          From
          <input
            type="date"
            value={toDateInput(query().dateFrom)}
            onChange={(e) => patch({ dateFrom: fromDateInput(e.currentTarget.value, false) })}
          />
        </label>
        <label class="toolbar__field">
          To
          <input
            type="date"
            value={toDateInput(query().dateTo)}
            onChange={(e) => patch({ dateTo: fromDateInput(e.currentTarget.value, true) })}
          />
        </label>
        <select
          aria-label="Archived"
          value={query().archived === null ? 'all' : query().archived ? 'only' : 'hide'}
          onChange={(e) => {
            const v = e.currentTarget.value;
            patch({ archived: v === 'all' ? null : v === 'only' });
          }}
        >
          <option value="all">Archived and active</option>
          <option value="hide">Hide archived</option>
          <option value="only">Only archived</option>
        </select>
        <select
          aria-label="Sort by"
          value={`${query().sortBy}:${query().sortDir}`}
          onChange={(e) => {
            const [sortBy, sortDir] = e.currentTarget.value.split(':') as [HistorySortBy, 'asc' | 'desc'];
            patch({ sortBy, sortDir });
          }}
        >
          <option value="lastActivityAt:desc">Last activity (newest)</option>
          <option value="lastActivityAt:asc">Last activity (oldest)</option>
          <option value="startedAt:desc">Started (newest)</option>
          <option value="startedAt:asc">Started (oldest)</option>
          <option value="projectName:asc">Project (A–Z)</option>
          <option value="status:asc">Status</option>
        </select>
        <button type="submit" class="btn btn--primary">
          Search
        </button>
      </form>
      <Show when={page.error}>
        <p class="error" role="alert">
          Could not load history: {String(page.error instanceof Error ? page.error.message : page.error)}
        </p>
      </Show>
      <div aria-busy={page.loading} data-query={page.loading ? undefined : query().query}>
        <Show when={page.latest} fallback={<p class="muted">Loading…</p>}>
          {(p) => (
            <HistoryResults
              page={p()}
              query={query()}
              onOpen={props.onOpen}
              onPage={(n) => {
                setQuery({ ...query(), page: n });
                window.scrollTo({ top: 0 });
              }}
            />
          )}
        </Show>
      </div>
    </section>
  );
}
