/**
 * The `ssh` namespace as the web app uses it (issue 16): configured hosts with their host-key state, explicit trust
 * of the fingerprint the user was shown, the keys in `~/.ssh`. Shapes from `@flightdeck/shared-types`.
 */
import type {
  SshHostConfigInput,
  SshHostInfo,
  SshHostKey,
  SshKeyInfo,
  SshTmuxPane,
} from '@flightdeck/shared-types';

export type {
  SshHostConfigInput,
  SshHostInfo,
  SshHostKey,
  SshKeyInfo,
  SshTmuxPane,
} from '@flightdeck/shared-types';

export interface SshApi {
  sshHosts(): Promise<SshHostInfo[]>;
  sshKeys(): Promise<SshKeyInfo[]>;
  sshHostKey(host: string): Promise<SshHostKey>;
  /** Trusts `fingerprint` for `host`; the server refuses it unless the host offers that key now. */
  sshTrust(host: string, fingerprint: string): Promise<SshHostKey>;
  sshAddHost(host: SshHostConfigInput): Promise<void>;
  sshRemoveHost(host: string): Promise<void>;
  /** The tmux panes on a trusted host (its default tmux server). */
  sshTmuxSessions(host: string): Promise<SshTmuxPane[]>;
}
