import { AGENT_CLIS, type AgentCli, SESSION_STATUSES, type SessionStatus } from '@flightdeck/shared-types';
import { createEffect, createResource, createSignal, For, type JSX, Show } from 'solid-js';
import { StatusBadge } from '../components/StatusBadge.js';
import type {
  Api,
  HistoryHit,
  HistoryHitsPage,
  HistoryPage,
  HistoryQuery,
  HistorySortBy,
} from '../data/types.js';
import { formatDateTime, plural } from '../lib/format.js';
import { hitKindLabel, itemOfHit } from '../lib/items.js';
import { hrefOf, replaceHash } from '../lib/router.js';
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

const SORTS: readonly HistorySortBy[] = ['startedAt', 'lastActivityAt', 'projectName', 'status'];
const isOne = <T extends string>(all: readonly T[], v: string | null): v is T =>
  v !== null && (all as readonly string[]).includes(v);
const num = (v: string | null): number | null => (v !== null && /^\d+$/.test(v) ? Number(v) : null);

/** The History search and filters as URL parameters (only what differs from the defaults). */
export function historyQueryToParams(q: HistoryQuery): string {
  const d = defaultHistoryQuery();
  const p = new URLSearchParams();
  if (q.query) p.set('q', q.query);
  if (q.project) p.set('project', q.project);
  if (q.status) p.set('status', q.status);
  if (q.cli) p.set('cli', q.cli);
  if (q.dateFrom !== null) p.set('from', String(q.dateFrom));
  if (q.dateTo !== null) p.set('to', String(q.dateTo));
  if (q.archived !== null) p.set('archived', q.archived ? 'only' : 'hide');
  if (q.sortBy !== d.sortBy || q.sortDir !== d.sortDir) p.set('sort', `${q.sortBy}:${q.sortDir}`);
  if (q.page > 1) p.set('page', String(q.page));
  return p.toString();
}

/** The History query a URL describes; anything missing or invalid takes its default. */
export function historyQueryFromParams(params: string | undefined): HistoryQuery {
  const q = defaultHistoryQuery();
  const p = new URLSearchParams(params ?? '');
  q.query = (p.get('q') ?? '').trim().slice(0, 1000);
  q.project = p.get('project') || null;
  const status = p.get('status');
  if (isOne(SESSION_STATUSES, status)) q.status = status;
  const cli = p.get('cli');
  if (isOne(AGENT_CLIS, cli)) q.cli = cli;
  q.dateFrom = num(p.get('from'));
  q.dateTo = num(p.get('to'));
  const archived = p.get('archived');
  q.archived = archived === 'only' ? true : archived === 'hide' ? false : null;
  const [sortBy, sortDir] = (p.get('sort') ?? '').split(':');
  if (isOne(SORTS, sortBy ?? null) && (sortDir === 'asc' || sortDir === 'desc')) {
    q.sortBy = sortBy as HistorySortBy;
    q.sortDir = sortDir;
  }
  q.page = Math.max(1, num(p.get('page')) ?? 1);
  return q;
}

/** A snippet: the server's plain and matching parts as text (never HTML), matches in `<mark>`. */
export function Snippet(props: { parts: HistoryHit['snippet'] }): JSX.Element {
  return (
    <p class="snippet">
      <For each={props.parts}>{(p) => (p.match ? <mark>{p.text}</mark> : <span>{p.text}</span>)}</For>
    </p>
  );
}

