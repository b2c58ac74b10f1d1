/**
 * Coalesces requests for an async job (a refetch): at most one run in flight and at most one trailing run queued
 * behind it, however many requests arrive meanwhile; runs start at least `minIntervalMs` apart. So a session
 * receiving hundreds of live events a second causes a few refetches a second, and the last answer always
 * reflects a request made after the last event.
 */
export interface Coalescer {
  /** Ask for a run: starts now (or after the minimum interval) or queues one trailing run. */
  request(): void;
  /** True while a run is in flight or queued. */
  busy(): boolean;
  /** Drop the queued run and ignore further requests. */
  dispose(): void;
}

export function createCoalescer(
  job: () => Promise<unknown>,
  opts: { minIntervalMs?: number; now?: () => number } = {},
): Coalescer {
  const minInterval = opts.minIntervalMs ?? 0;
  const clock = opts.now ?? (() => Date.now());
  let inFlight = false;
  let trailing = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastStart = Number.NEGATIVE_INFINITY;
  let disposed = false;

  function start(): void {
    timer = undefined;
    if (disposed) return;
    trailing = false;
    inFlight = true;
    lastStart = clock();
    let p: Promise<unknown>;
    try {
      p = job();
    } catch (err) {
      p = Promise.reject(err);
    }
    p.catch(() => undefined).finally(() => {
      inFlight = false;
      if (trailing && !disposed) schedule();
    });
  }

  function schedule(): void {
    if (timer !== undefined) return;
    const wait = lastStart + minInterval - clock();
    if (wait > 0) timer = setTimeout(start, wait);
    else start();
  }

  return {
    request() {
      if (disposed) return;
      if (inFlight || timer !== undefined) {
        trailing = true;
        return;
      }
      trailing = true;
      schedule();
    },
    busy: () => inFlight || trailing || timer !== undefined,
    dispose() {
      disposed = true;
      trailing = false;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
