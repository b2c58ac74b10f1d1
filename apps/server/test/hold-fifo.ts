/** Real FIFOs and real `sh` readers, as the held PermissionRequest hook uses them. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** A record id as the hook names its spool record and FIFO (`<boot8>-<uptime12>-<pid>`). */
export function recordId(n: number): string {
  return `abcdef01-${String(100_000 + n).padStart(12, '0')}-${1000 + n}`;
}

/** `mkfifo -m 600 <dir>/hold/<id>` (hold/ made 0700): the FIFO's absolute path. */
export function makeHoldFifo(spoolDir: string, id: string): string {
  const hold = join(spoolDir, 'hold');
  mkdirSync(hold, { recursive: true, mode: 0o700 });
  const path = join(hold, id);
  execFileSync('mkfifo', ['-m', '600', path]);
  return path;
}

export interface FifoReader {
  child: ChildProcess;
  pid: number;
  /** Resolves when the reader exits: what it printed (empty on EOF). */
  done: Promise<string>;
  /** When it printed its line (performance.now()), or null. */
  gotAt: () => number | null;
}

/** A reader like the hook: blocks in open until a writer comes, reads one line, prints it if non-empty. */
export function startFifoReader(path: string, delaySeconds = 0): FifoReader {
  const wait = delaySeconds > 0 ? `sleep ${delaySeconds}; ` : '';
  const child = spawn('sh', ['-c', `${wait}exec 3<"$F"; IFS= read -r l <&3; printf "%s" "$l"`], {
    env: { F: path, PATH: process.env.PATH ?? '/usr/bin:/bin' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  let at: number | null = null;
  child.stdout?.on('data', (c: Buffer) => {
    at ??= performance.now();
    out += c.toString('utf8');
  });
  const done = new Promise<string>((resolve) => child.on('close', () => resolve(out)));
  return { child, pid: child.pid as number, done, gotAt: () => at };
}
