import {
  chmodSync,
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  type Stats,
} from 'node:fs';

/** Open flags for anything in the spool: never follow a link, never wait for a FIFO writer, never adopt a tty. */
const SAFE_OPEN =
  constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | (constants.O_NOCTTY ?? 0);

export type SafeRead =
  | { kind: 'ok'; buf: Buffer; stats: Stats }
  | { kind: 'gone' }
  /** Not something to read: a special file, a link, a directory, too large, or swapped while being opened. */
  | { kind: 'refused'; reason: string };

/** What a path that is not a regular file is, in words ("a FIFO", "a directory", …). */
export function describeFileType(
  st: Pick<
    Stats,
    'isSymbolicLink' | 'isDirectory' | 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice'
  >,
): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

function isEnoent(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/**
 * Reads a regular file of at most `maxBytes` without ever blocking or reading without bound: lstat first (a link,
 * FIFO, device, socket or directory is refused without being opened), open with O_NOFOLLOW|O_NONBLOCK|O_NOCTTY,
 * fstat the descriptor (a regular file, the inode lstat saw) and read at most `maxBytes + 1` bytes. Throws only
 * for other I/O errors (permissions, EIO).
 */
export function readRegularFile(path: string, maxBytes: number): SafeRead {
  let before: Stats;
  try {
    before = lstatSync(path);
  } catch (err) {
    if (isEnoent(err)) return { kind: 'gone' };
    throw err;
  }
  if (!before.isFile()) return { kind: 'refused', reason: `${describeFileType(before)}, not a regular file` };
  const tooLarge = (size: number) => ({
    kind: 'refused' as const,
    reason: `larger than ${maxBytes} bytes (${size} bytes)`,
  });
  if (before.size > maxBytes) return tooLarge(before.size);
  let fd: number;
  try {
    fd = openSync(path, SAFE_OPEN);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'gone' };
    if (code === 'ELOOP') return { kind: 'refused', reason: 'a symbolic link, not a regular file' };
    throw err;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return { kind: 'refused', reason: `${describeFileType(stats)}, not a regular file` };
    if (stats.ino !== before.ino || stats.dev !== before.dev)
      return { kind: 'refused', reason: 'replaced between lstat and open' };
    const limit = maxBytes + 1;
    const chunks: Buffer[] = [];
    let total = 0;
    let size = Math.min(Math.max(stats.size + 1, 4096), limit);
    while (total < limit) {
      const chunk = Buffer.allocUnsafe(Math.min(size, limit - total));
      const n = readSync(fd, chunk, 0, chunk.length, total);
      if (n <= 0) break;
      chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
      total += n;
      size = 65536;
    }
    if (total > maxBytes) return tooLarge(total);
    return { kind: 'ok', buf: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total), stats };
  } finally {
    closeSync(fd);
  }
}

/** Creates `path` (and missing parents) as 0700 whatever the umask; an existing one open to group/other becomes 0700. */
export function ensurePrivateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  tightenDir(path);
}

/** Makes an existing directory 0700 when it is open to group/other (never follows a link; missing is fine). */
export function tightenDir(path: string): void {
  try {
    const st = lstatSync(path);
    if (st.isDirectory() && (st.mode & 0o077) !== 0) chmodSync(path, 0o700);
  } catch (err) {
    if (!isEnoent(err)) throw err;
  }
}

/** Makes a regular file 0600 when it is open to group/other (never follows a link). */
export function makePrivateFile(path: string): void {
  const st = lstatSync(path);
  if (st.isFile() && (st.mode & 0o077) !== 0) chmodSync(path, st.mode & 0o700);
}
