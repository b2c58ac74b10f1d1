import type { LineageLink, StatusReason, TerminalSource } from '@flightdeck/shared-types';
import type { Session } from '../data/types.js';

/**
 * Plain words for the codes the core and the CLIs record (hook event names, timer kinds, terminal sources,
 * permission modes, status causes), so the board and the detail page never show a code. End reasons have theirs in
 * `@flightdeck/core/plain` (`endReasonLabel`).
 */

/** Codes whose words are not their spelling split up. Anything else: `codeWords` spells it out. */
const CODE_WORDS: Readonly<Record<string, string>> = {
  // Claude Code hook events
  SessionStart: 'Session started',
  SessionEnd: 'Session ended',
  UserPromptSubmit: 'Prompt submitted',
  PreToolUse: 'Tool started',
  PostToolUse: 'Tool finished',
  PostToolUseFailure: 'Tool failed',
  PermissionRequest: 'Permission request',
  PermissionDenied: 'Permission denied',
  Notification: 'Notification',
  Stop: 'Turn finished',
  StopFailure: 'Turn failed',
  SubagentStart: 'Subagent started',
  SubagentStop: 'Subagent finished',
  PreCompact: 'Compacting',
  PostCompact: 'Compacted',
  CwdChanged: 'Directory changed',
  // Gemini CLI / Codex hook events
  BeforeTool: 'Tool started',
  AfterTool: 'Tool finished',
  BeforeAgent: 'Prompt submitted',
  AfterAgent: 'Turn finished',
  // Core timers, process checks and bookkeeping
  'auto-idle': 'Auto-idle',
  'approval-heuristic': 'No answer within the timeout',
  'pid-dead': 'Process exited',
  'task-notification': 'Task notification',
  'resume-requested': 'Resume requested',
  matched: 'Linked to its terminal',
  created: 'Card created',
  cleared: 'Cleared with /clear',
  resumed: 'Resumed',
  kill: 'Kill',
  restore: 'Server restart',
  restored: 'Server restart',
};

/**
 * A code in words: known ones from the table, others spelled out in sentence case (`PermissionRequest` →
 * "Permission request", `task-notification` → "Task notification", `api_error` → "Api error").
 */
export function codeWords(code: string): string {
  if (Object.hasOwn(CODE_WORDS, code)) return CODE_WORDS[code]!;
  const words = code
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
  return words ? words[0]!.toUpperCase() + words.slice(1) : '';
}

/** The same words, starting lower case, for use inside a sentence ("timer (auto-idle)"). */
function inlineWords(code: string): string {
  const w = codeWords(code);
  // Keep proper nouns and acronyms ("SSH") as they are.
  return /^[A-Z][a-z]/.test(w) ? w[0]!.toLowerCase() + w.slice(1) : w;
}

/**
 * Where a status (or its reason) came from, in words: "hook event “Permission request”", "transcript
 * (interrupt)", "timer (auto-idle)", "process check", "your action", "server restart".
 */
export function causeLabel(reason: Pick<StatusReason, 'cause' | 'trigger'>): string {
  const t = reason.trigger?.trim() ?? '';
  switch (reason.cause) {
    case 'event':
      return t ? `hook event “${codeWords(t)}”` : 'hook event';
    case 'transcript':
      return t ? `transcript (${inlineWords(t)})` : 'transcript';
    case 'timer':
      return t ? `timer (${inlineWords(t)})` : 'timer';
    case 'pid':
      return 'process check';
    case 'user':
      return 'your action';
    case 'restore':
      return 'server restart';
    default:
      return t ? codeWords(t) : 'unknown source';
  }
}

const TERMINAL_WORDS: Readonly<Record<TerminalSource, string | null>> = {
  flightdeck: 'Flightdeck terminal',
  ssh: 'SSH',
  vscode: 'VS Code',
  jetbrains: 'JetBrains IDE',
  iterm: 'iTerm',
  warp: 'Warp',
  kitty: 'kitty',
  ghostty: 'Ghostty',
  alacritty: 'Alacritty',
  wezterm: 'WezTerm',
  hyper: 'Hyper',
  terminal: 'Terminal',
  tmux: 'tmux',
  unknown: null,
};

/** The terminal in words ("VS Code", "tmux"), or null when it was not detected. */
export function terminalLabel(source: string | null | undefined): string | null {
  if (!source) return null;
  if (Object.hasOwn(TERMINAL_WORDS, source)) return TERMINAL_WORDS[source as TerminalSource];
  return codeWords(source) || null;
}

const PERMISSION_MODE_WORDS: Readonly<Record<string, string>> = {
  default: 'asks before acting',
  acceptEdits: 'accepts edits',
  plan: 'plan mode',
  bypassPermissions: 'bypasses permissions',
  dontAsk: 'does not ask',
};

/** The permission mode in words ("accepts edits", "plan mode"). */
export function permissionModeLabel(mode: string): string {
  return Object.hasOwn(PERMISSION_MODE_WORDS, mode) ? PERMISSION_MODE_WORDS[mode]! : inlineWords(mode);
}

/** The status timeline (oldest first); sessions stored before it existed have none. */
export function statusHistoryOf(s: Pick<Session, 'statusHistory'>): StatusReason[] {
  return Array.isArray(s.statusHistory) ? s.statusHistory : [];
}

/** The card's links to the cards it continues or that continue it; none for sessions stored before them. */
export function lineageOf(s: Pick<Session, 'lineage'>): LineageLink[] {
  return Array.isArray(s.lineage) ? s.lineage : [];
}

/** The card this one continues (its latest predecessor), if any. */
export function predecessorOf(s: Pick<Session, 'lineage'>): LineageLink | null {
  return lineageOf(s).findLast((l) => l.direction === 'predecessor') ?? null;
}

/** "after /clear" or "resumed": how a card continues another, for its marker. */
export function relationWords(relation: LineageLink['relation']): string {
  return relation === 'cleared' ? 'after /clear' : 'resumed';
}

/**
 * A lineage link as a sentence around the other card's name: "Continues X (after /clear)", "Continued in X (after
 * /clear)", "Resumed from X", "Resumed in X". Returns the parts before and after the name.
 */
export function lineageWords(link: Pick<LineageLink, 'relation' | 'direction'>): {
  before: string;
  after: string;
} {
  if (link.relation === 'cleared') {
    return link.direction === 'predecessor'
      ? { before: 'Continues', after: '(after /clear)' }
      : { before: 'Continued in', after: '(after /clear)' };
  }
  return link.direction === 'predecessor'
    ? { before: 'Resumed from', after: '' }
    : { before: 'Resumed in', after: '' };
}

/** First 8 characters of a session id, for when nothing better names it. */
export function shortId(id: string): string {
  return id.length > 8 ? id.slice(0, 8) : id;
}
