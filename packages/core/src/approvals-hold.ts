/**
 * Held approvals (issue 15): a PermissionRequest whose hook waits on a FIFO (`meta.hold`) can be answered from the
 * dashboard. The lifecycle as data: opened on the PermissionRequest, closed exactly once — decided (`allowed` /
 * `denied`: the reply line is written), answered in the terminal (`terminal`: the hook went away, the tool call
 * resolved by hook, the turn ended or was interrupted), `timed_out`, `session_ended`, or `released` (the shell could
 * not hold the FIFO, or the server restarted). Every close releases or answers the FIFO and emits the audit record.
 */
import type { AgentCli, ApprovalOutcome, PendingApproval } from '@flightdeck/shared-types';
import { denyRunningCall } from './events.js';
import { summarizeInput } from './limits.js';
import { own } from './pmap.js';
import { logEvent, setStatus, syncAutoIdle } from './state-machine.js';
import type { Tx } from './tx.js';
import type {
  ApprovalDecision,
  ApprovalsState,
  ArmedTimer,
  CoreInput,
  CoreState,
  DomainEvent,
  Effect,
  HeldApproval,
  HookMeta,
} from './types.js';

/** Default hold time per CLI, seconds (Claude shows its dialog meanwhile; Codex's hook blocks its own prompt). */
export const HOLD_SECONDS: Record<AgentCli, number> = { claude: 3600, codex: 20, gemini: 20 };
/** Closed approval ids remembered, so a late decision learns what happened. */
export const MAX_CLOSED_APPROVALS = 500;
/** A hook gone this close to its hold time may have been ended by the CLI's own hook timeout. */
const HOOK_TIMEOUT_SLACK_MS = 2000;
/** Longest deny message. */
export const MAX_DENY_MESSAGE = 2000;
/** A spool record id (`<boot8>-<uptime12>-<hook pid>`): the name of a hold FIFO. */
export const HOLD_ID_RE = /^[0-9a-f]{8}-\d{12,20}-\d{1,10}$/;
/** Why a Gemini approval cannot be answered from Flightdeck. */
export const GEMINI_NOT_DECIDABLE = 'Gemini CLI has no permission hook: answer in the terminal';
/**
 * Tools whose PermissionRequest a hook cannot answer: Claude Code 2.1.328 ignores a hook's decision on a plan
 * (`ExitPlanMode`: its dialog asks how to go on), checked with the real CLI. Their holds are released at once.
 */
export const NOT_DECIDABLE_TOOLS: Readonly<Record<string, string>> = {
  ExitPlanMode: 'Claude Code takes a plan approval only in its terminal (it asks how to go on): answer there',
};

const EMPTY: ApprovalsState = { open: {}, closed: [] };

export function approvalsOf(state: CoreState): ApprovalsState {
  return state.approvals ?? EMPTY;
}

/** The hold FIFO's record id (the approval id), or null when the path's last segment is not one. */
export function holdIdOf(path: string): string | null {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return HOLD_ID_RE.test(name) ? name : null;
}

function setApprovals(tx: Tx, next: ApprovalsState): void {
  tx.state.approvals = next;
}

function withoutOpen(open: Record<string, HeldApproval>, id: string): Record<string, HeldApproval> {
  const next = { ...open };
  delete next[id];
  return next;
}

/** Human words for an outcome, as a late decision is told ("already answered in the terminal"). */
export function closedReason(outcome: ApprovalOutcome, via: string | null): string {
  switch (outcome) {
    case 'allowed':
      return `already allowed from ${via === 'push' ? 'a notification' : `the ${via ?? 'browser'}`}`;
    case 'denied':
      return `already denied from ${via === 'push' ? 'a notification' : `the ${via ?? 'browser'}`}`;
    case 'terminal':
      return 'already answered in the terminal';
    case 'timed_out':
      return 'timed out';
    case 'session_ended':
      return 'the session ended';
    case 'released':
      return 'released without a decision (the terminal decides)';
  }
}

function ruleContentOf(tool: string, input: unknown): string | null {
  const o = input !== null && typeof input === 'object' ? (input as Record<string, unknown>) : {};
  if (tool === 'Bash' && typeof o.command === 'string') return o.command;
  if (tool === 'WebFetch' && typeof o.url === 'string') {
    try {
      return `domain:${new URL(o.url).hostname}`;
    } catch {
      return null;
    }
  }
  return null;
}

