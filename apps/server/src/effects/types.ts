/**
 * What an effect handler is and what it may use. The core returns effects as data; the runtime sorts them in two:
 * - state effects (`session-changed`, `team-removed`, `rejected`, …) describe what a batch changed: the runtime
 *   itself commits and broadcasts them (runtime.ts);
 * - shell effects ask for something to be done outside the core (arm a timer, check a process, send a signal):
 *   each kind has its handler in a module of this directory, registered in `index.ts`.
 * A handler answers, when it has something to say, by submitting an input: it joins the runtime's one queue, after
 * everything submitted before it.
 */
import type { CoreInput, CoreState, Effect } from '../ports.js';

export interface Logger {
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
  debug(obj: unknown, msg?: string): void;
}

/** Effects that describe the state a batch produced; the runtime commits and broadcasts them. */
export type StateEffect = Extract<
  Effect,
  {
    type:
      | 'session-changed'
      | 'session-removed'
      | 'session-evicted'
      | 'session-rekeyed'
      | 'team-changed'
      | 'team-removed'
      | 'rejected'
      | 'approval-closed'
      | 'usage-recorded';
  }
>;

/** Effects the shell carries out, one handler per `type`. */
export type ShellEffect = Exclude<Effect, StateEffect>;
export type ShellEffectType = ShellEffect['type'];
export type EffectOf<T extends ShellEffectType> = Extract<ShellEffect, { type: T }>;

/** Carries out one effect. It must not throw (the registry logs it if it does) nor block: IO is started, not awaited. */
export type EffectHandler<E extends ShellEffect> = (effect: E) => void;

/**
 * The handler of every shell effect, by type. A new `Effect` type in the core makes this type demand a handler
 * (a compile error in `index.ts` until a module provides one, or `ignoreEffect` says on purpose that it is ignored).
 */
export type EffectHandlers = { [T in ShellEffectType]: EffectHandler<EffectOf<T>> };

/** What a handler may use of the runtime. */
export interface EffectContext {
  /** The runtime's committed state (read it when the handler runs, not earlier). */
  state(): CoreState;
  /** Queues an input for the core, after everything submitted before it; a failure is logged. */
  submit(input: CoreInput, what: string): void;
  now(): number;
  log: Logger;
}

/** One capability: the handlers of its effect types and, if it keeps something running, how to start and stop it. */
export interface EffectModule<K extends ShellEffectType> {
  readonly handlers: { [T in K]: EffectHandler<EffectOf<T>> };
  /** Starts what runs without an effect (e.g. polling); called by `runtime.start()`. */
  start?(): void;
  /** Cancels what is armed or running; called by `runtime.stop()`. */
  stop?(): void;
}

/** A handler that does nothing but say so (debug log): for an effect type the shell deliberately leaves alone. */
export function ignoreEffect<E extends ShellEffect>(log: Logger): EffectHandler<E> {
  return (effect) => log.debug({ effect: effect.type }, 'effect ignored by the shell');
}

const STATE_EFFECT_TYPES: Record<StateEffect['type'], true> = {
  'session-changed': true,
  'session-removed': true,
  'session-evicted': true,
  'session-rekeyed': true,
  'team-changed': true,
  'team-removed': true,
  rejected: true,
  'approval-closed': true,
  'usage-recorded': true,
};

export function isShellEffect(effect: Effect): effect is ShellEffect {
  return !Object.hasOwn(STATE_EFFECT_TYPES, effect.type);
}
