import { createRoot, createSignal } from 'solid-js';

/**
 * One shared ticking clock for "time in status": a single timer for the whole app,
 * so 500 cards do not each run their own interval.
 */
const clock = createRoot(() => {
  const [now, setNow] = createSignal(Date.now());
  let timer: ReturnType<typeof setInterval> | undefined;
  const start = () => {
    if (timer !== undefined) return;
    timer = setInterval(() => setNow(Date.now()), 1000);
  };
  start();
  return { now, setNow, stop: () => timer !== undefined && clearInterval(timer) };
});

export const now = clock.now;
/** For tests: set the clock to a fixed instant. */
export const setNow = clock.setNow;
