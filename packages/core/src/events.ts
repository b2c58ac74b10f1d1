import type { PendingApproval, Session, Subagent, ToolCall, ToolCallStatus } from '@flightdeck/shared-types';
import { clearHeuristic, densityOf, isUserInputTool, startHeuristic, waitingLabel } from './approvals.js';
import { isRemoteHost } from './hosts.js';
import { clip, excerpt, LIMITS, lastSegment, oneLine, summarizeInput, truncateDeep } from './limits.js';
import { linkLineage, predecessorOf } from './lineage.js';
import { applyMatch, detectHookSource, matchSession } from './matcher.js';
import { QUIET_EVENTS } from './normalize.js';
import {
  describeTaskNotification,
  endReasonLabel,
  isTaskNotification,
  KILLED_END_REASON,
  sessionStartLabel,
} from './plain.js';
import { valuesOf } from './pmap.js';
import { putRingEntry } from './rings.js';
import { titleFromPrompt } from './session.js';
import { logEvent, setStatus, syncAutoIdle } from './state-machine.js';
import { addPendingSubagent, onSessionEnded, onSessionRevived, tryLinkNewSession } from './teams.js';
import type { Tx } from './tx.js';
import type { DomainEvent, HookMeta } from './types.js';

type Ev<K extends DomainEvent['kind']> = Extract<DomainEvent, { kind: K }>;

/** Kinds that, when they carry an `agent_id`, describe a subagent's work rather than the main agent's. */
const SUBAGENT_KINDS: ReadonlySet<DomainEvent['kind']> = new Set([
  'tool-start',
  'tool-end',
  'tool-failed',
  'tool-batch',
  'permission-denied',
  'compact',
  'other',
  'notification',
]);

function isWaiting(s: Session): boolean {
  return s.status === 'approval' || s.status === 'input';
}

/** Timestamp for history entries: when the hook captured the event, else now. */
function eventTime(meta: HookMeta, now: number): number {
  const t = meta.sentAt;
  return typeof t === 'number' && Number.isFinite(t) && t > 0 ? t : now;
}

/** Applies the hook's enrichment and the event's common fields to the session. */
function applyMeta(tx: Tx, id: string, ev: DomainEvent, meta: HookMeta, isSub: boolean): void {
  const s = tx.session(id)!;
  const p: Partial<Session> = { lastActivityAt: tx.now };
  if (typeof meta.pid === 'number' && meta.pid !== s.pid) {
    p.pid = meta.pid;
    // A new process: whatever was recorded about the previous one no longer applies. The process that sent
    // the event was running when the hook captured it (the claimed capture time can only make that stricter).
    if (tx.runtime(id).process) tx.patchRuntime(id, { process: null });
    // A PID of another machine is never watched here (its forwarder reports it: `process-gone`).
    if (!isRemoteHost(tx.state, meta.host ?? s.host)) {
      tx.emit({
        type: 'watch-pid',
        sessionId: id,
        pid: meta.pid,
        at: Math.min(eventTime(meta, tx.now), tx.now),
      });
    }
  }
  if (meta.tty && meta.tty !== s.tty) p.tty = meta.tty;
  if (meta.host && meta.host !== s.host) p.host = meta.host;
  // The card was created from an event without terminal details (e.g. Codex notify): a later one tells.
  if (s.source === 'unknown') {
    const source = detectHookSource(meta);
    if (source !== 'unknown') p.source = source;
  }
  if (meta.tmuxPane && meta.tmuxPane !== s.tmuxPane) p.tmuxPane = meta.tmuxPane;
  const tmuxSocket = meta.tmux ? meta.tmux.slice(0, meta.tmux.indexOf(',') >>> 0) : '';
  if (tmuxSocket && tmuxSocket !== s.tmuxSocket) p.tmuxSocket = tmuxSocket;
  if (meta.terminalId && meta.terminalId !== s.terminalId) {
    p.terminalId = meta.terminalId;
    p.source = 'flightdeck';
  }
  if (!isSub) {
    if (ev.transcriptPath && ev.transcriptPath !== s.transcriptPath) p.transcriptPath = ev.transcriptPath;
    if (ev.permissionMode && ev.permissionMode !== s.permissionMode) p.permissionMode = ev.permissionMode;
  }
  if (ev.model && ev.model !== s.model) p.model = ev.model;
  if (s.projectPath === '' && ev.cwd) {
    p.projectPath = ev.cwd;
    p.projectName = lastSegment(ev.cwd);
    if (tx.runtime(id).titleSource === 'default') p.title = p.projectName;
  }
  if (meta.agentName && !s.agentName) p.agentName = meta.agentName;
  if (meta.agentColor && !s.agentColor) p.agentColor = meta.agentColor;
  tx.patch(id, p);
  const density = densityOf(meta);
  if (density !== null && density !== tx.runtime(id).density) tx.patchRuntime(id, { density });
  // Flightdeck's own hook registers PermissionRequest at every density: approvals will be signalled directly.
  if (meta.permissionRequestHooked === true && s.cli !== 'gemini' && !tx.runtime(id).approvalSignal) {
    tx.patchRuntime(id, { approvalSignal: true });
  }
}

