import type { ChildProcess } from 'node:child_process';

/**
 * The URL a `flightdeck start` child process prints in its `FLIGHTDECK_READY <url>` line, and everything it prints
 * (stdout and stderr); rejects with its output when it exits first or stays silent for `timeoutMs`.
 */
export function readyUrl(
  child: ChildProcess,
  what: string,
  timeoutMs: number,
): Promise<{ url: string; output: () => string }> {
  let output = '';
  return new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start:\n${output}`)), timeoutMs);
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /FLIGHTDECK_READY (\S+)/.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        resolveUrl({ url: m[1], output: () => output });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}):\n${output}`));
    });
  });
}
