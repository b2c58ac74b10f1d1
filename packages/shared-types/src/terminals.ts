/**
 * Terminals (issue 16): the `terminals` tRPC namespace's shapes and the validation of every field that reaches a
 * command line (spec §8.6). Nothing here is ever put in a shell string: the server spawns argv arrays; these rules
 * refuse what would be dangerous if it were, and what tmux/ssh would read as an option (a leading `-`).
 */
import { z } from 'zod';

export type TerminalKind = 'local' | 'ssh' | 'tmux';
export const TERMINAL_KINDS = ['local', 'ssh', 'tmux'] as const satisfies readonly TerminalKind[];

export interface TerminalExit {
  /** The process's exit code, null when a signal ended it. */
  code: number | null;
  signal: number | null;
  at: number;
}

export interface TerminalInfo {
  /** `term-<random>`, made by the server. */
  id: string;
  kind: TerminalKind;
  title: string;
  cwd: string | null;
  /** The command as given (argv joined by spaces), null for a login shell or a tmux view. */
  command: string | null;
  /** As given to `create` (`[socket#]target`), for tmux views. */
  tmuxTarget: string | null;
  host: string | null;
  pid: number | null;
  cols: number;
  rows: number;
  createdAt: number;
  /** Set once the process ended ("exited (code N)"); the terminal stays listed until closed. */
  exit: TerminalExit | null;
  /** The viewer that types now (single writer); null when nobody has typed yet or the writer left. */
  writer: string | null;
  /** Subscribed viewers. */
  viewers: number;
  /** The agent session linked to it, when known. */
  sessionId: string | null;
}

/**
 * What `terminals.output` yields (each `tracked(id, msg)`). `hello` comes first and again after a resync (a viewer
 * that fell too far behind). On `hello` with `resumed: false` a client resets its screen, then writes the `data`
 * that follows (the replay of the buffer, then live output); `resumed: true` (a reconnect with a `lastEventId` still
 * in the buffer) means only what was missed follows: keep the screen.
 */
export type TerminalOutputMessage =
  | { type: 'hello'; viewerId: string; resumed: boolean; info: TerminalInfo }
  | { type: 'data'; data: string }
  | { type: 'info'; info: TerminalInfo }
  | { type: 'exit'; code: number | null; signal: number | null };