/** Applies one normalised hook event: matcher, enrichment, then the event's effect on the card. */
/** Applies one domain event; returns the id of the session it landed on. */
export function applyEvent(tx: Tx, ev: DomainEvent, meta: HookMeta): string {
  const match = matchSession(tx.state, ev, meta, tx.now);
  const { sessionId: id, created } = applyMatch(tx, match, ev, meta);
  const isSub = ev.agentId !== null && SUBAGENT_KINDS.has(ev.kind);
  applyMeta(tx, id, ev, meta, isSub);
  if (created || (meta.parentSessionId && !tx.session(id)!.parentSessionId)) {
    tryLinkNewSession(tx, id, ev.cwd, meta, ev.kind === 'session-start');
  }
  const at = eventTime(meta, tx.now);
  switch (ev.kind) {
    case 'session-start':
      onSessionStart(tx, id, ev, match.kind === 'resume');
      break;
    case 'prompt':
      onPrompt(tx, id, ev, at);
      break;
    case 'tool-start':
      onToolStart(tx, id, ev, at, isSub);
      break;
    case 'tool-end':
      onToolDone(tx, id, ev, at, isSub, 'ok', excerpt(ev.response), null, ev.durationMs);
      break;
    case 'tool-failed':
      onToolDone(
        tx,
        id,
        ev,
        at,
        isSub,
        ev.interrupted ? 'interrupted' : 'failed',
        ev.error,
        ev.error,
        ev.durationMs,
      );
      break;
    case 'tool-batch':
      onToolBatch(tx, id, ev, at, isSub);
      break;
    case 'permission-request':
      onPermissionRequest(tx, id, ev);
      break;
    case 'permission-denied':
      onToolDone(tx, id, ev, at, isSub, 'denied', ev.reason, ev.reason, null);
      logEvent(tx, id, ev.hookEvent, `${ev.tool} denied: ${oneLine(ev.reason, LIMITS.summary)}`, at);
      break;
    case 'turn-end':
      onTurnEnd(tx, id, ev, at);
      break;
    case 'turn-failed':
      onTurnFailed(tx, id, ev, at);
      break;
    case 'notification':
      onNotification(tx, id, ev, at, isSub);
      break;
    case 'subagent-start':
      onSubagentStart(tx, id, ev, at);
      break;
    case 'subagent-stop':
      onSubagentStop(tx, id, ev, at);
      break;
    case 'compact':
      logEvent(
        tx,
        id,
        ev.hookEvent,
        `Compaction ${ev.phase === 'pre' ? 'starting' : 'done'} (${ev.trigger ?? 'auto'})`,
        at,
      );
      break;
    case 'cwd-changed':
      tx.patch(id, { projectPath: ev.newCwd, projectName: lastSegment(ev.newCwd) });
      logEvent(tx, id, ev.hookEvent, `${ev.oldCwd ?? '?'} → ${ev.newCwd}`, at);
      break;
    case 'session-end':
      endSession(tx, id, 'event', ev.hookEvent, ev.reason, at);
      break;
    case 'other':
      onOther(tx, id, ev, at, isSub);
      break;
  }
  syncAutoIdle(tx, id, true);
  return id;
}

function revive(tx: Tx, id: string): void {
  const s = tx.session(id)!;
  if (s.status !== 'ended') return;
  tx.patch(id, { endedAt: null, endReason: null });
  if (tx.runtime(id).killRequestedAt != null) tx.patchRuntime(id, { killRequestedAt: null });
  onSessionRevived(tx, id);
}

