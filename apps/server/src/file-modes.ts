/**
 * Data at rest: the data directory holds the database, config.json (the password hash), the hook token, the spool
 * and backups of the users' settings files, and is the owner's alone. `secureDataDir` creates it 0700 and takes
 * group and other access away from every directory and regular file in it that has some (a directory or file
 * made by an older version, by a command run under a loose umask, or by a hook script). Symbolic links are not
 * followed and special files are left alone (the spool reader sets those aside).
 */
import {
  closeSync,
  constants,
  type Dirent,
  fchmodSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

export interface ModeRepair {
  /** Paths whose mode was narrowed. */
  fixed: string[];
  /** Paths that could not be checked or narrowed, with why. */
  failed: Array<{ path: string; error: string }>;
}

const GROUP_OTHER = 0o077;
/** Deep enough for spool/rejected and backups; the data directory has no deeper trees of its own. */
const MAX_DEPTH = 4;

/** Narrows one regular file or directory through a descriptor opened without following a symlink. */
function narrow(path: string, directory: boolean, out: ModeRepair, follow = false): void {
  const flags =
    constants.O_RDONLY |
    constants.O_NONBLOCK |
    (follow ? 0 : constants.O_NOFOLLOW) |
    (directory ? constants.O_DIRECTORY : 0);
  let fd: number;
  try {
    fd = openSync(path, flags);
  } catch (err) {
    out.failed.push({ path, error: (err as Error).message });
    return;
  }
  try {
    const st = fstatSync(fd);
    // Swapped for something else since it was listed: leave it.
    if (directory ? !st.isDirectory() : !st.isFile()) return;
    if ((st.mode & GROUP_OTHER) === 0) return;
    fchmodSync(fd, st.mode & 0o700);
    out.fixed.push(path);
  } catch (err) {
    out.failed.push({ path, error: (err as Error).message });
  } finally {
    closeSync(fd);
  }
}

function walk(dir: string, depth: number, out: ModeRepair): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    out.failed.push({ path: dir, error: (err as Error).message });
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      narrowIfLoose(path, true, out);
      if (depth < MAX_DEPTH) walk(path, depth + 1, out);
    } else if (entry.isFile()) {
      narrowIfLoose(path, false, out);
    }
    // symlinks, FIFOs, sockets, devices: not followed, not opened
  }
}

/** lstat first: most entries are fine, and opening each of a large spool would cost more. */
function narrowIfLoose(path: string, directory: boolean, out: ModeRepair): void {
  try {
    if ((lstatSync(path).mode & GROUP_OTHER) === 0) return;
  } catch {
    return; // gone since it was listed (a spool record that was delivered)
  }
  narrow(path, directory, out);
}

/** Flightdeck's own entries at the top of the data directory; anything else there is not ours to change. */
const OWN_DIRS = new Set(['spool', 'hooks', 'backups']);
const OWN_FILE = /^(?:flightdeck\.db(?:-wal|-shm|-journal)?|config\.json|hook-token)(?:\.[0-9a-f]+\.tmp)?$/;

/**
 * Creates the data directory (0700) and narrows what in it is open to group or others: its own files and
 * everything under its own directories (a data directory pointed at a folder with other things in it leaves
 * those alone; the 0700 of the directory already keeps them from others).
 */
export function secureDataDir(dataDir: string): ModeRepair {
  const out: ModeRepair = { fixed: [], failed: [] };
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // The data directory itself may be a symlink the user made (e.g. to another disk): that one is followed.
  narrow(dataDir, true, out, true);
  let entries: Dirent[];
  try {
    entries = readdirSync(dataDir, { withFileTypes: true });
  } catch (err) {
    out.failed.push({ path: dataDir, error: (err as Error).message });
    return out;
  }
  for (const entry of entries) {
    const path = join(dataDir, entry.name);
    if (entry.isDirectory() && OWN_DIRS.has(entry.name)) {
      narrowIfLoose(path, true, out);
      walk(path, 2, out);
    } else if (entry.isFile() && OWN_FILE.test(entry.name)) {
      narrowIfLoose(path, false, out);
    }
  }
  return out;
}

/**
 * Creates `path` (0600) holding `text`, only if it does not exist yet (`O_EXCL`: two processes racing to create it
 * never both write). True when this call created it; false when it was there already (read it instead).
 */
export function createPrivateFile(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeFileSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}