/** Spec §8.6: characters a shell would interpret. */
export const SHELL_METACHARS = /[;|&$`\\!><()\n\r{}[\]]/;
const hasControl = (s: string) => [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

const noMeta = (s: string) => !SHELL_METACHARS.test(s) && !hasControl(s);
const metaMessage = (field: string) => `${field}: shell metacharacters or control characters are not allowed`;

/** A working directory: absolute or `~`-relative, at most 1024 characters, no metacharacters (after a leading `~`). */
export const terminalCwdSchema = z
  .string()
  .min(1, 'cwd: empty')
  .max(1024, 'cwd: at most 1024 characters')
  .refine((s) => noMeta(s.replace(/^~/, '')), metaMessage('cwd'))
  .refine(
    (s) => s.startsWith('/') || s === '~' || s.startsWith('~/'),
    'cwd: must be absolute or start with ~/',
  );

/**
 * Splits a command into argv like a shell would for plain words: spaces separate arguments; '…' or "…" group words
 * (no escapes: backslash, `$` and backquote are refused anyway). Null when a quote is not closed. No shell runs it.
 */
export function commandArgv(command: string): string[] | null {
  const argv: string[] = [];
  let word: string | null = null;
  let quote: string | null = null;
  for (const ch of command) {
    if (quote) {
      if (ch === quote) quote = null;
      else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      word ??= '';
    } else if (ch === ' ' || ch === '\t') {
      if (word !== null) argv.push(word);
      word = null;
    } else word = (word ?? '') + ch;
  }
  if (quote) return null;
  if (word !== null) argv.push(word);
  return argv;
}

/**
 * A command, run as argv (no shell): at most 512 characters, no metacharacters, balanced quotes, and a program
 * that does not start with `-`.
 */
export const terminalCommandSchema = z
  .string()
  .max(512, 'command: at most 512 characters')
  .refine((s) => s.trim().length > 0, 'command: empty')
  .refine(noMeta, metaMessage('command'))
  .refine((s) => commandArgv(s) !== null, 'command: a quote is not closed')
  .refine((s) => !(commandArgv(s)?.[0] ?? '').startsWith('-'), 'command: the program must not start with -')
  .refine((s) => (commandArgv(s)?.[0] ?? '') !== '', 'command: no program');

/** A tmux socket: a name (`-L`) or an absolute path (`-S`). */
const TMUX_SOCKET_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const TMUX_SOCKET_PATH = /^\/[A-Za-z0-9_./-]{1,255}$/;
/** A tmux target: `session[:window[.pane]]`, `%pane`, `@window` or `$session` ids; no leading `-`. */
const TMUX_TARGET = /^(?!-)[A-Za-z0-9_.:%@$-]{1,128}$/;

export interface TmuxTargetParts {
  /** `{ name }` for `-L name`, `{ path }` for `-S path`, null for tmux's default socket. */
  socket: { name: string } | { path: string } | null;
  target: string;
}

/**
 * Parses `[socket#]target`: `work:1.0`, `%3`, `flightdeck-test#agent`, `/tmp/tmux-1000/default#%3`. Null when
 * invalid. `$` is accepted only as tmux's session-id prefix (`$3`): tmux gets it as one argv item, never a shell.
 */
export function parseTmuxTarget(s: string): TmuxTargetParts | null {
  const hash = s.indexOf('#');
  const socketPart = hash === -1 ? null : s.slice(0, hash);
  const target = hash === -1 ? s : s.slice(hash + 1);
  if (!TMUX_TARGET.test(target)) return null;
  if (/\$/.test(target) && !/^\$[0-9]+$/.test(target)) return null;
  if (socketPart === null) return { socket: null, target };
  if (TMUX_SOCKET_PATH.test(socketPart) && !socketPart.split('/').includes('..'))
    return { socket: { path: socketPart }, target };
  if (TMUX_SOCKET_NAME.test(socketPart) && !socketPart.startsWith('-') && socketPart !== '..')
    return { socket: { name: socketPart }, target };
  return null;
}

/** tmux's socket options for parsed target parts: `-L name`, `-S path`, or none for the default server. */
export function tmuxSocketArgs(parts: TmuxTargetParts): string[] {
  if (parts.socket === null) return [];
  return 'name' in parts.socket ? ['-L', parts.socket.name] : ['-S', parts.socket.path];
}

export const tmuxTargetSchema = z
  .string()
  .max(400, 'tmuxTarget: too long')
  .refine(
    (s) => parseTmuxTarget(s) !== null,
    'tmuxTarget: expected [socket#]target, target like session:window.pane, %pane, @window or $session (letters, digits, _ . : % @ -)',
  );

/** A host name or address: at most 255 characters, no metacharacters, spaces or a leading `-`. */
export const terminalHostSchema = z
  .string()
  .min(1, 'host: empty')
  .max(255, 'host: at most 255 characters')
  .refine(noMeta, metaMessage('host'))
  .refine((s) => !/\s/.test(s) && !s.startsWith('-'), 'host: no spaces and no leading -');

export const TERMINAL_ENV_KEY = /^[A-Z_][A-Z0-9_]*$/;

/** Extra environment for the PTY (API keys go here, never on a command line). Values are never logged. */
export const terminalEnvSchema = z
  .record(
    z.string().max(128).regex(TERMINAL_ENV_KEY, 'env: keys must match ^[A-Z_][A-Z0-9_]*$'),
    z
      .string()
      .max(32_768, 'env: a value is at most 32768 characters')
      .refine((v) => !v.includes('\u0000'), 'env: a value must not contain NUL'),
  )
  .refine((e) => Object.keys(e).length <= 64, 'env: at most 64 variables');

export const terminalSizeSchema = {
  cols: z.number().int().min(2).max(1000),
  rows: z.number().int().min(1).max(500),
};

export const terminalCreateInputSchema = z
  .object({
    kind: z.enum(TERMINAL_KINDS),
    cwd: terminalCwdSchema.optional(),
    command: terminalCommandSchema.optional(),
    host: terminalHostSchema.optional(),
    tmuxTarget: tmuxTargetSchema.optional(),
    title: z.string().max(200).optional(),
    env: terminalEnvSchema.optional(),
    ...terminalSizeSchema,
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.kind === 'tmux' && v.tmuxTarget === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['tmuxTarget'],
        message: 'tmuxTarget: required for a tmux terminal',
      });
    if (v.kind === 'local' && v.tmuxTarget !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['tmuxTarget'],
        message: 'tmuxTarget: only for a tmux or ssh terminal',
      });
    if (v.kind !== 'local' && v.tmuxTarget !== undefined && v.command !== undefined)
      ctx.addIssue({ code: 'custom', path: ['command'], message: 'command: a tmux view runs no command' });
    if (v.kind === 'ssh' && v.host === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['host'],
        message: 'host: required for an ssh terminal (a configured SSH host name)',
      });
  });
export type TerminalCreateInput = z.infer<typeof terminalCreateInputSchema>;

export const terminalIdSchema = z.string().regex(/^term-[A-Za-z0-9_-]{1,64}$/, 'id: not a terminal id');
export const viewerIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'viewerId: letters, digits, _ and -');
