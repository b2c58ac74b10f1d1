import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOOK_SCRIPT_PATH } from '../../src/index.js';

export function makeTempDir(prefix = 'fd-hook-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Environment for a hook run: only what we set (plus PATH/HOME), so the host terminal does not leak in. */
export function hookEnv(spool: string, extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir(), FLIGHTDECK_SPOOL: spool, ...extra };
}

export function runHook(
  cli: string,
  opts: { input?: string | Buffer; args?: string[]; env: Record<string, string> },
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('sh', [HOOK_SCRIPT_PATH, cli, ...(opts.args ?? [])], {
    input: opts.input ?? '',
    env: opts.env,
    maxBuffer: 16 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

/** The first 8 characters of this boot's id, as the hook script puts them into record names. */
export function currentBoot(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().slice(0, 8);
  } catch {
    return '00000000';
  }
}
