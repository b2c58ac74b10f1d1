/**
 * Retention of the raw hook event log (`hook_events`): events older than `hookEventRetentionDays` (config.json,
 * default 30) are pruned when the server starts and then once a day. Never an event a restart still needs: the
 * ones after the last checkpoint's watermark stay whatever their age (`pruneHookEvents` of @flightdeck/db). Session
 * history (sessions, prompts, tool calls, …) is not touched.
 *
 * The deletes run on the main connection in chunks, yielding to the event loop between them, so a first run on a
 * large old log neither holds the write lock nor blocks the event loop for long (a chunk that meets a transaction
 * of the writer thread waits for it: one transaction, a few ms).
 */
import { pruneHookEvents } from '@flightdeck/db';
import type { Db } from '../store/index.js';

export const DAY_MS = 86_400_000;
/** Rows deleted per statement. */
export const PRUNE_CHUNK = 2000;

export interface RetentionLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface HookEventRetentionOptions {
  db: Db;
  /** Days to keep raw hook events (read at every run, so a config change applies at the next one). */
  retentionDays: () => number;
  log: RetentionLog;
  now?: () => number;
  /** Time between runs (default one day). */
  intervalMs?: number;
  chunk?: number;
}

export interface HookEventRetention {
  /** Runs a pruning pass now (or waits for the one running) and answers how many events it deleted. */
  run(): Promise<number>;
  /** Stops the schedule and waits for a pass in progress to end. */
  stop(): Promise<void>;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Starts the retention job: a first pass at once, then one every `intervalMs`. */
export function startHookEventRetention(opts: HookEventRetentionOptions): HookEventRetention {
  const now = opts.now ?? Date.now;
  const chunk = opts.chunk ?? PRUNE_CHUNK;
  let stopped = false;
  let running: Promise<number> | null = null;

  const pass = async (): Promise<number> => {
    const before = now() - opts.retentionDays() * DAY_MS;
    let total = 0;
    try {
      for (;;) {
        const n = await pruneHookEvents(opts.db, { before, limit: chunk });
        total += n;
        if (n < chunk || stopped) break;
        await yieldToEventLoop();
      }
      if (total > 0) opts.log.info({ pruned: total, before }, 'hook event retention: old raw events pruned');
    } catch (err) {
      // A locked or closing database: try again at the next pass.
      opts.log.warn({ err, pruned: total }, 'hook event retention: pruning failed');
    }
    return total;
  };

  const run = (): Promise<number> => {
    if (stopped) return Promise.resolve(0);
    if (running) return running;
    running = pass().finally(() => {
      running = null;
    });
    return running;
  };

  void run();
  const timer = setInterval(() => void run(), opts.intervalMs ?? DAY_MS);
  timer.unref();

  return {
    run,
    async stop() {
      stopped = true;
      clearInterval(timer);
      if (running) await running;
    },
  };
}
