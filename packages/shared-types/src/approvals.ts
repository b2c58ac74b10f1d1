import type { AgentCli } from './domain.js';

/**
 * How an approval was closed: decided from Flightdeck (`allowed`/`denied`), answered in the terminal (or the CLI
 * stopped waiting for its hook), not answered within the hold time, the session ended, or the hold was released
 * without a decision (e.g. the server restarted while the hook waited).
 */
export type ApprovalOutcome = 'allowed' | 'denied' | 'terminal' | 'timed_out' | 'session_ended' | 'released';

/** Where a decision came from. */
export type ApprovalVia = 'browser' | 'api' | 'push';

/** A question of `AskUserQuestion`, with its options. */
export interface ApprovalQuestion {
  question: string;
  header?: string;
  multiSelect?: boolean;
  options: Array<{ label: string; description?: string }>;
}

/** A readable rendering of what the agent asks to do. */
export interface ApprovalRendering {
  kind: 'command' | 'diff' | 'url' | 'question' | 'plan' | 'json';
  /** e.g. "Bash wants to run", "Edit src/a.ts", "WebFetch". */
  title: string;
  /** The command, the URL, the plan (markdown) or the input as JSON. */
  text: string;
  /** Edit / MultiEdit / Write (Write: `before` is ''). */
  diff?: { path: string; before: string; after: string };
  questions?: ApprovalQuestion[];
}

/** A pending approval as the dashboard shows it. */
export interface ApprovalView {
  id: string;
  sessionId: string;
  cli: AgentCli;
  project: string | null;
  sessionTitle: string | null;
  tool: string;
  kind: 'approval' | 'input';
  agentId: string | null;
  rendering: ApprovalRendering;
  toolInput: unknown;
  /** The CLI's suggested permission updates. */
  suggestions: unknown[];
  since: number;
  /** A hook is held open for it: it can be answered from Flightdeck. */
  decidable: boolean;
  /** When not decidable: where to answer instead, in words. */
  notDecidableReason: string | null;
}

/** Who decided (the dashboard client). */
export interface ApprovalActor {
  address: string;
  authenticated: boolean;
}

/** One closed approval, as audited. */
export interface ApprovalDecisionRecord {
  id: string;
  sessionId: string;
  tool: string;
  summary: string;
  openedAt: number;
  closedAt: number;
  outcome: ApprovalOutcome;
  message: string | null;
  remember: 'session' | null;
  by: ApprovalActor | null;
  via: ApprovalVia | null;
}

/** A message of `approvals.live`: the pending approvals, then what opened and closed since. */
export type ApprovalLiveMessage =
  | { type: 'snapshot'; approvals: ApprovalView[] }
  | { type: 'opened'; approval: ApprovalView }
  | { type: 'closed'; id: string; sessionId: string; outcome: ApprovalOutcome };
