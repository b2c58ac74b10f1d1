/**
 * When the follower looks at a file next (see follower.ts). Each followed file is polled on a grid of its own,
 * `phase + k × interval`, the phase taken from its session id: the polls of many sessions are spread over the
 * interval instead of all `stat`ing at once. A file that does not exist (yet) is polled rarely: every `maxMs` while
 * its directory is watched (the watch says when it appears; the poll is only a safety net), else less and less
 * often, the interval doubling with every miss up to `maxMs`, back to `pollMs` when the session has a hook event
 * (the file may be there now).
 */
import { createDirWatches } from './dir-watch.js';
import type { Follow } from './follow.js';

/** A number from a string, stable across runs (FNV-1a): a follow's phase. */
export function phaseOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The poll interval of a file after `misses` polls in a row found it missing (its directory watched or not). */
export function pollInterval(pollMs: number, misses: number, maxMs: number, dirWatched: boolean): number {
  if (misses <= 0) return pollMs;
  const max = Math.max(maxMs, pollMs);
  return dirWatched ? max : Math.min(max, pollMs * 2 ** Math.min(misses, 30));
}

/** The first time after `now` on the grid `phase + k × interval`. */
export function nextDue(now: number, interval: number, phase: number): number {
  const p = phase % interval;
  return p + (Math.floor((now - p) / interval) + 1) * interval;
}

export interface PollScheduleOptions {
  pollMs: number;
  /** Longest interval of a missing file's poll. */
  maxMs: number;
  now: () => number;
  /** Whether to watch the directories of missing files now (else only the back-off and hook events). */
  watchDirs: () => boolean;
  /** An entry of a missing file's name changed in its directory: look at it now. */
  appeared: (f: Follow) => void;
}

export interface PollSchedule {
  /** A new follow, looked at now: its next poll, and its session's last activity. */
  add(f: Follow, activity: number | undefined): void;
  /** A poll found no file at the path. */
  missing(f: Follow): void;
  /** A poll found something at the path (a file, or something that is reported). */
  found(f: Follow): void;
  /** The session had a hook event at `at` (its last activity). */
  activity(f: Follow, at: number | undefined): void;
  /** Calls `poll` for the follows whose poll is due, after scheduling their next one. */
  due(follows: Iterable<Follow>, poll: (f: Follow) => void): void;
  drop(f: Follow): void;
  stop(): void;
  dirsWatched(): number;
}

export function createPollSchedule(opts: PollScheduleOptions): PollSchedule {
  const { pollMs, maxMs, now } = opts;
  // the look that follows finds the file (`found`: polled every `pollMs` again) or not (`missing`)
  const dirs = createDirWatches(opts.appeared);
  const schedule = (f: Follow, t: number) => {
    f.dueAt = nextDue(t, pollInterval(pollMs, f.misses, maxMs, f.dirWatched), f.phase);
  };
  return {
    add(f, activity) {
      f.seenActivity = activity ?? null;
      schedule(f, now());
    },
    missing(f) {
      f.misses += 1;
      if (!f.dirWatched && !f.dropped && opts.watchDirs()) dirs.add(f);
      schedule(f, now());
    },
    found(f) {
      if (f.dirWatched) dirs.remove(f);
      if (f.misses === 0) return;
      f.misses = 0;
      schedule(f, now());
    },
    activity(f, at) {
      // Where the directory cannot be watched, a hook event says the file may be there now (Claude Code creates it
      // at its first message): the poll goes back to `pollMs`.
      if (at === undefined || at === f.seenActivity) return;
      f.seenActivity = at;
      if (f.misses === 0 || f.dirWatched) return;
      f.misses = 0;
      f.dueAt = Math.min(f.dueAt, nextDue(now(), pollMs, f.phase));
    },
    due(follows, poll) {
      const t = now();
      for (const f of follows) {
        if (f.dueAt > t) continue;
        schedule(f, t);
        poll(f);
      }
    },
    drop: (f) => dirs.remove(f),
    stop: () => dirs.closeAll(),
    dirsWatched: () => dirs.size(),
  };
}