/** After a PermissionRequest with `meta.hold` was applied to session `id`: opens its held approval. */
export function openHold(tx: Tx, id: string, ev: DomainEvent, meta: HookMeta): void {
  if (ev.kind !== 'permission-request' || typeof meta.hold !== 'string') return;
  const path = meta.hold;
  const approvalId = holdIdOf(path);
  if (approvalId === null) {
    tx.emit({ type: 'rejected', reason: `hold: ${JSON.stringify(path.slice(-80))} is not a hold FIFO path` });
    return;
  }
  const st = approvalsOf(tx.state);
  // A repeated delivery of the same record: already opened (or closed) once.
  if (own(st.open, approvalId) || st.closed.some((c) => c.id === approvalId)) return;
  const pid = typeof meta.holdPid === 'number' && meta.holdPid > 0 ? meta.holdPid : null;
  const s = tx.session(id);
  const p = s?.pendingApproval;
  if (
    !s ||
    s.status === 'ended' ||
    !p ||
    p.source !== 'permission_request' ||
    p.tool !== ev.tool ||
    Object.hasOwn(NOT_DECIDABLE_TOOLS, ev.tool)
  ) {
    // Nothing to show it on, or nothing a hook may answer: let the hook go at once (EOF: the terminal decides).
    tx.emit({ type: 'hold-open', approvalId, path, pid });
    tx.emit({ type: 'hold-release', approvalId });
    return;
  }
  const cfg = tx.state.config?.holdSeconds?.[s.cli];
  const seconds = typeof cfg === 'number' ? cfg : HOLD_SECONDS[s.cli];
  const key = tx.nextKey('hold', id);
  const deadline = tx.now + seconds * 1000;
  const timer: ArmedTimer = { key, deadline, input: { type: 'timer', key, sessionId: id, kind: 'hold' } };
  const pending: PendingApproval = { ...p, id: approvalId, decidable: true };
  const raw = ev.toolInput;
  const held: HeldApproval = {
    id: approvalId,
    sessionId: id,
    cli: s.cli,
    tool: ev.tool,
    agentId: ev.agentId,
    inputSummary: summarizeInput(ev.tool, raw),
    path,
    pid,
    openedAt: tx.now,
    timer,
    ruleContent: ruleContentOf(ev.tool, raw),
    fullInput:
      ev.tool === 'AskUserQuestion' && raw !== null && typeof raw === 'object' && !Array.isArray(raw)
        ? (raw as Record<string, unknown>)
        : null,
    pending,
  };
  setApprovals(tx, { open: { ...st.open, [approvalId]: held }, closed: st.closed });
  tx.patch(id, { pendingApproval: pending });
  tx.emit({ type: 'hold-open', approvalId, path, pid });
  tx.emit({ type: 'arm-timer', key, deadline, input: timer.input });
}

interface CloseOptions {
  line?: string;
  /** The wait is over (its hook went away after an answer in the terminal): the card leaves it like a decision. */
  resume?: boolean;
  message?: string | null;
  decision?: ApprovalDecision;
}

