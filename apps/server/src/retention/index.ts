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
 * Deletes run in chunks on the main connection, and sessions leave memory in chunks (`EVICT_CHUNK`, the oldest
 * first), yielding to the event loop between them. Every setting is read at each pass, so a config change applies
 * at the next one.
 */
import { valuesOf } from '@flightdeck/core';
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
/**
 * Sessions that leave memory per `evict-ended` (one reduce step, one commit). The core used to drop sessions one by
 * one from its persistent maps, each drop copying a leaf of the map: 20,000 ended sessions evicted at once held the
 * event loop for 1.5 s in that one step (`pnpm soak:sessions --sessions=20000`, CPU profile), hence chunks (of 500).
 * Now it drops a step's sessions together (`pmDeleteMany`: each leaf copied once per step), so a step costs about
 * the leaves it touches, and small chunks copy most leaves again and again, all garbage that outlives the young
 * generation. 50,000 ended sessions evicted in chunks of n (the core alone, `--expose-gc`, load average 8, 2026-12-07;
 * CPU, heap growth): main's core 7.0 s, +327 MB at 500 and 5.5 s, +281 MB at 5,000; with `pmDeleteMany` 3.0 s, +200 MB at 500;
 * 1.8 s, +125 MB at 2,000; 0.9 s, +60 MB at 5,000 (a step ≈ 90 ms); 0.36 s, +17 MB in one step.
 */
export const EVICT_CHUNK = 5000;

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
  /** The runtime; without its `state` (tests), one `evict-ended` takes every ended session at once. */
  runtime: Pick<Runtime, 'dispatch'> & Partial<Pick<Runtime, 'state'>>;
  settings: () => RetentionSettings;
  log: RetentionLog;
  now?: () => number;
  intervalMs?: number;
  chunk?: number;
  evictChunk?: number;
}

export interface Retention {
  /** Runs a pass now (or waits for the one running). */
  run(): Promise<RetentionPass>;
  /** The last pass, or null before the first one ended. */
  last(): RetentionPass | null;
  /** The clock retention runs on. */
  now(): number;
  /** Sessions evicted and rows deleted so far (never decreases): work that leaves garbage behind. */
  work(): number;
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
  let work = 0;
  const evictChunk = opts.evictChunk ?? EVICT_CHUNK;

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

  /** The ended times of the sessions in memory that ended before `before`, oldest first. */
  const endedBefore = (before: number): number[] => {
    const state = opts.runtime.state;
    if (state === undefined) return [];
    const out: number[] = [];
    for (const s of valuesOf(state.sessions))
      if (s.status === 'ended' && s.endedAt !== null && s.endedAt < before) out.push(s.endedAt);
    return out.sort((a, b) => a - b);
  };

  /** Ended sessions leave memory, `evictChunk` at a time (the oldest first; ties go together). */
  const evict = async (before: number): Promise<number> => {
    const ended = endedBefore(before);
    let evicted = 0;
    try {
      for (let i = evictChunk - 1; ; i += evictChunk) {
        const last = i >= ended.length - 1;
        const upTo = last ? before : Math.min(before, (ended[i] as number) + 1);
        const r = await opts.runtime.dispatch({ type: 'evict-ended', before: upTo });
        evicted += r.effects.filter((e) => e.type === 'session-evicted').length;
        if (last || stopped) break;
        await yieldToEventLoop();
      }
    } catch (err) {
      opts.log.warn({ err, evicted }, 'retention: ended sessions not evicted');
    }
    return evicted;
  };

  const pass = async (): Promise<RetentionPass> => {
    const at = now();
    const cut = retentionCutoffs(opts.settings(), at);
    const conversation = await pruneOld(cut.conversationBefore);
    const hookEvents = await events.run();
    const evicted = await evict(cut.evictBefore);
    const out = { at, hookEvents, conversation, evicted };
    const rows = Object.values(conversation).reduce((a, b) => a + b, 0);
    work += rows + hookEvents + evicted;
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
    work: () => work,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await events.stop();
      if (running) await running.catch(() => {});
    },
  };
}
