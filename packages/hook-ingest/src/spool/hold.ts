import { lstatSync, mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { readProcStat } from '../proc.js';
import { tightenDir } from './files.js';
import { parseRecordName, type RecordName } from './record.js';

/**
 * Held PermissionRequests (`flightdeck-hook.sh <cli> --hold`): the hook makes the FIFO `<spool>/hold/<record id>`,
 * writes its record with the header entry `hold=1` and waits until the server opens the FIFO and writes one line
 * (the decision, which the hook prints) or closes it without writing (the hook prints nothing).
 */
export const HOLD_DIR = 'hold';

/** The record header entry that marks a held record. */
export const HOLD_HEADER = 'hold';

/** The absolute path of the FIFO a held record's hook waits on, or null when `recordId` is not a record id. */
export function holdFifoPath(spoolDir: string, recordId: string): string | null {
  if (!parseRecordName(`${recordId}.rec`)) return null;
  return join(resolve(spoolDir), HOLD_DIR, recordId);
}

/**
 * The record id named by `fifoPath` when it is exactly `<spoolDir>/hold/<valid record id>` (absolute), else null.
 * What the server checks before it opens a FIFO an envelope names.
 */
export function holdRecordId(spoolDir: string, fifoPath: string): string | null {
  const id = basename(fifoPath);
  // The exact, normalised absolute path: no `..`, `//`, other directory or relative form matches.
  return holdFifoPath(spoolDir, id) === fifoPath ? id : null;
}

/** Creates `<spoolDir>/hold` (0700) when missing, so that held hooks need no `mkdir`. */
export function ensureHoldDir(spoolDir: string): void {
  const dir = join(spoolDir, HOLD_DIR);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  tightenDir(dir);
}

/** Clock ticks of slack between a hook's start and the uptime it wrote into its record name. */
const START_SLACK_TICKS = 100;

/**
 * Whether the hook that made a held record may still wait on it: same boot, its pid alive (not a zombie) and,
 * on Linux, started no later than the record's capture time (a later start means the pid was reused).
 */
export function holdHookAlive(name: RecordName, currentBoot: string): boolean {
  if (process.platform !== 'linux') {
    try {
      process.kill(name.pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
  if (name.boot !== currentBoot) return false;
  const stat = readProcStat(name.pid);
  if (!stat || stat.state === 'Z' || stat.state === 'X') return false;
  return stat.startTicks <= name.up + START_SLACK_TICKS;
}

/**
 * Removes the FIFOs of `<spoolDir>/hold` whose hook is gone (killed by its CLI, or by a timeout, before it could
 * remove its FIFO). Only FIFOs named by a record id are touched (lstat: a link is never followed, nothing else is
 * removed). Returns the record ids removed. Never throws (a missing directory holds nothing).
 */
export function sweepHoldDir(spoolDir: string, currentBoot = readBootId()): string[] {
  const dir = join(spoolDir, HOLD_DIR);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const id of names) {
    const name = parseRecordName(`${id}.rec`);
    if (!name) continue;
    const path = join(dir, id);
    try {
      if (!lstatSync(path).isFIFO() || holdHookAlive(name, currentBoot)) continue;
      unlinkSync(path);
      removed.push(id);
    } catch {
      // gone meanwhile, or not ours to remove
    }
  }
  return removed;
}

/** The first 8 hex digits of this boot's id (as the hook script names records), '00000000' without /proc. */
export function readBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().slice(0, 8);
  } catch {
    return '00000000';
  }
}
