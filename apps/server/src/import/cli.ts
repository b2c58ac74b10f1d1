/**
 * `flightdeck import [--from DIR] [--cli claude|codex|gemini] [--data-dir DIR]`: imports past sessions with a
 * progress bar. When a server runs with this data dir, the server imports (`import.start`, then `import.status`
 * polled): one writer, and its live sessions are known. Otherwise the command opens the database itself (the same
 * import, the same guarded steps: a server started meanwhile writes beside it through SQLite's locks, and no session
 * with a row the import did not write is touched).
 */
import { mkdirSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compileRedactor, DEFAULT_REDACTION_CONFIG } from '@flightdeck/core';
import { AGENT_CLIS, type AgentCli } from '@flightdeck/shared-types';
import { askPassword, type CliIo, UsageError } from '../cli-prompt.js';
import { loadConfig, type ResolvedConfig } from '../config.js';
import { probeServer } from '../doctor-probes.js';
import { type ImportProgress, runImport } from './run.js';
import { type ImportRequest, rootsOf } from './service.js';

const MB = 1024 * 1024;

function clock(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '--:--';
  const s = Math.round(ms / 1000);
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, '0')}`;
}

/** One line of progress: bar, percent, files, sessions, MB, MB/s, time left. */
export function progressLine(p: ImportProgress, width = 24): string {
  const f = p.bytesTotal > 0 ? Math.min(1, p.bytesDone / p.bytesTotal) : p.state === 'running' ? 0 : 1;
  const full = Math.round(f * width);
  return (
    `[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${String(Math.floor(f * 100)).padStart(3)}%` +
    `  files ${p.filesDone}/${p.filesTotal}  sessions ${p.sessions}` +
    `  ${(p.bytesDone / MB).toFixed(1)}/${(p.bytesTotal / MB).toFixed(1)} MB  ${(p.rate / MB).toFixed(1)} MB/s` +
    `  left ${p.state === 'running' ? clock(p.etaMs) : '0:00'}`
  );
}

/**
 * Retention applies to imported history as to everything else: said before an import, so nobody is surprised when
 * old conversations leave search at the next retention pass.
 */
export function retentionNote(hours: number, configPath: string): string {
  return `retention: conversations older than ${hours} h are pruned (sessionRetentionHours in ${configPath}); imported sessions older than that keep their title, counts and usage but leave full-text search at the next retention pass. Raise sessionRetentionHours to keep them searchable.`;
}

export function summaryOf(p: ImportProgress): string {
  const found = (['claude', 'codex', 'gemini'] as const)
    .filter((c) => p.found[c] > 0)
    .map((c) => `${p.found[c]} ${c}`);
  return [
    `${p.state}: ${p.sessions} session(s) imported from ${p.filesDone} file(s); ${p.filesUnchanged} already imported`,
    p.filesLive > 0 ? `${p.filesLive} file(s) of live sessions left alone` : '',
    p.filesChanged > 0 ? `${p.filesChanged} file(s) shrank since imported: left as imported` : '',
    p.linesSkipped > 0 ? `${p.linesSkipped} unreadable line(s) skipped` : '',
    found.length > 0 ? `files found: ${found.join(', ')}` : '',
    p.error ? `error: ${p.error}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

function printer(io: CliIo) {
  const tty = (io.stdout as { isTTY?: boolean }).isTTY === true;
  let lastLine = 0;
  return {
    update(p: ImportProgress) {
      if (tty) io.stdout.write(`\r${progressLine(p)}`);
      else if (Date.now() - lastLine >= 2000) {
        lastLine = Date.now();
        io.stdout.write(`${progressLine(p)}\n`);
      }
    },
    done(p: ImportProgress) {
      io.stdout.write(`${tty ? '\r' : ''}${progressLine(p)}\n${summaryOf(p)}\n`);
    },
  };
}

async function call<T>(url: string, path: string, token: string | null, input?: unknown): Promise<T> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${url}/trpc/${path}`, {
    method: input === undefined ? 'GET' : 'POST',
    headers,
    ...(input === undefined ? {} : { body: JSON.stringify(input) }),
  });
  const body = (await res.json().catch(() => ({}))) as {
    result?: { data?: T };
    error?: { message?: string; data?: { httpStatus?: number } };
  };
  if (!res.ok || body.result === undefined) {
    const err = new Error(body.error?.message ?? `HTTP ${res.status}`) as Error & { status: number };
    err.status = res.status;
    throw err;
  }
  return body.result.data as T;
}

/** Asks the running server at `url` to import, following its progress. */
async function viaServer(url: string, req: ImportRequest, io: CliIo): Promise<ImportProgress> {
  let token: string | null = null;
  try {
    await call(url, 'import.start', token, req);
  } catch (err) {
    if ((err as { status?: number }).status !== 401) throw err;
    const password = await askPassword(io, false);
    token = (await call<{ token: string | null }>(url, 'auth.login', null, { password })).token;
    await call(url, 'import.start', token, req);
  }
  const out = printer(io);
  for (;;) {
    const p = await call<ImportProgress>(url, 'import.status', token);
    if (p.state !== 'running') {
      out.done(p);
      return p;
    }
    out.update(p);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Imports with the database opened here (no server runs on this data dir). */
async function direct(
  rc: ResolvedConfig,
  req: ImportRequest,
  io: CliIo,
  home: string,
): Promise<ImportProgress> {
  const { openSqlite } = await import('@flightdeck/db');
  const redactor = compileRedactor(rc.file.redaction ?? DEFAULT_REDACTION_CONFIG).redactor;
  mkdirSync(rc.dataDir, { recursive: true, mode: 0o700 });
  const db = await openSqlite({ file: rc.dbPath });
  const out = printer(io);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  try {
    const { roots, clis } = rootsOf(req, home);
    const p = await runImport(
      {
        adapter: db,
        redact: (t) => redactor.text(t),
        pricing: () => rc.file.pricing,
        isLive: () => false,
        now: Date.now,
      },
      { roots, clis, signal: controller.signal, onProgress: (x) => out.update(x) },
    );
    out.done(p);
    return p;
  } finally {
    process.off('SIGINT', stop);
    await db.close();
  }
}

export async function cmdImport(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { from: { type: 'string' }, cli: { type: 'string' }, 'data-dir': { type: 'string' } },
    strict: true,
  });
  const cli = values.cli;
  if (cli !== undefined && !(AGENT_CLIS as readonly string[]).includes(cli)) {
    throw new UsageError(`--cli must be one of ${AGENT_CLIS.join(', ')}, got "${cli}"`);
  }
  const from = values.from === undefined ? undefined : resolve(values.from);
  if (from !== undefined && !isAbsolute(from)) throw new UsageError('--from must be a directory');
  const req: ImportRequest = { ...(cli ? { cli: cli as AgentCli } : {}), ...(from ? { from } : {}) };
  const rc = loadConfig({ dataDir: values['data-dir'] }, io.env);
  io.stdout.write(`${retentionNote(rc.file.sessionRetentionHours, rc.configPath)}\n`);
  const probe = await probeServer(rc.host, rc.port, 1500);
  const sameDir = probe.dataDir === null || resolve(probe.dataDir) === resolve(rc.dataDir);
  const home = io.env.HOME ?? (await import('node:os')).homedir();
  let p: ImportProgress;
  if (probe.reachable && sameDir) {
    io.stdout.write(`importing through the server at ${probe.url}\n`);
    p = await viaServer(probe.url, req, io);
  } else {
    p = await direct(rc, req, io, home);
  }
  return p.state === 'done' ? 0 : 1;
}
