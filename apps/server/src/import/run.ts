/**
 * The history import (issue 17): reads past sessions' transcript files (files.ts) line by line (lines.ts), maps
 * them with the core's pure `importLines` (@flightdeck/core import.ts) and writes each batch of lines as a step
 * headed by an `importFile` operation: the rows of the batch, the ended session's row and the file's progress
 * (`import_files`) commit together or not at all (steps of several files go out in one plan, steps.ts). Hence:
 * - idempotent: a second run finds every file at its size and writes nothing;
 * - resumable: a run stopped anywhere (abort, crash, kill) left whole batches; the next continues from the file's
 *   `bytes_done` with the state stored beside it; a file that grew goes on from there;
 * - a live session is never overwritten: the runtime's sessions are checked before every step is written, and the
 *   database refuses a step whose session has a row no import wrote (the plan is then written step by step, and
 *   that session's steps are left out);
 * - two imports at once (the CLI beside a server) double nothing: every row has its unique key.
 * Live ingest is not blocked: batches (`batchBytes`) and plans (`planOps`) are bounded, one plan at a time is in the
 * writer's queue, and the loop yields to the event loop after each batch; writes go through the same adapter (the
 * writer thread) as the runtime's.
 */

import {
  finishImport,
  type ImportRows,
  type ImportState,
  importLines,
  type PricingTable,
  skipLine,
  startImport,
} from '@flightdeck/core';
import { type DatabaseAdapter, type ImportFileRow, loadImportFiles } from '@flightdeck/db';
import type { AgentCli } from '@flightdeck/shared-types';
import { IMPORT_PLAN_OPS } from '../tuning.js';
import { importMapperFor } from './agents.js';
import { type FoundFiles, findFiles, type ImportCandidate, type ImportRoots } from './files.js';
import { readLineBatches } from './lines.js';
import { emptyRows, mergeRows, parseLines } from './rows.js';
import { createStepQueue, type FileTrack, type StepQueue } from './steps.js';

export type ImportRunState = 'idle' | 'running' | 'done' | 'failed' | 'aborted';

/** Where an import is: what the terminal's and the page's progress bars show. */
export interface ImportProgress {
  state: ImportRunState;
  startedAt: number | null;
  finishedAt: number | null;
  /** Files with something to import in this run, and how many of them are finished. */
  filesTotal: number;
  filesDone: number;
  /** Files found already imported whole (nothing to do). */
  filesUnchanged: number;
  /** Files left alone: their session is live (or was when first seen). */
  filesLive: number;
  /** Files that shrank since imported (replaced or truncated): left as imported. */
  filesChanged: number;
  /** Sessions (main transcripts, rollouts, chat files) that got rows in this run. */
  sessions: number;
  bytesTotal: number;
  bytesDone: number;
  /** Bytes per second since the start; 0 before any. */
  rate: number;
  /** Time left at that rate; null when unknown. */
  etaMs: number | null;
  /** Files found per CLI (Gemini CLI's older `.json` chat files are counted, not imported: see files.ts). */
  found: Record<AgentCli, number>;
  /** Lines that could not be read (not JSON, too long). */
  linesSkipped: number;
  error: string | null;
}

export function idleProgress(): ImportProgress {
  return {
    state: 'idle',
    startedAt: null,
    finishedAt: null,
    filesTotal: 0,
    filesDone: 0,
    filesUnchanged: 0,
    filesLive: 0,
    filesChanged: 0,
    sessions: 0,
    bytesTotal: 0,
    bytesDone: 0,
    rate: 0,
    etaMs: null,
    found: { claude: 0, codex: 0, gemini: 0 },
    linesSkipped: 0,
    error: null,
  };
}

export interface ImportDeps {
  adapter: Pick<DatabaseAdapter, 'write' | 'db'>;
  /** Secret redaction of every text stored. */
  redact: (text: string) => string;
  pricing: () => Readonly<PricingTable> | undefined;
  /** True when the runtime knows the session (a live one): its files are left alone. */
  isLive: (sessionId: string) => boolean;
  now: () => number;
}

export interface ImportOptions {
  roots: ImportRoots;
  clis: readonly AgentCli[];
  signal?: AbortSignal;
  /** Bytes of lines per write (default 256 KiB). */
  batchBytes?: number;
  /** Longest line read (default 64 MiB); longer ones are skipped. */
  maxLineBytes?: number;
  onProgress?: (p: ImportProgress) => void;
  /** Files read at once (default 2; their writes still go out one plan at a time). */
  concurrency?: number;
  /** Operations (rows) per plan written (default `IMPORT_PLAN_OPS`, tuning.ts; a plan holds at least one step). */
  planOps?: number;
}

const DEFAULT_BATCH = 256 * 1024;
const DEFAULT_MAX_LINE = 64 * 1024 * 1024;
const DEFAULT_CONCURRENCY = 2;