function onSessionStart(tx: Tx, id: string, ev: Ev<'session-start'>, rekeyedByResume: boolean): void {
  const s = tx.session(id)!;
  const detail = sessionStartLabel(ev.source);
  if (ev.source === 'compact' && s.status !== 'ended' && s.status !== 'connecting') {
    logEvent(tx, id, ev.hookEvent, detail, tx.now);
    return;
  }
  const p: Partial<Session> = {};
  if (ev.source === 'resume' && !rekeyedByResume) p.resumeCount = s.resumeCount + 1;
  const pending = tx.state.pendingResumes.find((r) => r.sessionId === id);
  if (pending) {
    p.terminalId = pending.terminalId;
    tx.state.pendingResumes = tx.state.pendingResumes.filter((r) => r.sessionId !== id);
  }
  if (ev.sessionTitle && tx.runtime(id).titleSource !== 'user') {
    p.title = titleFromPrompt(ev.sessionTitle);
    tx.patchRuntime(id, { titleSource: 'prompt' });
  }
  revive(tx, id);
  tx.patch(id, { ...p, currentTool: null });
  clearHeuristic(tx, id);
  setStatus(tx, id, 'idle', 'event', ev.hookEvent, detail);
  logEvent(tx, id, ev.hookEvent, detail, tx.now);
}

function onPrompt(tx: Tx, id: string, ev: Ev<'prompt'>, at: number): void {
  revive(tx, id);
  if (isTaskNotification(ev.prompt)) {
    onTaskNotification(tx, id, ev, at);
    return;
  }
  recordPrompt(tx, id, ev.prompt, ev.turnId, at);
  tx.patch(id, { turnToolCalls: 0, currentTool: null });
  tx.patchRuntime(id, { turnStartedAt: at });
  clearHeuristic(tx, id);
  const line = oneLine(ev.prompt, LIMITS.title);
  setStatus(tx, id, 'prompting', 'event', ev.hookEvent, `Prompt: ${line}`);
  logEvent(tx, id, ev.hookEvent, line, at);
}

/**
 * Claude Code delivers a subagent's (or background task's) completion as a UserPromptSubmit whose prompt is a
 * `<task-notification>`: a system message, not the user's. The agent starts a turn to read it, but it is not a
 * prompt: not in the prompt history, not counted, not the title, not the card's current prompt.
 */
function onTaskNotification(tx: Tx, id: string, ev: Ev<'prompt'>, at: number): void {
  const line = oneLine(describeTaskNotification(ev.prompt.slice(0, LIMITS.prompt)), LIMITS.title);
  tx.patch(id, { turnToolCalls: 0, currentTool: null });
  tx.patchRuntime(id, { turnStartedAt: at });
  clearHeuristic(tx, id);
  setStatus(tx, id, 'prompting', 'event', ev.hookEvent, `Task notification: ${line}`);
  logEvent(tx, id, 'task-notification', line, at);
}

function recordPrompt(tx: Tx, id: string, prompt: string, promptId: string | null, at: number): void {
  const s = tx.session(id)!;
  const text = clip(prompt, LIMITS.prompt);
  const p: Partial<Session> = { currentPrompt: text, totalPrompts: s.totalPrompts + 1 };
  if (tx.runtime(id).titleSource === 'default' && text.trim() !== '') {
    p.title = titleFromPrompt(text);
    tx.patchRuntime(id, { titleSource: 'prompt' });
  }
  putRingEntry(tx, id, 'promptHistory', null, { text, timestamp: at, promptId, seq: 0 }, p);
}

function findTool(
  log: readonly ToolCall[],
  toolUseId: string | null,
  tool: string,
  agentId: string | null,
): number {
  for (let i = log.length - 1; i >= 0; i--) {
    const t = log[i]!;
    if (toolUseId !== null) {
      if (t.toolUseId === toolUseId) return i;
    } else if (t.status === 'running' && t.tool === tool && t.agentId === agentId) {
      return i;
    }
  }
  return -1;
}

function replaceAt<T>(arr: readonly T[], i: number, item: T): T[] {
  const out = arr.slice();
  out[i] = item;
  return out;
}

