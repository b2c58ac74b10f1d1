import type { SessionStatus } from '@flightdeck/shared-types';
import { createMemo, createSignal } from 'solid-js';
import { STATUS_META } from '../lib/status.js';
import { type BoardFilter, buildGroups, emptyFilter, type GroupMode, type SortMode } from './board.js';
import type { SessionStore } from './sessions.js';

/** View state of the board (filters, sort, grouping, selection), derived from the live store. */
export function createBoardState(store: SessionStore) {
  const [filter, setFilter] = createSignal<BoardFilter>(emptyFilter());
  const [sort, setSort] = createSignal<SortMode>('attention');
  const [group, setGroup] = createSignal<GroupMode>('none');
  const [selected, setSelected] = createSignal<string | null>(null);

  // Plain objects, recomputed when a board-relevant field changes (see store.version): sorting and filtering
  // 500 sessions then costs no store-proxy reads and no dependency tracking.
  const all = createMemo(() => {
    store.version();
    return store.plainSessions();
  });
  const groups = createMemo(() => buildGroups(all(), filter(), sort(), group()));
  const orderedIds = createMemo(() => groups().flatMap((g) => g.ids), [], {
    equals: (a, b) => a.length === b.length && a.every((id, i) => id === b[i]),
  });
  const counts = createMemo(
    () => {
      const c: Partial<Record<SessionStatus, number>> = {};
      for (const s of all()) if (!s.archived) c[s.status] = (c[s.status] ?? 0) + 1;
      return c;
    },
    {},
    {
      equals: (a, b) => {
        const ka = Object.keys(a) as SessionStatus[];
        return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
      },
    },
  );
  const needsYouCount = createMemo(() =>
    Object.entries(counts()).reduce(
      (n, [st, k]) => n + (STATUS_META[st as SessionStatus].needsYou ? (k ?? 0) : 0),
      0,
    ),
  );
  const projects = createMemo(() => [...new Set(all().map((s) => s.projectName))].sort(), [], {
    equals: (a, b) => a.length === b.length && a.every((p, i) => p === b[i]),
  });

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

  return {
    filter,
    setFilter,
    patchFilter: (p: Partial<BoardFilter>) => setFilter({ ...filter(), ...p }),
    sort,
    setSort,
    group,
    setGroup,
    selected,
    setSelected,
    groups,
    orderedIds,
    counts,
    needsYouCount,
    projects,
    move,
    nextNeedsYou,
  };
}
export type BoardState = ReturnType<typeof createBoardState>;
