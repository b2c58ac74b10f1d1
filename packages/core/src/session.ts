import type { AgentCli, Session, TerminalSource } from '@flightdeck/shared-types';
import { LIMITS, lastSegment, oneLine } from './limits.js';
import { emptyUsage } from './usage.js';

/** Title derived from the first prompt: one line, at most 80 characters. */
export function titleFromPrompt(prompt: string): string {
  return oneLine(prompt, LIMITS.title);
}

export interface NewSessionFields {
  sessionId: string;
  cli: AgentCli;
  projectPath: string;
  source: TerminalSource;
  now: number;
  status?: Session['status'];
  trigger?: string;
  detail?: string;
}

/** A fresh session card. */
export function createSession(f: NewSessionFields): Session {
  const status = f.status ?? 'idle';
  const projectName = f.projectPath === '' ? 'unknown' : lastSegment(f.projectPath);
  const statusReason: Session['statusReason'] = {
    status,
    cause: 'event',
    trigger: f.trigger ?? 'created',
    detail: f.detail ?? 'Session card created',
    at: f.now,
  };
  return {
    sessionId: f.sessionId,
    cli: f.cli,
    projectPath: f.projectPath,
    projectName,
    title: projectName,
    status,
    statusReason,
    startedAt: f.now,
    lastActivityAt: f.now,
    endedAt: null,
    endReason: null,
    model: null,
    permissionMode: null,
    currentPrompt: null,
    currentTool: null,
    pendingApproval: null,
    waitingDetail: null,
    queueCount: 0,
    queueNote: null,
    promptHistory: [],
    toolLog: [],
    responseLog: [],
    events: [],
    toolUsage: {},
    turnToolCalls: 0,
    totalToolCalls: 0,
    totalPrompts: 0,
    subagents: [],
    subagentCount: 0,
    pid: null,
    tty: null,
    source: f.source,
    host: null,
    terminalId: null,
    tmuxPane: null,
    tmuxSocket: null,
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
    ringSeq: 0,
    statusHistory: [statusReason],
    lineage: [],
    usage: emptyUsage(),
  };
}

/** A shallow copy of a session (its parts are replaced, never mutated, once published). */
export function copySession(s: Session): Session {
  return { ...s };
}
