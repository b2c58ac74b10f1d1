/** The follower's state for one transcript file (see `follower.ts`). */
import type { FSWatcher } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { TranscriptEntry } from '@flightdeck/core';
import type { TranscriptLineParser } from '@flightdeck/hook-ingest';
import { phaseOf } from './schedule.js';

export interface Follow {
  /** Its key among the follows: the session id, or the session id and the subagent id for a subagent's file. */
  key: string;
  sessionId: string;
  /** Set for a subagent's own transcript (its cursor is kept apart in the core). */
  agentId: string | null;
  path: string;
  parser: TranscriptLineParser;
  fh: FileHandle | null;
  dev: number;
  ino: number;
  /** Whether the file was opened at least once (a later inode change is a replacement). */
  opened: boolean;
  /** Just past the last complete line consumed. */
  offset: number;
  /** Where the next read starts (past the partial line kept, or the part of a long line dropped). */
  readPos: number;
  pending: Buffer[];
  pendingLen: number;
  /** Dropping bytes up to the next newline: a line over the cap, or the cut line a tail read starts in. */
  discarding: 'oversize' | 'tail' | null;
  entries: TranscriptEntry[];
  /** Text held in `entries` (UTF-16 units, roughly bytes): a backlog of long texts is handed over in parts. */
  entryText: number;
  skipped: number;
  restarted: boolean;
  /** Offset of the last input handed over (-1: none yet). */
  dispatchedOffset: number;
  dispatchedAt: number;
  /** The read buffer (reads of one file never overlap). */
  scratch: Buffer | null;
  busy: Promise<void> | null;
  again: boolean;
  /** The pending wake-up should `stat` the path (truncation, replacement), not only read on. */
  againFull: boolean;
  soon: NodeJS.Timeout | null;
  watcher: FSWatcher | null;
  watchedIno: number;
  problem: string | null;
  dropped: boolean;
  /** Where this file's polls sit in the poll interval (schedule.ts). */
  phase: number;
  /** When the next poll is due. */
  dueAt: number;
  /** Polls in a row that found no file at the path: the poll backs off (schedule.ts). */
  misses: number;
  /** Its directory is watched for the file to appear (dir-watch.ts). */
  dirWatched: boolean;
  /** The session's last activity when it was last looked at (a hook event resets the back-off). */
  seenActivity: number | null;
  /**
   * Read from its start, not its tail, when first opened without a cursor: the session began while this server
   * ran, or the file did not exist yet when first looked for (all of it is this session's, usage included).
   */
  fromStart: boolean;
  /** The session ended: a last read, then the file is let go. */
  retiring: boolean;
}

/** A file not opened yet, to be read from where `startPosition` decides. */
export function newFollow(
  sessionId: string,
  path: string,
  parser: TranscriptLineParser,
  fromStart = false,
  agentId: string | null = null,
): Follow {
  return {
    key: agentId === null ? sessionId : `${sessionId}\u0000${agentId}`,
    sessionId,
    agentId,
    path,
    parser,
    fh: null,
    dev: -1,
    ino: -1,
    opened: false,
    offset: 0,
    readPos: 0,
    pending: [],
    pendingLen: 0,
    discarding: null,
    entries: [],
    entryText: 0,
    skipped: 0,
    restarted: false,
    dispatchedOffset: -1,
    dispatchedAt: 0,
    scratch: null,
    busy: null,
    again: false,
    againFull: false,
    soon: null,
    watcher: null,
    watchedIno: -1,
    problem: null,
    dropped: false,
    phase: phaseOf(sessionId),
    dueAt: 0,
    misses: 0,
    dirWatched: false,
    seenActivity: null,
    fromStart,
    retiring: false,
  };
}

/** Largest file read from its start when it is all the session's (`Follow.fromStart`); larger: its tail. */
export const FROM_START_MAX_BYTES = 16 * 1024 * 1024;

/** Reading starts (again) at byte `at`, nothing kept. */
export function resetReading(f: Follow, at: number, discarding: Follow['discarding']): void {
  f.offset = at;
  f.readPos = at;
  f.pending = [];
  f.pendingLen = 0;
  f.discarding = discarding;
}

export function errCode(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e?.code ?? (err instanceof Error ? err.message : String(err));
}
