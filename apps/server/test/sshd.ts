/**
 * A real OpenSSH server for the SSH tests: `/usr/sbin/sshd -D -e` on 127.0.0.1 with a free port, its own host key,
 * its own sshd_config (key auth only for a generated client key, `UsePAM no`, `StrictModes no` because the tests may
 * run as root, `AcceptEnv FD_TEST_* FLIGHTDECK_TERMINAL_ID`, the PID file in the temp dir), killed by `stop()`.
 * Installed by `node scripts/ensure-openssh.mjs` (run by `pnpm test`).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';

export const SSHD = '/usr/sbin/sshd';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function keygen(file: string, type = 'ed25519'): void {
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', 'flightdeck-test', '-f', file]);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    s.once('data', (d) => {
      s.destroy();
      resolve(d.toString().startsWith('SSH-'));
    });
    s.once('error', () => resolve(false));
    s.connect(port, '127.0.0.1');
  });
}

export interface TestSshd {
  port: number;
  user: string;
  /** The home whose `.ssh/id_ed25519` is the client key (the server's `ssh.home`). */
  home: string;
  clientKey: string;
  hostKeyPub: string;
  stderr(): string;
  /** Stops sshd, makes a new host key, starts it again on the same port (a changed host key). */
  rekey(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSshd(dir: string): Promise<TestSshd> {
  const user = userInfo().username;
  const home = join(dir, 'home');
  mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
  const clientKey = join(home, '.ssh', 'id_ed25519');
  keygen(clientKey);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${clientKey}.pub`));
  // sshd running as root needs its privilege-separation directory.
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const port = await freePort();
  const hostKey = join(dir, 'host_ed25519');
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      `AllowUsers ${user}`,
      'AcceptEnv FD_TEST_* FLIGHTDECK_TERMINAL_ID',
      'PrintMotd no',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );
  let child: ChildProcess | null = null;
  let log = '';
  const start = async () => {
    const c = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    c.stderr?.on('data', (d: Buffer) => {
      log += d.toString();
    });
    child = c;
    const until = Date.now() + 10_000;
    while (!(await accepts(port))) {
      if (c.exitCode !== null || Date.now() > until) throw new Error(`sshd did not start: ${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await exited;
  };
  keygen(hostKey);
  await start();
  return {
    port,
    user,
    home,
    clientKey,
    hostKeyPub: `${hostKey}.pub`,
    stderr: () => log,
    rekey: async () => {
      await stop();
      execFileSync('rm', ['-f', hostKey, `${hostKey}.pub`]);
      keygen(hostKey);
      await start();
    },
    stop,
  };
}
