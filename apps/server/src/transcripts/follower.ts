/**
 * The transcript follower: for every live session whose agent writes a transcript that can be followed line by
 * line (Claude Code's `transcript_path`, Codex rollout files, Gemini CLI's `.jsonl` chat files), reads what was
 * appended since the last read and hands what hooks miss (interrupts, API errors, compactions, the assistant's
 * text, token usage) to the core as `transcript` inputs. IO only: the lines are parsed by @flightdeck/hook-ingest's pure parsers, the core decides.
 *
 * - Incremental: each file is read from a byte offset, never again from its start. The offset lives in the core
 *   state (`SessionRuntime.transcript`, checkpointed with it), so after a restart reading resumes there. A file
 *   seen for the first time without a cursor is read from its tail only (`tailBytes`, from the first newline in
 *   it): a 200 MB transcript costs what its last 64 KiB cost; unless it is all the session's (`Follow.fromStart`:
 *   begun while the server runs, or created after it was first looked for), read from 0 up to 16 MiB (its usage).
 *   A session that ends gets a last read (its final usage) before its file is let go.
 * - Bounded memory: a partial trailing line is kept (as bytes) up to `maxLineBytes`; a longer line is dropped
 *   as it is read, skipped to its newline and counted, never buffered whole. Reads are at most `chunkBytes`.
 * - A line split across two reads is joined. A file that shrank below the offset (truncated) or was replaced
 *   (another inode) is read again from 0 and counted; its next input carries `restarted`.
 * - Never blocks: the path is `stat`ed first and only a regular file is opened, with O_NONBLOCK (a FIFO swapped in
 *   between cannot block the open), and checked again on the open handle. A missing file (the CLI creates it
 *   at its first message) is waited for; EACCES, a FIFO or a directory is reported in `stats().problems`.
 * - Checkpoints stay rare: an input goes out when a read found entries (or after a restart), otherwise only when
 *   the offset moved and `progressMs` passed since the last one (progress over ignored lines), and on stop.
 * - Wake-ups: `fs.watch` on each file where it works, a slow `stat` poll (`pollMs`) as fallback, the polls of the
 *   files spread over the interval; the followed set is reconciled with the runtime's sessions every `reconcileMs`.
 * - A path with no file yet costs little: its poll backs off up to `missingPollMaxMs` while its directory is
 *   watched for the file to appear (or, where the directory cannot be watched, a hook event of its session brings
 *   the poll back to `pollMs`); see schedule.ts and dir-watch.ts.
 */
import { watch } from 'node:fs';
import { type CoreInput, getOwn, MAX_TRANSCRIPT_ENTRIES } from '@flightdeck/core';
import { errCode, type Follow, FROM_START_MAX_BYTES, resetReading } from './follow.js';
import { consumeChunk } from './lines.js';
import { openRegular, probe } from './open.js';
import {
  TRANSCRIPT_DEFAULTS,
  type TranscriptFollower,
  type TranscriptFollowerOptions,
  type TranscriptProblem,
} from './options.js';
import { createReconciler } from './reconcile.js';
import { createPollSchedule } from './schedule.js';

export * from './options.js';

const MAX_PROBLEMS_SHOWN = 20;

