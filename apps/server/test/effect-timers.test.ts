/** The timer effects against a wall clock that lags Node's monotonic timers: a timer never reaches the core early. */
import { describe, expect, it } from 'vitest';
import { createTimerEffects } from '../src/effects/timers.js';
import type { CoreInput } from '../src/ports.js';

const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('timer effects', () => {
  it('a timer whose setTimeout fires before its deadline by the wall clock waits for the deadline', async () => {
    let clock = 0;
    const submitted: CoreInput[] = [];
    const timers = createTimerEffects({
      state: () => ({}) as never,
      submit: (i) => submitted.push(i),
      now: () => clock,
      log: quiet,
    });
    const input: CoreInput = { type: 'timer', key: 'k', sessionId: 's', kind: 'hold' };
    timers.handlers['arm-timer']({ type: 'arm-timer', key: 'k', deadline: 40, input });
    await sleep(120); // setTimeout has fired, but the wall clock still says 0
    expect(submitted).toEqual([]);
    expect(timers.size()).toBe(1);
    clock = 40;
    await sleep(120);
    expect(submitted).toEqual([input]);
    expect(timers.size()).toBe(0);
    timers.stop?.();
  });
});
