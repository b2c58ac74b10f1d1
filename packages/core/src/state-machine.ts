import type { SessionStatus, StatusReason } from '@flightdeck/shared-types';
import { LIMITS, pushRing } from './limits.js';
import type { Tx } from './tx.js';

/** Spec §4.3: how long a status may last without activity, and where it goes then. */
export const AUTO_IDLE: Partial<Record<SessionStatus, { ms: number; to: SessionStatus }>> = {
  prompting: { ms: 30_000, to: 'waiting' },
  waiting: { ms: 120_000, to: 'idle' },
  working: { ms: 180_000, to: 'idle' },
  approval: { ms: 600_000, to: 'idle' },
  input: { ms: 600_000, to: 'idle' },
};

/**
 * Sets a session's status with its provenance. Leaving `approval`/`input` clears the pending approval.
 * Returns true when the status changed.
 */
export function setStatus(
  tx: Tx,
  id: string,
  status: SessionStatus,
  cause: StatusReason['cause'],
  trigger: string,
  detail: string,
): boolean {
  const s = tx.session(id);
  if (!s || s.status === status) return false;
  const leavingWait =
    (s.status === 'approval' || s.status === 'input') && status !== 'approval' && status !== 'input';
  tx.patch(id, {
    status,
    statusReason: { status, cause, trigger, detail, at: tx.now },
    ...(leavingWait ? { pendingApproval: null, waitingDetail: null } : {}),
  });
  return true;
}

/** Appends a lifecycle event to the session's bounded timeline. */
export function logEvent(tx: Tx, id: string, type: string, detail: string, timestamp: number): void {
  const s = tx.session(id);
  if (!s) return;
  tx.patch(id, { events: pushRing(s.events, { type, detail, timestamp }, LIMITS.events) });
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
  const rule = AUTO_IDLE[s.status];
  const armed = tx.runtime(id).timers['auto-idle'];
  if (!rule) {
    if (armed) tx.cancelSessionTimer(id, 'auto-idle');
    return;
  }
  if (armed && armed.status === s.status) return;
  tx.armSessionTimer(id, 'auto-idle', tx.now + rule.ms, s.status);
}

/** An auto-idle deadline fired: move the session on per §4.3, unless there was activity since. */
export function fireAutoIdle(tx: Tx, id: string): void {
  const s = tx.session(id);
  if (!s) return;
  const rule = AUTO_IDLE[s.status];
  const rt = tx.runtime(id);
  const timers = { ...rt.timers };
  delete timers['auto-idle'];
  tx.patchRuntime(id, { timers });
  if (!rule) return;
  const due = Math.max(s.lastActivityAt, s.statusReason.at) + rule.ms;
  if (due > tx.now) {
    tx.armSessionTimer(id, 'auto-idle', due, s.status);
    return;
  }
  const from = s.status;
  tx.patchRuntime(id, { heuristic: null, childCheck: null });
  setStatus(tx, id, rule.to, 'timer', 'auto-idle', `${from} for ${rule.ms / 1000} s without activity`);
  logEvent(tx, id, 'auto-idle', `${from} → ${rule.to} after ${rule.ms / 1000} s`, tx.now);
  syncAutoIdle(tx, id, true);
}
