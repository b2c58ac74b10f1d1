import { constants as fsc } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { decodeLossless, encodeLossless } from './bytes.js';

export type InstallErrorCode =
  | 'INVALID_JSON'
  | 'INVALID_SHAPE'
  | 'READ_ONLY'
  | 'NOT_A_FILE'
  | 'CONCURRENT_CHANGE'
  | 'IO'
  | 'USAGE';

/** Every failure the installers report: names the file and what to do; nothing was written. */
export class InstallError extends Error {
  readonly code: InstallErrorCode;
  readonly file: string;
  constructor(code: InstallErrorCode, file: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InstallError';
    this.code = code;
    this.file = file;
  }
}

function errno(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e
    ? String((e as { code: unknown }).code)
    : undefined;
}

function describeIo(e: unknown): string {
  const code = errno(e);
  const msg = e instanceof Error ? e.message : String(e);
  return code ? `${code}: ${msg}` : msg;
}

export interface ResolvedFile {
  /** The path the user/CLI knows (may be a symlink). */
  path: string;
  /** Where bytes really live (symlinks followed); writes go here so the link stays a link. */
  realPath: string;
  isSymlink: boolean;
  exists: boolean;
  /** File content (decoded losslessly, see bytes.ts) or null when missing. */
  text: string | null;
  mode: number | null;
  uid: number | null;
  gid: number | null;
}

/** Follow symlinks (also dangling ones, up to 40 hops) to the file that holds the bytes. */
async function followLinks(p: string): Promise<{ realPath: string; isSymlink: boolean }> {
  let current = p;
  let isSymlink = false;
  for (let hops = 0; hops < 40; hops++) {
    let st: Awaited<ReturnType<typeof fs.lstat>>;
    try {
      st = await fs.lstat(current);
    } catch (e) {
      if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return { realPath: current, isSymlink };
      throw new InstallError('IO', p, `cannot inspect ${current} (${describeIo(e)})`, { cause: e });
    }
    if (!st.isSymbolicLink()) return { realPath: current, isSymlink };
    isSymlink = true;
    const target = await fs.readlink(current);
    current = path.resolve(path.dirname(current), target);
  }
  throw new InstallError('IO', p, `${p}: too many levels of symbolic links`);
}

export async function readTarget(p: string): Promise<ResolvedFile> {
  const { realPath, isSymlink } = await followLinks(p);
  let st: Awaited<ReturnType<typeof fs.stat>>;
  try {
    st = await fs.stat(realPath);
  } catch (e) {
    if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') {
      return { path: p, realPath, isSymlink, exists: false, text: null, mode: null, uid: null, gid: null };
    }
    throw new InstallError('IO', p, `cannot read ${p} (${describeIo(e)})`, { cause: e });
  }
  if (!st.isFile()) throw new InstallError('NOT_A_FILE', p, `${p} exists but is not a regular file`);
  let text: string;
  try {
    text = decodeLossless(await fs.readFile(realPath));
  } catch (e) {
    throw new InstallError('IO', p, `cannot read ${p} (${describeIo(e)})`, { cause: e });
  }
  return {
    path: p,
    realPath,
    isSymlink,
    exists: true,
    text,
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
  };
}

/**
 * Refuse to write where the user made things read-only. Write permission bits are checked
 * explicitly (not only `access(W_OK)`), so a `chmod a-w` file or directory is respected even
 * when running as root, where the kernel would let the write through.
 */
