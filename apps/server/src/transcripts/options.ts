/** The transcript follower's options, counters and public interface (see `follower.ts`). */
import type { CoreInput, CoreState } from '@flightdeck/core';
import type { Session } from '@flightdeck/shared-types';
import type { Logger } from '../runtime.js';

/** What the follower needs of the runtime. */
export interface FollowerRuntime {
  readonly state: CoreState;
  listSessions(): Session[];
  dispatch(input: CoreInput): Promise<unknown>;
}

export interface TranscriptFollowerOptions {
  runtime: FollowerRuntime;
  log: Logger;
  /** How often the followed set is reconciled with the runtime's sessions (ms). Default 1000. */
  reconcileMs?: number;
  /**
   * Slow poll: every followed file is `stat`ed this often, whether or not `fs.watch` fired (ms), the files' polls
   * spread over the interval. Default 2000.
   */
  pollMs?: number;
  /**
   * A path with no file (yet) is polled at this interval (ms; default 30,000) while its directory is watched (the
   * watch says when it appears); where the directory cannot be watched, less and less often up to this interval,
   * back to `pollMs` at a hook event of its session.
   */
  missingPollMaxMs?: number;
  /** Longest an offset moved over ignored lines waits before it is handed to the core (ms). Default 5000. */
  progressMs?: number;
  /** Longest line kept; a longer one is skipped and counted. Default 1 MiB. */
  maxLineBytes?: number;
  /** Bytes read from the end of a file seen for the first time without a cursor. Default 64 KiB. */
  tailBytes?: number;
  /** Largest single read: the size of each followed file's read buffer. Default 32 KiB. */
  chunkBytes?: number;
  /** Appends signalled by `fs.watch` within this long are read together (ms). Default 50. */
  watchDelayMs?: number;
  /** Most entries in one input (a backlog is handed over in several). Default 500. */
  maxEntriesPerInput?: number;
  /** Most text (assistant text, error messages) held for one input before it is handed over. Default 1 MiB. */
  maxEntryBytesPerInput?: number;
  /** Use `fs.watch` (default true); the poll works alone without it. */
  watch?: boolean;
  /**
   * Only files owned by this user are read (default: the server's own uid, where the platform has uids). A hook
   * payload names the transcript path; it must not make the server read another user's file onto the dashboard.
   */
  ownerUid?: number | null;
  now?: () => number;
}

export interface TranscriptProblem {
  sessionId: string;
  path: string;
  problem: string;
}

export interface TranscriptFollowerStats {
  /** Sessions followed now (live, with a transcript that can be followed). */
  sessions: number;
  bytesRead: number;
  lines: number;
  entries: number;
  /** Lines not understood (unknown entry types, broken JSON) and lines over the length cap. */
  skipped: number;
  oversizeLines: number;
  /** Files read again from 0 because they were truncated or replaced. */
  restarts: number;
  /** Problems met (each distinct problem of a file counted once, not at every poll). */
  errors: number;
  /** `transcript` inputs handed to the runtime. */
  inputs: number;
  /** Paths `stat`ed (each poll of a followed file is one). */
  probes: number;
  /** Followed sessions whose transcript does not exist (yet). */
  waiting: number;
  /** Directories watched for a transcript to appear. */
  dirsWatched: number;
  /** Longest partial line kept so far (bytes): never above `maxLineBytes`. */
  largestPartialLine: number;
  /** Files that cannot be read now, and why (at most 20). */
  problems: TranscriptProblem[];
}

export interface TranscriptFollower {
  start(): void;
  /** Stops reading and hands the last progress to the runtime (call before `runtime.drain()`). */
  stop(): Promise<void>;
  stats(): TranscriptFollowerStats;
  /** Reconciles and reads every followed file now (tests, benchmarks). */
  poke(): Promise<void>;
  /**
   * Polls the files whose turn it is at `now()` (the poll timer does this every few hundred ms) and waits for
   * every read in flight (tests drive it with their clock).
   */
  pollDue(): Promise<void>;
}

export const TRANSCRIPT_DEFAULTS = {
  reconcileMs: 1000,
  pollMs: 2000,
  missingPollMaxMs: 30_000,
  progressMs: 5000,
  maxLineBytes: 1024 * 1024,
  tailBytes: 64 * 1024,
  chunkBytes: 32 * 1024,
  watchDelayMs: 50,
  maxEntriesPerInput: 500,
  maxEntryBytesPerInput: 1024 * 1024,
} as const;
