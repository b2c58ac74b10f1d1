/**
 * `kill-pid`: signals a session's agent process, but only if it is still the process recorded for the session
 * (checked again right before the signal: the process may have exited and its PID been reused since the core
 * decided). `checkKill` is the same verification without the signal, for `sessions.kill` to answer at once.
 */
import { getOwn, isRemoteHost } from '@flightdeck/core';
import type { CoreState } from '../ports.js';
import type { ProcessInspector } from '../process-identity.js';
import type { EffectContext, EffectModule } from './types.js';

/** Whether a session's process may be killed now, and if not why (for `sessions.kill`). */
export type KillCheck = { ok: true; pid: number } | { ok: false; reason: string };

export interface KillOptions {
  processes: ProcessInspector;
  /** Sends the signal; default `process.kill`. */
  kill?: (pid: number, signal: NodeJS.Signals) => void;
}

export interface KillEffects extends EffectModule<'kill-pid'> {
  checkKill(sessionId: string): KillCheck;
}

/** Re-reads the session's process and compares it with what was recorded (no signal is sent). */
export function checkKill(state: CoreState, processes: ProcessInspector, sessionId: string): KillCheck {
  const s = getOwn(state.sessions, sessionId);
  if (!s) return { ok: false, reason: `session not found: ${sessionId}` };
  if (s.pid === null) return { ok: false, reason: `session ${sessionId} has no known pid` };
  if (s.status === 'ended') return { ok: false, reason: `session ${sessionId} has already ended` };
  // Another machine's PID means nothing here: not read, not signalled (the core refuses the kill too).
  if (isRemoteHost(state, s.host))
    return {
      ok: false,
      reason: `session ${sessionId} runs on host ${s.host}: Flightdeck signals processes of this machine only`,
    };
  const rec = getOwn(state.runtime, sessionId)?.process ?? null;
  const agent = `process ${s.pid} is not the agent of this session`;
  if (!rec || rec.pid !== s.pid)
    return { ok: false, reason: `${agent} (not identified yet; try again in a moment)` };
  if (!rec.identity) return { ok: false, reason: `${agent} (${rec.refused})` };
  const v = processes.verify(rec.identity);
  return v.ok ? { ok: true, pid: s.pid } : { ok: false, reason: `${agent} (${v.reason})` };
}

export function createKillEffects(ctx: EffectContext, opts: KillOptions): KillEffects {
  const kill = opts.kill ?? ((pid, signal) => process.kill(pid, signal));
  return {
    handlers: {
      'kill-pid': (eff) => {
        const v = eff.identity.pid === eff.pid ? opts.processes.verify(eff.identity) : null;
        if (!v?.ok) {
          ctx.log.warn({ pid: eff.pid, sessionId: eff.sessionId, reason: v?.reason }, 'kill refused');
          return;
        }
        try {
          kill(eff.pid, eff.signal);
        } catch (err) {
          ctx.log.warn({ err, pid: eff.pid }, 'kill failed');
        }
      },
    },
    checkKill: (sessionId) => checkKill(ctx.state(), opts.processes, sessionId),
  };
}
