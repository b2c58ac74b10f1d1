import type { Session, SessionStatus } from '@flightdeck/shared-types';
import type { LiveSession } from '../data/types.js';

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
}

export const STATUS_META: Record<SessionStatus, StatusMeta> = {
  approval: {
    label: 'Needs approval',
    description: 'Waiting for you to approve a tool call',
    icon: '!',
    shape: 'diamond',
    needsYou: true,
    rank: 0,
  },
  input: {
    label: 'Needs input',
    description: 'Waiting for your answer',
    icon: '?',
    shape: 'bubble',
    needsYou: true,
    rank: 1,
  },
  working: {
    label: 'Working',
    description: 'Running a tool',
    icon: '▶',
    shape: 'circle',
    needsYou: false,
    rank: 2,
  },
  prompting: {
    label: 'Thinking',
    description: 'Prompt submitted, agent is thinking',
    icon: '…',
    shape: 'circle',
    needsYou: false,
    rank: 3,
  },
  waiting: {
    label: 'Done, waiting',
    description: 'Turn finished, ready for your next prompt',
    icon: '✓',
    shape: 'square',
    needsYou: false,
    rank: 4,
  },
  connecting: {
    label: 'Connecting',
    description: 'Terminal connecting',
    icon: '↻',
    shape: 'ring',
    needsYou: false,
    rank: 5,
  },
  idle: {
    label: 'Idle',
    description: 'No recent activity',
    icon: '–',
    shape: 'ring',
    needsYou: false,
    rank: 6,
  },
  ended: {
    label: 'Ended',
    description: 'Session ended',
    icon: '■',
    shape: 'square',
    needsYou: false,
    rank: 7,
  },
};

export function needsYou(s: Pick<Session, 'status'>): boolean {
  return STATUS_META[s.status].needsYou;
}

/** What the card's detail line shows: the pending question, the running tool, or the prompt. */
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
    | 'currentPrompt'
  >,
): string {
  if (s.status === 'approval' || s.status === 'input') {
    return s.waitingDetail ?? s.pendingApproval?.detail ?? s.statusReason.detail;
  }
  if (s.currentTool) {
    return s.currentToolSummary ? `${s.currentTool}: ${s.currentToolSummary}` : s.currentTool;
  }
  if (s.status === 'ended') return s.endReason ? `Ended: ${s.endReason}` : 'Ended';
  return s.currentPrompt ?? s.statusReason.detail;
}

/** Title shown on a card: the label wins, then the title, then the project. */
export function displayTitle(s: Pick<Session, 'label' | 'title' | 'projectName'>): string {
  return s.label?.trim() || s.title?.trim() || s.projectName;
}

export function accentOf(s: Pick<Session, 'accentColor' | 'agentColor'>): string | null {
  return s.accentColor ?? s.agentColor ?? null;
}
