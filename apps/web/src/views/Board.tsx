import { AGENT_CLIS, SESSION_STATUSES, type SessionStatus } from '@flightdeck/shared-types';
import { createWindowVirtualizer } from '@tanstack/solid-virtual';
import {
  children,
  createEffect,
  createMemo,
  createSelector,
  createSignal,
  For,
  type JSX,
  on,
  onCleanup,
  Show,
} from 'solid-js';
import { SessionCard } from '../components/SessionCard.js';
import { StatusIcon } from '../components/StatusBadge.js';
import { STATUS_META } from '../lib/status.js';
import type { ApprovalsStore } from '../store/approvals.js';
import {
  type BoardRow,
  type GroupMode,
  HEADER_KEY_PREFIX,
  layoutRows,
  rowsEqual,
  type SortMode,
} from '../store/board.js';
import type { BoardState } from '../store/boardState.js';
import type { SessionStore } from '../store/sessions.js';

export const CARD_HEIGHT = 172;
export const ROW_GAP = 12;
const HEADER_HEIGHT = 40;
const MIN_CARD_WIDTH = 300;

export interface BoardProps {
  store: SessionStore;
  board: BoardState;
  onOpen: (sessionId: string) => void;
  /** Pending approvals: cards answer theirs. */
  approvals?: ApprovalsStore;
  searchRef?: (el: HTMLInputElement) => void;
  /** A control at the end of the toolbar, e.g. "New agent session" (components/LaunchForm.tsx). */
  launcher?: JSX.Element;
  /** Archive these sessions ("Clear ended"). Without it the button is not shown. */
  onArchive?: (ids: string[]) => Promise<void> | void;
}

/** Status chips in the board's order: what needs you first, ended last. */
const CHIP_ORDER = [...SESSION_STATUSES].sort((a, b) => STATUS_META[a].rank - STATUS_META[b].rank);

function columnsFor(width: number): number {
  return Math.max(1, Math.floor((width + ROW_GAP) / (MIN_CARD_WIDTH + ROW_GAP)));
}

