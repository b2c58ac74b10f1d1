/**
 * The real `flightdeck` CLI as a child process (bin/flightdeck.mjs), optionally under a given umask: one-shot
 * commands, and `start` until it prints its ready line.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../bin/flightdeck.mjs', import.meta.url));

export interface CliProcessOptions {
  /** e.g. 0o022; default: inherited. */
  umask?: number;
  /** Standard input (then closed). */
  input?: string;
  /** HOME and anything else; PORT and FLIGHTDECK_DATA_DIR are cleared. */
  env?: NodeJS.ProcessEnv;
}

function spawnCli(args: string[], opts: CliProcessOptions): ChildProcess {
  const env = { ...process.env, PORT: '', FLIGHTDECK_DATA_DIR: '', ...opts.env };
  const argv = [process.execPath, BIN, ...args];
  if (opts.umask === undefined) {
    return spawn(argv[0] as string, argv.slice(1), { env, stdio: ['pipe', 'pipe', 'pipe'] });
  }
  const mask = opts.umask.toString(8).padStart(3, '0');
  return spawn('sh', ['-c', `umask ${mask} && exec "$@"`, 'sh', ...argv], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** When the process exited (Date.now()). */
  exitedAt: number;
}

export function runCliProcess(args: string[], opts: CliProcessOptions = {}): Promise<CliResult> {
  const child = spawnCli(args, opts);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdin?.end(opts.input ?? '');
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, exitedAt: Date.now() }));
  });
}

export interface CliServer {
  child: ChildProcess;
  url: string;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/** `flightdeck start --port 0 --no-open --data-dir DIR`, resolved once it printed FLIGHTDECK_READY. */
export function startCliServer(dataDir: string, opts: CliProcessOptions = {}): Promise<CliServer> {
  const child = spawnCli(['start', '--port', '0', '--no-open', '--data-dir', dataDir], opts);
  child.stdin?.end();
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}\n${err}`)), 60_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /FLIGHTDECK_READY (\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve({
          child,
          url: m[1],
          stop: async () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
            await exited;
          },
        });
      }
    });
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}\n${err}`));
    });
  });
}
