/**
 * Opening a transcript without trusting its path (a hook payload names it): only a regular file, never a FIFO or a
 * device (a FIFO's open would block a thread of the pool), only one owned by the given user.
 */
import { constants } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { describeFileType } from '@flightdeck/hook-ingest';
import { errCode } from './follow.js';

/** A file's identity and size. */
export interface FileFacts {
  size: number;
  ino: number;
  dev: number;
}

/** What is at a path: nothing yet, something that must not be read (and why), or a regular file. */
export type Probe =
  | { kind: 'missing' }
  | { kind: 'problem'; problem: string }
  | ({ kind: 'file' } & FileFacts);

function notAFile(st: Parameters<typeof describeFileType>[0]): string {
  return `${describeFileType(st)}, not a regular file: not read`;
}

/** `stat`s the path (follows no open: cheap, and safe whatever is there). */
export async function probe(path: string): Promise<Probe> {
  try {
    const st = await stat(path);
    if (!st.isFile()) return { kind: 'problem', problem: notAFile(st) };
    return { kind: 'file', size: st.size, ino: st.ino, dev: st.dev };
  } catch (err) {
    const code = errCode(err);
    // not created yet (Claude Code writes it at its first message), or gone
    return code === 'ENOENT' ? { kind: 'missing' } : { kind: 'problem', problem: `cannot stat: ${code}` };
  }
}

/**
 * Opens a regular file owned by `ownerUid` (null: any owner). Opened with O_NONBLOCK (a FIFO put there since the
 * caller's `probe` cannot block the open) and checked again on the open handle.
 */
export async function openRegular(
  path: string,
  ownerUid: number | null,
): Promise<
  { kind: 'missing' } | { kind: 'problem'; problem: string } | ({ kind: 'open'; fh: FileHandle } & FileFacts)
> {
  let fh: FileHandle;
  try {
    // O_NOCTTY: a terminal device swapped in since the probe never becomes ours
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOCTTY ?? 0));
  } catch (err) {
    const code = errCode(err);
    return code === 'ENOENT' ? { kind: 'missing' } : { kind: 'problem', problem: `cannot open: ${code}` };
  }
  let problem: string | null = null;
  try {
    const st = await fh.stat();
    if (!st.isFile()) problem = notAFile(st);
    else if (ownerUid !== null && st.uid !== ownerUid)
      problem = `owned by another user (uid ${st.uid}): not read`;
    else return { kind: 'open', fh, size: st.size, ino: st.ino, dev: st.dev };
  } catch (err) {
    problem = `cannot stat: ${errCode(err)}`;
  }
  await fh.close().catch(() => {});
  return { kind: 'problem', problem };
}