export function Pagination(props: {
  page: number;
  pageSize: number;
  total: number;
  onPage: (p: number) => void;
  /** What is counted, singular and plural (default sessions). */
  noun?: [string, string];
  /** More matched than were ranked: the count is shown as "2,000+ matches, the newest ranked". */
  capped?: boolean;
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
        Page {props.page} of {pages()} ·{' '}
        <Show
          when={props.capped}
          fallback={plural(props.total, ...(props.noun ?? (['session', 'sessions'] as const)))}
        >
          {props.total.toLocaleString('en')}+ {props.noun?.[1] ?? 'sessions'} (the newest ranked)
        </Show>
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
                  <Show when={r.host}>{(host) => <span class="history-row__host"> · on {host()}</span>}</Show>
                </div>
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

export interface HitResultsProps {
  page: HistoryHitsPage;
  /** Opens the session at the item that matched (`item`: see `lib/items.ts`). */
  onOpen: (sessionId: string, item: string) => void;
  onPage: (page: number) => void;
}

/**
 * Full-text hits, best match first (pure): each names what matched (prompt, response, tool call input or
 * output, note, title) and shows its snippet with the matching words highlighted; opening one goes to that item.
 */
export function HitResults(props: HitResultsProps): JSX.Element {
  return (
    <>
      <Show when={props.page.hits.length > 0} fallback={<p class="empty">Nothing matches this search.</p>}>
        <ol class="hit-list" aria-label="Search results">
          <For each={props.page.hits}>
            {(h) => {
              const item = itemOfHit(h);
              return (
                <li class="hit" data-session-id={h.sessionId} data-kind={h.kind} data-item={item}>
                  <div class="hit__head">
                    <span class={`chip hit__kind hit__kind--${h.kind}`}>{hitKindLabel(h)}</span>
                    <a
                      class="hit__title"
                      href={hrefOf({ name: 'session', sessionId: h.sessionId, item })}
                      onClick={(e) => {
                        e.preventDefault();
                        props.onOpen(h.sessionId, item);
                      }}
                    >
                      {h.sessionTitle || h.projectName || h.sessionId}
                    </a>
                    <span class="chip">{h.projectName}</span>
                    <time class="muted" dateTime={new Date(h.timestamp).toISOString()}>
                      {formatDateTime(h.timestamp)}
                    </time>
                  </div>
                  <Snippet parts={h.snippet} />
                </li>
              );
            }}
          </For>
        </ol>
      </Show>
      <Pagination
        page={props.page.page}
        pageSize={props.page.pageSize}
        total={props.page.total}
        capped={props.page.capped}
        onPage={props.onPage}
        noun={['match', 'matches']}
      />
    </>
  );
}

type Results = { mode: 'hits'; page: HistoryHitsPage } | { mode: 'sessions'; page: HistoryPage };
const hitsOf = (r: Results): HistoryHitsPage | null => (r.mode === 'hits' ? r.page : null);
const sessionsOf = (r: Results): HistoryPage | null => (r.mode === 'sessions' ? r.page : null);

const toDateInput = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString().slice(0, 10));
const fromDateInput = (v: string, endOfDay: boolean): number | null => {
  if (!v) return null;
  const t = Date.parse(`${v}T${endOfDay ? '23:59:59.999' : '00:00:00.000'}`);
  return Number.isFinite(t) ? t : null;
};

/**
 * The history route: filters + results, loading from the server. With search text the results are the ranked
 * full-text hits (`api.searchText`) within the filters; without, the sessions matching the filters. The search
 * and filters live in the URL (`#/history?q=…`), so Back from a session, a reload or a link come back to them.
 */
export function HistoryView(props: {
  api: Api;
  /** The route's query string (`historyQueryFromParams`). */
  params?: string;
  onOpen: (id: string, item?: string) => void;
}): JSX.Element {
  const [query, setQuery] = createSignal<HistoryQuery>(historyQueryFromParams(props.params));
  const [text, setText] = createSignal(query().query);
  const [projects] = createResource(() => props.api.historyProjects().catch(() => [] as string[]));
  const [page] = createResource(
    query,
    async (q): Promise<Results> =>
      q.query.trim()
        ? { mode: 'hits', page: await props.api.searchText(q) }
        : { mode: 'sessions', page: await props.api.searchHistory(q) },
  );
  createEffect(() => replaceHash(hrefOf({ name: 'history', params: historyQueryToParams(query()) })));
  const onPage = (n: number) => {
    setQuery({ ...query(), page: n });
    window.scrollTo({ top: 0 });
  };
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
          title={query().query ? 'Search results come best match first' : undefined}
          disabled={!!query().query}
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
          {(r) => (
            <Show
              when={hitsOf(r())}
              fallback={
                <Show when={sessionsOf(r())}>
                  {(p) => <HistoryResults page={p()} query={query()} onOpen={props.onOpen} onPage={onPage} />}
                </Show>
              }
            >
              {(p) => <HitResults page={p()} onOpen={props.onOpen} onPage={onPage} />}
            </Show>
          )}
        </Show>
      </div>
    </section>
  );
}
