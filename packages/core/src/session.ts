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

/**
 * The copy of a session with the fields of a new one (`createSession`'s keys, in its order), compiled once into one
 * object literal; any other session (a field missing, or one this version does not know) is copied by a spread.
 * Sessions have too many fields for the engine's fast spread: `{ ...s }` took its slow path (≈ 1 µs and ≈ 3 KB of
 * short-lived garbage per copy, one copy per hook event); the literal allocates the copy alone
 * (apps/server/src/tuning.ts, entry 4).
 */
type SessionCopier = (s: Session) => Session;
let copier: SessionCopier | null = null;

function compileCopier(): SessionCopier {
  const keys = Object.keys(
    createSession({ sessionId: '', cli: 'claude', projectPath: '', source: 'unknown', now: 0 }),
  );
  for (const k of keys) if (!/^[A-Za-z_$][\w$]*$/.test(k)) throw new Error(`not a field name: ${k}`);
  // Same keys, same count: then nothing is missing and nothing extra (for…in over a session allocates nothing).
  const same = keys.map((k) => `'${k}' in s`).join(' && ');
  const literal = keys.map((k) => `${k}: s.${k}`).join(', ');
  return new Function(
    's',
    `let n = 0;\nfor (const k in s) n++;\nif (n !== ${keys.length} || !(${same})) return { ...s };\nreturn { ${literal} };`,
  ) as SessionCopier;
}

/** A shallow copy of a session (its parts are replaced, never mutated, once published). */
export function copySession(s: Session): Session {
  copier ??= compileCopier();
  return copier(s);
}
