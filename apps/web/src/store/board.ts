import type { AgentCli, SessionStatus } from '@flightdeck/shared-types';
import type { LiveSession } from '../data/types.js';
import { STATUS_META } from '../lib/status.js';

export type SortMode = 'attention' | 'status' | 'recent' | 'project' | 'started';
export type GroupMode = 'none' | 'status' | 'project';

export interface BoardFilter {
  statuses: SessionStatus[];
  cli: AgentCli | null;
  project: string | null;
  search: string;
  showArchived: boolean;
}

export const emptyFilter = (): BoardFilter => ({
  statuses: [],
  cli: null,
  project: null,
  search: '',
  showArchived: false,
});

export function matchesFilter(s: LiveSession, f: BoardFilter): boolean {
  if (!f.showArchived && s.archived) return false;
  if (f.statuses.length > 0 && !f.statuses.includes(s.status)) return false;
  if (f.cli && s.cli !== f.cli) return false;
  if (f.project && s.projectName !== f.project) return false;
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
      // Sessions that need you first (longest waiting first); the rest keep a stable order (newest started
      // first) so the board does not reshuffle on every event.
      return (a, b) => {
        const na = STATUS_META[a.status].needsYou;
        const nb = STATUS_META[b.status].needsYou;
        if (na !== nb) return na ? -1 : 1;
        if (na) return a.statusReason.at - b.statusReason.at || a.sessionId.localeCompare(b.sessionId);
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
}

/** Filtered, sorted, grouped session ids: the board's structure (cards read their own data). */
export function buildGroups(
  sessions: LiveSession[],
  filter: BoardFilter,
  sort: SortMode,
  group: GroupMode,
): BoardGroup[] {
  const list = sessions.filter((s) => matchesFilter(s, filter)).sort(compareSessions(sort));
  if (group === 'none') return [{ key: 'all', label: 'All sessions', ids: list.map((s) => s.sessionId) }];
  const groups = new Map<string, BoardGroup>();
  for (const s of list) {
    const key = group === 'status' ? s.status : s.projectName;
    const label = group === 'status' ? STATUS_META[s.status].label : s.projectName;
    let g = groups.get(key);
    if (!g) {
      g = { key, label, ids: [] };
      groups.set(key, g);
    }
    g.ids.push(s.sessionId);
  }
  const out = [...groups.values()];
  if (group === 'status') {
    out.sort((a, b) => STATUS_META[a.key as SessionStatus].rank - STATUS_META[b.key as SessionStatus].rank);
  } else {
    out.sort((a, b) => a.label.localeCompare(b.label));
  }
  return out;
}

/** Header row keys start with a NUL so they can never collide with a session id in the board's keyed list. */
export const HEADER_KEY_PREFIX = '\u0000h:';

export type BoardRow =
  | { kind: 'header'; key: string; label: string; count: number }
  | { kind: 'cards'; key: string; ids: string[] };

/** Lay groups out as rows of `columns` cards (plus header rows) for the virtualiser. */
export function layoutRows(groups: BoardGroup[], columns: number, withHeaders: boolean): BoardRow[] {
  const rows: BoardRow[] = [];
  const cols = Math.max(1, columns);
  for (const g of groups) {
    if (withHeaders)
      rows.push({ kind: 'header', key: `${HEADER_KEY_PREFIX}${g.key}`, label: g.label, count: g.ids.length });
    for (let i = 0; i < g.ids.length; i += cols) {
      rows.push({ kind: 'cards', key: `r:${g.key}:${i / cols}`, ids: g.ids.slice(i, i + cols) });
    }
  }
  return rows;
}

export function rowsEqual(a: BoardRow[], b: BoardRow[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.key !== y.key || x.kind !== y.kind) return false;
    if (x.kind === 'header' && y.kind === 'header' && (x.label !== y.label || x.count !== y.count))
      return false;
    if (x.kind === 'cards' && y.kind === 'cards') {
      if (x.ids.length !== y.ids.length) return false;
      for (let j = 0; j < x.ids.length; j++) if (x.ids[j] !== y.ids[j]) return false;
    }
  }
  return true;
}
