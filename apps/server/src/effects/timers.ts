/**
 * `arm-timer` and `cancel-timer`: the core's timers as Node timers. When one fires, its input is submitted (it
 * queues behind whatever was submitted before). Arming a key again replaces the timer of that key.
 */
import type { CoreInput } from '../ports.js';
import type { EffectContext, EffectModule } from './types.js';

/** Longest delay `setTimeout` takes (a longer one would fire at once). */
const MAX_DELAY_MS = 2_147_483_000;

export interface TimerEffects extends EffectModule<'arm-timer' | 'cancel-timer'> {
  /** Timers armed now. */
  size(): number;
}

export function createTimerEffects(ctx: EffectContext): TimerEffects {
  const timers = new Map<string, NodeJS.Timeout>();

  function cancel(key: string) {
    const handle = timers.get(key);
    if (handle) clearTimeout(handle);
    timers.delete(key);
  }

  function arm(key: string, deadline: number, input: CoreInput) {
    cancel(key);
    const delay = Math.max(0, Math.min(deadline - ctx.now(), MAX_DELAY_MS));
    const handle = setTimeout(() => {
      // Node's timers run on a monotonic clock and may fire a millisecond before `deadline` by the wall clock the
      // core reads: never hand the core a timer before its deadline.
      if (ctx.now() < deadline) return arm(key, deadline, input);
      timers.delete(key);
      ctx.submit(input, `timer ${key}`);
    }, delay);
    handle.unref();
    timers.set(key, handle);
  }

  return {
    handlers: {
      'arm-timer': (eff) => arm(eff.key, eff.deadline, eff.input),
      'cancel-timer': (eff) => cancel(eff.key),
    },
    size: () => timers.size,
    stop() {
      for (const handle of timers.values()) clearTimeout(handle);
      timers.clear();
    },
  };
}