function yieldToLoop(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

function parseState(row: Pick<ImportFileRow, 'state' | 'session_id'>): ImportState | null {
  try {
    const s = JSON.parse(row.state) as ImportState;
    return s && s.v === 1 && s.sessionId === row.session_id ? s : null;
  } catch {
    return null;
  }
}

/** A file left before its end (abort, a state this version cannot continue), or given to the writes whole. */
type ReadOutcome = 'stopped' | 'queued';

/** Runs one import to its end (or until `signal` aborts it). Never throws: the outcome is in the progress. */
export async function runImport(deps: ImportDeps, o: ImportOptions): Promise<ImportProgress> {
  const p: ImportProgress = { ...idleProgress(), state: 'running', startedAt: deps.now() };
  const emit = () => {
    const elapsed = Math.max(1, deps.now() - (p.startedAt ?? 0));
    p.rate = (p.bytesDone / elapsed) * 1000;
    p.etaMs = p.rate > 0 ? Math.round(((p.bytesTotal - p.bytesDone) / p.rate) * 1000) : null;
    o.onProgress?.({ ...p, found: { ...p.found } });
  };
  try {
    const found: FoundFiles = await findFiles(o.roots, o.clis);
    p.found = found.found;
    const done = await loadImportFiles(deps.adapter.db);
    const todo: Array<{ c: ImportCandidate; row: ImportFileRow | undefined }> = [];
    for (const c of found.files) {
      const row = done.get(c.path);
      if (row?.status === 'live') p.filesLive += 1;
      else if (row && c.size < row.bytes_done) p.filesChanged += 1;
      else if (row && c.size === row.bytes_done && row.status === 'done') p.filesUnchanged += 1;
      else {
        todo.push({ c, row });
        p.bytesTotal += c.size - (row?.bytes_done ?? 0);
      }
    }
    p.filesTotal = todo.length;
    emit();
    const queue = createStepQueue(
      deps,
      o.planOps ?? IMPORT_PLAN_OPS,
      (step, from) => {
        p.bytesDone += step.end - from;
        if (step.final) {
          // the end of a file not ending in a newline (still being written) counts too: it was looked at
          p.bytesDone += step.file.c.size - step.end;
          if (step.file.c.agentId === null && step.file.hadLines) p.sessions += 1;
          p.filesDone += 1;
        }
        emit();
      },
      () => {
        p.filesLive += 1;
        p.filesDone += 1;
        emit();
      },
    );
    // two files at a time: one is parsed while the other waits for its plan to be taken
    let next = 0;
    const worker = async () => {
      while (next < todo.length && !o.signal?.aborted) {
        const { c, row } = todo[next++]!;
        if ((await readFile(deps, queue, o, c, row, p)) === 'stopped') {
          p.filesDone += 1;
          emit();
        }
      }
    };
    await Promise.all(Array.from({ length: o.concurrency ?? DEFAULT_CONCURRENCY }, worker));
    // what was gathered is written: whole steps, committed with their files' progress (an abort keeps them too)
    await queue.drain();
    p.state = o.signal?.aborted ? 'aborted' : 'done';
  } catch (err) {
    p.state = o.signal?.aborted ? 'aborted' : 'failed';
    p.error = err instanceof Error ? err.message : String(err);
  }
  p.finishedAt = deps.now();
  emit();
  return p;
}

/** Reads file `c` from where it stopped, handing each batch of lines, mapped, to the writes. */
async function readFile(
  deps: ImportDeps,
  queue: StepQueue,
  o: ImportOptions,
  c: ImportCandidate,
  row: ImportFileRow | undefined,
  p: ImportProgress,
): Promise<ReadOutcome> {
  const from = row?.bytes_done ?? 0;
  const stored = row ? parseState(row) : null;
  if (row && from > 0 && stored === null) return 'stopped'; // a state this version cannot continue
  let state = stored ?? startImport({ sessionId: c.sessionId, cli: c.cli, path: c.path, agentId: c.agentId });
  const file: FileTrack = { c, written: from, live: false, hadLines: false };
  /** A file found live was counted when marked. */
  const halted = (): ReadOutcome => (file.live ? 'queued' : 'stopped');
  const parse = importMapperFor(c.cli);
  let pending: { end: number; rows: ImportRows; state: ImportState } | null = null;
  for await (const batch of readLineBatches(c.path, from, {
    batchBytes: o.batchBytes ?? DEFAULT_BATCH,
    maxLineBytes: o.maxLineBytes ?? DEFAULT_MAX_LINE,
  })) {
    if (file.live) return halted();
    // the batch before goes out now that one follows (the last one goes out with the end of the file)
    if (pending !== null) {
      await queue.add({ file, ...pending, final: false });
      await yieldToLoop();
      if (file.live) return halted();
    }
    file.hadLines = true;
    const parsed = parseLines(batch.lines, parse);
    for (let i = 0; i < parsed.skipped; i++) state = skipLine(state);
    p.linesSkipped += parsed.skipped;
    const next = importLines(state, parsed.lines, deps.redact, c.mtimeMs);
    state = next.state;
    pending = { end: batch.end, rows: next.rows, state };
    if (o.signal?.aborted) {
      // stopped after the batch in hand: it is written (the file is left mid-way; the next run goes on)
      await queue.add({ file, ...pending, final: false });
      return 'stopped';
    }
  }
  if (o.signal?.aborted || file.live) return halted();
  const fin = finishImport(state);
  const last = pending ?? { end: from, rows: emptyRows() };
  await queue.add({
    file,
    end: last.end,
    rows: mergeRows(last.rows, fin.rows),
    state: fin.state,
    final: true,
  });
  await yieldToLoop();
  return 'queued';
}
