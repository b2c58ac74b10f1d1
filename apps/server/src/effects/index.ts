/**
 * The effect registry: every shell effect type (see types.ts) and the module that carries it out, in one place.
 * `EffectHandlers` demands a handler for each type the core can return, so a new effect type does not compile
 * until it is registered here (or explicitly ignored with `ignoreEffect`).
 *
 * To add a capability (answer an approval, write to a terminal, send a notification): add the effect type to the
 * core's `Effect`, write `effects/<capability>.ts` exporting `create…Effects(ctx, opts): EffectModule<'type'>`,
 * and spread its handlers into `handlers` below (its `start`/`stop`, if any, into `modules`).
 */
import type { ProcessInspector } from '../process-identity.js';
import { type AlertSink, createAlertEffects } from './alerts.js';
import { createHoldEffects, type HoldEffects, type HoldOptions } from './holds.js';
import { createKillEffects, type KillCheck } from './kill.js';
import { createProcessCheckEffects } from './process-checks.js';
import { createTerminalTypingEffects, type TerminalTypingOptions } from './terminal-type.js';
import { createTimerEffects } from './timers.js';
import type { EffectContext, EffectHandler, EffectHandlers, ShellEffect } from './types.js';

export type { AlertSink } from './alerts.js';
export type { HoldEffects, HoldOptions, ReplyResult } from './holds.js';
export type { KillCheck } from './kill.js';
export type { TerminalTypingOptions, TypingTarget } from './terminal-type.js';
export {
  type EffectContext,
  isShellEffect,
  type Logger,
  type ShellEffect,
  type StateEffect,
} from './types.js';

export interface EffectOptions {
  /** PID liveness poll interval (ms). */
  processCheckIntervalMs: number;
  processes: ProcessInspector;
  hasChildren?: (pid: number) => Promise<boolean>;
  isAlive?: (pid: number) => boolean;
  kill?: (pid: number, signal: NodeJS.Signals) => void;
  /** Held approvals' FIFOs: which spools they may be in (default: none, every hold is refused). */
  holds?: HoldOptions;
  /** Where `alert-fire` effects go (the alert service). */
  onAlert?: AlertSink;
  /** The terminals queued prompts are typed into (default: none, every prompt is undelivered). */
  typing?: TerminalTypingOptions;
}

export interface EffectInterpreter {
  /** Carries out one effect (never throws: a handler's failure is logged). */
  run(effect: ShellEffect): void;
  start(): void;
  stop(): void;
  /** For `sessions.kill`: whether the session's process may be signalled now. */
  checkKill(sessionId: string): KillCheck;
  /** The held approvals' FIFOs. */
  holds: Pick<HoldEffects, 'holdState' | 'replied' | 'size'>;
  stats(): { timers: number; watchedPids: number };
}

export function createEffectInterpreter(ctx: EffectContext, opts: EffectOptions): EffectInterpreter {
  const timers = createTimerEffects(ctx);
  const processChecks = createProcessCheckEffects(ctx, {
    intervalMs: opts.processCheckIntervalMs,
    processes: opts.processes,
    ...(opts.hasChildren ? { hasChildren: opts.hasChildren } : {}),
    ...(opts.isAlive ? { isAlive: opts.isAlive } : {}),
  });
  const kills = createKillEffects(ctx, {
    processes: opts.processes,
    ...(opts.kill ? { kill: opts.kill } : {}),
  });
  const holds = createHoldEffects(ctx, opts.holds ?? { spoolDirs: () => [] });
  const typing = createTerminalTypingEffects(
    ctx,
    opts.typing ?? { terminal: () => 'no terminals on this server' },
  );
  const modules = [timers, processChecks, kills, holds, typing];
  const alerts = createAlertEffects(ctx, opts.onAlert);
  const handlers: EffectHandlers = {
    ...timers.handlers,
    ...processChecks.handlers,
    ...kills.handlers,
    ...holds.handlers,
    ...alerts.handlers,
    ...typing.handlers,
  };

  return {
    run(effect) {
      try {
        (handlers[effect.type] as EffectHandler<ShellEffect>)(effect);
      } catch (err) {
        ctx.log.error({ err, effect: effect.type }, 'effect failed');
      }
    },
    start() {
      for (const m of modules) m.start?.();
    },
    stop() {
      for (const m of modules) m.stop?.();
    },
    checkKill: kills.checkKill,
    holds,
    stats: () => ({ timers: timers.size(), watchedPids: processChecks.size() }),
  };
}