/** Closes an open approval once: answers (`line`) or releases its FIFO, records it, updates the session card. */
export function closeHold(tx: Tx, a: HeldApproval, outcome: ApprovalOutcome, o: CloseOptions = {}): void {
  const st = approvalsOf(tx.state);
  const via = o.decision?.via ?? null;
  const closed = [...st.closed, { id: a.id, outcome, via }];
  if (closed.length > MAX_CLOSED_APPROVALS) closed.splice(0, closed.length - MAX_CLOSED_APPROVALS);
  setApprovals(tx, { open: withoutOpen(st.open, a.id), closed });
  tx.emit({ type: 'cancel-timer', key: a.timer.key });
  if (o.line !== undefined) tx.emit({ type: 'hold-reply', approvalId: a.id, line: o.line });
  else tx.emit({ type: 'hold-release', approvalId: a.id });
  tx.emit({
    type: 'approval-closed',
    record: {
      id: a.id,
      sessionId: a.sessionId,
      tool: a.tool,
      summary: a.pending.detail,
      openedAt: a.openedAt,
      closedAt: tx.now,
      outcome,
      message: o.message ?? null,
      remember: o.decision?.remember === 'session' ? 'session' : null,
      by: o.decision?.by ?? null,
      via,
    },
  });
  const s = tx.session(a.sessionId);
  if (!s) return;
  logEvent(tx, a.sessionId, 'approval', `${a.tool}: ${outcome.replace('_', ' ')}`, tx.now);
  // Codex says nothing more about a call it was told to deny: it ends here.
  if (outcome === 'denied' && a.cli === 'codex') {
    denyRunningCall(tx, a.sessionId, a.pending.toolUseId, a.tool, o.message ?? 'Denied from Flightdeck');
  }
  if (s.pendingApproval?.id !== a.id) return;
  const decided = outcome === 'allowed' || outcome === 'denied' || o.resume === true;
  if (!decided) {
    tx.patch(a.sessionId, { pendingApproval: { ...s.pendingApproval, decidable: false } });
    return;
  }
  // Decided here: the card shows the next open approval of the session, or goes back to work.
  const next = Object.values(approvalsOf(tx.state).open)
    .filter((x) => x.sessionId === a.sessionId)
    .sort((x, y) => x.openedAt - y.openedAt)[0];
  if (next) {
    tx.patch(a.sessionId, { pendingApproval: next.pending, waitingDetail: next.pending.detail });
    return;
  }
  if (s.status === 'approval' || s.status === 'input') {
    const detail = `${a.tool} ${outcome === 'terminal' ? 'answered in the terminal' : `${outcome} from Flightdeck`}`;
    setStatus(tx, a.sessionId, 'working', 'user', 'approval-decided', detail);
    tx.patch(a.sessionId, { pendingApproval: null, waitingDetail: null });
    syncAutoIdle(tx, a.sessionId, true);
  }
}

/**
 * The hook went away early: Claude ended it because its dialog was answered in the terminal, but which answer is
 * not known yet. Esc and "No" stop the turn (the transcript says so within a moment: the card goes to `waiting`);
 * "Yes" runs the tool (PostToolUse says so when it ends). So the card keeps its wait, no longer decidable, for
 * `HOLD_GONE_GRACE_MS`; if nothing else moved it by then, the tool was allowed and the card goes back to work.
 */
export const HOLD_GONE_GRACE_MS = 2_000;
const GONE_PREFIX = 'hold-gone:';

function armGone(tx: Tx, a: HeldApproval): void {
  const key = `${GONE_PREFIX}${a.id}`;
  const input = { type: 'timer' as const, key, sessionId: a.sessionId, kind: 'hold-gone' };
  tx.emit({ type: 'arm-timer', key, deadline: tx.now + HOLD_GONE_GRACE_MS, input });
}

/** The `hold-gone` grace ended: a card still waiting on that (closed) approval goes back to work. */
export function fireHoldGone(tx: Tx, key: string, sessionId: string): boolean {
  if (!key.startsWith(GONE_PREFIX)) return false;
  const id = key.slice(GONE_PREFIX.length);
  const s = tx.session(sessionId);
  if (!s || s.pendingApproval?.id !== id || (s.status !== 'approval' && s.status !== 'input')) return false;
  setStatus(
    tx,
    sessionId,
    'working',
    'user',
    'approval-decided',
    `${s.pendingApproval.tool} answered in the terminal`,
  );
  tx.patch(sessionId, { pendingApproval: null, waitingDetail: null });
  syncAutoIdle(tx, sessionId, true);
  return true;
}

function openOf(tx: Tx, sessionId: string): HeldApproval[] {
  return Object.values(approvalsOf(tx.state).open).filter((a) => a.sessionId === sessionId);
}

