/**
 * `hold-open`, `hold-reply`, `hold-release`: the FIFOs of held PermissionRequest hooks (issue 15).
 *
 * The hook made `<spool>/hold/<record id>` (mode 0600) and waits in `open()` for a writer. The server opens it
 * `O_RDWR | O_NONBLOCK | O_NOFOLLOW` (never blocks; as a writer it lets the hook's open return), but only a FIFO
 * (fstat) owned by this user, named like a record, directly in the `hold/` directory of one of this server's spools
 * (its own and the adopted ones): anything else is refused (logged; the core closes the approval as `released`).
 * A decision writes one line and closes; a release closes without writing (the hook reads EOF and prints nothing);
 * shutdown closes every FIFO. While any is open, the hook pids are polled: a hook gone (Claude killed it after an
 * answer in the terminal, or its timeout did) → `hold-ended`.
 */
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  openSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { HOLD_ID_RE } from '@flightdeck/core';
import type { EffectContext, EffectModule } from './types.js';

export const HOLD_POLL_MS = 250;
/** How long a reply may wait for room in the pipe (the hook reads it at once; a full pipe means it is not reading). */
const WRITE_RETRY_MS = 1000;
/**
 * How long a close waits for the hook to have the FIFO open. A pipe's data is dropped when its last descriptor
 * closes: closed before the hook's `open` got in, the reply would be lost and the hook would wait for a writer
 * that never comes. The hook opens it right after writing its record, so this is a few ms at most.
 */
const OPEN_WAIT_MS = 2000;

/**
 * Whether process `pid` has `path` open (Linux: /proc/<pid>/fd). True when it cannot be known (no /proc) or the
 * process is gone (nothing to wait for).
 */
export function hasOpen(pid: number, paths: readonly string[]): boolean {
  if (!existsSync('/proc/self/fd')) return true;
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return true;
  }
  for (const fd of fds) {
    try {
      if (paths.includes(readlinkSync(`/proc/${pid}/fd/${fd}`))) return true;
    } catch {
      // closed meanwhile
    }
  }
  return false;
}

export interface HoldOptions {
  /** The spool directories of this server (its own, and those it adopted), read when a hold opens. */
  spoolDirs(): readonly string[];
  pollMs?: number;
  /** Whether a hook pid is alive (default `process.kill(pid, 0)`: ESRCH = gone). */
  isAlive?: (pid: number) => boolean;
}

/** What became of a decision's reply. */
export type ReplyResult = { ok: true } | { ok: false; reason: string };

export interface HoldEffects extends EffectModule<'hold-open' | 'hold-reply' | 'hold-release'> {
  /**
   * Whether this approval's FIFO is held open and its hook still waits (`held`), its hook is gone (`gone`), or
   * the server holds no FIFO for it (`not-held`: refused, released, or opened by a previous server process).
   */
  holdState(approvalId: string): 'held' | 'gone' | 'not-held';
  /** The result of the reply for this approval: resolves once the line is in the FIFO (or could not be). */
  replied(approvalId: string): Promise<ReplyResult> | undefined;
  /** FIFOs held open now. */
  size(): number;
}

interface Held {
  fd: number;
  /** The FIFO's path as given and as the kernel names it (symbolic links of its directories resolved). */
  paths: string[];
  pid: number | null;
  /** `hold-ended` was submitted (once). */
  ended: boolean;
}

function defaultIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function realOrNull(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}

/** Why `path` is not a hold FIFO of one of `spools` (by name and place; the file itself is checked once open). */
export function holdPathError(path: string, approvalId: string, spools: readonly string[]): string | null {
  if (!path.startsWith('/') || resolve(path) !== path) return 'not an absolute, normalised path';
  const name = basename(path);
  if (!HOLD_ID_RE.test(name) || name !== approvalId) return 'not named like a spool record';
  const dir = dirname(path);
  if (basename(dir) !== 'hold') return 'not in a hold/ directory';
  const realDir = realOrNull(dir);
  if (realDir === null) return 'its hold/ directory does not exist';
  for (const spool of spools) {
    const realSpool = realOrNull(spool);
    if (realSpool !== null && realDir === resolve(realSpool, 'hold')) return null;
  }
  return "not in the hold/ directory of one of this server's spools";
}

