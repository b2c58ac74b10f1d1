/**
 * The prompt queue of a session (issue 16): prompts waiting to be typed into the session's Flightdeck terminal,
 * the first one when the agent next waits for input. The one source of these shapes and bounds: the core keeps
 * the queue, the database stores it (`prompt_queue`), the server validates `queue.*` inputs and the web shows it.
 * No zod here: the web bundles this file (through `domain.ts`).
 */

/** Prompts a session's queue holds at most. */
export const QUEUE_MAX_ITEMS = 50;
/** Longest queued prompt, UTF-8 bytes. */
export const QUEUE_MAX_TEXT_BYTES = 8192;
/** Longest item id. */
export const QUEUE_MAX_ID = 128;

/** `queued`: waiting its turn; `sent`: typed into the terminal, not yet seen as a prompt by the agent's hooks. */
export const QUEUED_PROMPT_STATES = ['queued', 'sent'] as const;
export type QueuedPromptState = (typeof QUEUED_PROMPT_STATES)[number];

export interface QueuedPrompt {
  id: string;
  text: string;
  state: QueuedPromptState;
  createdAt: number;
  updatedAt: number;
  /** When it was typed into the terminal (state `sent`), else null. */
  sentAt: number | null;
}

/** UTF-8 length of `s` in bytes (no Node or DOM API: the core uses it too). */
export function utf8Bytes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i += 1;
    } else n += 3;
  }
  return n;
}

/**
 * Control characters a prompt may not hold: they would reach the agent's terminal as keys (Ctrl-C, Escape, the end
 * of a bracketed paste), not as text. Tab and line ends are text.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** Why a prompt's text is refused, or null when it may be queued (not blank, no control keys, within the bound). */
export function queueTextProblem(text: string): string | null {
  if (text.trim() === '') return 'expected a prompt (not blank)';
  const control = CONTROL.exec(text);
  if (control)
    return `control character U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} is not allowed (it would be a key, not text)`;
  const bytes = utf8Bytes(text);
  if (bytes > QUEUE_MAX_TEXT_BYTES) return `at most ${QUEUE_MAX_TEXT_BYTES} bytes (got ${bytes})`;
  return null;
}