export function Board(props: BoardProps): JSX.Element {
  const b = props.board;
  // Resolved once: reading a JSX prop twice would build it twice.
  const launcher = children(() => props.launcher);
  let listEl: HTMLDivElement | undefined;
  const [width, setWidth] = createSignal(typeof window === 'undefined' ? 1200 : window.innerWidth);
  const [margin, setMargin] = createSignal(0);
  const measure = () => {
    setWidth(listEl?.clientWidth || window.innerWidth);
    setMargin(listEl ? listEl.getBoundingClientRect().top + window.scrollY : 0);
  };
  const onResize = () => measure();
  window.addEventListener('resize', onResize);
  onCleanup(() => window.removeEventListener('resize', onResize));

  const cols = createMemo(() => columnsFor(width()));
  /** Horizontal distance between two columns (cell width + gap), in px. */
  const colStep = createMemo(() => (width() - (cols() - 1) * ROW_GAP) / cols() + ROW_GAP);
  const rows = createMemo(
    () => layoutRows(b.groups(), cols(), b.group() !== 'none', b.endedCollapsed()),
    [],
    { equals: rowsEqual },
  );
  const [clearing, setClearing] = createSignal(false);
  const clearEnded = async (ids: string[]) => {
    if (!props.onArchive || ids.length === 0) return;
    setClearing(true);
    try {
      await props.onArchive(ids);
    } finally {
      setClearing(false);
    }
  };
  const isSelected = createSelector(b.selected);

  const virt = createWindowVirtualizer({
    get count() {
      return rows().length;
    },
    estimateSize: (i) => (rows()[i]?.kind === 'header' ? HEADER_HEIGHT : CARD_HEIGHT + ROW_GAP),
    overscan: 3,
    get scrollMargin() {
      return margin();
    },
    getItemKey: (i) => rows()[i]?.key ?? i,
  });

  /** Top offset of each row (fixed heights, so a prefix sum). */
  const offsets = createMemo(() => {
    const out: number[] = [];
    let y = 0;
    for (const r of rows()) {
      out.push(y);
      y += r.kind === 'header' ? HEADER_HEIGHT : CARD_HEIGHT + ROW_GAP;
    }
    return out;
  });
  /**
   * Keys (session ids and header keys) of the visible rows, flattened. Cards are rendered in one keyed list and
   * positioned absolutely, so a session that moves (re-sorted, or to another row) keeps its DOM: only its position
   * changes. Nothing is re-created while it stays in view.
   */
  const visibleKeys = createMemo(
    () => {
      const out: string[] = [];
      const all = rows();
      for (const vi of virt.getVirtualItems()) {
        const r = all[vi.index];
        if (!r) continue;
        if (r.kind === 'header') out.push(r.key);
        else out.push(...r.ids);
      }
      return out;
    },
    [],
    { equals: (a, b2) => a.length === b2.length && a.every((k, i) => k === b2[i]) },
  );
  const positions = createMemo(() => {
    const map = new Map<string, { top: number; col: number }>();
    const all = rows();
    const offs = offsets();
    for (const vi of virt.getVirtualItems()) {
      const r = all[vi.index];
      if (!r) continue;
      const top = offs[vi.index] ?? 0;
      if (r.kind === 'header') map.set(r.key, { top, col: 0 });
      else {
        for (let col = 0; col < r.ids.length; col++) map.set(r.ids[col]!, { top, col });
      }
    }
    return map;
  });

  // Measure once the list exists (it mounts with the first session) and whenever it appears again.
  // (`hasCards` is a memo so this runs on the transition only, not on every update: measuring forces a layout.)
  const hasCards = createMemo(() => b.orderedIds().length > 0);
  createEffect(on(hasCards, (has) => has && queueMicrotask(measure)));

  // Keep the selected card in view when moving with the keyboard.
  createEffect(
    on(b.selected, (id) => {
      if (!id) return;
      const idx = rows().findIndex((r) => r.kind === 'cards' && r.ids.includes(id));
      if (idx >= 0) virt.scrollToIndex(idx, { align: 'auto' });
    }),
  );

  const total = () => b.matchCount();
  const toggleStatus = (st: SessionStatus) => {
    const cur = b.filter().statuses;
    b.patchFilter({ statuses: cur.includes(st) ? cur.filter((x) => x !== st) : [...cur, st] });
  };

  return (
    <section class="board" aria-label="Live sessions">
      <search class="toolbar">
        <input
          ref={props.searchRef}
          class="toolbar__search"
          type="search"
          placeholder="Search sessions  ( / )"
          aria-label="Search sessions"
          value={b.filter().search}
          onInput={(e) => b.patchFilter({ search: e.currentTarget.value })}
        />
        <select
          aria-label="Agent CLI"
          value={b.filter().cli ?? ''}
          onChange={(e) => b.patchFilter({ cli: (e.currentTarget.value || null) as never })}
        >
          <option value="">All CLIs</option>
          <For each={AGENT_CLIS}>{(c) => <option value={c}>{c}</option>}</For>
        </select>
        <select
          aria-label="Project"
          value={b.filter().project ?? ''}
          onChange={(e) => b.patchFilter({ project: e.currentTarget.value || null })}
        >
          <option value="">All projects</option>
          <For each={b.projects()}>{(p) => <option value={p}>{p}</option>}</For>
        </select>
        <Show when={b.hosts().length > 1 || b.filter().host}>
          <select
            aria-label="Host"
            value={b.filter().host ?? ''}
            onChange={(e) => b.patchFilter({ host: e.currentTarget.value || null })}
          >
            <option value="">All hosts</option>
            <For each={b.hosts()}>{(h) => <option value={h}>{h}</option>}</For>
          </select>
        </Show>
        <select
          aria-label="Sort"
          value={b.sort()}
          onChange={(e) => b.setSort(e.currentTarget.value as SortMode)}
        >
          <option value="attention">Needs you first</option>
          <option value="status">Status</option>
          <option value="recent">Recent activity</option>
          <option value="started">Newest</option>
          <option value="project">Project</option>
        </select>
        <select
          aria-label="Group"
          value={b.group()}
          onChange={(e) => b.setGroup(e.currentTarget.value as GroupMode)}
        >
          <option value="none">No grouping</option>
          <option value="status">Group by status</option>
          <option value="project">Group by project</option>
          <option value="host">Group by host</option>
        </select>
        <label class="toolbar__check">
          <input
            type="checkbox"
            checked={b.filter().showArchived}
            onChange={(e) => b.patchFilter({ showArchived: e.currentTarget.checked })}
          />
          Archived
        </label>
        <Show when={launcher()}>
          <div class="toolbar__launch">{launcher()}</div>
        </Show>
      </search>
      <fieldset class="status-filter">
        <legend class="visually-hidden">Filter by status</legend>
        <For each={CHIP_ORDER.filter((s) => (b.counts()[s] ?? 0) > 0 || b.filter().statuses.includes(s))}>
          {(st) => (
            <button
              type="button"
              class={`status-chip status-chip--${st}`}
              aria-pressed={b.filter().statuses.includes(st)}
              onClick={() => toggleStatus(st)}
            >
              <StatusIcon status={st} size={12} />
              {STATUS_META[st].label}
              <span class="status-chip__count">{b.counts()[st] ?? 0}</span>
            </button>
          )}
        </For>
      </fieldset>
      <Show
        when={props.store.state.loaded || total() > 0}
        fallback={<p class="empty">Connecting to the server…</p>}
      >
        <Show
          when={total() > 0}
          fallback={
            <div class="empty">
              <Show
                when={Object.keys(props.store.state.sessions).length === 0}
                fallback={<p>No session matches these filters.</p>}
              >
                <p>No agent sessions yet.</p>
                <p>
                  Install the hooks once with <code>flightdeck hooks install</code>, then start Claude Code,
                  Codex or Gemini CLI: sessions appear here as soon as they send their first event.
                </p>
              </Show>
            </div>
          }
        >
          <div
            ref={listEl}
            id="board-list"
            class="board__list"
            style={{ height: `${virt.getTotalSize()}px`, '--cols': String(cols()) }}
          >
            <For each={visibleKeys()}>
              {(key) => {
                const pos = () => positions().get(key);
                if (key.startsWith(HEADER_KEY_PREFIX)) {
                  const header = () =>
                    rows().find((r) => r.key === key) as Extract<BoardRow, { kind: 'header' }> | undefined;
                  const style = () => ({ transform: `translateY(${pos()?.top ?? 0}px)` });
                  return (
                    <Show
                      when={header()?.section}
                      fallback={
                        <h2 class="board__group" style={style()}>
                          {header()?.label} <span class="board__group-count">{header()?.count}</span>
                        </h2>
                      }
                    >
                      {(section) => (
                        <div class="board__group board__group--ended" style={style()}>
                          <h2 class="board__section-title">
                            <button
                              type="button"
                              class="board__toggle"
                              aria-expanded={!section().collapsed}
                              aria-controls="board-list"
                              onClick={() => b.setEndedCollapsed(!section().collapsed)}
                            >
                              <span class="board__chevron" aria-hidden="true">
                                {section().collapsed ? '▸' : '▾'}
                              </span>
                              Ended <span class="board__group-count">{header()?.count}</span>
                            </button>
                          </h2>
                          <Show when={props.onArchive}>
                            <button
                              type="button"
                              class="btn btn--small board__clear"
                              disabled={clearing()}
                              title="Archive these ended sessions: they leave the board and stay in History (tick “Archived” to see them here again)"
                              onClick={() => void clearEnded(section().ids)}
                            >
                              Clear ended
                            </button>
                          </Show>
                        </div>
                      )}
                    </Show>
                  );
                }
                return (
                  <div
                    class="board__cell"
                    style={{
                      transform: `translate(${(pos()?.col ?? 0) * colStep()}px, ${pos()?.top ?? 0}px)`,
                    }}
                  >
                    <Show when={props.store.session(key)}>
                      {(s) => (
                        <SessionCard
                          session={s()}
                          selected={isSelected(key)}
                          onSelect={b.setSelected}
                          onOpen={props.onOpen}
                          approvals={props.approvals}
                        />
                      )}
                    </Show>
                  </div>
                );
              }}
            </For>
          </div>
        </Show>
      </Show>
    </section>
  );
}