export function createHoldEffects(ctx: EffectContext, opts: HoldOptions): HoldEffects {
  const isAlive = opts.isAlive ?? defaultIsAlive;
  const held = new Map<string, Held>();
  const replies = new Map<string, Promise<ReplyResult>>();
  let poll: NodeJS.Timeout | null = null;

  function refuse(approvalId: string, path: string, reason: string) {
    ctx.log.warn({ approvalId, path, reason }, 'hold refused');
    ctx.submit({ type: 'hold-ended', approvalId, reason: `hold refused: ${reason}` }, 'hold-ended');
  }

  function closeFd(approvalId: string, fd: number) {
    try {
      closeSync(fd);
    } catch (err) {
      ctx.log.warn({ err, approvalId }, 'hold: close failed');
    }
  }

  /** Stops holding: closes the FIFO once the hook has it open (see `OPEN_WAIT_MS`). */
  function close(approvalId: string) {
    const h = held.get(approvalId);
    if (!h) return;
    held.delete(approvalId);
    if (held.size === 0 && poll) {
      clearInterval(poll);
      poll = null;
    }
    if (h.pid === null || hasOpen(h.pid, h.paths)) return closeFd(approvalId, h.fd);
    const until = ctx.now() + OPEN_WAIT_MS;
    const later = () => {
      if (ctx.now() >= until || hasOpen(h.pid as number, h.paths)) closeFd(approvalId, h.fd);
      else setTimeout(later, 5).unref();
    };
    setTimeout(later, 5).unref();
  }

  function check() {
    for (const [approvalId, h] of held) {
      if (h.ended || h.pid === null || isAlive(h.pid)) continue;
      h.ended = true;
      ctx.submit({ type: 'hold-ended', approvalId }, 'hold-ended');
    }
  }

  function open(approvalId: string, path: string, pid: number | null) {
    if (held.has(approvalId)) return;
    const bad = holdPathError(path, approvalId, opts.spoolDirs());
    if (bad !== null) return refuse(approvalId, path, bad);
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOFOLLOW);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return refuse(
        approvalId,
        path,
        code === 'ELOOP' ? 'a symbolic link' : `cannot open (${code ?? 'error'})`,
      );
    }
    try {
      const st = fstatSync(fd);
      const uid = process.getuid?.();
      const bad2 = !st.isFIFO()
        ? 'not a FIFO'
        : uid !== undefined && st.uid !== uid
          ? 'not owned by this user'
          : null;
      if (bad2 !== null) {
        closeSync(fd);
        return refuse(approvalId, path, bad2);
      }
    } catch (err) {
      closeSync(fd);
      return refuse(approvalId, path, `cannot stat (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    held.set(approvalId, { fd, paths: [path, realOrNull(path) ?? path], pid, ended: false });
    if (!poll) {
      poll = setInterval(check, opts.pollMs ?? HOLD_POLL_MS);
      poll.unref();
    }
  }

  /** Writes all of `buf` (a pipe takes at most its free room per write), then closes. */
  function writeAll(approvalId: string, h: Held, buf: Buffer): Promise<ReplyResult> {
    const deadline = ctx.now() + WRITE_RETRY_MS;
    let off = 0;
    const attempt = (): ReplyResult | null => {
      try {
        while (off < buf.length) off += writeSync(h.fd, buf, off, buf.length - off);
        return { ok: true };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' && ctx.now() < deadline) return null;
        return { ok: false, reason: `the reply could not be written (${code ?? 'error'})` };
      }
    };
    const first = attempt();
    if (first !== null) {
      close(approvalId);
      return Promise.resolve(first);
    }
    return new Promise((done) => {
      const retry = () => {
        // Closed meanwhile (shutdown): the hook reads EOF.
        if (held.get(approvalId) !== h) return done({ ok: false, reason: 'the hold was closed' });
        const r = attempt();
        if (r === null) return void setTimeout(retry, 5).unref();
        close(approvalId);
        done(r);
      };
      setTimeout(retry, 5).unref();
    });
  }

  return {
    handlers: {
      'hold-open': (eff) => open(eff.approvalId, eff.path, eff.pid),
      'hold-reply': (eff) => {
        const h = held.get(eff.approvalId);
        const result: Promise<ReplyResult> = h
          ? writeAll(eff.approvalId, h, Buffer.from(`${eff.line}\n`, 'utf8'))
          : Promise.resolve({ ok: false, reason: 'the hook is not held open' });
        replies.set(eff.approvalId, result);
        // Kept for the decide call that is waiting for it, then dropped.
        setTimeout(() => replies.delete(eff.approvalId), 60_000).unref();
        void result.then((r) => {
          if (!r.ok) ctx.log.warn({ approvalId: eff.approvalId, reason: r.reason }, 'hold reply failed');
        });
      },
      'hold-release': (eff) => close(eff.approvalId),
    },
    holdState(approvalId) {
      const h = held.get(approvalId);
      if (!h) return 'not-held';
      return h.ended || (h.pid !== null && !isAlive(h.pid)) ? 'gone' : 'held';
    },
    replied: (approvalId) => replies.get(approvalId),
    size: () => held.size,
    stop() {
      for (const id of [...held.keys()]) close(id);
      if (poll) clearInterval(poll);
      poll = null;
    },
  };
}
