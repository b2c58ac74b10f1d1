import { randomBytes } from 'node:crypto';
import { linkSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readProcStat } from '../proc.js';
import { readRegularFile } from './files.js';

/**
 * The lock file in the spool directory: `{"pid":…,"start":"…","token":"…"}`, plus `"hold":false` when the reader
 * answers no held hook (the forwarder of a remote machine): the hook script then never waits for an answer.
 */
export const LOCK_FILE = '.reader.lock';

interface LockContent {
  pid: number;
  /** The holder's start time (Linux: field 22 of /proc/<pid>/stat); '' where unknown. */
  start: string;
  token: string;
  hold?: false;
}

/** Tokens of the locks held by readers of this process (a lock of our pid with another token is stale). */
const heldTokens = new Set<string>();

/** Start time of a live process, '' where /proc is missing, null when it is gone (or a zombie). */
function processStart(pid: number): string | null {
  if (process.platform !== 'linux') {
    try {
      process.kill(pid, 0);
      return '';
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM' ? '' : null;
    }
  }
  const stat = readProcStat(pid);
  if (!stat || stat.state === 'Z' || stat.state === 'X') return null;
  return String(stat.startTicks);
}

export type LockState = { held: true } | { held: false; lockedBy: number | null };

export interface SpoolLock {
  /** Takes the lock (or confirms it is still ours; a stale lock is taken over). Never waits. */
  acquire(): LockState;
  /** Removes the lock file if it is still ours. */
  release(): void;
}

/**
 * One reader per spool directory. The lock file holds the holder's pid and start time; a lock whose process is
 * gone, or whose pid now belongs to a process started at another time, is stale and taken over. Taking it:
 * O_EXCL-create a private temp file with our content, then `link` it to the lock name (atomic, fails if a lock
 * exists) or, over a stale lock, `rename` it (atomic replace) and read back whose it is.
 */
export function createSpoolLock(dir: string, o: { holds?: boolean } = {}): SpoolLock {
  const lockPath = join(dir, LOCK_FILE);
  const token = randomBytes(12).toString('hex');
  const ownStart = processStart(process.pid) ?? '';
  const own: LockContent = {
    pid: process.pid,
    start: ownStart,
    token,
    ...(o.holds === false ? { hold: false } : {}),
  };
  const content = `${JSON.stringify(own)}\n`;

  function read(): LockContent | null {
    const r = readRegularFile(lockPath, 4096);
    if (r.kind !== 'ok') return null;
    try {
      const v = JSON.parse(r.buf.toString('utf8')) as Partial<LockContent>;
      if (typeof v.pid !== 'number' || typeof v.token !== 'string') return null;
      return { pid: v.pid, start: String(v.start ?? ''), token: v.token };
    } catch {
      return null;
    }
  }

  function isLive(holder: LockContent): boolean {
    if (!Number.isInteger(holder.pid) || holder.pid <= 0) return false;
    if (holder.pid === process.pid) return holder.start === ownStart && heldTokens.has(holder.token);
    const start = processStart(holder.pid);
    return start !== null && (start === '' || holder.start === '' || start === holder.start);
  }

  function took(): LockState {
    heldTokens.add(token);
    return { held: true };
  }

  function notHeld(holder: LockContent | null): LockState {
    heldTokens.delete(token);
    return { held: false, lockedBy: holder?.pid ?? null };
  }

  return {
    acquire() {
      const current = read();
      if (current?.token === token) return took();
      if (current && isLive(current)) return notHeld(current);
      const tmp = join(dir, `${LOCK_FILE}.${process.pid}.${token}.tmp`);
      writeFileSync(tmp, content, { flag: 'wx', mode: 0o600 });
      try {
        try {
          linkSync(tmp, lockPath);
          return took();
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        }
        // A lock exists: the stale one read above, or one taken meanwhile.
        const holder = read();
        if (holder?.token === token) return took();
        if (holder && isLive(holder)) return notHeld(holder);
        renameSync(tmp, lockPath);
        const after = read();
        if (after?.token === token) return took();
        return notHeld(after);
      } finally {
        try {
          unlinkSync(tmp);
        } catch {
          // linked and removed, or renamed into place
        }
      }
    },
    release() {
      heldTokens.delete(token);
      try {
        if (read()?.token === token) unlinkSync(lockPath);
      } catch {
        // already gone
      }
    },
  };
}
