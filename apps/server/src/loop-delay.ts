/** The event loop's delay (system.stats): a 10 ms resolution histogram, read as p50/p99/max in ms. */
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface LoopDelayMonitor {
  read(reset?: boolean): { p50: number; p99: number; max: number };
  disable(): void;
}

export function startLoopDelayMonitor(): LoopDelayMonitor {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  // The histogram records the interval between 10 ms ticks; the delay is what exceeds the 10 ms.
  const ms = (ns: number) => Math.max(0, Math.round(ns / 1e4) / 100 - 10);
  return {
    read(reset = false) {
      const out = { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) };
      if (reset) h.reset();
      return out;
    },
    disable: () => h.disable(),
  };
}