function updateSubagent(tx: Tx, id: string, agentId: string, at: number, f: (a: Subagent) => Subagent): void {
  const s = tx.session(id)!;
  const i = s.subagents.findIndex((a) => a.agentId === agentId);
  const cur: Subagent =
    i >= 0
      ? s.subagents[i]!
      : {
          agentId,
          agentType: null,
          status: 'running',
          startedAt: at,
          endedAt: null,
          toolCalls: 0,
          currentTool: null,
          lastMessage: null,
          transcriptPath: null,
        };
  const next = f(cur);
  const subagents = i >= 0 ? replaceAt(s.subagents, i, next) : [...s.subagents, next];
  tx.patch(id, { subagents, subagentCount: subagents.filter((a) => a.status === 'running').length });
}

function onToolStart(tx: Tx, id: string, ev: Ev<'tool-start'>, at: number, isSub: boolean): void {
  const s = tx.session(id)!;
  if (ev.toolUseId !== null && findTool(s.toolLog, ev.toolUseId, ev.tool, null) >= 0) return; // duplicate delivery
  const inputSummary = summarizeInput(ev.tool, ev.toolInput);
  const entry: ToolCall = {
    toolUseId: ev.toolUseId,
    tool: ev.tool,
    input: truncateDeep(ev.toolInput),
    inputSummary,
    status: 'running',
    startedAt: at,
    endedAt: null,
    durationMs: null,
    result: null,
    error: null,
    agentId: isSub ? ev.agentId : null,
    seq: 0,
  };
  putRingEntry(tx, id, 'toolLog', null, entry, {
    toolUsage: { ...s.toolUsage, [ev.tool]: (s.toolUsage[ev.tool] ?? 0) + 1 },
    totalToolCalls: s.totalToolCalls + 1,
    ...(isSub ? {} : { turnToolCalls: s.turnToolCalls + 1, currentTool: ev.tool }),
  });
  if (isSub) {
    updateSubagent(tx, id, ev.agentId!, at, (a) => ({
      ...a,
      toolCalls: a.toolCalls + 1,
      currentTool: ev.tool,
    }));
    return;
  }
  if (s.status === 'ended') return;
  setStatus(
    tx,
    id,
    'working',
    'event',
    ev.hookEvent,
    inputSummary === '' ? ev.tool : `${ev.tool}: ${inputSummary}`,
  );
  startHeuristic(tx, id, { tool: ev.tool, toolUseId: ev.toolUseId, toolInput: entry.input, inputSummary });
}

/** Leaves approval/input when the tool it waited for resolved (or for any tool if the wait was a heuristic). */
function resolveWait(
  tx: Tx,
  id: string,
  tool: string | null,
  agentId: string | null,
  trigger: string,
  detail: string,
): void {
  const s = tx.session(id)!;
  if (!isWaiting(s)) return;
  const p = s.pendingApproval;
  if (p && p.source === 'permission_request' && tool !== null && p.tool !== tool) return;
  if (p && p.agentId !== agentId && tool !== null) return;
  setStatus(tx, id, 'working', 'event', trigger, detail);
}

