/**
 * The history import (issue 17): reads past sessions' transcript files (files.ts) line by line (lines.ts), maps
 * them with the core's pure `importLines` (@flightdeck/core import.ts) and writes each batch of lines as ONE write
 * plan headed by an `importFile` step: the rows of the batch, the ended session's row and the file's progress
 * (`import_files`) commit together or not at all. Hence:
 * - idempotent: a second run finds every file at its size and writes nothing;
 * - resumable: a run stopped anywhere (abort, crash, kill) left whole batches; the next continues from the file's
 *   `bytes_done` with the state stored beside it; a file that grew goes on from there;
 * - a live session is never overwritten: the runtime's sessions are checked before every batch, and the database
 *   refuses a step whose session has a row no import wrote (the plan then writes nothing);
 * - two imports at once (the CLI beside a server) double nothing: every row has its unique key.
 * Live ingest is not blocked: batches are bounded (`batchBytes`), and the loop yields to the event loop after each;
 * writes go through the same adapter (the writer thread) as the runtime's.
 */

import {
  finishImport,
  type ImportRows,
  type ImportState,
  importedSession,
  importLines,
  type PricingTable,
  skipLine,
  startImport,
} from '@flightdeck/core';
import {
  type DatabaseAdapter,
  type ImportFileRow,
  importFileOp,
  isImportConflict,
  loadImportFiles,
} from '@flightdeck/db';
import type { AgentCli } from '@flightdeck/shared-types';
import { importMapperFor } from './agents.js';
import { type FoundFiles, findFiles, type ImportCandidate, type ImportRoots } from './files.js';
import { readLineBatches } from './lines.js';
import { emptyRows, fileRow, mergeRows, parseLines, rowOps } from './rows.js';

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
  /** Files read at once (default 2; their writes still go out one at a time). */
  concurrency?: number;
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

type FileOutcome = 'imported' | 'empty' | 'live' | 'stopped';

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
    // two files at a time: one is parsed while the other's step is written. ONE import step at a time in the
    // writer's queue: a live commit (a hook's POST waits for it) waits behind one bounded step at most.
    let gate: Promise<unknown> = Promise.resolve();
    const serial: Serial = (fn) => {
      const w = gate.then(fn);
      gate = w.catch(() => undefined);
      return w;
    };
    let next = 0;
    const worker = async () => {
      while (next < todo.length && !o.signal?.aborted) {
        const { c, row } = todo[next++]!;
        const outcome = await importFile(deps, serial, o, c, row, p, emit);
        if (outcome === 'live') p.filesLive += 1;
        if (outcome === 'imported' && c.agentId === null) p.sessions += 1;
        p.filesDone += 1;
        emit();
      }
    };
    await Promise.all(Array.from({ length: o.concurrency ?? DEFAULT_CONCURRENCY }, worker));
    p.state = o.signal?.aborted ? 'aborted' : 'done';
  } catch (err) {
    p.state = o.signal?.aborted ? 'aborted' : 'failed';
    p.error = err instanceof Error ? err.message : String(err);
  }
  p.finishedAt = deps.now();
  emit();
  return p;
}

/** Runs `fn` after every step queued before (one import step at a time: its reads see the steps before it). */
type Serial = <T>(fn: () => Promise<T>) => Promise<T>;

/**
 * The session row a step of file `c` writes: its main transcript's state (this one, or the stored one of the main
 * file) with every subagent file's usage rolled in (read in the step's turn, so the last step sees all); a subagent
 * file whose main transcript is not imported (yet) writes its own row, only when the session has none.
 */
async function sessionOf(
  deps: ImportDeps,
  c: ImportCandidate,
  state: ImportState,
): Promise<{ session: ReturnType<typeof importedSession>; replace: boolean }> {
  const rows = await deps.adapter.db
    .selectFrom('import_files')
    .select(['path', 'session_id', 'state'])
    .where('session_id', '=', c.sessionId)
    .where('status', '<>', 'live')
    .execute();
  const others = rows
    .filter((r) => r.path !== c.path)
    .map(parseState)
    .filter((s): s is ImportState => s !== null);
  const main = c.agentId === null ? state : (others.find((s) => s.agentId === null) ?? null);
  if (main === null) return { session: importedSession(state, deps.pricing(), c.mtimeMs), replace: false };
  const subs = [...others.filter((s) => s.agentId !== null), ...(c.agentId !== null ? [state] : [])];
  return {
    session: importedSession(
      main,
      deps.pricing(),
      c.mtimeMs,
      subs.map((s) => s.usage),
    ),
    replace: true,
  };
}

async function importFile(
  deps: ImportDeps,
  serial: Serial,
  o: ImportOptions,
  c: ImportCandidate,
  row: ImportFileRow | undefined,
  p: ImportProgress,
  emit: () => void,
): Promise<FileOutcome> {
  let from = row?.bytes_done ?? 0;
  let state =
    (row ? parseState(row) : null) ??
    startImport({ sessionId: c.sessionId, cli: c.cli, path: c.path, agentId: c.agentId });
  if (row && from > 0 && parseState(row) === null) return 'stopped'; // a state this version cannot continue
  const parse = importMapperFor(c.cli);
  const markLive = async (): Promise<FileOutcome> => {
    const live = fileRow(c, from, 'live', state, deps.now());
    await serial(() => deps.adapter.write([importFileOp(live, null, false)]));
    return 'live';
  };
  /** Writes one step; an outcome when the file stops here (its session is live), else null. */
  const step = async (end: number, rows: ImportRows, final: boolean): Promise<FileOutcome | null> => {
    if (deps.isLive(c.sessionId)) return markLive();
    const progress = fileRow(c, end, final ? 'done' : 'importing', state, deps.now());
    try {
      await serial(async () => {
        const { session, replace } = await sessionOf(deps, c, state);
        await deps.adapter.write([importFileOp(progress, session, replace), ...rowOps(c.sessionId, rows)]);
      });
    } catch (err) {
      if (!isImportConflict(err)) throw err;
      return markLive();
    }
    from = end;
    return null;
  };
  let wrote = false;
  let counted = 0;
  let pending: { end: number; rows: ImportRows } | null = null;
  const batchBytes = o.batchBytes ?? DEFAULT_BATCH;
  for await (const batch of readLineBatches(c.path, from, {
    batchBytes,
    maxLineBytes: o.maxLineBytes ?? DEFAULT_MAX_LINE,
  })) {
    if (o.signal?.aborted) return 'stopped';
    // the batch before goes out now that one follows (the last one goes out with the end of the file)
    if (pending !== null) {
      const delta = pending.end - from;
      const r = await step(pending.end, pending.rows, false);
      if (r !== null) return r;
      wrote = true;
      p.bytesDone += delta;
      counted += delta;
      emit();
      await yieldToLoop();
    }
    const parsed = parseLines(batch.lines, parse);
    for (let i = 0; i < parsed.skipped; i++) state = skipLine(state);
    p.linesSkipped += parsed.skipped;
    const next = importLines(state, parsed.lines, deps.redact, c.mtimeMs);
    state = next.state;
    pending = { end: batch.end, rows: next.rows };
  }
  if (o.signal?.aborted) return 'stopped';
  const fin = finishImport(state);
  state = fin.state;
  const last = pending ?? { end: from, rows: emptyRows() };
  const rows = mergeRows(last.rows, fin.rows);
  const r = await step(last.end, rows, true);
  if (r !== null) return r;
  p.bytesDone += c.size - (row?.bytes_done ?? 0) - counted;
  return wrote || pending !== null ? 'imported' : 'empty';
}
