import {
  AGENT_CLIS,
  type AgentCli,
  type Note,
  SESSION_STATUSES,
  type Session,
  type SessionStatus,
  type Team,
} from '@flightdeck/shared-types';
import { splitHighlights } from '../lib/highlight.js';
import type {
  Analytics,
  DailyStat,
  HeatCell,
  HistoryPage,
  HistoryQuery,
  HistoryRow,
  HistorySnippet,
  HookCliStatus,
  HookDensity,
  LatencyStats,
  LiveMessage,
  LiveSession,
  ProjectStat,
  SessionHistoryKey,
  SystemStats,
  ToolStat,
} from './types.js';

/**
 * Tolerant readers that turn server answers into the web app's view types. They accept the common
 * spellings (camelCase and snake_case) so a renamed column does not blank a view.
 */
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const pick = (o: Obj, ...keys: string[]): unknown => {
  for (const k of keys) if (o[k] !== undefined && o[k] !== null) return o[k];
  return undefined;
};
const num = (v: unknown, d = 0): number => {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : d;
};
const numOrNull = (v: unknown): number | null => (v === undefined || v === null ? null : num(v, Number.NaN));
const str = (v: unknown, d = ''): string =>
  typeof v === 'string' ? v : v === undefined || v === null ? d : String(v);
const strOrNull = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const time = (v: unknown): number => {
  if (typeof v === 'string' && !/^\d+$/.test(v)) {
    const t = Date.parse(v);
    return Number.isFinite(t) ? t : 0;
  }
  return num(v);
};
const asStatus = (v: unknown): SessionStatus =>
  (SESSION_STATUSES as readonly string[]).includes(str(v)) ? (v as SessionStatus) : 'ended';
const asCli = (v: unknown): AgentCli =>
  (AGENT_CLIS as readonly string[]).includes(str(v)) ? (v as AgentCli) : 'claude';

/** One snippet from the server: `SnippetPart[]`, a marked-up string, or `{kind, snippet}`. */
export function normaliseSnippet(v: unknown): HistorySnippet | null {
  if (typeof v === 'string') return v ? { kind: 'match', parts: splitHighlights(v), timestamp: null } : null;
  if (!isObj(v)) return null;
  const raw = pick(v, 'snippet', 'parts', 'text', 'highlight');
  const parts = Array.isArray(raw)
    ? raw.filter(isObj).map((p) => ({ text: str(p.text), match: p.match === true }))
    : splitHighlights(str(raw));
  if (parts.length === 0) return null;
  const ts = pick(v, 'timestamp');
  return {
    kind: str(pick(v, 'kind', 'type', 'source'), 'match'),
    parts,
    timestamp: ts === undefined ? null : time(ts),
  };
}

function snippetsOf(o: Obj): HistorySnippet[] {
  return arr(pick(o, 'snippets', 'matches', 'highlights'))
    .map(normaliseSnippet)
    .filter((s): s is HistorySnippet => s !== null);
}

export function normaliseHistoryRow(v: unknown): HistoryRow | null {
  if (!isObj(v)) return null;
  const o = isObj(v.session) ? { ...v.session, ...v } : v;
  const sessionId = str(pick(o, 'sessionId', 'session_id', 'id'));
  if (!sessionId) return null;
  const projectPath = str(pick(o, 'projectPath', 'project_path'));
  return {
    sessionId,
    projectPath,
    projectName: str(pick(o, 'projectName', 'project_name'), projectPath.split('/').pop() ?? ''),
    title: str(pick(o, 'title')),
    label: strOrNull(pick(o, 'label')),
    status: asStatus(pick(o, 'status')),
    cli: asCli(pick(o, 'cli')),
    model: strOrNull(pick(o, 'model')),
    startedAt: time(pick(o, 'startedAt', 'started_at')),
    lastActivityAt: time(pick(o, 'lastActivityAt', 'last_activity_at')),
    endedAt: pick(o, 'endedAt', 'ended_at') === undefined ? null : time(pick(o, 'endedAt', 'ended_at')),
    totalToolCalls: num(pick(o, 'totalToolCalls', 'total_tool_calls', 'toolCalls', 'tool_calls')),
    totalPrompts: num(pick(o, 'totalPrompts', 'total_prompts', 'prompts', 'promptCount')),
    archived: Boolean(pick(o, 'archived')),
    snippets: snippetsOf(o),
  };
}

