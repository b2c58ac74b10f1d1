import fs from 'node:fs/promises';
import path from 'node:path';
import { HOOK_SCRIPT_PATH, HOOK_SCRIPT_SPOOL_DEFAULT_VAR } from '../hook-script.js';
import { atomicWrite, InstallError } from './safeFs.js';
import type { InstallTargets } from './targets.js';

export const INSTALLED_HOOK_SCRIPT_NAME = 'flightdeck-hook.sh';

/** Quote a string for POSIX sh (left bare when it only holds safe characters). */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_/.,:@%+=-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `sh <script>` — the CLI name is appended by the installer (`… claude`). */
export function buildHookCommand(scriptPath: string): string {
  return `sh ${shellQuote(scriptPath)}`;
}

/** The shipped script with its default spool directory pointed at `spoolDir`. */
export function renderHookScript(source: string, spoolDir: string): string {
  const re = new RegExp(`^${HOOK_SCRIPT_SPOOL_DEFAULT_VAR}=.*$`, 'm');
  if (!re.test(source)) {
    throw new InstallError(
      'IO',
      HOOK_SCRIPT_PATH,
      `hook script has no ${HOOK_SCRIPT_SPOOL_DEFAULT_VAR}= line to point at the spool`,
    );
  }
  // A replacer function: `$` in the path must not be read as a replacement pattern.
  return source.replace(re, () => `${HOOK_SCRIPT_SPOOL_DEFAULT_VAR}=${shellQuote(spoolDir)}`);
}

export interface InstallHookScriptOptions {
  targets: InstallTargets;
  /** Script to install (default: the one shipped with this package). */
  source?: string;
  dryRun?: boolean;
}

export interface InstalledHookScript {
  path: string;
  /** Command to register (without the CLI name). */
  hookCommand: string;
  changed: boolean;
}

/**
 * Copy the hook script to `<dataDir>/hooks/flightdeck-hook.sh` (atomically, only when its content
 * changed), with its default spool set to `<dataDir>/spool`, so registered hooks do not depend on
 * where this checkout lives and write to the right data dir without env vars.
 */
export async function installHookScript(opts: InstallHookScriptOptions): Promise<InstalledHookScript> {
  const source = opts.source ?? HOOK_SCRIPT_PATH;
  let text: string;
  try {
    text = await fs.readFile(source, 'utf8');
  } catch (e) {
    throw new InstallError(
      'IO',
      source,
      `cannot read the hook script ${source} (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  const rendered = renderHookScript(text, opts.targets.spoolDir);
  const dest = path.join(opts.targets.hooksDir, INSTALLED_HOOK_SCRIPT_NAME);
  let current: string | null = null;
  try {
    current = await fs.readFile(dest, 'utf8');
  } catch {
    current = null;
  }
  const changed = current !== rendered;
  if (changed && !opts.dryRun) await atomicWrite(dest, dest, rendered, { mode: 0o700 });
  return { path: dest, hookCommand: buildHookCommand(dest), changed };
}