function onToolDone(
  tx: Tx,
  id: string,
  ev: Ev<'tool-end' | 'tool-failed' | 'permission-denied'>,
  at: number,
  isSub: boolean,
  status: ToolCallStatus,
  result: string | null,
  error: string | null,
  durationMs: number | null,
): void {
  const s = tx.session(id)!;
  const agentId = isSub ? ev.agentId : null;
  const i = findTool(s.toolLog, ev.toolUseId, ev.tool, agentId);
  const prev = i >= 0 ? s.toolLog[i]! : undefined;
  if (prev && prev.status !== 'running') return; // duplicate delivery
  // the session file said it failed before the hook said it ended (failToolCall)
  const failedEarlier = prev?.error != null && status === 'ok';
  const done: ToolCall = {
    toolUseId: ev.toolUseId,
    tool: ev.tool,
    input: prev ? prev.input : truncateDeep(ev.toolInput),
    inputSummary: prev ? prev.inputSummary : summarizeInput(ev.tool, ev.toolInput),
    status: failedEarlier ? 'failed' : status,
    startedAt: prev ? prev.startedAt : at,
    endedAt: at,
    durationMs: durationMs ?? (prev ? Math.max(0, at - prev.startedAt) : null),
    result: result === null ? null : clip(result, LIMITS.excerpt),
    error: failedEarlier ? prev.error : error === null ? null : clip(error, LIMITS.excerpt),
    agentId,
    seq: 0,
  };
  if (prev) {
    putRingEntry(tx, id, 'toolLog', i, done);
  } else {
    // The start was never seen (older density, lost event): count the call now.
    putRingEntry(tx, id, 'toolLog', null, done, {
      toolUsage: { ...s.toolUsage, [ev.tool]: (s.toolUsage[ev.tool] ?? 0) + 1 },
      totalToolCalls: s.totalToolCalls + 1,
      ...(isSub ? {} : { turnToolCalls: s.turnToolCalls + 1 }),
    });
  }
  if (isSub) {
    updateSubagent(tx, id, agentId!, at, (a) => ({ ...a, currentTool: null }));
    resolveWait(tx, id, ev.tool, agentId, ev.hookEvent, `${ev.tool} ${status}`);
    return;
  }
  const cur = tx.session(id)!;
  if (cur.currentTool === ev.tool) tx.patch(id, { currentTool: null });
  const h = tx.runtime(id).heuristic;
  if (h && (ev.toolUseId !== null ? h.toolUseId === ev.toolUseId : h.tool === ev.tool))
    clearHeuristic(tx, id);
  if (cur.status === 'ended') return;
  if (isWaiting(cur)) resolveWait(tx, id, ev.tool, null, ev.hookEvent, `${ev.tool} ${status}`);
  else setStatus(tx, id, 'working', 'event', ev.hookEvent, `${ev.tool} ${status}`);
}

/**
 * A call the session file records as failed where the hooks said it ended fine (Codex 0.171.0: a command that exited
 * non-zero). A call that ended `ok` becomes `failed` (its result kept); a call still running keeps running with the
 * error noted, and its hook end then ends it failed (onToolDone). Unknown ids and calls that ended otherwise (failed,
 * denied, interrupted) are left alone. True when the card changed.
 */
export function failToolCall(
  tx: Tx,
  id: string,
  toolUseId: string,
  agentId: string | null,
  error: string,
): boolean {
  const s = tx.session(id)!;
  const i = findTool(s.toolLog, toolUseId, '', agentId);
  const prev = i >= 0 ? s.toolLog[i]! : undefined;
  if (!prev || prev.agentId !== agentId || (prev.status !== 'ok' && prev.status !== 'running')) return false;
  const clipped = clip(error, LIMITS.excerpt);
  if (prev.error === clipped) return false;
  const status: ToolCallStatus = prev.status === 'ok' ? 'failed' : 'running';
  putRingEntry(tx, id, 'toolLog', i, { ...prev, status, error: clipped, seq: 0 });
  return true;
}

/**
 * Ends a running call as denied when nothing else will: Codex 0.171.0 sends no hook at all for a call its
 * PermissionRequest hook denied (no PostToolUse, no batch), so without this the call would run on until the turn
 * ends and then read as interrupted. Calls not running are left alone.
 */
export function denyRunningCall(
  tx: Tx,
  id: string,
  toolUseId: string | null,
  tool: string,
  reason: string,
): void {
  const s = tx.session(id)!;
  const i = findTool(s.toolLog, toolUseId, tool, null);
  const prev = i >= 0 ? s.toolLog[i]! : undefined;
  if (prev?.status !== 'running' || prev.agentId !== null) return;
  const text = clip(reason, LIMITS.excerpt);
  putRingEntry(tx, id, 'toolLog', i, {
    ...prev,
    status: 'denied',
    endedAt: tx.now,
    durationMs: Math.max(0, tx.now - prev.startedAt),
    result: text,
    error: text,
    seq: 0,
  });
  if (s.currentTool === prev.tool) tx.patch(id, { currentTool: null });
}

