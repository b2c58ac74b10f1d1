/**
 * What the transcript follower saw, applied to the card. Hooks miss some moments (Claude Code fires no hook when
 * the user presses Esc); the agent's transcript records them. Pure: the shell reads the file, the core decides.
 */
import { type Session, transcriptEntrySchema } from '@flightdeck/shared-types';
import { clearHeuristic } from './approvals.js';
import { failToolCall, interruptRunning, pushResponse } from './events.js';
import { clip, LIMITS, oneLine } from './limits.js';
import { getOwn, own } from './pmap.js';
import { logEvent, setStatus, syncAutoIdle } from './state-machine.js';
import { Tx } from './tx.js';
import type { CoreInput, CoreState, Effect, TranscriptCursor, TranscriptEntry } from './types.js';
import { applyUsage } from './usage.js';

type TranscriptInput = Extract<CoreInput, { type: 'transcript' }>;
type Reduced = { state: CoreState; effects: Effect[] };

/** Longest transcript input the core takes (entries); the follower sends far fewer at a time. */
export const MAX_TRANSCRIPT_ENTRIES = 1000;
/** Subagent transcripts whose cursor a session keeps (the oldest is forgotten first). */
export const MAX_SUB_TRANSCRIPTS = 64;

function str(v: unknown, max: number): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= max;
}

/** Why an entry is malformed, or null. The shell built it, but the core trusts no input. */
function entryProblem(e: unknown): string | null {
  const r = transcriptEntrySchema.safeParse(e);
  if (r.success) return null;
  const issue = r.error.issues[0];
  return issue ? `${issue.path.join('.') || 'entry'}: ${issue.message}` : 'invalid entry';
}

/** The session is in a turn (something the user could interrupt). */
function inTurn(s: Session): boolean {
  return (
    s.status === 'working' || s.status === 'prompting' || s.status === 'approval' || s.status === 'input'
  );
}

/**
 * Applies a `transcript` input. Entries written before the current turn began (a follower that lags behind the
 * hooks, or re-reads after a restart while the hooks were replayed) say nothing about the current turn: they do not
 * move the status. An input whose offset is not past the session's cursor (the same bytes again) changes nothing.
 */
export function applyTranscript(state: CoreState, input: TranscriptInput, now: number): Reduced {
  const bad = (reason: string): Reduced => ({ state, effects: [{ type: 'rejected', reason }] });
  if (!str(input.sessionId, 4096) || !str(input.path, 4096))
    return bad('transcript: expected sessionId and path');
  if (typeof input.offset !== 'number' || !Number.isSafeInteger(input.offset) || input.offset < 0)
    return bad('transcript.offset: expected a non-negative integer');
  if (!Array.isArray(input.entries) || input.entries.length > MAX_TRANSCRIPT_ENTRIES)
    return bad(`transcript.entries: expected an array of at most ${MAX_TRANSCRIPT_ENTRIES}`);
  const skipped =
    typeof input.skipped === 'number' && Number.isSafeInteger(input.skipped) && input.skipped > 0
      ? input.skipped
      : 0;
  for (let i = 0; i < input.entries.length; i++) {
    const p = entryProblem(input.entries[i]);
    if (p !== null) return bad(`transcript.entries[${i}]: ${p}`);
  }
  const agentId = input.agentId;
  if (agentId !== undefined && !str(agentId, 200)) return bad('transcript.agentId: expected a subagent id');
  const id = getOwn(state.sessions, input.sessionId) ? input.sessionId : own(state.aliases, input.sessionId);
  if (id === undefined || !getOwn(state.sessions, id)) return { state, effects: [] };
  const rt = getOwn(state.runtime, id);
  const subs = rt?.subTranscripts ?? [];
  const cursor =
    agentId === undefined ? (rt?.transcript ?? null) : (subs.find((c) => c.path === input.path) ?? null);
  const samePath = cursor !== null && cursor.path === input.path;
  if (samePath && input.restarted !== true && input.offset <= cursor.offset) return { state, effects: [] };

  const tx = new Tx(state, now);
  const keep = samePath && input.restarted !== true;
  const next: TranscriptCursor = {
    path: input.path,
    offset: input.offset,
    entries: (keep ? cursor.entries : 0) + input.entries.length,
    skipped: (keep ? cursor.skipped : 0) + skipped,
  };
  if (agentId === undefined) tx.patchRuntime(id, { transcript: next });
  else {
    const others = subs.filter((c) => c.path !== input.path);
    tx.patchRuntime(id, { subTranscripts: [...others, next].slice(-MAX_SUB_TRANSCRIPTS) });
  }
  applyUsage(tx, id, input.path, input.restarted === true, input.entries);
  let active = false;
  for (const e of input.entries) active = applyEntry(tx, id, e) || active;
  if (active) tx.patch(id, { lastActivityAt: now });
  syncAutoIdle(tx, id, active);
  return tx.finish();
}

/** Applies one entry; true when it was news about the session (activity). */
function applyEntry(tx: Tx, id: string, e: TranscriptEntry): boolean {
  const s = tx.session(id)!;
  const turnStartedAt = tx.runtime(id).turnStartedAt ?? null;
  const stale = e.at !== null && turnStartedAt !== null && e.at < turnStartedAt;
  const at = e.at ?? tx.now;
  switch (e.kind) {
    case 'interrupted': {
      if (stale || e.agentId !== null || !inTurn(s)) return false;
      const waited = s.status === 'approval' || s.status === 'input' ? s.waitingDetail : null;
      interruptRunning(tx, id, at, false);
      clearHeuristic(tx, id);
      tx.patch(id, { currentTool: null });
      const detail =
        waited !== null
          ? `Interrupted at the prompt (${waited})`
          : e.atToolPrompt
            ? 'Interrupted by the user during a tool call'
            : 'Interrupted by the user';
      setStatus(tx, id, 'waiting', 'transcript', 'interrupt', detail);
      logEvent(tx, id, 'interrupted', detail, at);
      return true;
    }
    case 'api-error': {
      const retry =
        e.attempt !== null
          ? ` (retry ${e.attempt}${e.maxAttempts !== null ? ` of ${e.maxAttempts}` : ''}${
              e.retryInMs !== null ? ` in ${Math.max(0, Math.round(e.retryInMs / 1000))} s` : ''
            })`
          : '';
      const detail = `API error: ${oneLine(e.message || 'unknown error', LIMITS.summary)}${retry}`;
      logEvent(tx, id, 'api-error', detail, at);
      if (!stale && e.agentId === null && (s.status === 'working' || s.status === 'prompting')) {
        setStatus(tx, id, s.status, 'transcript', 'api-error', detail);
      }
      return !stale;
    }
    case 'compacted': {
      const tokens = e.preTokens !== null ? `, ${Math.round(e.preTokens / 1000)}k tokens before` : '';
      logEvent(tx, id, 'compacted', `Conversation compacted (${e.trigger ?? 'auto'}${tokens})`, at);
      return !stale;
    }
    case 'assistant-text': {
      const text = e.text.trim();
      if (text === '') return false;
      pushResponse(tx, id, clip(text, LIMITS.excerpt), at, e.agentId);
      return !stale;
    }
    case 'usage':
      // counted by applyUsage; the text of the same message is the news
      return false;
    case 'tool-failed':
      return failToolCall(tx, id, e.toolUseId, e.agentId, e.error);
  }
}