export function normaliseHistoryPage(raw: unknown, query: HistoryQuery): HistoryPage {
  const o: Obj = isObj(raw) ? raw : { rows: arr(raw) };
  const list = arr(pick(o, 'items', 'rows', 'sessions', 'results'));
  const rows = list.map(normaliseHistoryRow).filter((r): r is HistoryRow => r !== null);
  return {
    rows,
    total: num(pick(o, 'total', 'totalCount', 'count'), rows.length),
    page: num(pick(o, 'page'), query.page),
    pageSize: num(pick(o, 'pageSize', 'page_size', 'limit'), query.pageSize),
  };
}

export function normaliseAnalytics(raw: {
  summary: unknown;
  tools: unknown;
  projects: unknown;
  heatmap: unknown;
  daily: unknown;
}): Analytics {
  const s: Obj = isObj(raw.summary) ? raw.summary : {};
  const mostUsed = pick(s, 'mostUsedTool', 'most_used_tool');
  const busiest = pick(s, 'busiestProject', 'busiest_project');
  const toolsList = isObj(raw.tools) ? arr(pick(raw.tools, 'tools', 'rows')) : arr(raw.tools);
  const totalTools = toolsList.reduce<number>(
    (n, t) => n + (isObj(t) ? num(pick(t, 'count', 'calls')) : 0),
    0,
  );
  const tools: ToolStat[] = toolsList.filter(isObj).map((t) => {
    const count = num(pick(t, 'count', 'calls'));
    return {
      tool: str(pick(t, 'tool', 'toolName', 'tool_name', 'name')),
      count,
      percentage: num(pick(t, 'percentage', 'percent'), totalTools ? (count / totalTools) * 100 : 0),
    };
  });
  const projects: ProjectStat[] = (
    isObj(raw.projects) ? arr(pick(raw.projects, 'projects', 'rows')) : arr(raw.projects)
  )
    .filter(isObj)
    .map((p) => {
      const projectPath = str(pick(p, 'projectPath', 'project_path'));
      return {
        projectPath,
        projectName: str(pick(p, 'projectName', 'project_name', 'name'), projectPath.split('/').pop() ?? ''),
        sessionCount: num(pick(p, 'sessionCount', 'session_count', 'sessions', 'count')),
        lastActivityAt: time(pick(p, 'lastActivityAt', 'last_activity_at', 'lastActivity')),
      };
    });
  const heatmap: HeatCell[] = (
    isObj(raw.heatmap) ? arr(pick(raw.heatmap, 'cells', 'rows')) : arr(raw.heatmap)
  )
    .filter(isObj)
    .map((c) => ({
      dayOfWeek: num(pick(c, 'dayOfWeek', 'day_of_week', 'dow')),
      hour: num(pick(c, 'hour')),
      count: num(pick(c, 'count')),
    }));
  const daily: DailyStat[] = (isObj(raw.daily) ? arr(pick(raw.daily, 'days', 'rows')) : arr(raw.daily))
    .filter(isObj)
    .map((d) => ({
      date: str(pick(d, 'date', 'day')),
      sessions: num(pick(d, 'sessions', 'sessionCount', 'session_count')),
      prompts: num(pick(d, 'prompts', 'promptCount', 'prompt_count')),
      toolCalls: num(pick(d, 'toolCalls', 'tool_calls', 'toolCallCount')),
    }));
  return {
    summary: {
      totalSessions: num(pick(s, 'totalSessions', 'total_sessions')),
      activeSessions: num(pick(s, 'activeSessions', 'active_sessions')),
      totalPrompts: num(pick(s, 'totalPrompts', 'total_prompts')),
      totalToolCalls: num(pick(s, 'totalToolCalls', 'total_tool_calls')),
      mostUsedTool: isObj(mostUsed) ? strOrNull(pick(mostUsed, 'tool', 'name')) : strOrNull(mostUsed),
      busiestProject: isObj(busiest) ? strOrNull(pick(busiest, 'projectName', 'name')) : strOrNull(busiest),
    },
    tools,
    projects,
    heatmap,
    daily,
  };
}

export function normaliseHookStatus(raw: unknown): HookCliStatus[] {
  let list: unknown[] = [];
  if (Array.isArray(raw)) list = raw;
  else if (isObj(raw)) {
    const inner = pick(raw, 'clis', 'status', 'items');
    if (Array.isArray(inner)) list = inner;
    else {
      const src = isObj(inner) ? inner : raw;
      list = AGENT_CLIS.filter((c) => isObj(src[c])).map((c) => ({ cli: c, ...(src[c] as Obj) }));
    }
  }
  return list.filter(isObj).map((o) => {
    const density = str(pick(o, 'density'));
    return {
      cli: asCli(pick(o, 'cli')),
      installed: Boolean(pick(o, 'installed')),
      density: (['high', 'medium', 'low'].includes(density) ? density : null) as HookDensity | null,
      events: arr(pick(o, 'events', 'installedEvents')).map((e) => str(e)),
      location: strOrNull(pick(o, 'settingsPath', 'location', 'path', 'file')),
    };
  });
}

