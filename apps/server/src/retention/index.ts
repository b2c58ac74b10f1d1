/**
 * Retention, enforced on a schedule (at start, then every `passIntervalMs(settings)`: half the shorter of the
 * ended-session memory time and the retention period, 10 s to an hour; 30 minutes by default):
 * - conversation data (prompts, responses, tool calls, lifecycle events, and their search index rows) older than
 *   `sessionRetentionHours` (the period `flightdeck setup` asks for) is deleted; sessions stay listed in History
 *   with their titles, counters and notes (`pruneConversation` of @flightdeck/db);
 * - raw hook events older than the shorter of that period and `hookEventRetentionDays` are deleted, never those
 *   a restart replays (`hook-events.ts`);
 * - sessions that ended more than `endedSessionMemoryMinutes` ago leave memory (the core's `evict-ended`): off the
 *   board and the live streams, still in the database (History, `history.session`).
 * Deletes run in chunks on the main connection, yielding to the event loop between them. Every setting is read at
 * each pass, so a config change applies at the next one.
 */
import { type ConversationTable, pruneConversation } from '@flightdeck/db';
import type { Runtime } from '../runtime.js';
import type { Db } from '../store/index.js';
import { DAY_MS, PRUNE_CHUNK, type RetentionLog, startHookEventRetention } from './hook-events.js';

export const HOUR_MS = 3_600_000;
/**
 * Rows deleted per conversation table per statement: measured on a 200,000-prompt + 200,000-tool-call file, a
 * 2,000-row chunk of the four tables held the main connection for up to 116 ms, a 500-row one for up to 46 ms.
 */
export const CONVERSATION_CHUNK = 500;

export interface RetentionSettings {
  sessionRetentionHours: number;
  hookEventRetentionDays: number;
  endedSessionMemoryMinutes: number;
}

/** The shortest time between two passes. */
export const MIN_PASS_MS = 10_000;

/**
 * Time to the next pass: half the shorter of the ended-session memory time and the retention period (an ended
 * session leaves memory at most half that late), at most an hour, at least `MIN_PASS_MS`. Defaults (60 min,
 * 24 h): every 30 minutes.
 */
export function passIntervalMs(s: RetentionSettings): number {
  const shortest = Math.min(s.endedSessionMemoryMinutes * 60_000, s.sessionRetentionHours * HOUR_MS);
  return Math.min(HOUR_MS, Math.max(MIN_PASS_MS, shortest / 2));
}

/** The times before which each kind of data goes. */
export function retentionCutoffs(s: RetentionSettings, now: number) {
  const conversationBefore = now - s.sessionRetentionHours * HOUR_MS;
  return {
    conversationBefore,
    eventsBefore: Math.max(conversationBefore, now - s.hookEventRetentionDays * DAY_MS),
    evictBefore: now - s.endedSessionMemoryMinutes * 60_000,
  };
}

export interface RetentionPass {
  at: number;
  hookEvents: number;
  conversation: Record<ConversationTable, number>;
  /** Sessions that left memory. */
  evicted: number;
}

export interface RetentionOptions {
  db: Db;
  runtime: Pick<Runtime, 'dispatch'>;
  settings: () => RetentionSettings;
  log: RetentionLog;
  now?: () => number;
  intervalMs?: number;
  chunk?: number;
}

export interface Retention {
  /** Runs a pass now (or waits for the one running). */
  run(): Promise<RetentionPass>;
  /** The last pass, or null before the first one ended. */
  last(): RetentionPass | null;
  /** The clock retention runs on. */
  now(): number;
  stop(): Promise<void>;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export function startRetention(opts: RetentionOptions): Retention {
  const now = opts.now ?? Date.now;
  const chunk = opts.chunk ?? CONVERSATION_CHUNK;
  // A fixed interval (tests) or the one the settings ask for, read again after every pass.
  const intervalMs = () => opts.intervalMs ?? passIntervalMs(opts.settings());
  const events = startHookEventRetention({
    db: opts.db,
    retentionDays: () => {
      const s = opts.settings();
      return Math.min(s.hookEventRetentionDays, s.sessionRetentionHours / 24);
    },
    log: opts.log,
    now,
    // Every pass below runs it too; its own timer is the hourly floor.
    intervalMs: opts.intervalMs ?? HOUR_MS,
    chunk: opts.chunk ?? PRUNE_CHUNK,
  });
  let stopped = false;
  let running: Promise<RetentionPass> | null = null;
  let last: RetentionPass | null = null;

  const pruneOld = async (before: number): Promise<Record<ConversationTable, number>> => {
    const total = { prompts: 0, responses: 0, tool_calls: 0, events: 0 };
    try {
      for (;;) {
        const n = await pruneConversation(opts.db, { before, limit: chunk });
        for (const k of Object.keys(n) as ConversationTable[]) total[k] += n[k];
        if (Object.values(n).every((c) => c < chunk) || stopped) break;
        await yieldToEventLoop();
      }
    } catch (err) {
      opts.log.warn({ err, pruned: total }, 'retention: pruning conversation data failed');
    }
    return total;
  };

  const pass = async (): Promise<RetentionPass> => {
    const at = now();
    const cut = retentionCutoffs(opts.settings(), at);
    const conversation = await pruneOld(cut.conversationBefore);
    const hookEvents = await events.run();
    let evicted = 0;
    try {
      const r = await opts.runtime.dispatch({ type: 'evict-ended', before: cut.evictBefore });
      evicted = r.effects.filter((e) => e.type === 'session-evicted').length;
    } catch (err) {
      opts.log.warn({ err }, 'retention: ended sessions not evicted');
    }
    const out = { at, hookEvents, conversation, evicted };
    const rows = Object.values(conversation).reduce((a, b) => a + b, 0);
    if (rows > 0 || evicted > 0) opts.log.info(out, 'retention: old data pruned, ended sessions left memory');
    last = out;
    return out;
  };

  const run = (): Promise<RetentionPass> => {
    if (running) return running;
    if (stopped) {
      const none = { prompts: 0, responses: 0, tool_calls: 0, events: 0 };
      return Promise.resolve(last ?? { at: now(), hookEvents: 0, conversation: none, evicted: 0 });
    }
    running = pass().finally(() => {
      running = null;
    });
    return running;
  };

  let timer: NodeJS.Timeout | null = null;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void run().finally(schedule), intervalMs());
    timer.unref();
  };
  void run().finally(schedule);
  return {
    run,
    last: () => last,
    now,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await events.stop();
      if (running) await running.catch(() => {});
    },
  };
}
