/**
 * Launching and resuming agents in terminals (issue 16): `terminals.launch` starts an agent CLI in a PTY (or in a
 * tmux session the PTY attaches to), `terminals.resume` starts `claude --resume <id>` for a past Claude session.
 * The first prompt is one argv element of the CLI (after `--`), never part of a shell string.
 */
import { z } from 'zod';
import { AGENT_CLIS } from './domain.js';
import { sshHostNameSchema } from './ssh.js';
import { terminalCwdSchema, terminalEnvSchema, terminalSizeSchema } from './terminals.js';

/** Claude Code's `--permission-mode` values offered from the dashboard. */
export const CLAUDE_PERMISSION_MODES = ['default', 'acceptEdits', 'plan', 'bypassPermissions'] as const;
export type ClaudePermissionMode = (typeof CLAUDE_PERMISSION_MODES)[number];

/** A first prompt: any text (it is one argv element, no shell reads it), up to 16000 characters, no NUL. */
export const launchPromptSchema = z
  .string()
  .min(1, 'prompt: empty')
  .max(16_000, 'prompt: at most 16000 characters')
  .refine((s) => !s.includes('\u0000'), 'prompt: must not contain NUL');

export const terminalLaunchInputSchema = z
  .object({
    cli: z.enum(AGENT_CLIS),
    cwd: terminalCwdSchema,
    prompt: launchPromptSchema.optional(),
    /** Run the agent in a new tmux session (its own tmux server) that the terminal attaches to. */
    tmux: z.boolean().optional(),
    permissionMode: z.enum(CLAUDE_PERMISSION_MODES).optional(),
    /** A configured SSH host's name (config `ssh.hosts`); absent: this machine. */
    host: sshHostNameSchema.optional(),
    title: z.string().max(200).optional(),
    /** Extra environment for the agent (API keys go here, never on a command line); values are never logged. */
    env: terminalEnvSchema.optional(),
    ...terminalSizeSchema,
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.permissionMode !== undefined && v.cli !== 'claude')
      ctx.addIssue({
        code: 'custom',
        path: ['permissionMode'],
        message: 'permissionMode: only for claude',
      });
    // On a host the command line is typed into a shell (quoted): a control character would be a keystroke.
    if (
      v.host !== undefined &&
      v.prompt !== undefined &&
      [...v.prompt].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)
    )
      ctx.addIssue({
        code: 'custom',
        path: ['prompt'],
        message: 'prompt: on an SSH host, no control characters (newlines, tabs, escapes)',
      });
    if (v.host !== undefined && v.prompt !== undefined && v.prompt.length > 3000)
      ctx.addIssue({
        code: 'custom',
        path: ['prompt'],
        message: 'prompt: on an SSH host, at most 3000 characters (it is typed on one line)',
      });
  });
export type TerminalLaunchInput = z.infer<typeof terminalLaunchInputSchema>;

export const terminalResumeInputSchema = z
  .object({
    /** The card to resume (a Claude session). */
    sessionId: z.string().min(1, 'sessionId: empty').max(200, 'sessionId: too long'),
    tmux: z.boolean().optional(),
    title: z.string().max(200).optional(),
    env: terminalEnvSchema.optional(),
    ...terminalSizeSchema,
  })
  .strict();
export type TerminalResumeInput = z.infer<typeof terminalResumeInputSchema>;

/** A Claude session id as `claude --resume` takes it (a UUID); anything else never reaches its command line. */
export const CLAUDE_SESSION_ID =
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
