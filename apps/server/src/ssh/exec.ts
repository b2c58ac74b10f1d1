/** Runs a program from argv (never a shell) with a timeout; resolves with its exit code and output, never throws. */
import { execFile } from 'node:child_process';

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when it could not start or was killed by the timeout. */
  error: string | null;
}

export function execArgv(
  file: string,
  args: string[],
  opts: { timeoutMs: number; env?: NodeJS.ProcessEnv; input?: string },
): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { timeout: opts.timeoutMs, env: opts.env ?? process.env, maxBuffer: 4 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { killed?: boolean; code?: unknown }) | null;
        const code = e ? (typeof e.code === 'number' ? e.code : null) : 0;
        const error = !e
          ? null
          : e.killed
            ? `timed out after ${opts.timeoutMs} ms`
            : typeof e.code === 'string'
              ? e.message
              : null;
        resolve({ code, stdout: String(stdout), stderr: String(stderr), error });
      },
    );
    child.stdin?.on('error', () => {}); // a program that exits before reading its stdin
    child.stdin?.end(opts.input ?? '');
  });
}
