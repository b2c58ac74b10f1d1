/**
 * `terminal-type`: types a queued prompt (issue 16) into the session's Flightdeck terminal as the system writer (a
 * viewer's keystrokes and this never interleave within one write; the single-writer rule is for viewers), waits
 * `enterDelayMs`, then presses Enter. Text with line breaks goes as one bracketed paste, so its lines stay one prompt.
 * Measured with Claude Code 2.1.328 (claude-queue.e2e.test.ts): it took a one-line and a three-line 560-character
 * prompt with or without the pause and with or without the paste brackets; the pause is kept as the margin the
 * interactive tests use for input boxes that read a burst ending in Enter as a paste (the Enter then stays in the
 * box). When there is no terminal to type into (closed, exited, not on this server since a restart), the core is told
 * (`queue-undelivered`) and nothing is typed.
 */
import type { EffectContext, EffectModule } from './types.js';

/** What the handler may do to a terminal: type as the system, and say whether it still runs. */
export interface TypingTarget {
  typeAsSystem(data: string): void;
  readonly exit: unknown;
}

export interface TerminalTypingOptions {
  /** The terminal `id`, or why there is none. */
  terminal(id: string): TypingTarget | string;
  /** Between the text and its Enter, ms (default 300). */
  enterDelayMs?: number;
}

/** Between a queued prompt's text and its Enter (see above). */
export const ENTER_DELAY_MS = 300;

/** The keystrokes of a prompt: as is on one line; several lines as one bracketed paste (CRLF made LF). */
export function promptKeystrokes(text: string): string {
  const t = text.replace(/\r\n?/g, '\n');
  return t.includes('\n') ? `\u001b[200~${t}\u001b[201~` : t;
}

export function createTerminalTypingEffects(
  ctx: EffectContext,
  opts: TerminalTypingOptions,
): EffectModule<'terminal-type'> {
  const pending = new Set<NodeJS.Timeout>();
  const delay = opts.enterDelayMs ?? ENTER_DELAY_MS;
  const undelivered = (eff: { sessionId: string; itemId: string; terminalId: string }, reason: string) => {
    ctx.log.warn({ ...eff, reason }, 'queued prompt not typed in');
    ctx.submit({ type: 'queue-undelivered', ...eff, reason }, 'queue-undelivered');
  };
  /** Types `data` into the terminal, or returns why it could not. */
  const type = (terminalId: string, data: string): string | null => {
    const t = opts.terminal(terminalId);
    if (typeof t === 'string') return t;
    if (t.exit) return `terminal ${terminalId} has exited`;
    try {
      t.typeAsSystem(data);
      return null;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  };
  return {
    handlers: {
      'terminal-type': (eff) => {
        const ids = { sessionId: eff.sessionId, itemId: eff.itemId, terminalId: eff.terminalId };
        const failed = type(eff.terminalId, promptKeystrokes(eff.text));
        if (failed) {
          undelivered(ids, failed);
          return;
        }
        const timer = setTimeout(() => {
          pending.delete(timer);
          const late = type(eff.terminalId, '\r');
          if (late) undelivered(ids, late);
        }, delay);
        pending.add(timer);
      },
    },
    stop() {
      for (const t of pending) clearTimeout(t);
      pending.clear();
    },
  };
}