export function createTranscriptFollower(opts: TranscriptFollowerOptions): TranscriptFollower {
  const { runtime, log } = opts;
  const now = opts.now ?? Date.now;
  const reconcileMs = opts.reconcileMs ?? TRANSCRIPT_DEFAULTS.reconcileMs;
  const pollMs = opts.pollMs ?? TRANSCRIPT_DEFAULTS.pollMs;
  const missingPollMaxMs = opts.missingPollMaxMs ?? TRANSCRIPT_DEFAULTS.missingPollMaxMs;
  // the poll timer's period: each tick polls the files whose turn it is
  const tickMs = Math.max(5, Math.min(250, Math.floor(pollMs / 8)));
  const progressMs = opts.progressMs ?? TRANSCRIPT_DEFAULTS.progressMs;
  const maxLine = opts.maxLineBytes ?? TRANSCRIPT_DEFAULTS.maxLineBytes;
  const tailBytes = opts.tailBytes ?? TRANSCRIPT_DEFAULTS.tailBytes;
  const chunkBytes = opts.chunkBytes ?? TRANSCRIPT_DEFAULTS.chunkBytes;
  // never more than the core takes in one input (it refuses a larger one whole)
  const maxEntries = Math.min(
    opts.maxEntriesPerInput ?? TRANSCRIPT_DEFAULTS.maxEntriesPerInput,
    MAX_TRANSCRIPT_ENTRIES,
  );
  const maxEntryBytes = opts.maxEntryBytesPerInput ?? TRANSCRIPT_DEFAULTS.maxEntryBytesPerInput;
  const useWatch = opts.watch ?? true;
  const ownerUid = opts.ownerUid !== undefined ? opts.ownerUid : (process.getuid?.() ?? null);
  const watchDelayMs = opts.watchDelayMs ?? TRANSCRIPT_DEFAULTS.watchDelayMs;

  const follows = new Map<string, Follow>();
  /** Sessions that started from now on are read from their start (`Follow.fromStart`). */
  const createdAt = now();
  const counters = {
    bytesRead: 0,
    lines: 0,
    entries: 0,
    skipped: 0,
    oversizeLines: 0,
    restarts: 0,
    errors: 0,
    inputs: 0,
    probes: 0,
    largestPartialLine: 0,
  };
  let reconcileTimer: NodeJS.Timeout | null = null;
  let pollTimer: NodeJS.Timeout | null = null;
  let stopped = false;
  const schedule = createPollSchedule({
    pollMs,
    maxMs: missingPollMaxMs,
    now,
    watchDirs: () => useWatch && !stopped,
    appeared: (f) => soon(f),
  });

  function setProblem(f: Follow, problem: string | null) {
    if (problem === f.problem) return;
    f.problem = problem;
    if (problem === null) return;
    counters.errors += 1;
    log.warn({ sessionId: f.sessionId, path: f.path, problem }, 'transcript cannot be followed');
  }

  function unwatch(f: Follow) {
    f.watcher?.close();
    f.watcher = null;
    f.watchedIno = -1;
  }

  async function closeFile(f: Follow) {
    unwatch(f);
    const fh = f.fh;
    f.fh = null;
    if (fh) await fh.close().catch(() => {});
  }

  /** Where reading starts the first time this file is opened: the core's cursor, else the tail. */
  function startPosition(f: Follow, size: number) {
    const rt = getOwn(runtime.state.runtime, f.sessionId);
    const cursor =
      (f.agentId === null ? rt?.transcript : rt?.subTranscripts?.find((c) => c.path === f.path)) ?? null;
    if (cursor && cursor.path === f.path) {
      f.dispatchedOffset = cursor.offset;
      f.dispatchedAt = now();
      if (size >= cursor.offset) {
        resetReading(f, cursor.offset, null);
        return;
      }
      // shorter than what was read before: another file now, read from its start
      restart(f);
      return;
    }
    if (size > tailBytes && !(f.fromStart && size <= FROM_START_MAX_BYTES))
      resetReading(f, size - tailBytes, 'tail');
    else resetReading(f, 0, null);
  }

  function restart(f: Follow) {
    counters.restarts += 1;
    f.restarted = true;
    resetReading(f, 0, null);
    log.info({ sessionId: f.sessionId, path: f.path }, 'transcript truncated or replaced: reading it from 0');
  }

  function watchFile(f: Follow) {
    if (!useWatch || f.watchedIno === f.ino) return;
    unwatch(f);
    try {
      const w = watch(f.path, { persistent: false }, () => soon(f));
      w.on('error', () => {
        if (f.watcher === w) unwatch(f);
      });
      f.watcher = w;
      f.watchedIno = f.ino;
    } catch {
      // the poll covers it
    }
  }

  /** Opens (or re-opens) the file when needed; false when there is nothing to read now. */
  async function ensureOpen(f: Follow): Promise<number | null> {
    const st = await probe(f.path);
    counters.probes += 1;
    if (st.kind !== 'file') {
      // a file that appears later is all this session's: read from its start
      if (st.kind === 'missing' && !f.opened) f.fromStart = true;
      setProblem(f, st.kind === 'problem' ? st.problem : null);
      await closeFile(f);
      if (st.kind === 'missing') schedule.missing(f);
      else schedule.found(f);
      return null;
    }
    schedule.found(f);
    if (f.fh && st.ino === f.ino && st.dev === f.dev) {
      if (st.size < f.readPos) restart(f);
      return st.size;
    }
    await closeFile(f);
    const opened = await openRegular(f.path, ownerUid);
    if (opened.kind !== 'open') {
      if (opened.kind === 'problem') setProblem(f, opened.problem);
      else schedule.missing(f);
      return null;
    }
    if (f.dropped) {
      await opened.fh.close().catch(() => {});
      return null;
    }
    setProblem(f, null);
    const replaced = f.opened && (opened.ino !== f.ino || opened.dev !== f.dev);
    f.fh = opened.fh;
    f.ino = opened.ino;
    f.dev = opened.dev;
    if (!f.opened) startPosition(f, opened.size);
    else if (replaced || opened.size < f.readPos) restart(f);
    f.opened = true;
    watchFile(f);
    return opened.size;
  }

  const inputFull = (f: Follow) => f.entries.length >= maxEntries || f.entryText >= maxEntryBytes;

  const consume = (f: Follow, buf: Buffer, from: number) =>
    consumeChunk(f, buf, from, { maxLine, counters, full: inputFull });

  async function hand(f: Follow) {
    const input: CoreInput = {
      type: 'transcript',
      sessionId: f.sessionId,
      path: f.path,
      offset: f.offset,
      entries: f.entries,
      skipped: f.skipped,
      ...(f.restarted ? { restarted: true } : {}),
      ...(f.agentId !== null ? { agentId: f.agentId } : {}),
    };
    f.entries = [];
    f.entryText = 0;
    f.skipped = 0;
    f.restarted = false;
    f.dispatchedOffset = f.offset;
    f.dispatchedAt = now();
    counters.inputs += 1;
    try {
      await runtime.dispatch(input);
    } catch (err) {
      log.warn({ err, sessionId: f.sessionId }, 'transcript input failed');
    }
  }

  /** Hands over what was read: entries at once, bare progress only now and then. */
  async function flush(f: Follow, force: boolean) {
    if (f.entries.length > 0 || f.restarted) return hand(f);
    const moved = f.offset > f.dispatchedOffset || f.skipped > 0;
    if (moved && (force || f.dispatchedOffset < 0 || now() - f.dispatchedAt >= progressMs)) return hand(f);
  }

  /**
   * Reads from `readPos` to the end of the file. A `full` read first `stat`s the path (is it still this file, did it
   * shrink?); a read after an `fs.watch` signal only reads on (one read when a few lines were appended), and the
   * poll does the full check.
   */
  async function readNew(f: Follow, full: boolean) {
    if (full || !f.fh) {
      const size = await ensureOpen(f);
      if (size === null) return;
    }
    while (f.fh && !f.dropped) {
      f.scratch ??= Buffer.allocUnsafe(chunkBytes);
      const buf = f.scratch;
      let n: number;
      try {
        ({ bytesRead: n } = await f.fh.read(buf, 0, buf.length, f.readPos));
      } catch (err) {
        setProblem(f, `cannot read: ${errCode(err)}`);
        await closeFile(f);
        return;
      }
      if (n === 0) break;
      counters.bytesRead += n;
      const view = buf.subarray(0, n);
      let at = 0;
      do {
        at = consume(f, view, at);
        if (inputFull(f)) await hand(f);
      } while (at < n && !f.dropped);
      if (n < buf.length) break; // the end of the file
    }
    if (!f.dropped) await flush(f, false);
  }

  /** An `fs.watch` signal: read soon, together with the appends that follow it closely. */
  function soon(f: Follow) {
    if (f.soon || f.dropped || stopped) return;
    f.soon = setTimeout(() => {
      f.soon = null;
      void wake(f, false);
    }, watchDelayMs);
    f.soon.unref();
  }

  /** Reads what is new; a wake-up during a read makes it read again right after. */
  function wake(f: Follow, full: boolean): Promise<void> {
    if (f.dropped || stopped) return Promise.resolve();
    if (f.busy) {
      f.again = true;
      f.againFull ||= full;
      return f.busy;
    }
    const run = async () => {
      try {
        let readFull = full;
        do {
          f.again = false;
          f.againFull = false;
          await readNew(f, readFull);
          readFull = f.againFull;
        } while (f.again && !f.dropped && !stopped);
      } catch (err) {
        log.error({ err, sessionId: f.sessionId }, 'transcript follower failed on a file');
      } finally {
        f.busy = null;
      }
    };
    f.busy = run();
    return f.busy;
  }

  function drop(f: Follow) {
    f.dropped = true;
    if (f.soon) clearTimeout(f.soon);
    schedule.drop(f);
    follows.delete(f.key);
    const closing = f.busy ?? Promise.resolve();
    void closing.then(() => closeFile(f));
  }

  const reconcile = createReconciler({
    follows,
    sessions: () => runtime.listSessions(),
    createdAt,
    add: (f, at) => schedule.add(f, at),
    activity: (f, at) => schedule.activity(f, at),
    wake,
    drop,
  });

  /** The poll: the files whose turn it is (their polls are spread over the interval, see schedule.ts). */
  function poll() {
    if (!stopped) schedule.due(follows.values(), (f) => void wake(f, true));
  }

  return {
    start() {
      if (reconcileTimer) return;
      stopped = false;
      reconcile();
      reconcileTimer = setInterval(reconcile, reconcileMs);
      reconcileTimer.unref();
      pollTimer = setInterval(poll, tickMs);
      pollTimer.unref();
    },
    async stop() {
      if (reconcileTimer) clearInterval(reconcileTimer);
      if (pollTimer) clearInterval(pollTimer);
      reconcileTimer = null;
      pollTimer = null;
      stopped = true;
      const all = [...follows.values()];
      schedule.stop();
      for (const f of all) {
        unwatch(f);
        if (f.soon) clearTimeout(f.soon);
      }
      await Promise.all(all.map((f) => f.busy ?? Promise.resolve()));
      // the progress not handed over yet: after a restart, reading resumes exactly here
      await Promise.all(all.map((f) => flush(f, true)));
      for (const f of all) {
        f.dropped = true;
        await closeFile(f);
      }
      follows.clear();
    },
    stats() {
      const problems: TranscriptProblem[] = [];
      for (const f of follows.values()) {
        if (f.problem && problems.length < MAX_PROBLEMS_SHOWN)
          problems.push({ sessionId: f.sessionId, path: f.path, problem: f.problem });
      }
      let waiting = 0;
      for (const f of follows.values()) if (f.misses > 0) waiting += 1;
      return { sessions: follows.size, ...counters, waiting, dirsWatched: schedule.dirsWatched(), problems };
    },
    async pollDue() {
      poll();
      await Promise.all([...follows.values()].map((f) => f.busy));
    },
    async poke() {
      if (stopped) return;
      reconcile();
      await Promise.all([...follows.values()].map((f) => wake(f, true)));
    },
  };
}
