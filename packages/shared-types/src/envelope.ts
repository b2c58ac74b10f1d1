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
    /** The agent runs in an SSH session ($SSH_CONNECTION is set). */
    ssh: z.boolean().optional(),
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
    /**
     * Set only by the spool reader (an HTTP sender's value is dropped): the absolute path of the FIFO under
     * `<spool>/hold/` that the hook holds open waiting for a decision on this PermissionRequest.
     */
    hold: z.string().max(4096).optional(),
    /** Set only by the spool reader with `hold`: the pid of the waiting hook process. */
    holdPid: z.number().int().positive().optional(),
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

/**
 * Deepest nesting an envelope may have (objects and arrays, the envelope itself at depth 1). Real hook payloads
 * nest a few levels (tool inputs, permission suggestions: under 20); a payload thousands of levels deep overflows
 * the stack of every recursive JSON walker after it (`JSON.stringify` of the stored event, of a live message), so
 * it is refused at the edge with this bound instead.
 */
export const MAX_ENVELOPE_DEPTH = 100;

/**
 * True when `value` nests objects/arrays deeper than `max` levels. Iterative (a recursive walk is what the bound
 * protects against) and stops at the first level past the bound.
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const stack: Array<{ v: object; d: number }> = [{ v: value, d: 1 }];
  while (stack.length > 0) {
    const { v, d } = stack.pop() as { v: object; d: number };
    if (d > max) return true;
    const children = Array.isArray(v) ? v : Object.values(v);
    for (const c of children) if (typeof c === 'object' && c !== null) stack.push({ v: c, d: d + 1 });
  }
  return false;
}

/**
 * A sender's own id for an event (optional): a retry of the same event with the same id is stored once, whatever
 * happened to the first attempt (timeout, 5xx, a server killed before it answered). Printable ASCII.
 */
export const eventIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, 'expected printable ASCII without spaces');

/** One hook event as delivered to the server: which CLI, the CLI's own payload untouched, and the enrichment. */
export const hookEnvelopeSchema = z
  .object({
    cli: agentCliSchema,
    /** The JSON object the CLI wrote on the hook's stdin (or Codex notify argv), as is. */
    payload: payloadObject,
    meta: hookMetaSchema.default({}),
    /** The sender's id for this event: retries with the same id are stored once (idempotency). */
    id: eventIdSchema.optional(),
  })
  .superRefine((envelope, ctx) => {
    if (nestsDeeperThan(envelope.payload, MAX_ENVELOPE_DEPTH - 1)) {
      ctx.addIssue({
        code: 'custom',
        path: ['payload'],
        message: `nested deeper than ${MAX_ENVELOPE_DEPTH} levels`,
      });
    } else if (nestsDeeperThan(envelope.meta, MAX_ENVELOPE_DEPTH - 1)) {
      ctx.addIssue({
        code: 'custom',
        path: ['meta'],
        message: `nested deeper than ${MAX_ENVELOPE_DEPTH} levels`,
      });
    }
  });
export type HookEnvelope = z.infer<typeof hookEnvelopeSchema>;

/** One raw hook event as accepted and persisted (`hook_events`): what the server stores and a restart replays. */
export interface IngestEvent {
  /** Unique, ordered id of the delivery (spool record id, or one the server made); duplicates are ignored. */
  ingestId: string;
  envelope: HookEnvelope;
  /** Unix ms when the server received it. */
  receivedAt: number;
}
