import type { Session, SessionStatus } from '@flightdeck/shared-types';
import type { HistoryRow, LiveSession } from '../src/data/types.js';

/** A complete, valid Session value for tests (plain data, as the server sends it). */
export function makeSession(overrides: Partial<Session> & { sessionId: string }): Session {
  const status: SessionStatus = overrides.status ?? 'working';
  const at = overrides.statusReason?.at ?? 1_700_000_000_000;
  return {
    cli: 'claude',
    projectPath: '/home/dev/projects/alpha',
    projectName: 'alpha',
    title: 'Refactor the parser',
    status,
    statusReason: { status, cause: 'event', trigger: 'PreToolUse', detail: 'PreToolUse Bash', at },
    startedAt: at - 60_000,
    lastActivityAt: at,
    endedAt: null,
    endReason: null,
    model: 'claude-sonnet-4-5',
    permissionMode: 'default',
    currentPrompt: 'make the tests pass',
    currentTool: null,
    pendingApproval: null,
    waitingDetail: null,
    promptHistory: [],
    toolLog: [],
    responseLog: [],
    events: [],
    toolUsage: {},
    turnToolCalls: 0,
    totalToolCalls: 0,
    totalPrompts: 1,
    subagents: [],
    subagentCount: 0,
    pid: 4242,
    tty: '/dev/pts/3',
    source: 'tmux',
    terminalId: null,
    tmuxPane: '%3',
    transcriptPath: null,
    teamId: null,
    teamRole: null,
    parentSessionId: null,
    agentName: null,
    agentType: null,
    agentColor: null,
    label: null,
    accentColor: null,
    archived: false,
    previousSessionIds: [],
    resumeCount: 0,
    ...overrides,
  };
}

/**
 * A live session summary for tests, shaped like `sessions.live({ view: 'summary' })` sends it: the scalar fields
 * of `makeSession`, history lengths in `counts`, the running tool's input summary in `currentToolSummary`.
 */
export function makeLive(overrides: Partial<LiveSession> & { sessionId: string }): LiveSession {
  const { counts, currentToolSummary, ...scalars } = overrides;
  const base = liveOf(makeSession(scalars));
  return {
    ...base,
    ...(counts ? { counts } : {}),
    ...(currentToolSummary !== undefined ? { currentToolSummary } : {}),
  };
}

/** The summary view of a full session, as `sessions.live({ view: 'summary' })` sends it. */
export function liveOf(session: Session): LiveSession {
  const { promptHistory, toolLog, responseLog, events, subagents, ...rest } = session;
  const running = session.currentTool
    ? toolLog.findLast((t) => t.status === 'running' && t.tool === session.currentTool)
    : undefined;
  return {
    ...rest,
    counts: {
      promptHistory: promptHistory.length,
      toolLog: toolLog.length,
      responseLog: responseLog.length,
      events: events.length,
      subagents: subagents.length,
    },
    currentToolSummary: running?.inputSummary || null,
  };
}

/** A session as `history.search` lists it (columns only), without snippets. */
export function summaryOf(s: Session): Omit<HistoryRow, 'snippets'> {
  return {
    sessionId: s.sessionId,
    cli: s.cli,
    projectPath: s.projectPath,
    projectName: s.projectName,
    title: s.title,
    status: s.status,
    model: s.model,
    source: s.source,
    label: s.label,
    accentColor: s.accentColor,
    teamId: s.teamId,
    teamRole: s.teamRole,
    parentSessionId: s.parentSessionId,
    agentName: s.agentName,
    startedAt: s.startedAt,
    endedAt: s.endedAt,
    endReason: s.endReason,
    lastActivityAt: s.lastActivityAt,
    totalPrompts: s.totalPrompts,
    totalToolCalls: s.totalToolCalls,
    archived: s.archived,
    previousSessionIds: s.previousSessionIds,
    resumeCount: s.resumeCount,
  };
}