/** Closing rules for a hook event applied to session `id` (APPROVALS15 §6). */
export function closeOnEvent(tx: Tx, id: string, ev: DomainEvent): void {
  if (!tx.state.approvals) return;
  const held = openOf(tx, id);
  if (held.length === 0) return;
  const same = (a: HeldApproval, tool: string, input: unknown) =>
    a.tool === tool && a.inputSummary === summarizeInput(tool, input);
  switch (ev.kind) {
    case 'tool-end':
    case 'tool-failed':
    case 'permission-denied':
      for (const a of held)
        if (a.agentId === ev.agentId && same(a, ev.tool, ev.toolInput)) closeHold(tx, a, 'terminal');
      return;
    case 'tool-batch':
      for (const a of held)
        if (ev.calls.some((c) => same(a, c.tool, c.toolInput))) closeHold(tx, a, 'terminal');
      return;
    case 'subagent-stop':
      for (const a of held) if (a.agentId === ev.subagentId) closeHold(tx, a, 'terminal');
      return;
    case 'prompt':
    case 'turn-end':
    case 'turn-failed':
      for (const a of held) closeHold(tx, a, 'terminal');
      return;
    default:
      closeIfEnded(tx, id);
  }
}

/** The session ended (SessionEnd, process death) or is gone: its approvals close as `session_ended`. */
export function closeIfEnded(tx: Tx, id: string): void {
  if (!tx.state.approvals) return;
  const s = tx.session(id);
  if (s && s.status !== 'ended') return;
  for (const a of openOf(tx, id)) closeHold(tx, a, 'session_ended');
}

/** After a transcript input: an interrupt the transcript reported ends the wait (answered in the terminal). */
export function closeOnInterrupt(tx: Tx, id: string): void {
  if (!tx.state.approvals) return;
  const s = tx.session(id);
  if (!s || s.status === 'approval' || s.status === 'input') return;
  if (s.statusReason.trigger !== 'interrupt' && s.status !== 'ended') return;
  for (const a of openOf(tx, id)) closeHold(tx, a, s.status === 'ended' ? 'session_ended' : 'terminal');
}

/** A `hold` (timeout) or `hold-restart` timer: closes its approval if it is still open. */
export function fireHoldTimer(tx: Tx, key: string, kind: 'hold' | 'hold-restart'): boolean {
  const a = Object.values(approvalsOf(tx.state).open).find((x) => x.timer.key === key);
  if (!a) return false;
  if (kind === 'hold') closeHold(tx, a, 'timed_out');
  else closeHold(tx, a, 'released', { message: 'server restarted' });
  return true;
}

/**
 * What the CLI cannot take from a hook. Codex fails closed on `updatedPermissions`, `updatedInput` and `interrupt` in a
 * PermissionRequest reply (the call would be refused): such a decision is refused here, with words, instead.
 */
export function cliRefuses(
  a: Pick<HeldApproval, 'cli'>,
  d: Pick<ApprovalDecision, 'remember' | 'interrupt' | 'answers'>,
): string | null {
  if (a.cli !== 'codex') return null;
  if (d.remember === 'session')
    return 'Codex cannot take "allow for this session" from a hook: allow once, or answer in the terminal';
  if (d.interrupt === true) return 'Codex cannot be interrupted from a hook: deny without interrupting';
  if (d.answers !== undefined) return 'Codex takes no answers from a hook: answer in the terminal';
  return null;
}

/** The reply line for a decision (what the hook prints on stdout). */
export function replyLine(a: HeldApproval, d: ApprovalDecision): string {
  const decision: Record<string, unknown> = { behavior: d.behavior };
  if (d.behavior === 'allow') {
    if (d.answers && a.fullInput) decision.updatedInput = { ...a.fullInput, answers: d.answers };
    if (d.remember === 'session') {
      const rule =
        a.ruleContent === null ? { toolName: a.tool } : { toolName: a.tool, ruleContent: a.ruleContent };
      decision.updatedPermissions = [
        { type: 'addRules', rules: [rule], behavior: 'allow', destination: 'session' },
      ];
    }
  } else {
    const m = d.message?.trim();
    decision.message = m ? m : 'Denied from Flightdeck';
    if (d.interrupt === true) decision.interrupt = true;
  }
  return JSON.stringify({ hookSpecificOutput: { hookEventName: 'PermissionRequest', decision } });
}

type Decide = Extract<CoreInput, { type: 'approval-decide' }>;

