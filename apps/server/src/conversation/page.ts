/**
 * One page of a transcript's conversation, read from the file on demand: the newest page (no cursor), an older one
 * (`before`: the previous page's `start`) or what was written since (`after`: the previous page's `end`). The file
 * is opened without following a symlink and must be a regular file; the work per call is bounded (`LineBounds`),
 * whatever the file's size.
 */
import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { assembleConversation, type ConversationLine, parseConversationLine } from '@flightdeck/core';
import type { ConversationPage } from '@flightdeck/shared-types';
import {
  type Line,
  type LineBounds,
  type LinesRead,
  readLinesBackward,
  readLinesForward,
  type Take,
} from './lines.js';

export const CONVERSATION_BOUNDS: LineBounds = {
  chunk: 256 * 1024,
  /** A page of small lines is found long before this; a file of nothing but bookkeeping stops here. */
  maxScan: 32 * 1024 * 1024,
  /** Claude Code writes some 60 KB lines; a tool result can be a few MB. */
  maxLine: 8 * 1024 * 1024,
};

/** Most items a page holds (before streamed text blocks are merged). */
export const MAX_PAGE_ITEMS = 500;

export interface PageRequest {
  before?: number | undefined;
  after?: number | undefined;
  limit: number;
}

/** Why a transcript is not read (the caller answers with it). */
export class ConversationFileError extends Error {
  constructor(
    message: string,
    readonly code: 'NOT_FOUND' | 'FORBIDDEN',
  ) {
    super(message);
  }
}

/** Opens `path` for reading: a regular file, reached without following a symlink, never blocking (FIFO). */
export async function openTranscript(path: string): Promise<{ fh: FileHandle; size: number }> {
  let fh: FileHandle;
  try {
    fh = await open(
      path,
      constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | (constants.O_NOCTTY ?? 0),
    );
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'ENOENT') throw new ConversationFileError('transcript file not found', 'NOT_FOUND');
    if (code === 'ELOOP') throw new ConversationFileError('transcript is a symlink: not read', 'FORBIDDEN');
    throw new ConversationFileError(`transcript cannot be opened: ${code}`, 'FORBIDDEN');
  }
  try {
    const st = await fh.stat();
    if (!st.isFile())
      throw new ConversationFileError('transcript is not a regular file: not read', 'FORBIDDEN');
    return { fh, size: st.size };
  } catch (err) {
    await fh.close().catch(() => {});
    throw err;
  }
}

/** Reads one page of the transcript at `path`. */
export async function readConversationPage(
  path: string,
  req: PageRequest,
  bounds: LineBounds = CONVERSATION_BOUNDS,
): Promise<ConversationPage> {
  const limit = Math.max(1, Math.min(MAX_PAGE_ITEMS, req.limit));
  const { fh, size } = await openTranscript(path);
  try {
    const lines: ConversationLine[] = [];
    let count = 0;
    let skipped = 0;
    let last: string | null = null;
    const take = (line: Line): Take => {
      if (line.text.trim() === '') return 'more';
      const parsed = parseConversationLine(line.text, line.offset);
      if (parsed === null) {
        skipped += 1;
        return 'more';
      }
      if (parsed.items.length === 0 && parsed.results.length === 0) return 'more';
      // a full page takes the rest of the message it ends with (its streamed blocks stay one item)
      if (count >= limit && (parsed.messageId === null || parsed.messageId !== last)) return 'exclude';
      lines.push(parsed);
      count += parsed.items.length;
      if (parsed.items.length > 0) last = parsed.messageId;
      return 'more';
    };
    let start: number;
    let end: number;
    let read: LinesRead;
    if (req.after !== undefined) {
      read = await readLinesForward(fh, Math.min(req.after, size), size, bounds, take);
      start = Math.min(req.after, size);
      end = read.boundary;
    } else {
      const back = await readLinesBackward(fh, Math.min(req.before ?? size, size), bounds, take);
      lines.reverse();
      read = back;
      start = back.boundary;
      end = back.end;
    }
    const { items, results } = assembleConversation(lines);
    return {
      items,
      results,
      start,
      end,
      hasOlder: start > 0,
      hasNewer: req.after !== undefined && read.more,
      skipped: skipped + read.oversize,
    };
  } finally {
    await fh.close().catch(() => {});
  }
}