function latency(v: unknown): LatencyStats {
  const o: Obj = isObj(v) ? v : {};
  return {
    count: num(pick(o, 'samples', 'count')),
    p50: numOrNull(pick(o, 'p50', 'median')),
    p95: numOrNull(pick(o, 'p95')),
    recent: arr(pick(o, 'recent', 'history', 'series')).map((x) =>
      num(isObj(x) ? pick(x, 'ms', 'value') : x),
    ),
  };
}

/** Combines per-event-type summaries: sample-weighted p50, worst p95. */
function combine(list: LatencyStats[]): LatencyStats {
  const withData = list.filter((l) => l.count > 0 && l.p50 !== null);
  if (withData.length === 0) return { count: 0, p50: null, p95: null, recent: [] };
  const count = withData.reduce((n, l) => n + l.count, 0);
  return {
    count,
    p50: withData.reduce((n, l) => n + (l.p50 ?? 0) * l.count, 0) / count,
    p95: Math.max(...withData.map((l) => l.p95 ?? 0)),
    recent: [],
  };
}

/** `hooks.stats`: `{hooks: HookStatsSnapshot, ingest: RuntimeStats}`. */
export function normaliseStats(raw: unknown): SystemStats {
  const o: Obj = isObj(raw) ? raw : {};
  const hooks: Obj = isObj(o.hooks) ? o.hooks : {};
  const ingest: Obj = isObj(o.ingest) ? o.ingest : {};
  const events: Obj = isObj(hooks.events) ? hooks.events : {};
  const perEvent: Record<string, number> = {};
  const delivery: LatencyStats[] = [];
  const processing: LatencyStats[] = [];
  for (const [name, v] of Object.entries(events)) {
    if (isObj(v)) {
      perEvent[name] = num(pick(v, 'count'));
      if (isObj(v.latency)) delivery.push(latency(v.latency));
      if (isObj(v.processing)) processing.push(latency(v.processing));
    } else perEvent[name] = num(v);
  }
  return {
    hooks: {
      received: num(pick(hooks, 'totalHooks', 'received', 'total')),
      rejected: num(pick(hooks, 'rejected', 'invalid')),
      perMinute: num(pick(hooks, 'hooksPerMin', 'perMinute')),
      perEvent,
      latency: isObj(hooks.latency) ? latency(hooks.latency) : combine(delivery),
      processing: combine(processing),
    },
    ingest: {
      batches: num(pick(ingest, 'batches')),
      events: num(pick(ingest, 'hookEvents', 'events', 'inputs')),
      duplicates: num(pick(ingest, 'duplicates')),
      lastCommitMs: numOrNull(pick(ingest, 'lastCommitMs')),
      queued: num(pick(ingest, 'queued')),
    },
    uptimeMs: numOrNull(pick(o, 'uptimeMs', 'uptime')),
    version: strOrNull(pick(o, 'version')),
  };
}

const HISTORY_KEYS: readonly SessionHistoryKey[] = [
  'promptHistory',
  'toolLog',
  'responseLog',
  'events',
  'subagents',
];

/** The board's view of a full `Session`: its scalar fields, history lengths and the running tool's summary. */
export function summariseSession(session: Session): LiveSession {
  const { promptHistory, toolLog, responseLog, events, subagents, ...rest } = session;
  let currentToolSummary: string | null = null;
  if (session.currentTool) {
    for (let i = toolLog.length - 1; i >= 0; i--) {
      const t = toolLog[i];
      if (t && t.status === 'running' && t.tool === session.currentTool) {
        currentToolSummary = t.inputSummary || null;
        break;
      }
    }
  }
  return {
    ...rest,
    counts: {
      promptHistory: promptHistory.length,
      toolLog: toolLog.length,
      responseLog: responseLog.length,
      events: events.length,
      subagents: subagents.length,
    },
    currentToolSummary,
  };
}

/**
 * A session from the live stream as a `LiveSession`. The summary view already has that shape; a full session
 * (the `full` view, or an older server) is summarised here so the store never holds history arrays.
 */
