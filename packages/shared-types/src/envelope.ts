import { z } from 'zod';
import { AGENT_CLIS } from './domain.js';

/**
 * What the hook process adds to the CLI's payload (spec §2.1 enrichment).
 * Every field is optional: hooks from older installs or other machines may lack any of them.
 */
export const hookMetaSchema = z
  .object({
    /** PID of the agent CLI process (the hook's parent). */
    pid: z.number().int().positive().optional(),
    tty: z.string().max(256).optional(),
    termProgram: z.string().max(256).optional(),
    termProgramVersion: z.string().max(256).optional(),
    term: z.string().max(256).optional(),
    vscodePid: z.string().max(64).optional(),
    /** Terminal tab/pane id ($ITERM_SESSION_ID, $KITTY_WINDOW_ID, $WEZTERM_PANE, …). */
    tabId: z.string().max(256).optional(),
    windowId: z.string().max(64).optional(),
    tmux: z.string().max(512).optional(),
    tmuxPane: z.string().max(64).optional(),
    ghostty: z.boolean().optional(),
    /** Terminal id injected by Flightdeck's own PTYs ($FLIGHTDECK_TERMINAL_ID). */
    terminalId: z.string().max(128).optional(),
    projectDir: z.string().max(4096).optional(),
    parentSessionId: z.string().max(256).optional(),
    teamName: z.string().max(256).optional(),
    agentName: z.string().max(256).optional(),
    agentType: z.string().max(256).optional(),
    agentId: z.string().max(256).optional(),
    agentColor: z.string().max(64).optional(),
    /** Unix ms when the hook process captured the event. */
    sentAt: z.number().nonnegative().optional(),
    /** Hook density the hooks were installed with: at high/medium Claude and Codex send PermissionRequest. */
    density: z.enum(['high', 'medium', 'low']).optional(),
    /**
     * The hooks that sent this event also deliver PermissionRequest (true for Claude Code and Codex events from
     * Flightdeck's own hook at every density), so the core need not guess approvals from tool timeouts.
     */
    permissionRequestHooked: z.boolean().optional(),
    /** Host name of the machine the hook ran on. */
    host: z.string().max(256).optional(),
  })
  .passthrough();
export type HookMeta = z.infer<typeof hookMetaSchema>;

export const agentCliSchema = z.enum(AGENT_CLIS);

const kindOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** A JSON object, kept as is (not copied: its fields are validated per event by `parseHookPayload`). */
const payloadObject = z.custom<Record<string, unknown>>(
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  {
    error: (issue) =>
      issue.input === undefined ? 'Required' : `expected object, got ${kindOf(issue.input)}`,
  },
);

/** One hook event as delivered to the server: which CLI, the CLI's own payload untouched, and the enrichment. */
export const hookEnvelopeSchema = z.object({
  cli: agentCliSchema,
  /** The JSON object the CLI wrote on the hook's stdin (or Codex notify argv), as is. */
  payload: payloadObject,
  meta: hookMetaSchema.default({}),
});
export type HookEnvelope = z.infer<typeof hookEnvelopeSchema>;
