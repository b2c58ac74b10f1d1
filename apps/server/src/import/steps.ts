/**
 * The history import's writes (run.ts): the steps of every file being read (a batch of lines → its rows, the file's
 * progress and state, the session row) are gathered into plans of about `planOps` operations, each plan ONE write
 * (one transaction on the writer thread). A commit costs far more than a row (the WAL pages it writes, a new
 * segment of the full-text index, the checkpoints that follow): a plan per file spent most of the writer's time
 * committing. Still:
 * - at most one plan is in the writer's queue at a time, and a plan is bounded: a live commit (a hook's POST waits
 *   for it) waits behind one bounded plan at most; the files are read and parsed while a plan is written;
 * - each step's rows commit with its file's progress (`importFileOp` heads them), so progress and rows never
 *   disagree: a plan is all or nothing, and a run stopped anywhere resumes from what was committed;
 * - a step whose session is live (the runtime knows it) is not written: its file is marked live and its later
 *   steps are dropped; a plan the database refuses (a session with a row no import wrote) is written again one
 *   step at a time, so only the steps of that session are left out.
 */
import type { ImportRows, ImportState, PricingTable } from '@flightdeck/core';
import { importedSession } from '@flightdeck/core';
import { type DatabaseAdapter, importFileOp, isImportConflict, type WriteOp } from '@flightdeck/db';
import type { ImportCandidate } from './files.js';
import { fileRow, rowOps } from './rows.js';

/** One file being imported: what was committed of it, and whether it stopped (its session is live). */
export interface FileTrack {
  c: ImportCandidate;
  /** Bytes of the file committed (its `import_files.bytes_done`). */
  written: number;
  live: boolean;
  /** Lines were read from it in this run (a main transcript then counts as a session imported). */
  hadLines: boolean;
}

/** A batch of lines of a file, mapped: written with the file's progress `end` and state `state`. */
export interface Step {
  file: FileTrack;
  end: number;
  rows: ImportRows;
  state: ImportState;
  /** The file's last step (its progress becomes `done`). */
  final: boolean;
}

export interface StepDeps {
  adapter: Pick<DatabaseAdapter, 'write' | 'db'>;
  pricing: () => Readonly<PricingTable> | undefined;
  isLive: (sessionId: string) => boolean;
  now: () => number;
}

export interface StepQueue {
  /** Adds a step; waits while the plan being filled is full and the one before is still being written. */
  add(step: Step): Promise<void>;
  /** Writes what is gathered and waits for every write (throws the first write that failed). */
  drain(): Promise<void>;
}

function opsOf(rows: ImportRows): number {
  return (
    1 +
    rows.prompts.length +
    rows.responses.length +
    rows.tools.length +
    rows.events.length +
    rows.usage.length
  );
}

function parseState(s: string): ImportState | null {
  try {
    const v = JSON.parse(s) as ImportState;
    return v && v.v === 1 ? v : null;
  } catch {
    return null;
  }
}

/**
 * The session row a step writes: its main transcript's state (the step's, or the main file's as last committed
 * or as an earlier step of the plan leaves it) with every subagent file's usage rolled in; a subagent file whose
 * main transcript is not imported (yet) writes its own row, only when the session has none (`replace` false).
 */
function sessionOf(
  step: Step,
  others: ReadonlyMap<string, ImportState>,
  pricing: Readonly<PricingTable> | undefined,
) {
  const { c } = step.file;
  const states = [...others].filter(([path]) => path !== c.path).map(([, s]) => s);
  const main = c.agentId === null ? step.state : (states.find((s) => s.agentId === null) ?? null);
  if (main === null) return { session: importedSession(step.state, pricing, c.mtimeMs), replace: false };
  const subs = [...states.filter((s) => s.agentId !== null), ...(c.agentId !== null ? [step.state] : [])];
  return {
    session: importedSession(
      main,
      pricing,
      c.mtimeMs,
      subs.map((s) => s.usage),
    ),
    replace: true,
  };
}