export function normaliseLiveSession(raw: unknown): LiveSession | null {
  if (!isObj(raw) || typeof raw.sessionId !== 'string') return null;
  if (HISTORY_KEYS.some((k) => Array.isArray(raw[k]))) {
    const full = { ...raw } as Obj;
    for (const k of HISTORY_KEYS) if (!Array.isArray(full[k])) full[k] = [];
    return summariseSession(full as unknown as Session);
  }
  const counts: Obj = isObj(raw.counts) ? raw.counts : {};
  return {
    ...(raw as unknown as LiveSession),
    counts: {
      promptHistory: num(counts.promptHistory),
      toolLog: num(counts.toolLog),
      responseLog: num(counts.responseLog),
      events: num(counts.events),
      subagents: num(counts.subagents),
    },
    currentToolSummary: strOrNull(raw.currentToolSummary),
  };
}

/**
 * A `sessions.live` message. The server sends `{seq, type, data}`; older drafts sent the payload inline
 * (`{type:'snapshot', sessions, teams}` / `{type:'session-upsert', session}`). Both are accepted.
 */
export function normaliseLive(raw: unknown): LiveMessage | null {
  if (!isObj(raw)) return null;
  const data: Obj = isObj(raw.data) ? raw.data : raw;
  switch (raw.type) {
    case 'snapshot': {
      const rawSessions = pick(data, 'sessions');
      const list = Array.isArray(rawSessions)
        ? rawSessions
        : isObj(rawSessions)
          ? Object.values(rawSessions)
          : [];
      return {
        type: 'snapshot',
        sessions: list.map(normaliseLiveSession).filter((s): s is LiveSession => s !== null),
        teams: (pick(data, 'teams') ?? []) as Team[],
        seq: num(pick(raw, 'seq')),
      };
    }
    case 'session-upsert': {
      const session = normaliseLiveSession(isObj(raw.session) ? raw.session : data);
      return session ? { type: 'session-upsert', session } : null;
    }
    case 'session-removed': {
      const sessionId = str(pick(raw, 'sessionId') ?? pick(data, 'sessionId'));
      return sessionId ? { type: 'session-removed', sessionId } : null;
    }
    case 'team-upsert': {
      const team = (isObj(raw.team) ? raw.team : data) as unknown as Team;
      return typeof team.teamId === 'string' ? { type: 'team-upsert', team } : null;
    }
    case 'team-removed': {
      const teamId = str(pick(raw, 'teamId') ?? pick(data, 'teamId'));
      return teamId ? { type: 'team-removed', teamId } : null;
    }
    default:
      return null;
  }
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * A stored session from `history.get` (`{session, prompts, responses, toolCalls, events, notes}`) as a `Session`:
 * the snapshot, with its capped logs replaced by the fuller persisted records when those are longer.
 */
export function sessionFromHistory(raw: unknown): { session: Session; notes: Note[] } | null {
  if (!isObj(raw)) return null;
  if (!isObj(raw.session)) {
    return typeof raw.sessionId === 'string' ? { session: raw as unknown as Session, notes: [] } : null;
  }
  const base = raw.session as unknown as Session;
  const prompts = arr(raw.prompts).filter(isObj);
  const responses = arr(raw.responses).filter(isObj);
  const toolCalls = arr(raw.toolCalls).filter(isObj);
  const events = arr(raw.events).filter(isObj);
  const session: Session = { ...base };
  if (prompts.length > base.promptHistory.length) {
    session.promptHistory = prompts.map((p) => ({
      text: str(p.text),
      timestamp: time(p.timestamp),
      promptId: strOrNull(p.promptId),
    }));
  }
  if (responses.length > base.responseLog.length) {
    session.responseLog = responses.map((r) => ({
      text: str(r.text),
      timestamp: time(r.timestamp),
      agentId: strOrNull(r.agentId),
    }));
  }
  if (toolCalls.length > base.toolLog.length) {
    session.toolLog = toolCalls.map((t) => ({
      toolUseId: strOrNull(t.toolUseId),
      tool: str(t.tool),
      input: t.input !== undefined ? t.input : parseJson(strOrNull(t.inputExcerpt)),
      inputSummary: str(t.inputSummary),
      status: str(t.status, 'ok') as Session['toolLog'][number]['status'],
      startedAt: time(t.startedAt),
      endedAt: t.endedAt === null || t.endedAt === undefined ? null : time(t.endedAt),
      durationMs: numOrNull(t.durationMs),
      result: strOrNull(t.result),
      error: strOrNull(t.error),
      agentId: strOrNull(t.agentId),
    }));
  }
  if (events.length > base.events.length) {
    session.events = events.map((e) => ({
      type: str(e.type),
      detail: str(e.detail),
      timestamp: time(e.timestamp),
    }));
  }
  return { session, notes: arr(raw.notes).filter(isObj) as unknown as Note[] };
}
