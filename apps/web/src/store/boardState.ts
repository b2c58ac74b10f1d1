import type { SessionStatus } from '@flightdeck/shared-types';
import { batch, createEffect, createMemo, createSignal, onCleanup } from 'solid-js';
import { parseHash } from '../lib/router.js';
import { STATUS_META } from '../lib/status.js';
import {
  type BoardFilter,
  type BoardView,
  buildGroups,
  defaultView,
  type GroupMode,
  hostOf,
  type SortMode,
  statusCounts,
  viewFromQuery,
  viewToQuery,
} from './board.js';
import type { SessionStore } from './sessions.js';

/** View state of the board (filters, sort, grouping, selection), derived from the live store. */
export function createBoardState(store: SessionStore, initial: BoardView = defaultView()) {
  const [filter, setFilter] = createSignal<BoardFilter>(initial.filter);
  const [sort, setSort] = createSignal<SortMode>(initial.sort);
  const [group, setGroup] = createSignal<GroupMode>(initial.group);
  const [endedCollapsed, setEndedCollapsed] = createSignal(initial.endedCollapsed);
  const [selected, setSelected] = createSignal<string | null>(null);

  // Plain objects, recomputed when a board-relevant field changes (see store.version): sorting and filtering
  // 500 sessions then costs no store-proxy reads and no dependency tracking.
  const all = createMemo(() => {
    store.version();
    return store.plainSessions();
  });
  const groups = createMemo(() => buildGroups(all(), filter(), sort(), group()));
  const endedIds = createMemo(() => groups().find((g) => g.kind === 'ended')?.ids ?? [], [], {
    equals: (a, b) => a.length === b.length && a.every((id, i) => id === b[i]),
  });
  /** The ids in board order that are on screen (a collapsed ended section hides its cards). */
  const orderedIds = createMemo(
    () => groups().flatMap((g) => (g.kind === 'ended' && endedCollapsed() ? [] : g.ids)),
    [],
    { equals: (a, b) => a.length === b.length && a.every((id, i) => id === b[i]) },
  );
  /** How many sessions the filters let through (shown or in the collapsed ended section). */
  const matchCount = createMemo(() => groups().reduce((n, g) => n + g.ids.length, 0));
  /** Sessions per status under the active filters other than the status chips (the chips' counts). */
  const counts = createMemo(() => statusCounts(all(), filter()), {}, { equals: sameCounts });
  /** Sessions per status that need you, over the whole board (not filtered): the tab title and nav badge. */
  const allCounts = createMemo(
    () => {
      const c: Partial<Record<SessionStatus, number>> = {};
      for (const s of all()) if (!s.archived) c[s.status] = (c[s.status] ?? 0) + 1;
      return c;
    },
    {},
    { equals: sameCounts },
  );
  const needsYouCount = createMemo(() =>
    Object.entries(allCounts()).reduce(
      (n, [st, k]) => n + (STATUS_META[st as SessionStatus].needsYou ? (k ?? 0) : 0),
      0,
    ),
  );
  const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((p, i) => p === b[i]);
  const projects = createMemo(() => [...new Set(all().map((s) => s.projectName))].sort(), [], {
    equals: sameList,
  });
  /** The hosts of the sessions in memory (sessions without one under `NO_HOST`). */
  const hosts = createMemo(() => [...new Set(all().map(hostOf))].sort(), [], { equals: sameList });

  function move(delta: number): string | null {
    const ids = orderedIds();
    if (ids.length === 0) return null;
    const cur = selected();
    const idx = cur ? ids.indexOf(cur) : -1;
    const next =
      idx < 0 ? (delta > 0 ? 0 : ids.length - 1) : Math.min(ids.length - 1, Math.max(0, idx + delta));
    const id = ids[next] ?? null;
    setSelected(id);
    return id;
  }

  /** Select the next session (after the current one, wrapping) that needs you. */
  function nextNeedsYou(): string | null {
    const candidates = all()
      .filter((s) => STATUS_META[s.status].needsYou && !s.archived)
      .sort((a, b) => a.statusReason.at - b.statusReason.at || a.sessionId.localeCompare(b.sessionId))
      .map((s) => s.sessionId);
    if (candidates.length === 0) return null;
    const cur = selected();
    const idx = cur && store.session(cur) ? candidates.indexOf(cur) : -1;
    const id = candidates[(idx + 1) % candidates.length] ?? null;
    setSelected(id);
    return id;
  }

  const view = (): BoardView => ({
    filter: filter(),
    sort: sort(),
    group: group(),
    endedCollapsed: endedCollapsed(),
  });
  return {
    filter,
    setFilter,
    patchFilter: (p: Partial<BoardFilter>) => setFilter({ ...filter(), ...p }),
    sort,
    setSort,
    group,
    setGroup,
    endedCollapsed,
    setEndedCollapsed,
    selected,
    setSelected,
    groups,
    orderedIds,
    endedIds,
    matchCount,
    counts,
    needsYouCount,
    projects,
    hosts,
    move,
    nextNeedsYou,
    /** The view as a query string (for the URL), `''` when everything is at its default. */
    query: createMemo(() => viewToQuery(view())),
    /** Apply a view (from the URL). */
    setView(v: BoardView) {
      batch(() => {
        if (viewToQuery(v) === viewToQuery(view())) return;
        setFilter(v.filter);
        setSort(v.sort);
        setGroup(v.group);
        setEndedCollapsed(v.endedCollapsed);
      });
    },
  };
}
export type BoardState = ReturnType<typeof createBoardState>;

function sameCounts(
  a: Partial<Record<SessionStatus, number>>,
  b: Partial<Record<SessionStatus, number>>,
): boolean {
  const ka = Object.keys(a) as SessionStatus[];
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** `#/` plus the board's query, if any: the board's address. */
export function boardHref(query: string): string {
  return query ? `#/?${query}` : '#/';
}

/**
 * Keeps the board's view in the URL (`#/?status=approval&sort=recent…`), so a reload, a shared link and Back
 * show the same board: the URL is read on start and on every hash change to the board; a change of filters or
 * sort replaces the current history entry (typing a search does not add entries). Call inside a component.
 */
export function bindBoardToUrl(board: BoardState): void {
  const fromUrl = () => {
    const hash = window.location.hash;
    if (parseHash(hash).name !== 'board') return;
    const i = hash.indexOf('?');
    board.setView(viewFromQuery(i >= 0 ? hash.slice(i + 1) : ''));
  };
  fromUrl();
  window.addEventListener('hashchange', fromUrl);
  onCleanup(() => window.removeEventListener('hashchange', fromUrl));
  createEffect(() => {
    const href = boardHref(board.query());
    if (parseHash(window.location.hash).name !== 'board') return;
    if ((window.location.hash || '#/') !== href) window.history.replaceState(window.history.state, '', href);
  });
}
