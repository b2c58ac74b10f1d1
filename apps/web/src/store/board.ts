import { AGENT_CLIS, type AgentCli, SESSION_STATUSES, type SessionStatus } from '@flightdeck/shared-types';
import type { LiveSession } from '../data/types.js';
import { STATUS_META } from '../lib/status.js';

export const SORT_MODES = ['attention', 'status', 'recent', 'started', 'project'] as const;
export type SortMode = (typeof SORT_MODES)[number];
export const GROUP_MODES = ['none', 'status', 'project', 'host'] as const;

/** The group of a session without a host (hook metadata did not name one). */
export const NO_HOST = 'unknown host';
export type GroupMode = (typeof GROUP_MODES)[number];

export interface BoardFilter {
  statuses: SessionStatus[];
  cli: AgentCli | null;
  project: string | null;
  /** The host a session runs on (`NO_HOST`: sessions whose host is not known). */
  host: string | null;
  search: string;
  showArchived: boolean;
}

export const emptyFilter = (): BoardFilter => ({
  statuses: [],
  cli: null,
  project: null,
  host: null,
  search: '',
  showArchived: false,
});

/** The host a session is shown under. */
export const hostOf = (s: LiveSession): string => s.host ?? NO_HOST;

export function matchesFilter(s: LiveSession, f: BoardFilter): boolean {
  if (!f.showArchived && s.archived) return false;
  if (f.statuses.length > 0 && !f.statuses.includes(s.status)) return false;
  if (f.cli && s.cli !== f.cli) return false;
  if (f.project && s.projectName !== f.project) return false;
  if (f.host && hostOf(s) !== f.host) return false;
  const q = f.search.trim().toLowerCase();
  if (q) {
    const hay = [
      s.projectName,
      s.projectPath,
      s.title,
      s.label ?? '',
      s.model ?? '',
      s.cli,
      s.currentTool ?? '',
      s.currentPrompt ?? '',
      s.agentName ?? '',
      s.host ?? '',
      s.sessionId,
    ]
      .join('\n')
      .toLowerCase();
    for (const term of q.split(/\s+/)) if (!hay.includes(term)) return false;
  }
  return true;
}

export function compareSessions(mode: SortMode): (a: LiveSession, b: LiveSession) => number {
  switch (mode) {
    case 'attention':
      // By tier: sessions that need you (longest waiting first), then working, then done, then idle. Within a
      // tier the order is stable (newest started first) so the board does not reshuffle on every event.
      return (a, b) => {
        const ma = STATUS_META[a.status];
        const mb = STATUS_META[b.status];
        if (ma.tier !== mb.tier) return ma.tier - mb.tier;
        if (ma.needsYou)
          return a.statusReason.at - b.statusReason.at || a.sessionId.localeCompare(b.sessionId);
        return b.startedAt - a.startedAt || a.sessionId.localeCompare(b.sessionId);
      };
    case 'status':
      return (a, b) =>
        STATUS_META[a.status].rank - STATUS_META[b.status].rank ||
        (STATUS_META[a.status].needsYou
          ? a.statusReason.at - b.statusReason.at
          : b.lastActivityAt - a.lastActivityAt) ||
        a.sessionId.localeCompare(b.sessionId);
    case 'recent':
      return (a, b) => b.lastActivityAt - a.lastActivityAt || a.sessionId.localeCompare(b.sessionId);
    case 'started':
      return (a, b) => b.startedAt - a.startedAt || a.sessionId.localeCompare(b.sessionId);
    case 'project':
      return (a, b) =>
        a.projectName.localeCompare(b.projectName) ||
        STATUS_META[a.status].rank - STATUS_META[b.status].rank ||
        b.lastActivityAt - a.lastActivityAt ||
        a.sessionId.localeCompare(b.sessionId);
  }
}

export interface BoardGroup {
  key: string;
  label: string;
  ids: string[];
  /** `ended`: the section of ended sessions, below the live ones (collapsible, with "Clear ended"). */
  kind?: 'ended';
}

/** Key of the ended section's group (a NUL first: no project name, so no project group, can take it). */
export const ENDED_KEY = '\u0000ended';

/**
 * Filtered, sorted, grouped session ids: the board's structure (cards read their own data). Live sessions come
 * first (grouped as asked); ended sessions are always last, in their own section, most recently ended first.
 */
export function buildGroups(
  sessions: LiveSession[],
  filter: BoardFilter,
  sort: SortMode,
  group: GroupMode,
): BoardGroup[] {
  const matching = sessions.filter((s) => matchesFilter(s, filter));
  const list = matching.filter((s) => s.status !== 'ended').sort(compareSessions(sort));
  const ended = matching
    .filter((s) => s.status === 'ended')
    .sort(
      (a, b) =>
        (b.endedAt ?? b.statusReason.at) - (a.endedAt ?? a.statusReason.at) ||
        a.sessionId.localeCompare(b.sessionId),
    );
  const out: BoardGroup[] = [];
  if (group === 'none') {
    if (list.length > 0) out.push({ key: 'all', label: 'Live sessions', ids: list.map((s) => s.sessionId) });
  } else {
    const groups = new Map<string, BoardGroup>();
    for (const s of list) {
      const key = group === 'status' ? s.status : group === 'host' ? hostOf(s) : s.projectName;
      const label = group === 'status' ? STATUS_META[s.status].label : key;
      let g = groups.get(key);
      if (!g) {
        g = { key, label, ids: [] };
        groups.set(key, g);
      }
      g.ids.push(s.sessionId);
    }
    const live = [...groups.values()];
    if (group === 'status') {
      live.sort(
        (a, b) => STATUS_META[a.key as SessionStatus].rank - STATUS_META[b.key as SessionStatus].rank,
      );
    } else {
      live.sort((a, b) => a.label.localeCompare(b.label));
    }
    out.push(...live);
  }
  if (ended.length > 0) {
    out.push({ key: ENDED_KEY, label: 'Ended', ids: ended.map((s) => s.sessionId), kind: 'ended' });
  }
  return out;
}

