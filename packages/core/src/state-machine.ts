import type { SessionStatus, StatusCause, StatusReason } from '@flightdeck/shared-types';
import { isRemoteHost } from './hosts.js';
import { LIMITS, oneLine, pushRing } from './limits.js';
import { putRingEntry } from './rings.js';
import type { Tx } from './tx.js';
import type { CoreState, Session } from './types.js';

/** Spec §4.3: how long a status may last without activity, and where it goes then. */
export const AUTO_IDLE: Partial<Record<SessionStatus, { ms: number; to: SessionStatus }>> = {
  prompting: { ms: 30_000, to: 'waiting' },
  waiting: { ms: 120_000, to: 'idle' },
  working: { ms: 180_000, to: 'idle' },
  approval: { ms: 600_000, to: 'idle' },
  input: { ms: 600_000, to: 'idle' },
};

/** The auto-idle rule of a status: the configured timeout (`configure` input) or the spec's default. */
export function autoIdleRule(
  state: CoreState,
  status: SessionStatus,
): { ms: number; to: SessionStatus } | undefined {
  const rule = AUTO_IDLE[status];
  if (!rule) return undefined;
  const ms = state.config?.autoIdleMs[status];
  return ms === undefined ? rule : { ms, to: rule.to };
}

/**
 * Sets a session's status with its provenance. Leaving `approval`/`input` clears the pending approval. A status
 * change is appended to the session's status timeline. When the status stays but the reason moved on (the next
 * tool call while working), the reason is replaced and `reasonAt` records when: the "Why" always names the current
 * reason, and `at` still says since when the session has had this status.
 * Returns true when the status changed.
 */
export function setStatus(
  tx: Tx,
  id: string,
  status: SessionStatus,
  cause: StatusCause,
  trigger: string,
  detail: string,
): boolean {
  const s = tx.session(id);
  if (!s) return false;
  if (s.status === status) {
    const r = s.statusReason;
    if (r.cause !== cause || r.trigger !== trigger || r.detail !== detail) {
      tx.patch(id, { statusReason: { status, cause, trigger, detail, at: r.at, reasonAt: tx.now } });
    }
    return false;
  }
  const leavingWait =
    (s.status === 'approval' || s.status === 'input') && status !== 'approval' && status !== 'input';
  const reason: StatusReason = { status, cause, trigger, detail, at: tx.now };
  tx.patch(id, {
    status,
    statusReason: reason,
    statusHistory: pushRing(s.statusHistory ?? [], reason, LIMITS.statusHistory),
    ...(leavingWait ? { pendingApproval: null, waitingDetail: null } : {}),
  });
  return true;
}

/** Appends a lifecycle event to the session's bounded timeline. */
export function logEvent(tx: Tx, id: string, type: string, detail: string, timestamp: number): void {
  if (!tx.session(id)) return;
  putRingEntry(tx, id, 'events', null, { type, detail, timestamp, seq: 0 });
}

/**
 * Keeps the auto-idle timer in line with the status. The timer is (re)armed only when the status changes
 * (or none is armed); activity within the same status is not re-armed eagerly: when the timer fires, the
 * core checks the last activity and re-arms for the remaining time (fewer timer effects per event).
 * Statuses without a timeout (idle, ended, connecting) cancel it.
 */
export function syncAutoIdle(tx: Tx, id: string, _activity: boolean): void {
  const s = tx.session(id);
  if (!s) return;
  const rule = autoIdleRule(tx.state, s.status);
  const armed = tx.runtime(id).timers['auto-idle'];
  if (!rule) {
    if (armed) tx.cancelSessionTimer(id, 'auto-idle');
    return;
  }
  if (armed && armed.status === s.status) return;
  tx.armSessionTimer(id, 'auto-idle', tx.now + rule.ms, s.status);
}

/** The main agent's tool call that is still running (the latest), or a running subagent's type; null if none. */
export function openWork(s: Session): string | null {
  for (let i = s.toolLog.length - 1; i >= 0; i--) {
    const t = s.toolLog[i]!;
    if (t.status === 'running' && t.agentId === null) {
      return t.inputSummary === '' ? t.tool : `${t.tool}: ${oneLine(t.inputSummary, LIMITS.summary)}`;
    }
  }
  const sub = s.subagents.find((a) => a.status === 'running');
  return sub ? `subagent ${sub.agentType ?? sub.agentId}` : null;
}

/**
 * An auto-idle deadline fired: move the session on per §4.3, unless there was activity since. A working session
 * with work still open (a tool call without its result, a running subagent) whose agent process is known is not
 * idle for lack of hook events: a build or a `sleep` may take any time. The shell is asked whether the process
 * still runs (`check-children`); the answer keeps it working, its death ends the session.
 */
export function fireAutoIdle(tx: Tx, id: string): void {
  const s = tx.session(id);
  if (!s) return;
  const rule = autoIdleRule(tx.state, s.status);
  const rt = tx.runtime(id);
  const timers = { ...rt.timers };
  delete timers['auto-idle'];
  tx.patchRuntime(id, { timers });
  if (!rule) return;
  const due = Math.max(s.lastActivityAt, s.statusReason.reasonAt ?? s.statusReason.at) + rule.ms;
  if (due > tx.now) {
    tx.armSessionTimer(id, 'auto-idle', due, s.status);
    return;
  }
  if (s.status === 'working' && s.pid !== null && openWork(s) !== null && !isRemoteHost(tx.state, s.host)) {
    const key = tx.nextKey('auto-idle', id);
    tx.patchRuntime(id, { liveCheck: key });
    tx.emit({ type: 'check-children', sessionId: id, pid: s.pid, key });
    return;
  }
  const from = s.status;
  tx.patchRuntime(id, { heuristic: null, childCheck: null });
  const secs = Math.round(rule.ms / 1000);
  setStatus(tx, id, rule.to, 'timer', 'auto-idle', `${from} for ${secs} s without activity`);
  logEvent(tx, id, 'auto-idle', `${from} → ${rule.to} after ${secs} s`, tx.now);
  syncAutoIdle(tx, id, true);
}

/**
 * The shell answered the process check of `fireAutoIdle` (its key is `liveCheck`): the agent's process is alive
 * (a dead one is reported as `pid-dead`), so the open work is still running: the session stays working, with the
 * process check as the reason, and the next check comes after another timeout. Returns false for another key.
 */
export function liveChecked(tx: Tx, id: string, key: string, hasChildren: boolean): boolean {
  const rt = tx.runtime(id);
  if (rt.liveCheck !== key) return false;
  tx.patchRuntime(id, { liveCheck: null });
  const s = tx.session(id);
  if (s?.status !== 'working') return true;
  const work = openWork(s);
  if (work === null) {
    syncAutoIdle(tx, id, true);
    return true;
  }
  const who = hasChildren ? `child processes of ${s.pid}` : `process ${s.pid}`;
  setStatus(tx, id, 'working', 'pid', 'process-check', `${work} still running (${who} alive)`);
  const rule = autoIdleRule(tx.state, 'working');
  if (rule) tx.armSessionTimer(id, 'auto-idle', tx.now + rule.ms, 'working');
  return true;
}
