/**
 * Shell-ready detection (spec §8.3): the PTY's output is buffered (last 4096 characters), ANSI sequences stripped;
 * after 100 ms of silence the last non-empty line is checked for a prompt (`[#$%>]` at its end, under 200
 * characters). Resolves true on a prompt, false on the timeout (the caller sends the command anyway, with a warning).
 */
import stripAnsi from 'strip-ansi';

export const PROMPT = /[#$%>]\s*$/;

export function looksLikePrompt(output: string): boolean {
  const lines = stripAnsi(output)
    .replace(/\r/g, '\n')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const last = lines[lines.length - 1];
  return last !== undefined && last.length < 200 && PROMPT.test(last);
}

export interface ReadySource {
  /** Subscribes to the PTY's output; returns the unsubscribe. */
  onOutput(listener: (data: string) => void): () => void;
  /** Already ended (no prompt will come). */
  readonly ended: boolean;
}

export function waitForShellReady(
  src: ReadySource,
  opts: { timeoutMs: number; settleMs?: number; initial?: string },
): Promise<boolean> {
  const settleMs = opts.settleMs ?? 100;
  return new Promise((resolve) => {
    let buffer = (opts.initial ?? '').slice(-4096);
    let settle: NodeJS.Timeout | null = null;
    const finish = (ok: boolean) => {
      if (settle) clearTimeout(settle);
      clearTimeout(timeout);
      off();
      resolve(ok);
    };
    const check = () => {
      if (looksLikePrompt(buffer)) finish(true);
    };
    const timeout = setTimeout(() => finish(false), opts.timeoutMs);
    const off = src.onOutput((data) => {
      buffer = (buffer + data).slice(-4096);
      if (settle) clearTimeout(settle);
      settle = setTimeout(check, settleMs);
    });
    if (src.ended) finish(false);
    else if (buffer) settle = setTimeout(check, settleMs);
  });
}
