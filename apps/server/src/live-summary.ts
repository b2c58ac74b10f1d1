/**
 * The live summary of a session: what a board card needs, derived from `Session` (not restated). It is the
 * session without its rings (prompt history, tool log, responses, lifecycle events, subagents) and status
 * timeline, with the rings' lengths, the input summary of the running tool and the agent's latest text instead:
 * a few hundred bytes instead of tens of KB. Sent by `sessions.liveSummary`; the whole session comes from
 * `sessions.get`. A field added to `Session` reaches the summary (and the web's `LiveSession`) by itself.
 */
import { createSession } from '@flightdeck/core';
import { SESSION_RING_KEYS, type Session, type SessionRingKey } from '@flightdeck/shared-types';
import type { LiveEvent, SnapshotMessage } from './live.js';
import { compileFieldCopy } from './tuning.js';

/** The keys of `Session` the summary leaves out. */
type Omitted = SessionRingKey | 'statusHistory';

export type LiveSessionSummary = Omit<Session, Omitted> & {
  summary: true;
  counts: Record<SessionRingKey, number>;
  /** `inputSummary` of the running call of `currentTool` (what the card's activity line shows), or null. */
  currentToolSummary: string | null;
  /** The main agent's latest text in the current (or last finished) turn, one line, clipped; or null. */
  lastResponse: string | null;
};

/** A live message of `sessions.liveSummary`: sessions as `LiveSessionSummary`. */
export type SummaryLiveEvent =
  | Exclude<LiveEvent, { type: 'session-upsert' } | { type: 'snapshot' }>
  | { seq: number; type: 'session-upsert'; data: LiveSessionSummary }
  | {
      seq: number;
      type: 'snapshot';
      data: { sessions: LiveSessionSummary[]; teams: SnapshotMessage['data']['teams'] };
    };

/** Longest `lastResponse` a summary carries (the card shows two lines). */
export const LAST_RESPONSE_CHARS = 280;

/** A new session's fields: the key list of `Session` (in the core's order) and the value of a field missing. */
const TEMPLATE = createSession({
  sessionId: '',
  cli: 'claude',
  projectPath: '',
  source: 'unknown',
  now: 0,
}) as Record<keyof Session, unknown> as Record<string, unknown>;
const OMITTED: ReadonlySet<string> = new Set<Omitted>([...SESSION_RING_KEYS, 'statusHistory']);
/** The fields a summary copies: every key of `Session` but the omitted ones. */
const KEYS: readonly string[] = Object.keys(TEMPLATE).filter((k) => !OMITTED.has(k));

/** The main agent's latest text, if it came after the latest prompt (else it belongs to an earlier turn). */
function lastMainResponse(
  log: Session['responseLog'] | undefined,
  prompts: Session['promptHistory'] | undefined,
): string | null {
  if (!Array.isArray(log)) return null;
  const since = Array.isArray(prompts) ? (prompts[prompts.length - 1]?.timestamp ?? 0) : 0;
  for (let i = log.length - 1; i >= 0; i--) {
    const r = log[i];
    if (!r || r.timestamp < since) return null;
    if (r.agentId == null && typeof r.text === 'string') {
      const text = r.text
        .slice(0, LAST_RESPONSE_CHARS * 4)
        .replace(/\s+/g, ' ')
        .trim();
      if (text === '') continue;
      return text.length > LAST_RESPONSE_CHARS ? `${text.slice(0, LAST_RESPONSE_CHARS - 1)}…` : text;
    }
  }
  return null;
}

function currentToolSummary(session: Session): string | null {
  const { toolLog } = session;
  if (!session.currentTool || !Array.isArray(toolLog)) return null;
  for (let i = toolLog.length - 1; i >= 0; i--) {
    const t = toolLog[i];
    if (t && t.status === 'running' && t.tool === session.currentTool) return t.inputSummary ?? null;
  }
  return null;
}

/** The summary's fields copied (a field missing from a session of an older state gets a new session's value). */
const copySummary = compileFieldCopy<
  Session,
  [currentToolSummary: string | null, lastResponse: string | null],
  LiveSessionSummary
>(KEYS, SESSION_RING_KEYS, ['currentToolSummary', 'lastResponse'], { summary: true });

/**
 * The summary of a session, built for each message (each subscriber serializes it at once, so it dies young; a
 * cached summary would live as long as its session version).
 */
export function sessionSummary(session: Session): LiveSessionSummary {
  return copySummary(
    session,
    TEMPLATE,
    currentToolSummary(session),
    lastMainResponse(session.responseLog, session.promptHistory),
  );
}

/** A live message in the summary view. */
export function summaryEvent(msg: LiveEvent): SummaryLiveEvent {
  if (msg.type === 'session-upsert') return { seq: msg.seq, type: msg.type, data: sessionSummary(msg.data) };
  if (msg.type === 'snapshot') {
    return {
      seq: msg.seq,
      type: 'snapshot',
      data: { sessions: msg.data.sessions.map(sessionSummary), teams: msg.data.teams },
    };
  }
  return msg;
}
