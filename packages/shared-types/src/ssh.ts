/**
 * SSH hosts for terminals and launches (issue 16): the configured hosts (config `ssh.hosts`, `ssh.addHost`), the
 * `ssh` tRPC namespace's shapes, and the validation of every field that reaches the `ssh` command line (spec §8.6).
 * `ssh` is spawned from argv, never through a local shell; these rules also refuse what ssh would read as an option
 * (a leading `-`) or as another user (`@`).
 */
import { z } from 'zod';

/** A configured host's name (what `terminals.create({ kind: 'ssh', host })` and the `ssh.*` procedures take). */
export const sshHostNameSchema = z
  .string()
  .min(1, 'name: empty')
  .max(64, 'name: at most 64 characters')
  .regex(/^(?!-)[A-Za-z0-9_.-]+$/, 'name: letters, digits, _ . - (not starting with -)');

/** A host name or an IP address: at most 255 characters, no shell metacharacters, no `@`, `%`, spaces or leading `-`. */
export const sshHostAddressSchema = z
  .string()
  .min(1, 'host: empty')
  .max(255, 'host: at most 255 characters')
  .regex(
    /^(?!-)[A-Za-z0-9.:_-]+$/,
    'host: a host name or an IP address (letters, digits, . : _ -), no shell metacharacters, not starting with -',
  );

/** Spec §8.6 `username`: at most 128 characters of `[a-zA-Z0-9_.-]`, not starting with `-`. */
export const sshUserSchema = z
  .string()
  .min(1, 'user: empty')
  .max(128, 'user: at most 128 characters')
  .regex(/^(?!-)[a-zA-Z0-9_.-]+$/, 'user: only letters, digits, _ . - (not starting with -)');

export const sshPortSchema = z
  .number({ message: 'port: an integer from 1 to 65535' })
  .int('port: an integer from 1 to 65535')
  .min(1, 'port: an integer from 1 to 65535')
  .max(65535, 'port: an integer from 1 to 65535');

/** `~/.ssh/<file>` or an absolute path (checked to be an existing regular file when a host is added or used). */
export const sshIdentityFileSchema = z
  .string()
  .min(1, 'identityFile: empty')
  .max(1024, 'identityFile: at most 1024 characters')
  .regex(
    /^(~\/\.ssh\/|\/)[A-Za-z0-9_.@+/-]+$/,
    'identityFile: an absolute path or ~/.ssh/<file> (letters, digits, _ . @ + / -)',
  )
  .refine((p) => !p.split('/').includes('..'), 'identityFile: no .. in the path');

export const SSH_AUTH_METHODS = ['agent', 'key'] as const;
export type SshAuthMethod = (typeof SSH_AUTH_METHODS)[number];

/** One configured host (config `ssh.hosts[]`). */
export const sshHostConfigSchema = z
  .object({
    name: sshHostNameSchema,
    host: sshHostAddressSchema,
    port: sshPortSchema.default(22),
    user: sshUserSchema,
    /** `agent`: keys from the server's ssh-agent (SSH_AUTH_SOCK); `key`: `identityFile`. */
    auth: z.enum(SSH_AUTH_METHODS, { message: 'auth: agent or key' }),
    identityFile: sshIdentityFileSchema.optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.auth === 'key' && v.identityFile === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['identityFile'],
        message: 'identityFile: required for key auth',
      });
    if (v.auth === 'agent' && v.identityFile !== undefined)
      ctx.addIssue({ code: 'custom', path: ['identityFile'], message: 'identityFile: only for key auth' });
  });
export type SshHostConfig = z.infer<typeof sshHostConfigSchema>;
export type SshHostConfigInput = z.input<typeof sshHostConfigSchema>;

/** The config file's `ssh` section. */
export const sshConfigSchema = z
  .object({ hosts: z.array(sshHostConfigSchema).max(100).default([]) })
  .strict()
  .superRefine((v, ctx) => {
    const seen = new Set<string>();
    for (const h of v.hosts) {
      if (seen.has(h.name))
        ctx.addIssue({ code: 'custom', path: ['hosts'], message: `name: ${h.name} is configured twice` });
      seen.add(h.name);
    }
  });

/**
 * Where a host's key stands against the known-hosts files (Flightdeck's own, then `~/.ssh/known_hosts`): `trusted`
 * (a key it offers is known), `unknown` (nothing known for it), `changed` (keys are known and none it offers match).
 */
export type SshHostKeyState = 'trusted' | 'unknown' | 'changed';

export interface SshHostKey {
  /** The configured host's name. */
  host: string;
  /** e.g. `ssh-ed25519`. */
  type: string;
  /** `SHA256:<base64>` as `ssh-keygen -l` prints it. */
  fingerprint: string;
  state: SshHostKeyState;
}

export interface SshHostInfo extends SshHostConfig {
  /** The scanned key and its state; null when the host could not be reached (`error` says why). */
  hostKey: SshHostKey | null;
  error: string | null;
}

/** A private key in `~/.ssh` (spec §10.5): never its contents. */
export interface SshKeyInfo {
  file: string;
  /** `~/.ssh/<file>`, as `identityFile` takes it. */
  path: string;
  /** e.g. `ED25519`, `RSA`; null when ssh-keygen could not read its public half. */
  type: string | null;
  bits: number | null;
  fingerprint: string | null;
}

export interface SshTmuxPane {
  session: string;
  window: number;
  pane: number;
  paneId: string;
  command: string;
  /** What `terminals.create({ kind: 'ssh', host, tmuxTarget })` takes to attach to it. */
  target: string;
}

export const sshHostInputSchema = z.object({ host: sshHostNameSchema }).strict();

export const sshTrustInputSchema = z
  .object({
    host: sshHostNameSchema,
    fingerprint: z
      .string()
      .regex(
        /^SHA256:[A-Za-z0-9+/]{43}$/,
        'fingerprint: SHA256:<43 base64 characters> as shown by ssh.hostKey',
      ),
  })
  .strict();

/** A tmux socket name on the host (`tmux -L <socket>`); absent = the default server. */
export const sshTmuxInputSchema = z
  .object({
    host: sshHostNameSchema,
    socket: z
      .string()
      .regex(/^(?!-)[A-Za-z0-9_.-]{1,64}$/, 'socket: a tmux socket name (letters, digits, _ . -)')
      .optional(),
  })
  .strict();
