import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { InstallCli } from './density.js';
import { HOLD_FLAG, isFlightdeckHandler } from './density.js';
import { nodeValue, parseJsonText } from './jsonText.js';
import type { InstallTargets } from './targets.js';

export interface SelfTestOptions {
  cli: InstallCli;
  /** The full hook command as registered (e.g. `sh '/…/flightdeck-hook.sh' claude`); run with `sh -c`. */
  command: string;
  /** Spool directory handed to the hook via FLIGHTDECK_SPOOL. */
  spoolDir: string;
  /** Environment for the hook process (FLIGHTDECK_SPOOL is added unless `ownDestination`). */
  env: Readonly<Record<string, string | undefined>>;
  /**
   * Let the hook deliver where it is configured to (no FLIGHTDECK_SPOOL added), as it does for the agent: tests
   * the whole path, including where the installed hooks deliver (`flightdeck doctor`).
   */
  ownDestination?: boolean;
  cwd?: string;
  timeoutMs?: number;
  /**
   * Resolves true once an event containing `marker` arrived. Default: poll `spoolDir` for a file
   * containing it. Pass the server's own check when a running spool reader consumes files first.
   */
  waitForMarker?: (marker: string, timeoutMs: number) => Promise<boolean>;
}

export interface SelfTestResult {
  ok: boolean;
  cli: InstallCli;
  marker: string;
  command: string;
  exitCode: number | null;
  stderr: string;
  durationMs: number;
  detail: string;
}

/** Name of the synthetic event: not a real CLI event, so the server can recognise and drop it. */
export const SELF_TEST_EVENT = 'FlightdeckSelfTest';

async function filesUnder(dir: string, depth: number): Promise<string[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isFile()) out.push(p);
    else if (e.isDirectory() && depth > 0) out.push(...(await filesUnder(p, depth - 1)));
  }
  return out;
}

/** Poll a spool directory (and one level of subdirectories) for a file that contains `marker`. */
export function spoolMarkerWaiter(
  spoolDir: string,
  pollMs = 25,
): (marker: string, timeoutMs: number) => Promise<boolean> {
  return async (marker, timeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    const seen = new Set<string>();
    while (true) {
      for (const f of await filesUnder(spoolDir, 1)) {
        if (seen.has(f)) continue;
        try {
          const st = await fs.stat(f);
          if (st.size > 4 * 1024 * 1024) {
            seen.add(f);
            continue;
          }
          const text = await fs.readFile(f, 'utf8');
          if (text.includes(marker)) return true;
        } catch {
          // file vanished (consumed or renamed) — look again next round
        }
      }
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  };
}

/**
 * Send one synthetic event through the real hook command: spawn it the way the CLI does
 * (`sh -c <command>`, payload on stdin), then wait for the event (identified by a unique marker)
 * to arrive in the spool.
 */
export async function runSelfTest(opts: SelfTestOptions): Promise<SelfTestResult> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const marker = `flightdeck-self-test-${randomUUID()}`;
  const started = Date.now();
  const payload = {
    session_id: marker,
    transcript_path: '',
    cwd: opts.cwd ?? process.cwd(),
    hook_event_name: SELF_TEST_EVENT,
    flightdeck_self_test: marker,
    timestamp: new Date(started).toISOString(),
  };
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.env)) if (v !== undefined) env[k] = v;
  if (!opts.ownDestination) env.FLIGHTDECK_SPOOL = opts.spoolDir;
  const base = { ok: false, cli: opts.cli, marker, command: opts.command };

  const run = await new Promise<{ exitCode: number | null; stderr: string; error?: string }>((resolve) => {
    let stderr = '';
    let settled = false;
    let timedOut = false;
    // Own process group, so a hung hook and anything it started can be killed together.
    const child = spawn('sh', ['-c', opts.command], {
      env,
      cwd: opts.cwd,
      stdio: ['pipe', 'ignore', 'pipe'],
      detached: true,
    });
    const finish = (r: { exitCode: number | null; stderr: string; error?: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 8192) stderr += c.toString('utf8');
    });
    child.on('error', (e) => finish({ exitCode: null, stderr, error: e.message }));
    child.on('exit', (code, signal) => {
      const result = () =>
        finish({
          exitCode: code,
          stderr,
          error: signal ? `killed by ${signal}${timedOut ? ` (timeout ${timeoutMs} ms)` : ''}` : undefined,
        });
      // Give stderr a moment to drain; do not wait for grandchildren that keep the pipe open.
      child.on('close', result);
      setTimeout(result, 100).unref();
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(JSON.stringify(payload));
  });
  if (run.error) {
    return {
      ...base,
      exitCode: run.exitCode,
      stderr: run.stderr,
      durationMs: Date.now() - started,
      detail: `hook command failed: ${run.error}`,
    };
  }
  if (run.exitCode !== 0) {
    return {
      ...base,
      exitCode: run.exitCode,
      stderr: run.stderr,
      durationMs: Date.now() - started,
      detail: `hook command exited with code ${run.exitCode}`,
    };
  }
  const wait = opts.waitForMarker ?? spoolMarkerWaiter(opts.spoolDir);
  const remaining = Math.max(100, timeoutMs - (Date.now() - started));
  const arrived = await wait(marker, remaining);
  return {
    ...base,
    ok: arrived,
    exitCode: run.exitCode,
    stderr: run.stderr,
    durationMs: Date.now() - started,
    detail: arrived ? 'event arrived' : `event did not arrive within ${timeoutMs} ms`,
  };
}

/** The hook command currently registered for `cli` (first Flightdeck handler found), or null. */
export async function findInstalledHookCommand(
  cli: InstallCli,
  targets: InstallTargets,
): Promise<string | null> {
  let text: string;
  try {
    text = await fs.readFile(targets.files[cli], 'utf8');
  } catch {
    return null;
  }
  let value: unknown;
  try {
    value = nodeValue(parseJsonText(text, { allowComments: cli === 'gemini' }));
  } catch {
    return null;
  }
  const hooks = (value as Record<string, unknown> | null)?.hooks;
  if (typeof hooks !== 'object' || hooks === null) return null;
  for (const groups of Object.values(hooks as Record<string, unknown>)) {
    if (!Array.isArray(groups)) continue;
    for (const g of groups) {
      const handlers = (g as Record<string, unknown> | null)?.hooks;
      if (!Array.isArray(handlers)) continue;
      for (const h of handlers) {
        const command = (h as Record<string, unknown> | null)?.command;
        // Not a held command: with a server running, the synthetic event would wait for an answer.
        if (isFlightdeckHandler(h) && typeof command === 'string' && !command.endsWith(` ${HOLD_FLAG}`)) {
          return command;
        }
      }
    }
  }
  return null;
}
