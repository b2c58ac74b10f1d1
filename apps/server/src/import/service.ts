/**
 * The server's history import (run.ts): one at a time, in the background of the server process, writing through
 * the server's own database adapter (the writer thread the runtime writes through), its live sessions guarded by
 * the runtime's. `flightdeck import` asks a running server to do it (router/import.ts) rather than open the
 * database beside it.
 */
import { homedir } from 'node:os';
import type { AgentCli } from '@flightdeck/shared-types';
import type { Runtime } from '../runtime.js';
import { defaultRoots, IMPORT_CLIS, type ImportRoots } from './files.js';
import { type ImportDeps, type ImportProgress, idleProgress, runImport } from './run.js';

export interface ImportRequest {
  /** One CLI (default: all; only Claude Code's files are imported, the others counted). */
  cli?: AgentCli;
  /** The root to read instead of the CLI's default (`~/.claude/projects` for Claude Code). */
  from?: string;
}

export class ImportBusyError extends Error {
  override readonly name = 'ImportBusyError';
}

export interface ImportService {
  /** Starts an import; throws `ImportBusyError` while one runs. Returns its first progress. */
  start(req: ImportRequest): ImportProgress;
  status(): ImportProgress;
  /** Stops the running import after its current batch (what was written stays; the next run resumes). */
  abort(): void;
  /** Resolves when the running import (if any) has stopped. */
  idle(): Promise<void>;
  /** Aborts and waits. */
  close(): Promise<void>;
}

/** The roots of a request: `from` replaces the root of the CLI asked (Claude Code's when none is named). */
export function rootsOf(req: ImportRequest, home: string): { roots: ImportRoots; clis: AgentCli[] } {
  const roots = defaultRoots(home);
  if (req.from !== undefined) roots[req.cli ?? 'claude'] = req.from;
  return { roots, clis: req.cli ? [req.cli] : [...IMPORT_CLIS] };
}

export function createImportService(
  deps: ImportDeps & { home?: string; batchBytes?: number; onError?: (err: unknown) => void },
): ImportService {
  let progress = idleProgress();
  let running: { controller: AbortController; done: Promise<void> } | null = null;
  return {
    start(req) {
      if (running !== null) throw new ImportBusyError('an import is already running');
      const controller = new AbortController();
      const { roots, clis } = rootsOf(req, deps.home ?? homedir());
      progress = { ...idleProgress(), state: 'running', startedAt: deps.now() };
      const done = runImport(deps, {
        roots,
        clis,
        signal: controller.signal,
        ...(deps.batchBytes !== undefined ? { batchBytes: deps.batchBytes } : {}),
        onProgress: (p) => {
          progress = p;
        },
      })
        .then((p) => {
          progress = p;
        })
        .catch((err) => deps.onError?.(err))
        .finally(() => {
          running = null;
        });
      running = { controller, done };
      return progress;
    },
    status: () => progress,
    abort() {
      running?.controller.abort();
    },
    async idle() {
      await running?.done;
    },
    async close() {
      running?.controller.abort();
      await running?.done;
    },
  };
}

/** The import of a server: its database adapter, its runtime's sessions, its redaction and pricing. */
export function createServerImports(s: {
  database: ImportDeps['adapter'];
  runtime: Pick<Runtime, 'getSession' | 'state'>;
  redaction: { text(s: string): string };
  log: { error(o: object, m?: string): void };
}): ImportService {
  return createImportService({
    adapter: s.database,
    redact: (t) => s.redaction.text(t),
    pricing: () => s.runtime.state.config?.pricing,
    isLive: (id) => s.runtime.getSession(id) !== undefined,
    now: Date.now,
    onError: (err) => s.log.error({ err }, 'history import failed'),
  });
}
