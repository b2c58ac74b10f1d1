import { createSession } from '@flightdeck/core';
import type { Session, SessionStatus } from '@flightdeck/shared-types';
import type { HistoryRow, LiveSession } from '../src/data/types.js';

/** A complete, valid Session value for tests (plain data, as the server sends it), built by the core. */
export function makeSession(overrides: Partial<Session> & { sessionId: string }): Session {
  const status: SessionStatus = overrides.status ?? 'working';
  const at = overrides.statusReason?.at ?? 1_700_000_000_000;
  const base = createSession({
    sessionId: overrides.sessionId,
    cli: 'claude',
    projectPath: '/home/dev/projects/alpha',
    source: 'tmux',
    now: at - 60_000,
    status,
    trigger: 'PreToolUse',
    detail: 'PreToolUse Bash',
  });
  return {
    ...base,
    title: 'Refactor the parser',
    statusReason: { ...base.statusReason, at },
    lastActivityAt: at,
    model: 'claude-sonnet-4-5',
    permissionMode: 'default',
    currentPrompt: 'make the tests pass',
    totalPrompts: 1,
    pid: 4242,
    tty: '/dev/pts/3',
    tmuxPane: '%3',
    tmuxSocket: null,
    ...overrides,
  };
}

/**
 * A live session summary for tests, shaped like `sessions.liveSummary` sends it: the scalar fields
 * of `makeSession`, history lengths in `counts`, the running tool's input summary in `currentToolSummary`.
 */
export function makeLive(overrides: Partial<LiveSession> & { sessionId: string }): LiveSession {
  const { counts, currentToolSummary, lastResponse, ...scalars } = overrides;
  // The wire type makes `unknown` fields optional; these are the fields of a Session.
  const base = liveOf(makeSession(scalars as Partial<Session> & { sessionId: string }));
  return {
    ...base,
    ...(counts ? { counts } : {}),
    ...(currentToolSummary !== undefined ? { currentToolSummary } : {}),
    ...(lastResponse !== undefined ? { lastResponse } : {}),
  };
}

/** The summary view of a full session, as `sessions.liveSummary` sends it. */
export function liveOf(session: Session): LiveSession {
  const {
    promptHistory,
    toolLog,
    responseLog,
    events,
    subagents,
    statusHistory: _history,
    ...rest
  } = session;
  const running = session.currentTool
    ? toolLog.findLast((t) => t.status === 'running' && t.tool === session.currentTool)
    : undefined;
  return {
    ...rest,
    summary: true,
    counts: {
      promptHistory: promptHistory.length,
      toolLog: toolLog.length,
      responseLog: responseLog.length,
      events: events.length,
      subagents: subagents.length,
    },
    currentToolSummary: running?.inputSummary || null,
    lastResponse: responseLog.findLast((r) => r.agentId === null)?.text ?? null,
  };
}

/** A session as `history.search` lists it (columns only). */
export function summaryOf(s: Session): HistoryRow {
  return {
    sessionId: s.sessionId,
    cli: s.cli,
    projectPath: s.projectPath,
    projectName: s.projectName,
    title: s.title,
    status: s.status,
    model: s.model,
    permissionMode: s.permissionMode,
    transcriptPath: s.transcriptPath,
    statusReason: s.statusReason,
    source: s.source,
    host: s.host,
    label: s.label,
    accentColor: s.accentColor,
    teamId: s.teamId,
    teamRole: s.teamRole,
    parentSessionId: s.parentSessionId,
    agentName: s.agentName,
    agentType: s.agentType,
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
