/**
 * Giving memory back after a burst of events. Under load V8 grows its heap, and buffers that carried requests wait
 * for a major collection; once the load is gone that memory stays resident for a long time. The idle collector
 * watches how many inputs the runtime has processed: when at least `minInputs` were processed since the last
 * collection and then none for `quietMs`, it runs one full garbage collection. That happens on an idle event loop
 * (nobody is waiting for an answer then), and never during sustained activity.
 */
import { Session } from 'node:inspector';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';

export interface IdleCollectorOptions {
  /** Inputs processed so far (never decreases). */
  activity: () => number;
  /** Runs a full garbage collection (resolves when it is done, if it runs asynchronously). */
  gc: () => void | Promise<void>;
  now?: () => number;
  /** How often activity is looked at (default 500 ms). */
  intervalMs?: number;
  /** Quiet time after which a collection runs (default 1,000 ms). */
  quietMs?: number;
  /** Inputs since the last collection that make one worth it (default 2,000). */
  minInputs?: number;
}

export interface IdleCollector {
  /** Looks at the activity now (the timer calls it every `intervalMs`). */
  tick(): void;
  stop(): void;
  stats(): { collections: number; lastMs: number };
}

export function startIdleCollector(opts: IdleCollectorOptions): IdleCollector {
  const now = opts.now ?? Date.now;
  const quietMs = opts.quietMs ?? 1000;
  const minInputs = opts.minInputs ?? 2000;
  let seen = opts.activity();
  let lastChange = now();
  let sinceCollection = 0;
  let collections = 0;
  let lastMs = 0;
  let collecting = false;
  const tick = () => {
    if (collecting) return;
    const count = opts.activity();
    if (count !== seen) {
      sinceCollection += Math.max(0, count - seen);
      seen = count;
      lastChange = now();
      return;
    }
    if (sinceCollection < minInputs || now() - lastChange < quietMs) return;
    const started = performance.now();
    sinceCollection = 0;
    const done = () => {
      lastMs = performance.now() - started;
      collections += 1;
      collecting = false;
    };
    collecting = true;
    const pending = opts.gc();
    if (pending instanceof Promise) pending.then(done, done);
    else done();
  };
  const timer = setInterval(tick, opts.intervalMs ?? 500);
  timer.unref();
  return {
    tick,
    stop: () => clearInterval(timer),
    stats: () => ({ collections, lastMs: Math.round(lastMs * 10) / 10 }),
  };
}

/**
 * The engine's memory-reducing full collection (V8's low-memory notification: a full GC that also compacts and
 * shrinks the young generation, so the pages go back to the system), reached through an in-process inspector
 * session; without an inspector, the plain full collection: `globalThis.gc` when node runs with `--expose-gc`,
 * else the same function taken from a fresh context after enabling the flag. `null` if none works.
 */
export function resolveGc(): (() => void | Promise<void>) | null {
  if (process.features.inspector) {
    return () =>
      new Promise<void>((resolve) => {
        const session = new Session();
        session.connect();
        // The collection runs when the session dispatches the command; the callback follows it. (Disconnecting
        // from inside the callback would hang: it is done in the next turn.)
        session.post('HeapProfiler.collectGarbage', () => {
          setImmediate(() => {
            session.disconnect();
            resolve();
          });
        });
      });
  }
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return () => (exposed as () => void)();
  try {
    v8.setFlagsFromString('--expose-gc');
    const fn = vm.runInNewContext('gc') as unknown;
    return typeof fn === 'function' ? () => (fn as () => void)() : null;
  } catch {
    return null;
  }
}