function onToolBatch(tx: Tx, id: string, ev: Ev<'tool-batch'>, at: number, isSub: boolean): void {
  const denied: string[] = [];
  for (const call of ev.calls) {
    if (call.toolUseId === null) continue;
    const log = tx.session(id)!.toolLog;
    const i = findTool(log, call.toolUseId, call.tool, null);
    const prev = i >= 0 ? log[i]! : undefined;
    if (prev?.status !== 'running') continue;
    // Every call of the batch has resolved; one without PostToolUse/Failure never ran: it was denied.
    const text = excerpt(call.response) ?? 'denied';
    putRingEntry(tx, id, 'toolLog', i, {
      ...prev,
      status: 'denied',
      endedAt: at,
      durationMs: Math.max(0, at - prev.startedAt),
      result: text,
      error: text,
    });
    denied.push(prev.tool);
    if (prev.agentId !== null) updateSubagent(tx, id, prev.agentId, at, (a) => ({ ...a, currentTool: null }));
  }
  if (denied.length > 0) logEvent(tx, id, ev.hookEvent, `Denied: ${denied.join(', ')}`, at);
  if (isSub) return;
  clearHeuristic(tx, id);
  const cur = tx.session(id)!;
  if (denied.length > 0 || cur.currentTool !== null) tx.patch(id, { currentTool: null });
  if (isWaiting(cur)) {
    setStatus(
      tx,
      id,
      'working',
      'event',
      ev.hookEvent,
      denied.length > 0 ? `${denied.join(', ')} denied` : 'Tool batch done',
    );
  }
}

function onPermissionRequest(tx: Tx, id: string, ev: Ev<'permission-request'>): void {
  const s = tx.session(id)!;
  const kind = isUserInputTool(ev.tool) ? 'input' : 'approval';
  let inputSummary = summarizeInput(ev.tool, ev.toolInput);
  if (inputSummary === '' && ev.description) inputSummary = oneLine(ev.description, LIMITS.summary);
  const label = waitingLabel(kind, ev.tool, inputSummary);
  const detail = ev.agentId ? `${label} (subagent ${ev.agentType ?? ev.agentId})` : label;
  // PermissionRequest has no tool_use_id: correlate with the running call of the same tool and input.
  let toolUseId: string | null = null;
  for (let i = s.toolLog.length - 1; i >= 0; i--) {
    const t = s.toolLog[i]!;
    if (
      t.status === 'running' &&
      t.tool === ev.tool &&
      t.agentId === ev.agentId &&
      t.inputSummary === inputSummary
    ) {
      toolUseId = t.toolUseId;
      break;
    }
  }
  const pending: PendingApproval = {
    tool: ev.tool,
    toolInput: truncateDeep(ev.toolInput),
    toolUseId,
    detail,
    since: tx.now,
    source: 'permission_request',
    kind,
    agentId: ev.agentId,
    suggestions: truncateDeep(ev.suggestions) as unknown[],
    id: null,
    decidable: false,
  };
  tx.patchRuntime(id, { approvalSignal: true });
  clearHeuristic(tx, id);
  logEvent(tx, id, ev.hookEvent, detail, tx.now);
  if (s.status === 'ended') return;
  setStatus(tx, id, kind, 'event', ev.hookEvent, detail);
  tx.patch(id, { pendingApproval: pending, waitingDetail: detail });
}

/** Marks the main agent's (or every) still-running tool calls as interrupted. */
export function interruptRunning(tx: Tx, id: string, at: number, includeSubagents: boolean): void {
  const log = tx.session(id)!.toolLog;
  for (let i = 0; i < log.length; i++) {
    const t = log[i]!;
    if (t.status === 'running' && (includeSubagents || t.agentId === null)) {
      putRingEntry(tx, id, 'toolLog', i, {
        ...t,
        status: 'interrupted',
        endedAt: at,
        durationMs: Math.max(0, at - t.startedAt),
      });
    }
  }
}

/**
 * Appends an assistant text to the session's responses, unless one of the last few of this turn from the same agent
 * is that text already: the transcript and the Stop hook both report a turn's last message, in either order.
 */
export function pushResponse(tx: Tx, id: string, text: string, at: number, agentId: string | null): void {
  const log = tx.session(id)!.responseLog;
  const turn = tx.runtime(id).turnStartedAt ?? null;
  for (let i = log.length - 1; i >= 0 && i >= log.length - 4; i--) {
    const r = log[i]!;
    if (turn !== null && r.timestamp < turn) break; // an earlier turn may have said the same
    if (r.agentId === agentId && r.text === text) return;
  }
  putRingEntry(tx, id, 'responseLog', null, { text, timestamp: at, agentId, seq: 0 });
}