/**
 * How many sessions of each status the other filters (CLI, project, search, archived) let through: the status
 * chips' counts. The status filter itself is left out, so a chip says what clicking it would show.
 */
export function statusCounts(
  sessions: LiveSession[],
  filter: BoardFilter,
): Partial<Record<SessionStatus, number>> {
  const f = { ...filter, statuses: [] };
  const c: Partial<Record<SessionStatus, number>> = {};
  for (const s of sessions) if (matchesFilter(s, f)) c[s.status] = (c[s.status] ?? 0) + 1;
  return c;
}

/** Header row keys start with a NUL so they can never collide with a session id in the board's keyed list. */
export const HEADER_KEY_PREFIX = '\u0000h:';

export type BoardRow =
  | {
      kind: 'header';
      key: string;
      label: string;
      count: number;
      /** Only on the ended section's header: whether its cards are hidden. */
      section?: { kind: 'ended'; collapsed: boolean; ids: string[] };
    }
  | { kind: 'cards'; key: string; ids: string[] };

/**
 * Lay groups out as rows of `columns` cards (plus header rows) for the virtualiser. The ended section always
 * has its header; when `endedCollapsed`, its cards are left out.
 */
export function layoutRows(
  groups: BoardGroup[],
  columns: number,
  withHeaders: boolean,
  endedCollapsed = false,
): BoardRow[] {
  const rows: BoardRow[] = [];
  const cols = Math.max(1, columns);
  for (const g of groups) {
    const ended = g.kind === 'ended';
    if (ended) {
      rows.push({
        kind: 'header',
        key: `${HEADER_KEY_PREFIX}${g.key}`,
        label: g.label,
        count: g.ids.length,
        section: { kind: 'ended', collapsed: endedCollapsed, ids: g.ids },
      });
      if (endedCollapsed) continue;
    } else if (withHeaders) {
      rows.push({ kind: 'header', key: `${HEADER_KEY_PREFIX}${g.key}`, label: g.label, count: g.ids.length });
    }
    for (let i = 0; i < g.ids.length; i += cols) {
      rows.push({ kind: 'cards', key: `r:${g.key}:${i / cols}`, ids: g.ids.slice(i, i + cols) });
    }
  }
  return rows;
}

const sameIds = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((id, i) => id === b[i]);

export function rowsEqual(a: BoardRow[], b: BoardRow[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.key !== y.key || x.kind !== y.kind) return false;
    if (x.kind === 'header' && y.kind === 'header') {
      if (x.label !== y.label || x.count !== y.count) return false;
      if (x.section?.collapsed !== y.section?.collapsed) return false;
      if (x.section && y.section && !sameIds(x.section.ids, y.section.ids)) return false;
    }
    if (x.kind === 'cards' && y.kind === 'cards' && !sameIds(x.ids, y.ids)) return false;
  }
  return true;
}

/** Everything about the board's view that the URL keeps. */
export interface BoardView {
  filter: BoardFilter;
  sort: SortMode;
  group: GroupMode;
  endedCollapsed: boolean;
}

export const defaultView = (): BoardView => ({
  filter: emptyFilter(),
  sort: 'attention',
  group: 'none',
  endedCollapsed: false,
});

/**
 * The board's view as URL query parameters (only what differs from the defaults, in a fixed order):
 * `q`, `status` (comma list), `cli`, `project`, `host`, `sort`, `group`, `archived=1`, `ended=collapsed`.
 */
export function viewToQuery(v: BoardView): string {
  const p = new URLSearchParams();
  const q = v.filter.search;
  if (q.trim() !== '') p.set('q', q);
  if (v.filter.statuses.length > 0) {
    p.set('status', SESSION_STATUSES.filter((s) => v.filter.statuses.includes(s)).join(','));
  }
  if (v.filter.cli) p.set('cli', v.filter.cli);
  if (v.filter.project) p.set('project', v.filter.project);
  if (v.filter.host) p.set('host', v.filter.host);
  if (v.sort !== 'attention') p.set('sort', v.sort);
  if (v.group !== 'none') p.set('group', v.group);
  if (v.filter.showArchived) p.set('archived', '1');
  if (v.endedCollapsed) p.set('ended', 'collapsed');
  return p.toString();
}

const oneOf = <T extends string>(list: readonly T[], v: string | null, fallback: T): T =>
  v !== null && (list as readonly string[]).includes(v) ? (v as T) : fallback;

/** The view a query string describes; unknown or malformed values fall back to the defaults. */
export function viewFromQuery(query: string): BoardView {
  const p = new URLSearchParams(query.replace(/^\?/, ''));
  const d = defaultView();
  const statuses = (p.get('status') ?? '')
    .split(',')
    .filter((s): s is SessionStatus => (SESSION_STATUSES as readonly string[]).includes(s));
  const cli = p.get('cli');
  return {
    filter: {
      statuses: SESSION_STATUSES.filter((s) => statuses.includes(s)),
      cli: cli !== null && (AGENT_CLIS as readonly string[]).includes(cli) ? (cli as AgentCli) : null,
      project: p.get('project') || null,
      host: p.get('host') || null,
      search: (p.get('q') ?? '').slice(0, 500),
      showArchived: p.get('archived') === '1',
    },
    sort: oneOf(SORT_MODES, p.get('sort'), d.sort),
    group: oneOf(GROUP_MODES, p.get('group'), d.group),
    endedCollapsed: p.get('ended') === 'collapsed',
  };
}
