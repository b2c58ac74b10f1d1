import { endReasonLabel } from '@flightdeck/core/plain';
import type { SessionStatus } from '@flightdeck/shared-types';
import type { LiveSession, Session } from '../data/types.js';

export { endReasonLabel };

export interface StatusMeta {
  /** Short visible label. */
  label: string;
  /** Sentence for screen readers and tooltips. */
  description: string;
  /** Glyph drawn inside the badge (decorative; the label carries the meaning). */
  icon: string;
  /** Badge shape, so status is distinguishable without colour. */
  shape: 'circle' | 'diamond' | 'square' | 'bubble' | 'ring';
  /** True when a human is needed. */
  needsYou: boolean;
  /** Sort weight: lower comes first. */
  rank: number;
  /**
   * Place on the attention-ordered board: 0 needs you, 1 working, 2 done and waiting, 3 idle; ended sessions
   * (4) go to their own section below the live ones.
   */
  tier: 0 | 1 | 2 | 3 | 4;
}

export const STATUS_META: Record<SessionStatus, StatusMeta> = {
  approval: {
    label: 'Needs approval',
    description: 'Waiting for you to approve a tool call',
    icon: '!',
    shape: 'diamond',
    needsYou: true,
    rank: 0,
    tier: 0,
  },
  input: {
    label: 'Needs input',
    description: 'Waiting for your answer',
    icon: '?',
    shape: 'bubble',
    needsYou: true,
    rank: 1,
    tier: 0,
  },
  working: {
    label: 'Working',
    description: 'Running a tool',
    icon: '▶',
    shape: 'circle',
    needsYou: false,
    rank: 2,
    tier: 1,
  },
  prompting: {
    label: 'Thinking',
    description: 'Prompt submitted, agent is thinking',
    icon: '…',
    shape: 'circle',
    needsYou: false,
    rank: 3,
    tier: 1,
  },
  waiting: {
    label: 'Done, waiting',
    description: 'Turn finished, ready for your next prompt',
    icon: '✓',
    shape: 'square',
    needsYou: false,
    rank: 4,
    tier: 2,
  },
  connecting: {
    label: 'Connecting',
    description: 'Terminal connecting',
    icon: '↻',
    shape: 'ring',
    needsYou: false,
    rank: 5,
    tier: 3,
  },
  idle: {
    label: 'Idle',
    description: 'No recent activity',
    icon: '–',
    shape: 'ring',
    needsYou: false,
    rank: 6,
    tier: 3,
  },
  ended: {
    label: 'Ended',
    description: 'Session ended',
    icon: '■',
    shape: 'square',
    needsYou: false,
    rank: 7,
    tier: 4,
  },
};

export function needsYou(s: Pick<Session, 'status'>): boolean {
  return STATUS_META[s.status].needsYou;
}

/** Tools whose target is a file: "Edit src/app.ts" rather than "Edit: src/app.ts". */
const FILE_TOOLS = new Set(['Read', 'Edit', 'MultiEdit', 'Write', 'NotebookEdit', 'read_file', 'write_file']);

/** The running tool and its target: "Bash: npm test", "Edit src/app.ts", or the tool alone. */
export function toolLine(tool: string, summary: string | null | undefined): string {
  if (!summary) return tool;
  return FILE_TOOLS.has(tool) ? `${tool} ${summary}` : `${tool}: ${summary}`;
}

/**
 * What the card's activity line shows: what the agent is doing now. The pending question when it waits for
 * you, the running tool and its target, else its latest text; for an ended session, why it ended in plain
 * words. Never the prompt again (the title already shows it).
 */
export function activityLine(
  s: Pick<
    LiveSession,
    | 'status'
    | 'waitingDetail'
    | 'pendingApproval'
    | 'statusReason'
    | 'currentTool'
    | 'currentToolSummary'
    | 'endReason'
    | 'lastResponse'
  >,
): string {
  if (s.status === 'approval' || s.status === 'input') {
    return s.waitingDetail ?? s.pendingApproval?.detail ?? s.statusReason.detail;
  }
  if (s.status === 'ended') return endReasonLabel(s.endReason);
  if (s.currentTool) return toolLine(s.currentTool, s.currentToolSummary);
  // the agent's latest text of this turn (the transcript has it as it writes, between tool calls)
  if (s.lastResponse) return s.lastResponse;
  if (s.status === 'prompting') return 'Thinking…';
  if (s.status === 'connecting') return 'Waiting for the agent to start';
  return s.status === 'working' ? 'Working…' : 'No activity yet';
}

/** Title shown on a card: the label wins, then the title, then the project. */
export function displayTitle(s: Pick<Session, 'label' | 'title' | 'projectName'>): string {
  return s.label?.trim() || s.title?.trim() || s.projectName;
}

export function accentOf(s: Pick<Session, 'accentColor' | 'agentColor'>): string | null {
  return s.accentColor ?? s.agentColor ?? null;
}