function decisionError(d: Decide): string | null {
  if (typeof d.approvalId !== 'string' || d.approvalId === '' || d.approvalId.length > 256)
    return 'expected approvalId';
  if (d.behavior !== 'allow' && d.behavior !== 'deny') return 'behavior: expected allow or deny';
  if (d.message !== undefined && (typeof d.message !== 'string' || d.message.length > MAX_DENY_MESSAGE))
    return `message: expected at most ${MAX_DENY_MESSAGE} characters`;
  if (d.remember !== undefined && d.remember !== 'session') return 'remember: expected "session"';
  if (d.interrupt !== undefined && typeof d.interrupt !== 'boolean') return 'interrupt: expected a boolean';
  if (d.answers !== undefined) {
    if (d.answers === null || typeof d.answers !== 'object' || Array.isArray(d.answers))
      return 'answers: expected an object';
    if (Object.values(d.answers).some((v) => typeof v !== 'string')) return 'answers: expected strings';
  }
  if (d.via !== null && d.via !== 'browser' && d.via !== 'api' && d.via !== 'push') return 'via: unknown';
  return null;
}

/** Why a decision on `id` cannot be taken: what happened to it, or that it never was. */
export function whyNotOpen(state: CoreState, id: string): string {
  const c = [...approvalsOf(state).closed].reverse().find((x) => x.id === id);
  return c ? closedReason(c.outcome, c.via) : 'no such approval';
}

/** `approval-decide`: answers the hook (exactly once), or a `rejected` effect saying why not. */
export function decideHold(tx: Tx, d: Decide): Effect | null {
  const err = decisionError(d);
  if (err !== null) return { type: 'rejected', reason: `approval-decide: ${err}` };
  const a = own(approvalsOf(tx.state).open, d.approvalId);
  if (!a) return { type: 'rejected', reason: whyNotOpen(tx.state, d.approvalId) };
  const unsupported = cliRefuses(a, d);
  if (unsupported !== null) return { type: 'rejected', reason: unsupported };
  const message = d.behavior === 'deny' ? d.message?.trim() || 'Denied from Flightdeck' : null;
  closeHold(tx, a, d.behavior === 'allow' ? 'allowed' : 'denied', {
    line: replyLine(a, d),
    message,
    decision: d,
  });
  return null;
}

/** `hold-ended`: the hook went away (answered in the terminal) or the shell could not hold the FIFO (`reason`). */
export function holdEnded(tx: Tx, approvalId: string, reason: string | undefined): boolean {
  const a = own(approvalsOf(tx.state).open, approvalId);
  if (!a) return false;
  // Gone well before its hold time: Claude killed it after an answer in the terminal (the dialog is gone). Near
  // the hold time it may be the CLI's own hook timeout instead (the dialog still shows): the card stays.
  if (reason === undefined) {
    closeHold(tx, a, 'terminal');
    if (tx.now < a.timer.deadline - HOOK_TIMEOUT_SLACK_MS) armGone(tx, a);
  } else closeHold(tx, a, 'released', { message: reason.slice(0, 500) });
  return true;
}

/** Rehydration: every approval open when the state was saved lost its FIFO; each closes as `released` at once. */
export function rehydrateHolds(state: CoreState, now: number): Effect[] {
  return Object.values(approvalsOf(state).open).map((a) => ({
    type: 'arm-timer' as const,
    key: a.timer.key,
    deadline: now,
    input: { type: 'timer' as const, key: a.timer.key, sessionId: a.sessionId, kind: 'hold-restart' },
  }));
}

/** `configure.holdSeconds`: seconds per CLI (1 s to 1 day), or an error. */
export function parseHoldSeconds(
  raw: unknown,
): { ok: true; value: Partial<Record<AgentCli, number>> | undefined } | { ok: false; error: string } {
  if (raw === undefined) return { ok: true, value: undefined };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return { ok: false, error: 'configure.holdSeconds: expected an object' };
  const value: Partial<Record<AgentCli, number>> = {};
  for (const [cli, s] of Object.entries(raw)) {
    if (!Object.hasOwn(HOLD_SECONDS, cli))
      return { ok: false, error: `configure.holdSeconds: unknown CLI ${JSON.stringify(cli)}` };
    if (typeof s !== 'number' || !Number.isFinite(s) || s < 1 || s > 86_400)
      return { ok: false, error: `configure.holdSeconds.${cli}: expected seconds from 1 to 86400` };
    value[cli as AgentCli] = s;
  }
  return { ok: true, value };
}
