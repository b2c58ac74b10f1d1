/**
 * SSH hosts (issue 16): the configured hosts (config `ssh.hosts`), their host keys against Flightdeck's own
 * known-hosts file (`<dataDir>/ssh/known_hosts`) and `~/.ssh/known_hosts`, explicit trust (the fingerprint the user
 * saw, never trust on first use), the keys in `~/.ssh`, tmux panes on a host, and the plans of `ssh` terminals:
 * `ssh` from argv with strict host-key checking, then a line typed into the remote shell once it shows a prompt.
 */
import { realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  commandArgv,
  type SshHostConfig,
  type SshHostInfo,
  type SshHostKey,
  type SshKeyInfo,
  type SshTmuxPane,
  sshHostConfigSchema,
  type TerminalCreateInput,
} from '@flightdeck/shared-types';
import type { ConfigStore } from '../config.js';
import { type Launch, resolveProgram } from '../terminals/manager.js';
import { TerminalError } from '../terminals/terminal.js';
import { remoteLine, shellQuote, sshArgv, tmuxAttachWords } from './command.js';
import { execArgv } from './exec.js';
import { listPrivateKeys } from './keys.js';
import {
  appendKnownHost,
  fingerprintOf,
  forgetKnownHost,
  type HostKeyLine,
  keyState,
  knownKeys,
  preferredKey,
  scanHostKeys,
} from './known-hosts.js';

/** Spec §8.3: how long a remote shell may take to show its prompt before the line is typed anyway. */
export const REMOTE_READY_TIMEOUT_MS = 15_000;

export interface SshServiceOptions {
  config: ConfigStore;
  /** Where Flightdeck's known-hosts file lives (`<dataDir>/ssh/known_hosts`); null: SSH is unavailable. */
  dataDir: string | null;
  /** The home whose `~/.ssh` holds keys and known_hosts (default: the server user's). */
  home?: string;
  /** Flightdeck's known-hosts file (default `<dataDir>/ssh/known_hosts`). */
  knownHostsFile?: string;
  /** How long a remote shell may take to show its prompt (default 15 s, spec §8.3). */
  readyTimeoutMs?: number;
}

/** An ssh terminal's plan: ssh's argv, and the line typed once the remote shell is ready. */
export interface SshLaunch extends Launch {
  typeWhenReady: { line: string; timeoutMs: number } | null;
}

const bad = (m: string) => new TerminalError('BAD_REQUEST', m);

/** The pane format of `tmux list-panes -a`: `:`-separated (tmux prints tabs as `_`; a session name has no `:`). */
const PANE_FORMAT = '#{session_name}:#{window_index}:#{pane_index}:#{pane_id}:#{pane_current_command}';

export class SshService {
  readonly home: string;
  private readonly ownKnownHosts: string | null;

  constructor(private readonly opts: SshServiceOptions) {
    this.home = opts.home ?? homedir();
    this.ownKnownHosts =
      opts.knownHostsFile ?? (opts.dataDir ? join(opts.dataDir, 'ssh', 'known_hosts') : null);
  }

  private knownHostsFiles(): string[] {
    if (!this.ownKnownHosts)
      throw new TerminalError('PRECONDITION_FAILED', 'SSH hosts need a data directory (none is configured)');
    return [this.ownKnownHosts, join(this.home, '.ssh', 'known_hosts')];
  }

  configured(): SshHostConfig[] {
    return this.opts.config.get().ssh.hosts;
  }

  find(name: string): SshHostConfig {
    const h = this.configured().find((x) => x.name === name);
    if (!h)
      throw new TerminalError(
        'NOT_FOUND',
        `host: no configured SSH host named ${name} (add it in Settings → SSH hosts)`,
      );
    return h;
  }

  /** The identity file's real path: `~/.ssh/…` or absolute, an existing regular file. */
  identityPath(h: SshHostConfig): string | null {
    if (h.auth !== 'key' || h.identityFile === undefined) return null;
    const given = h.identityFile.replace(/^~(?=\/)/, this.home);
    try {
      const real = realpathSync(given);
      if (statSync(real).isFile()) return real;
    } catch {
      // reported below
    }
    throw bad(`identityFile: not an existing regular file: ${h.identityFile}`);
  }

