/**
 * What the shell finds out about agent processes, as inputs for the core:
 * - `check-children`: does the agent still run a child (a long tool)? (`pgrep -P`), answered `children-checked`;
 *   a dead agent is reported first (`pid-dead`), so the core ends the session instead of keeping its work open;
 * - `watch-pid`: the PID is polled for liveness every `intervalMs` (`pid-dead` once it is gone) and, the first
 *   time the session is seen from it, identified (`process-identified`: who it is, for verified kills later).
 */

import { execFile } from 'node:child_process';
import { getOwn } from '@flightdeck/core';
import type { ProcessInspector } from '../process-identity.js';
import type { EffectContext, EffectModule } from './types.js';

export interface ProcessCheckOptions {
  /** Liveness poll interval (ms). */
  intervalMs: number;
  /** Whether the process has children; default `pgrep -P pid`. */
  hasChildren?: (pid: number) => Promise<boolean>;
  /** Whether the process exists; default signal 0. */
  isAlive?: (pid: number) => boolean;
  processes: ProcessInspector;
}

export interface ProcessCheckEffects extends EffectModule<'check-children' | 'watch-pid'> {
  /** PIDs watched now. */
  size(): number;
  /** One liveness round now (the poll calls it every `intervalMs`). */
  checkLiveness(): void;
}

function pgrepHasChildren(pid: number): Promise<boolean> {
  return new Promise((resolveCheck) => {
    execFile('pgrep', ['-P', String(pid)], { timeout: 5000 }, (err, stdout) => {
      if (err) resolveCheck(false);
      else resolveCheck(stdout.trim().length > 0);
    });
  });
}

export function signalZeroIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function createProcessCheckEffects(
  ctx: EffectContext,
  opts: ProcessCheckOptions,
): ProcessCheckEffects {
  const hasChildren = opts.hasChildren ?? pgrepHasChildren;
  const isAlive = opts.isAlive ?? signalZeroIsAlive;
  const watched = new Map<string, number>(); // sessionId -> pid
  let poll: NodeJS.Timeout | null = null;

  /**
   * Records who `pid` is, the first time the session is seen from it (not again after a restart: the record is
   * part of the persisted state). Read now, while the event that named the PID is fresh.
   */
  function identify(sessionId: string, pid: number, at: number) {
    const state = ctx.state();
    const s = getOwn(state.sessions, sessionId);
    const rec = getOwn(state.runtime, sessionId)?.process;
    if (!s || s.pid !== pid || rec?.pid === pid) return;
    const v = opts.processes.identify(pid, s.cli, at);
    if (!v.ok) ctx.log.info({ sessionId, pid, reason: v.reason }, 'process not recorded as the agent');
    ctx.submit(
      v.ok
        ? { type: 'process-identified', sessionId, pid, identity: v.identity, refused: null }
        : { type: 'process-identified', sessionId, pid, identity: null, refused: v.reason },
      'process-identified',
    );
  }

  function checkLiveness() {
    const state = ctx.state();
    for (const [sessionId, pid] of watched) {
      const s = getOwn(state.sessions, sessionId);
      if (!s || s.status === 'ended' || s.pid !== pid) {
        watched.delete(sessionId);
        continue;
      }
      if (!isAlive(pid)) {
        watched.delete(sessionId);
        ctx.submit({ type: 'pid-dead', sessionId, pid }, 'pid-dead');
      }
    }
  }

  return {
    handlers: {
      'check-children': (eff) => {
        if (!isAlive(eff.pid)) {
          watched.delete(eff.sessionId);
          ctx.submit({ type: 'pid-dead', sessionId: eff.sessionId, pid: eff.pid }, 'pid-dead');
        }
        hasChildren(eff.pid).then(
          (has) =>
            ctx.submit(
              { type: 'children-checked', sessionId: eff.sessionId, hasChildren: has, key: eff.key },
              'children-checked',
            ),
          (err) => ctx.log.warn({ err }, 'children check failed'),
        );
      },
      'watch-pid': (eff) => {
        watched.set(eff.sessionId, eff.pid);
        identify(eff.sessionId, eff.pid, eff.at);
      },
    },
    size: () => watched.size,
    checkLiveness,
    start() {
      checkLiveness();
      poll = setInterval(checkLiveness, opts.intervalMs);
      poll.unref();
    },
    stop() {
      if (poll) clearInterval(poll);
      poll = null;
    },
  };
}