export function createStepQueue(
  deps: StepDeps,
  planOps: number,
  /** Told after each commit: every step it wrote (in order, `from` its file's bytes committed before it)... */
  onWritten: (step: Step, from: number) => void,
  /** ...and every file it marked live. */
  onLive: (file: FileTrack) => void,
): StepQueue {
  let gathered: Step[] = [];
  let gatheredOps = 0;
  let inFlight: Promise<void> | null = null;
  let failure: { err: unknown } | null = null;

  /** The stored states of the sessions of `steps` (files not live), by session and path. */
  const storedStates = async (steps: readonly Step[]) => {
    const ids = [...new Set(steps.map((s) => s.file.c.sessionId))];
    const rows = await deps.adapter.db
      .selectFrom('import_files')
      .select(['path', 'session_id', 'state'])
      .where('session_id', 'in', ids)
      .where('status', '<>', 'live')
      .execute();
    const out = new Map<string, Map<string, ImportState>>();
    for (const r of rows) {
      const s = parseState(r.state);
      if (s === null || s.sessionId !== r.session_id) continue;
      const of = out.get(r.session_id) ?? new Map<string, ImportState>();
      of.set(r.path, s);
      out.set(r.session_id, of);
    }
    return out;
  };

  const liveOp = (step: Step): WriteOp =>
    importFileOp(fileRow(step.file.c, step.file.written, 'live', step.state, deps.now()), null, false);

  /** Writes `steps` as one plan; a plan the database refuses is written again step by step. */
  const write = async (steps: readonly Step[]): Promise<void> => {
    const todo = steps.filter((s) => !s.file.live);
    if (todo.length === 0) return;
    const live: FileTrack[] = [];
    const ops: WriteOp[] = [];
    const written: Step[] = [];
    const states = await storedStates(todo);
    const pricing = deps.pricing();
    for (const step of todo) {
      const { c } = step.file;
      if (live.includes(step.file)) continue;
      if (deps.isLive(c.sessionId)) {
        live.push(step.file);
        ops.push(liveOp(step));
        continue;
      }
      const of = states.get(c.sessionId) ?? new Map<string, ImportState>();
      states.set(c.sessionId, of);
      const { session, replace } = sessionOf(step, of, pricing);
      of.set(c.path, step.state);
      const progress = fileRow(c, step.end, step.final ? 'done' : 'importing', step.state, deps.now());
      ops.push(importFileOp(progress, session, replace), ...rowOps(c.sessionId, step.rows));
      written.push(step);
    }
    try {
      await deps.adapter.write(ops);
    } catch (err) {
      if (!isImportConflict(err)) throw err;
      if (todo.length > 1) {
        for (const step of todo) await write([step]);
        return;
      }
      const [step] = todo as [Step];
      await deps.adapter.write([liveOp(step)]);
      step.file.live = true;
      onLive(step.file);
      return;
    }
    for (const s of written) {
      const from = s.file.written;
      s.file.written = s.end;
      onWritten(s, from);
    }
    for (const f of live) {
      f.live = true;
      onLive(f);
    }
  };

  /** Sends what is gathered once the plan before is written. */
  const send = async (): Promise<void> => {
    while (inFlight !== null) await inFlight;
    if (failure !== null) throw failure.err;
    if (gathered.length === 0) return;
    const steps = gathered;
    gathered = [];
    gatheredOps = 0;
    inFlight = write(steps)
      .catch((err: unknown) => {
        failure ??= { err };
      })
      .finally(() => {
        inFlight = null;
      });
  };

  return {
    async add(step) {
      if (failure !== null) throw failure.err;
      gathered.push(step);
      gatheredOps += opsOf(step.rows);
      if (gatheredOps >= planOps) await send();
    },
    async drain() {
      await send();
      while (inFlight !== null) await inFlight;
      if (failure !== null) throw failure.err;
    },
  };
}