  async addHost(input: SshHostConfig): Promise<SshHostConfig> {
    const h = sshHostConfigSchema.parse(input);
    this.identityPath(h);
    if (this.configured().some((x) => x.name === h.name))
      throw new TerminalError('CONFLICT', `name: a host named ${h.name} is already configured`);
    const current = this.opts.config.get();
    this.opts.config.update({ ssh: { ...current.ssh, hosts: [...current.ssh.hosts, h] } });
    return h;
  }

  removeHost(name: string): { name: string; removed: true } {
    this.find(name);
    const current = this.opts.config.get();
    this.opts.config.update({
      ssh: { ...current.ssh, hosts: current.ssh.hosts.filter((x) => x.name !== name) },
    });
    return { name, removed: true };
  }

  keys(): Promise<SshKeyInfo[]> {
    return listPrivateKeys(this.home);
  }

  private async scan(h: SshHostConfig): Promise<{ offered: HostKeyLine[]; known: HostKeyLine[] }> {
    const files = this.knownHostsFiles();
    let offered: HostKeyLine[];
    try {
      offered = await scanHostKeys(h);
    } catch (err) {
      throw bad((err as Error).message);
    }
    return { offered, known: await knownKeys(h, files) };
  }

  /** The key shown for the host (the one it is trusted by, else the preferred one it offers) and its state. */
  async hostKey(name: string): Promise<SshHostKey & { key: HostKeyLine }> {
    const h = this.find(name);
    const { offered, known } = await this.scan(h);
    const state = keyState(offered, known);
    const matching = offered.filter((o) => known.some((k) => k.type === o.type && k.blob === o.blob));
    const key = preferredKey(state === 'trusted' ? matching : offered) as HostKeyLine;
    return { host: name, type: key.type, fingerprint: fingerprintOf(key.blob), state, key };
  }

  async hosts(): Promise<SshHostInfo[]> {
    return Promise.all(
      this.configured().map(async (h) => {
        try {
          const { key: _key, ...hostKey } = await this.hostKey(h.name);
          return { ...h, hostKey, error: null };
        } catch (err) {
          return { ...h, hostKey: null, error: (err as Error).message };
        }
      }),
    );
  }

  /**
   * Trusts the key the host offers now, only when its fingerprint is the one given (what the user was shown). A key
   * that replaces one in Flightdeck's file replaces it; one that contradicts `~/.ssh/known_hosts` is refused.
   */
  async trust(name: string, fingerprint: string): Promise<SshHostKey> {
    const h = this.find(name);
    const shown = await this.hostKey(name);
    if (shown.fingerprint !== fingerprint)
      throw bad(
        `fingerprint: ${fingerprint} is not the key ${name} offers now (${shown.type} ${shown.fingerprint}): nothing trusted`,
      );
    const { key, ...result } = shown;
    if (shown.state === 'trusted') return result;
    const own = this.knownHostsFiles()[0] as string;
    if (shown.state === 'changed') {
      const inUser = await knownKeys(h, [join(this.home, '.ssh', 'known_hosts')]);
      if (inUser.length > 0)
        throw new TerminalError(
          'CONFLICT',
          `host: ~/.ssh/known_hosts has another key for ${h.host}:${h.port}: check it, then remove it (ssh-keygen -R) before trusting this one`,
        );
      await forgetKnownHost(own, h);
    }
    appendKnownHost(own, h, key);
    return { ...result, state: 'trusted' };
  }

  /** Refuses a host whose key is not trusted (unknown or changed) with what to do. */
  async ensureTrusted(h: SshHostConfig): Promise<void> {
    const k = await this.hostKey(h.name);
    if (k.state === 'unknown')
      throw new TerminalError(
        'PRECONDITION_FAILED',
        `host: ${h.name} (${h.host}:${h.port}) is not trusted yet: check its host key fingerprint (${k.type} ${k.fingerprint}) and trust it in Settings → SSH hosts`,
      );
    if (k.state === 'changed')
      throw new TerminalError(
        'PRECONDITION_FAILED',
        `host: the host key of ${h.name} (${h.host}:${h.port}) CHANGED (now ${k.type} ${k.fingerprint}): it may be an attack; refused. Check with the host's owner before trusting the new key`,
      );
  }

