/**
 * Plain words for what the CLIs report in codes: why a session ended, and system messages that arrive through
 * the prompt hook. Pure; the web shows these strings as they are.
 */

/** The end reason the core records when the session ends after a kill from the dashboard. */
export const KILLED_END_REASON = 'killed';
/** The end reason the core records when the session's process is found dead (no SessionEnd). */
export const PROCESS_EXITED_END_REASON = 'process-exited';

/** Every end reason the core knows, with its plain words. */
export const END_REASON_LABELS: Readonly<Record<string, string>> = {
  [KILLED_END_REASON]: 'Killed from Flightdeck',
  [PROCESS_EXITED_END_REASON]: 'Process exited',
  // Claude Code / Gemini CLI SessionEnd `reason`
  clear: 'Cleared with /clear',
  resume: 'Switched to another session with /resume',
  logout: 'Logged out',
  prompt_input_exit: 'Exited',
  exit: 'Exited',
  other: 'Finished',
  bypass_permissions_disabled: 'Stopped: bypass permissions was turned off',
  // Copilot CLI sessionEnd `reason`
  complete: 'Finished',
  user_exit: 'Exited',
  abort: 'Interrupted',
  interrupted: 'Interrupted',
  error: 'Ended with an error',
  timeout: 'Timed out',
};

/**
 * A person's words for an end reason. Known codes are mapped; an unknown code is spelled out ("some_reason" →
 * "Ended: some reason") so nothing raw reaches the board.
 */
export function endReasonLabel(reason: string | null | undefined): string {
  if (reason === null || reason === undefined || reason.trim() === '') return 'Ended';
  const known = Object.hasOwn(END_REASON_LABELS, reason) ? END_REASON_LABELS[reason] : undefined;
  if (known !== undefined) return known;
  const words = reason.replace(/[_-]+/g, ' ').replace(/\s+/g, ' ').trim().toLowerCase().slice(0, 80);
  return words ? `Ended: ${words}` : 'Ended';
}

const TASK_NOTIFICATION_RE = /^\s*<task-notification>/;

/** True for the `<task-notification>` message Claude Code sends (as a UserPromptSubmit) when a subagent stops. */
export function isTaskNotification(prompt: string): boolean {
  return TASK_NOTIFICATION_RE.test(prompt);
}

function tag(text: string, name: string): string | null {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(text);
  const v = m?.[1]?.replace(/\s+/g, ' ').trim();
  return v ? v : null;
}

/** One line for a task notification: its summary (or status), then its result if any. */
export function describeTaskNotification(text: string): string {
  const summary = tag(text, 'summary') ?? `Background task ${tag(text, 'status') ?? 'finished'}`;
  const result = tag(text, 'result');
  return result ? `${summary}: ${result}` : summary;
}

/** Plain words for a SessionStart `source` (Claude Code: startup, resume, clear, compact). */
export function sessionStartLabel(source: string): string {
  switch (source) {
    case 'startup':
      return 'Session started';
    case 'resume':
      return 'Session resumed';
    case 'clear':
      return 'New session after /clear';
    case 'compact':
      return 'Conversation compacted';
    default:
      return `Session started (${source.replace(/[_-]+/g, ' ').slice(0, 40)})`;
  }
}
