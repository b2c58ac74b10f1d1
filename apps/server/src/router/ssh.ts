/**
 * The `ssh` namespace (issue 16): configured hosts with their host-key state, explicit trust of a host key (the
 * fingerprint the user was shown, never trust on first use), the private keys in `~/.ssh` (never their contents),
 * and tmux panes on a host. SSH terminals themselves are `terminals.create({ kind: 'ssh', host })`.
 */
import {
  sshHostConfigSchema,
  sshHostInputSchema,
  sshTmuxInputSchema,
  sshTrustInputSchema,
} from '@flightdeck/shared-types';
import type { SshService } from '../ssh/service.js';
import { TerminalError } from '../terminals/terminal.js';
import type { Context } from '../trpc.js';
import { protectedProcedure, router } from '../trpc.js';
import { call, managerOf } from './terminals.js';

function sshOf(ctx: Context): SshService {
  const ssh = managerOf(ctx).ssh;
  if (!ssh) throw new TerminalError('PRECONDITION_FAILED', 'SSH hosts are not enabled on this server');
  return ssh;
}

export const sshRouter = router({
  /** The configured hosts, each with its host key (scanned now) and state: trusted, unknown or changed. */
  hosts: protectedProcedure.query(({ ctx }) => call(() => sshOf(ctx).hosts())),
  /** Private keys in `~/.ssh`: file, type, public fingerprint (spec §10.5). */
  keys: protectedProcedure.query(({ ctx }) => call(() => sshOf(ctx).keys())),
  /** The host's key as it offers it now: type, SHA256 fingerprint, state. */
  hostKey: protectedProcedure.input(sshHostInputSchema).query(({ ctx, input }) =>
    call(async () => {
      const { key: _key, ...shown } = await sshOf(ctx).hostKey(input.host);
      return shown;
    }),
  ),
  /** Trusts the host's key, only if `fingerprint` is the one it offers now (the one shown by `hostKey`). */
  trust: protectedProcedure
    .input(sshTrustInputSchema)
    .mutation(({ ctx, input }) => call(() => sshOf(ctx).trust(input.host, input.fingerprint))),
  /** tmux panes on the host (`socket`: a `tmux -L` server name; absent: the default one). */
  tmuxSessions: protectedProcedure
    .input(sshTmuxInputSchema)
    .query(({ ctx, input }) => call(() => sshOf(ctx).tmuxSessions(input.host, input.socket))),
  addHost: protectedProcedure
    .input(sshHostConfigSchema)
    .mutation(({ ctx, input }) => call(() => sshOf(ctx).addHost(input))),
  removeHost: protectedProcedure
    .input(sshHostInputSchema)
    .mutation(({ ctx, input }) => call(() => sshOf(ctx).removeHost(input.host))),
});