  /** ssh's argv for the host: identity or agent, the names of `env` forwarded by SendEnv. */
  argv(h: SshHostConfig, env: Record<string, string>, sendEnv: string[], tty: boolean): string[] {
    const identityFile = this.identityPath(h);
    if (h.auth === 'agent' && !env.SSH_AUTH_SOCK)
      throw new TerminalError(
        'PRECONDITION_FAILED',
        `auth: ${h.name} uses the ssh agent but the server has no SSH_AUTH_SOCK (start it from a shell with an agent, or use key auth)`,
      );
    return sshArgv(h, { knownHostsFiles: this.knownHostsFiles(), identityFile, sendEnv, tty });
  }

  /** tmux panes on the host (`tmux [-L socket] list-panes -a`); none when no tmux server runs there. */
  async tmuxSessions(name: string, socket?: string): Promise<SshTmuxPane[]> {
    const h = this.find(name);
    await this.ensureTrusted(h);
    const words = ['tmux', ...(socket ? ['-L', socket] : []), 'list-panes', '-a', '-F', PANE_FORMAT];
    const args = [
      ...this.argv(h, { ...process.env } as Record<string, string>, [], false),
      words.map(shellQuote).join(' '),
    ];
    const r = await execArgv('ssh', args, { timeoutMs: 20_000 });
    if (r.code !== 0) {
      if (/no server running|error connecting|No such file/i.test(r.stderr)) return [];
      throw bad(
        `host: tmux on ${name} failed: ${r.error ?? r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`}`,
      );
    }
    return r.stdout
      .split('\n')
      .filter((l) => /^[^:]*:\d+:\d+:%\d+:/.test(l))
      .map((l) => {
        const [session = '', window = '0', pane = '0', paneId = '', ...rest] = l.split(':');
        const command = rest.join(':');
        return {
          session,
          window: Number(window),
          pane: Number(pane),
          paneId,
          command,
          target: `${socket ? `${socket}#` : ''}${session}:${window}.${pane}`,
        };
      });
  }

  private async plan(
    hostName: string,
    env: Record<string, string>,
    extraEnvNames: string[],
    line: string,
    title: string,
    cwd: string | null,
  ): Promise<SshLaunch> {
    const h = this.find(hostName);
    await this.ensureTrusted(h);
    const sendEnv = [...new Set(['FLIGHTDECK_TERMINAL_ID', ...extraEnvNames])];
    const args = this.argv(h, env, sendEnv, true);
    const file = resolveProgram('ssh', env);
    if (!file) throw bad('host: ssh is not installed on this machine (openssh-client)');
    return {
      file,
      args,
      cwd: cwd ?? '~',
      spawnCwd: this.home,
      title,
      cli: null,
      typeWhenReady: line ? { line, timeoutMs: this.opts.readyTimeoutMs ?? REMOTE_READY_TIMEOUT_MS } : null,
    };
  }

  /** `terminals.create({ kind: 'ssh' })`: a login shell on the host, then `cd`, the command or a tmux attach. */
  planTerminal(input: TerminalCreateInput, env: Record<string, string>): Promise<SshLaunch> {
    const host = input.host as string;
    const line = input.tmuxTarget
      ? remoteLine({ argv: tmuxAttachWords(input.tmuxTarget) })
      : remoteLine({
          ...(input.cwd !== undefined ? { cwd: input.cwd } : {}),
          ...(input.command !== undefined ? { argv: commandArgv(input.command) ?? [] } : {}),
        });
    const title =
      input.title ?? `${host}: ${input.tmuxTarget ? `tmux ${input.tmuxTarget}` : (input.command ?? 'shell')}`;
    return this.plan(host, env, Object.keys(input.env ?? {}), line, title, input.cwd ?? null);
  }

  /** An agent CLI on the host: `cd <cwd> && env FLIGHTDECK_TERMINAL_ID=<id> <cli> <args>` (in tmux or not). */
  planAgent(
    hostName: string,
    o: {
      id: string;
      cwd: string;
      argv: string[];
      env: Record<string, string>;
      envNames: string[];
      title: string;
    },
  ): Promise<SshLaunch> {
    // The terminal id is no secret: typed too, so it reaches the agent even where sshd does not AcceptEnv it.
    const line = remoteLine({ cwd: o.cwd, argv: o.argv, plainEnv: { FLIGHTDECK_TERMINAL_ID: o.id } });
    return this.plan(hostName, o.env, o.envNames, line, o.title, o.cwd);
  }
}