export async function assertWritable(target: ResolvedFile): Promise<void> {
  if (target.exists && target.mode !== null) {
    if ((target.mode & 0o222) === 0) {
      throw new InstallError(
        'READ_ONLY',
        target.path,
        `${target.path} is read-only (mode ${target.mode.toString(8)}); nothing was changed`,
      );
    }
    try {
      await fs.access(target.realPath, fsc.W_OK);
    } catch (e) {
      throw new InstallError(
        'READ_ONLY',
        target.path,
        `${target.path} is not writable (${describeIo(e)}); nothing was changed`,
        { cause: e },
      );
    }
  }
  // The nearest existing ancestor directory must be writable (we create a temp file beside the target).
  let dir = path.dirname(target.realPath);
  while (true) {
    let st: Awaited<ReturnType<typeof fs.stat>> | null = null;
    try {
      st = await fs.stat(dir);
    } catch (e) {
      if (errno(e) !== 'ENOENT' && errno(e) !== 'ENOTDIR') {
        throw new InstallError(
          'IO',
          target.path,
          `cannot use directory ${dir} for ${target.path} (${describeIo(e)}); nothing was changed`,
          { cause: e },
        );
      }
    }
    if (st) {
      if (!st.isDirectory()) {
        throw new InstallError(
          'IO',
          target.path,
          `cannot create ${target.path}: ${dir} is not a directory; nothing was changed`,
        );
      }
      if ((st.mode & 0o222) === 0) {
        throw new InstallError(
          'READ_ONLY',
          target.path,
          `directory ${dir} is read-only; cannot write ${target.path}; nothing was changed`,
        );
      }
      try {
        await fs.access(dir, fsc.W_OK);
      } catch (e) {
        throw new InstallError(
          'READ_ONLY',
          target.path,
          `directory ${dir} is not writable (${describeIo(e)}); nothing was changed`,
          { cause: e },
        );
      }
      return;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

/** Name of the temp file used for an atomic write of `realPath` (same directory, so rename is atomic). */
export function tempPathFor(realPath: string): string {
  return path.join(path.dirname(realPath), `.${path.basename(realPath)}.flightdeck-${process.pid}.tmp`);
}

export interface AtomicWriteOptions {
  /** Mode for the written file (default: keep the existing mode, 0o600 for a new file). */
  mode?: number | null;
  uid?: number | null;
  gid?: number | null;
  /** If given, the target must still hold exactly this content right before the rename. */
  expectCurrent?: string | null;
}

/**
 * Atomic replace: write a temp file in the same directory, fsync it, give it the original mode (and
 * owner, when we may), re-check the target was not changed meanwhile, rename over it, fsync the dir.
 * On any failure the temp file is removed and the target is untouched.
 */
export async function atomicWrite(
  displayPath: string,
  realPath: string,
  content: string,
  opts: AtomicWriteOptions = {},
): Promise<void> {
  const dir = path.dirname(realPath);
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (e) {
    throw new InstallError(
      'IO',
      displayPath,
      `cannot create directory ${dir} (${describeIo(e)}); nothing was changed`,
      { cause: e },
    );
  }
  const tmp = tempPathFor(realPath);
  let handle: Awaited<ReturnType<typeof fs.open>> | null = null;
  let created = false;
  try {
    try {
      handle = await fs.open(tmp, 'wx', 0o600);
      created = true;
    } catch (e) {
      throw new InstallError(
        'IO',
        displayPath,
        `cannot create temporary file ${tmp} (${describeIo(e)}); nothing was changed`,
        { cause: e },
      );
    }
    try {
      await handle.writeFile(encodeLossless(content));
      await handle.chmod(opts.mode ?? 0o600);
      if (
        opts.uid != null &&
        opts.gid != null &&
        typeof process.getuid === 'function' &&
        process.getuid() === 0
      ) {
        await handle.chown(opts.uid, opts.gid);
      }
      await handle.sync();
    } catch (e) {
      throw new InstallError(
        'IO',
        displayPath,
        `cannot write temporary file ${tmp} (${describeIo(e)}); nothing was changed`,
        { cause: e },
      );
    } finally {
      await handle.close();
      handle = null;
    }
    if (opts.expectCurrent !== undefined) {
      let current: string | null = null;
      try {
        current = decodeLossless(await fs.readFile(realPath));
      } catch (e) {
        if (errno(e) !== 'ENOENT') throw e;
      }
      if (current !== opts.expectCurrent) {
        throw new InstallError(
          'CONCURRENT_CHANGE',
          displayPath,
          `${displayPath} was changed by another program while we were editing it; nothing was changed — run the command again`,
        );
      }
    }
    try {
      await fs.rename(tmp, realPath);
      created = false;
    } catch (e) {
      throw new InstallError(
        'IO',
        displayPath,
        `cannot replace ${realPath} (${describeIo(e)}); nothing was changed`,
        { cause: e },
      );
    }
    try {
      const dh = await fs.open(dir, 'r');
      try {
        await dh.sync();
      } finally {
        await dh.close();
      }
    } catch {
      // fsync of a directory is best-effort (not supported everywhere)
    }
  } finally {
    if (created) await fs.rm(tmp, { force: true }).catch(() => undefined);
  }
}

/** Timestamp safe for file names: 2026-11-21T08-45-27-123Z. */
export function fileTimestamp(d: Date): string {
  return d.toISOString().replace(/[:.]/g, '-');
}

/**
 * Copy `content` to `<backupsDir>/<stem>-<timestamp>.json`, never overwriting an existing file
 * (exclusive create; a numeric suffix is added on a clash). Mode 0o600: settings may hold tokens.
 */
export async function writeBackup(
  backupsDir: string,
  stem: string,
  content: string,
  now: Date,
): Promise<string> {
  try {
    await fs.mkdir(backupsDir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new InstallError(
      'IO',
      backupsDir,
      `cannot create backup directory ${backupsDir} (${describeIo(e)}); nothing was changed`,
      { cause: e },
    );
  }
  const ts = fileTimestamp(now);
  for (let n = 0; n < 100; n++) {
    const file = path.join(backupsDir, `${stem}-${ts}${n === 0 ? '' : `-${n}`}.json`);
    try {
      await fs.writeFile(file, encodeLossless(content), { flag: 'wx', mode: 0o600 });
      return file;
    } catch (e) {
      if (errno(e) === 'EEXIST') continue;
      throw new InstallError(
        'IO',
        file,
        `cannot write backup ${file} (${describeIo(e)}); nothing was changed`,
        { cause: e },
      );
    }
  }
  throw new InstallError(
    'IO',
    backupsDir,
    `cannot pick a unique backup file name in ${backupsDir}; nothing was changed`,
  );
}