function onTurnEnd(tx: Tx, id: string, ev: Ev<'turn-end'>, at: number): void {
  const s = tx.session(id)!;
  const last = ev.inputMessages[ev.inputMessages.length - 1];
  const lastPrompt = s.promptHistory[s.promptHistory.length - 1];
  if (last !== undefined && (ev.turnId === null || lastPrompt?.promptId !== ev.turnId)) {
    // Codex notify-only sessions never send a prompt event: take it from input-messages.
    recordPrompt(tx, id, last, ev.turnId, at);
  }
  if (ev.lastMessage) pushResponse(tx, id, clip(ev.lastMessage, LIMITS.excerpt), at, null);
  interruptRunning(tx, id, at, false);
  tx.patch(id, { currentTool: null });
  clearHeuristic(tx, id);
  const cur = tx.session(id)!;
  const n = cur.turnToolCalls;
  const running = cur.subagents.filter((a) => a.status === 'running').length;
  const detail =
    (n > 0 ? `Turn finished after ${n} tool call${n === 1 ? '' : 's'}` : 'Turn finished') +
    (running > 0 ? ` (${running} background agent${running === 1 ? '' : 's'} still running)` : '');
  if (tx.session(id)!.status !== 'ended') setStatus(tx, id, 'waiting', 'event', ev.hookEvent, detail);
  logEvent(tx, id, ev.hookEvent, ev.lastMessage ? oneLine(ev.lastMessage, LIMITS.summary) : detail, at);
}

function onTurnFailed(tx: Tx, id: string, ev: Ev<'turn-failed'>, at: number): void {
  interruptRunning(tx, id, at, false);
  tx.patch(id, { currentTool: null });
  clearHeuristic(tx, id);
  const detail = `Turn failed: ${oneLine(ev.error, LIMITS.summary)}`;
  if (tx.session(id)!.status !== 'ended') setStatus(tx, id, 'waiting', 'event', ev.hookEvent, detail);
  logEvent(tx, id, ev.hookEvent, detail, at);
}

function onNotification(tx: Tx, id: string, ev: Ev<'notification'>, at: number, isSub: boolean): void {
  logEvent(tx, id, ev.hookEvent, `${ev.notificationType}: ${oneLine(ev.message, LIMITS.summary)}`, at);
  const s = tx.session(id)!;
  if (ev.needs === null || s.status === 'ended' || isWaiting(s)) return;
  // Claude's permission_prompt only means something while a tool is in flight (it can arrive late).
  if (ev.needs === 'approval' && ev.cli !== 'gemini' && s.currentTool === null) return;
  const tool = ev.tool ?? s.currentTool ?? 'tool';
  const detail =
    ev.needs === 'input'
      ? ev.message || 'Waiting for your answer'
      : ev.tool !== null
        ? waitingLabel('approval', ev.tool, ev.inputSummary ?? '')
        : ev.message || waitingLabel('approval', tool, '');
  const pending: PendingApproval = {
    tool,
    toolInput: null,
    toolUseId: null,
    detail,
    since: tx.now,
    source: 'permission_request',
    kind: ev.needs,
    agentId: isSub ? ev.agentId : null,
    suggestions: [],
    id: null,
    decidable: false,
  };
  if (ev.needs === 'approval') tx.patchRuntime(id, { approvalSignal: true });
  clearHeuristic(tx, id);
  setStatus(tx, id, ev.needs, 'event', ev.hookEvent, detail);
  tx.patch(id, { pendingApproval: pending, waitingDetail: detail });
}

function onSubagentStart(tx: Tx, id: string, ev: Ev<'subagent-start'>, at: number): void {
  updateSubagent(tx, id, ev.subagentId, at, (a) => ({
    ...a,
    agentType: ev.subagentType ?? a.agentType,
    status: 'running',
    startedAt: at,
    endedAt: null,
  }));
  const s = tx.session(id)!;
  addPendingSubagent(tx, id, ev.cwd ?? s.projectPath, ev.subagentType);
  logEvent(tx, id, ev.hookEvent, `${ev.subagentType ?? 'subagent'} ${ev.subagentId} started`, at);
}

