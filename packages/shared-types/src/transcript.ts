import { z } from 'zod';

const at = z.number().finite().nullable();
const count = z.number().finite().nullable();
/** Informative only (the core decides nothing on it): whatever is there reads as null when it is not text. */
const lenientText = z.string().nullable().catch(null);
/** A token count of one API response (the API reports integers; a billion per message is far beyond any model). */
const tokens = z.number().int().nonnegative().max(1e9);

/**
 * What an agent's transcript (its session file: Claude Code's `transcript_path`, Codex rollout files) says that its
 * hooks do not, one entry as the transcript follower hands it to the core. The one source of this shape: the type
 * is inferred from it, and the core validates every `transcript` input with it.
 */
export const transcriptEntryBodySchema = z.discriminatedUnion('kind', [
  /** The user interrupted the agent (Esc): while a tool call was pending (`atToolPrompt`) or mid-turn. */
  z.object({ kind: z.literal('interrupted'), atToolPrompt: z.boolean() }),
  /** The model API failed; `attempt`/`maxAttempts`/`retryInMs` when the CLI retries, all null when it gave up. */
  z.object({
    kind: z.literal('api-error'),
    message: z.string(),
    attempt: count,
    maxAttempts: count,
    retryInMs: count,
  }),
  /** The conversation was compacted (`trigger`: `auto` or `manual`; tokens before, when recorded). */
  z.object({ kind: z.literal('compacted'), trigger: lenientText, preTokens: count }),
  /**
   * A tool call the session file records as failed where the hooks could not tell (Codex 0.171.0: a command that
   * exited non-zero; its PostToolUse carries the output only). `toolUseId` is the hooks' `tool_use_id`.
   */
  z.object({ kind: z.literal('tool-failed'), toolUseId: z.string().min(1).max(200), error: z.string() }),
  /** Text the assistant wrote (between tool calls, or its answer); one entry per message block. */
  z.object({ kind: z.literal('assistant-text'), text: z.string(), messageId: lenientText }),
  /**
   * The token usage an assistant message reports (Claude Code writes one line per content block of a message, each
   * with the message's usage so far: the last line of a message holds its final usage). One API response is
   * `messageId` + `requestId`; `cacheWrite5mTokens`/`cacheWrite1hTokens` split the cache writes by lifetime
   * (writes the CLI did not split are counted as 5-minute ones, the API's default).
   */
  z.object({
    kind: z.literal('usage'),
    messageId: z.string().min(1).max(200),
    requestId: z.string().min(1).max(200).nullable(),
    model: z.string().min(1).max(200),
    inputTokens: tokens,
    outputTokens: tokens,
    cacheReadTokens: tokens,
    cacheWrite5mTokens: tokens,
    cacheWrite1hTokens: tokens,
  }),
]);
export type TranscriptEntryBody = z.infer<typeof transcriptEntryBodySchema>;

export const transcriptEntrySchema = transcriptEntryBodySchema.and(
  z.object({
    /** When the agent wrote the entry (its timestamp, Unix ms), or null when it has none. */
    at,
    /** The entry's own id (Claude Code `uuid`), when it has one. */
    uuid: z.string().nullable(),
    /** Set when the entry belongs to a subagent (a sidechain transcript). */
    agentId: z.string().nullable(),
  }),
);
export type TranscriptEntry = z.infer<typeof transcriptEntrySchema>;
