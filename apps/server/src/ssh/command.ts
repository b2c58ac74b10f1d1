/**
 * The `ssh` argv and the line typed into the remote shell. ssh itself is spawned from argv (no local shell). The
 * remote side has a shell, so the typed line is built only from validated parts, each single-quoted: `cd <cwd>`,
 * then the program and its arguments. Values of `env` never appear here: ssh forwards them by name (`SendEnv`).
 */
import { parseTmuxTarget, type SshHostConfig, tmuxSocketArgs } from '@flightdeck/shared-types';

/** One shell word: single quotes around it, each `'` written as `'\''` (no character is special inside). */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `cd` to an absolute or `~`-relative directory (the `~` left to the remote shell, the rest quoted). */
export function cdWords(cwd: string): string {
  if (cwd === '~' || cwd === '~/') return 'cd';
  if (cwd.startsWith('~/')) return `cd ~/${shellQuote(cwd.slice(2))}`;
  return `cd ${shellQuote(cwd)}`;
}

/** Wraps an ssh `-o` value in double quotes when it holds a space (ssh reads `-o` like a config line). */
function optionValue(v: string): string {
  return /\s/.test(v) ? `"${v}"` : v;
}

export interface SshArgvOptions {
  /** Flightdeck's own known-hosts file first, then `~/.ssh/known_hosts`. */
  knownHostsFiles: string[];
  /** The resolved identity file for key auth. */
  identityFile: string | null;
  /** Environment variable names forwarded (their values travel in ssh's environment, never in argv). */
  sendEnv: string[];
  /** `-t` (a terminal) or `-T` (a command's output). */
  tty: boolean;
}

/** `ssh` options for a configured host; strict host-key checking, no prompts, `--` before the host. */
export function sshArgv(h: SshHostConfig, o: SshArgvOptions): string[] {
  const args = [
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${o.knownHostsFiles.map(optionValue).join(' ')}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=10',
    '-p',
    String(h.port),
    '-l',
    h.user,
  ];
  if (o.identityFile !== null) args.push('-i', o.identityFile, '-o', 'IdentitiesOnly=yes');
  for (const name of o.sendEnv) args.push('-o', `SendEnv=${name}`);
  args.push(o.tty ? '-t' : '-T', '--', h.host);
  return args;
}

/** `tmux [-L name | -S path] attach-session -t <target>` for `[socket#]target` (validated again here). */
export function tmuxAttachWords(tmuxTarget: string): string[] {
  const parts = parseTmuxTarget(tmuxTarget);
  if (!parts) throw new Error('tmuxTarget: invalid');
  return ['tmux', ...tmuxSocketArgs(parts), 'attach-session', '-t', parts.target];
}

/** The line typed into the remote shell: `cd <cwd> && [env NAME=value…] <argv…>` (all quoted), and Enter. */
export function remoteLine(opts: {
  cwd?: string;
  argv?: string[];
  plainEnv?: Record<string, string>;
}): string {
  const parts: string[] = [];
  if (opts.cwd !== undefined) parts.push(cdWords(opts.cwd));
  if (opts.argv && opts.argv.length > 0) {
    const env = Object.entries(opts.plainEnv ?? {}).map(([k, v]) => shellQuote(`${k}=${v}`));
    parts.push([...(env.length > 0 ? ['env', ...env] : []), ...opts.argv.map(shellQuote)].join(' '));
  }
  return parts.length === 0 ? '' : `${parts.join(' && ')}\r`;
}