function onSubagentStop(tx: Tx, id: string, ev: Ev<'subagent-stop'>, at: number): void {
  const text = ev.lastMessage ? clip(ev.lastMessage, LIMITS.excerpt) : null;
  updateSubagent(tx, id, ev.subagentId, at, (a) => ({
    ...a,
    agentType: ev.subagentType ?? a.agentType,
    status: 'done',
    endedAt: at,
    currentTool: null,
    lastMessage: text ?? a.lastMessage,
    transcriptPath: ev.transcriptPath ?? a.transcriptPath,
  }));
  if (text !== null) pushResponse(tx, id, text, at, ev.subagentId);
  logEvent(tx, id, ev.hookEvent, `${ev.subagentType ?? 'subagent'} ${ev.subagentId} finished`, at);
}

function onOther(tx: Tx, id: string, ev: Ev<'other'>, at: number, isSub: boolean): void {
  if (!QUIET_EVENTS.has(ev.hookEvent)) logEvent(tx, id, ev.hookEvent, ev.detail, at);
  const s = tx.session(id)!;
  if (ev.resolvesInput && s.status === 'input' && !isSub)
    setStatus(tx, id, 'working', 'event', ev.hookEvent, ev.detail);
}

/** A session that ends this long after a kill from the dashboard was not ended by it. */
export const KILL_END_WINDOW_MS = 60_000;

/** Ends a session (SessionEnd, dead pid): timers cancelled, running work interrupted, team notified. */
export function endSession(
  tx: Tx,
  id: string,
  cause: 'event' | 'pid',
  trigger: string,
  reason: string,
  at: number,
): void {
  if (tx.session(id)!.status === 'ended') {
    logEvent(tx, id, trigger, `${trigger} (${reason}) after end`, at);
    return;
  }
  interruptRunning(tx, id, at, true);
  const s = tx.session(id)!;
  const subagents = s.subagents.some((a) => a.status === 'running')
    ? s.subagents.map((a) =>
        a.status === 'running' ? { ...a, status: 'done' as const, endedAt: at, currentTool: null } : a,
      )
    : s.subagents;
  // A session that ends (by its SessionEnd or its process dying) after a kill from the dashboard was killed,
  // whatever reason the CLI gives on its way out (Claude Code says `other`).
  const killAt = tx.runtime(id).killRequestedAt;
  const killed = killAt != null && at - killAt <= KILL_END_WINDOW_MS;
  const endReason = killed ? KILLED_END_REASON : reason;
  tx.cancelAllSessionTimers(id);
  if (killAt != null) tx.patchRuntime(id, { killRequestedAt: null });
  const detail =
    cause === 'pid' && !killed
      ? `Process ${s.pid ?? '?'} exited`
      : `${endReasonLabel(endReason)}${killed && cause === 'event' ? ` (SessionEnd reason: ${reason})` : ''}`;
  setStatus(tx, id, 'ended', cause, trigger, detail);
  tx.patch(id, {
    endedAt: at,
    endReason,
    currentTool: null,
    pendingApproval: null,
    waitingDetail: null,
    subagents,
    subagentCount: 0,
  });
  logEvent(tx, id, trigger, detail, at);
  if (reason === 'clear' && cause === 'event') linkClearSuccessor(tx, id);
  onSessionEnded(tx, id);
}

/** How long after a `/clear` successor started its predecessor's SessionEnd may still arrive (hooks race). */
export const CLEAR_LINK_WINDOW_MS = 10_000;

/**
 * `/clear` ended this session; if the session it started arrived first (its SessionStart `clear` raced ahead of this
 * SessionEnd), link them now: the live card of the same process, started moments ago, without a predecessor.
 */
function linkClearSuccessor(tx: Tx, id: string): void {
  const s = tx.session(id)!;
  if (s.pid === null || (s.lineage ?? []).some((l) => l.direction === 'successor')) return;
  let best: Session | null = null;
  for (const c of valuesOf(tx.state.sessions)) {
    if (
      c.sessionId !== id &&
      c.pid === s.pid &&
      c.cli === s.cli &&
      c.status !== 'ended' &&
      tx.now - c.startedAt <= CLEAR_LINK_WINDOW_MS &&
      predecessorOf(c.lineage) === undefined &&
      (best === null || c.startedAt > best.startedAt)
    )
      best = c;
  }
  if (best) linkLineage(tx, id, best.sessionId, 'cleared');
}
