import { rehydrateAlerts } from './alerts.js';
import { rehydrateHolds } from './approvals-hold.js';
import { isRemoteHost } from './hosts.js';
import { entriesOf, getOwn, valuesOf } from './pmap.js';
import type { CoreState, Effect } from './types.js';

/**
 * After a restart, what the shell must set up again for a loaded state: every armed timer (with its original
 * deadline — the shell fires past deadlines at once), the pids to watch, pending children checks, and a
 * `restored` marker timer (deadline `now`): firing it back in records the restart time, which enables
 * spec §5 priority 0.5 (re-linking a snapshot-restored session by cwd for 30 minutes), and a `hold-restart` timer
 * per held approval (deadline `now`: it closes as `released`). Pure.
 */
export function rehydrate(state: CoreState, now: number): Effect[] {
  const effects: Effect[] = [];
  for (const [id, rt] of entriesOf(state.runtime)) {
    if (!getOwn(state.sessions, id)) continue;
    for (const t of [rt.timers['auto-idle'], rt.timers.approval, rt.timers.kill]) {
      if (t) effects.push({ type: 'arm-timer', key: t.key, deadline: t.deadline, input: t.input });
    }
    const s = getOwn(state.sessions, id)!;
    // A session of another machine: no local process check (its forwarder reports its PIDs).
    if (isRemoteHost(state, s.host)) continue;
    if (rt.childCheck && s.pid !== null) {
      effects.push({ type: 'check-children', sessionId: id, pid: s.pid, key: rt.childCheck.key });
    }
    if (rt.liveCheck && s.pid !== null) {
      effects.push({ type: 'check-children', sessionId: id, pid: s.pid, key: rt.liveCheck });
    }
  }
  for (const t of Object.values(state.teamTimers)) {
    effects.push({ type: 'arm-timer', key: t.key, deadline: t.deadline, input: t.input });
  }
  for (const s of valuesOf(state.sessions)) {
    // The process must have been running at the session's last activity (when it is not recorded yet).
    if (s.pid !== null && s.status !== 'ended' && !isRemoteHost(state, s.host))
      effects.push({ type: 'watch-pid', sessionId: s.sessionId, pid: s.pid, at: s.lastActivityAt });
  }
  // Held approvals lost their FIFOs with the previous process: each closes as `released` at once.
  effects.push(...rehydrateHolds(state, now));
  effects.push(...rehydrateAlerts(state));
  const key = `restored:${now}`;
  effects.push({
    type: 'arm-timer',
    key,
    deadline: now,
    input: { type: 'timer', key, sessionId: '', kind: 'restored' },
  });
  return effects;
}
