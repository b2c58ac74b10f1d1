/**
 * Domain types of Flightdeck: what a session is, as every package sees it.
 * Pure data (JSON-serialisable), plus the key lists derived from the types.
 */

// Modules without zod that the web app needs at runtime: its bundle resolves the package to this file.
export * from './capabilities.js';
export * from './host-health.js';
export * from './prompt-queue.js';

export const SESSION_STATUSES = [
  'connecting',
  'idle',
  'prompting',
  'working',
  'approval',
  'input',
  'waiting',
  'ended',
] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** Statuses in which an agent needs a human. */
export const NEEDS_ATTENTION_STATUSES: readonly SessionStatus[] = ['approval', 'input'];

export const AGENT_CLIS = ['claude', 'codex', 'gemini'] as const;
export type AgentCli = (typeof AGENT_CLIS)[number];

export const TERMINAL_SOURCES = [
  'flightdeck',
  'ssh',
  'vscode',
  'jetbrains',
  'iterm',
  'warp',
  'kitty',
  'ghostty',
  'alacritty',
  'wezterm',
  'hyper',
  'terminal',
  'tmux',
  'unknown',
] as const;
export type TerminalSource = (typeof TERMINAL_SOURCES)[number];

/**
 * Where a status (or its reason) came from: `event` a hook event; `transcript` an entry of the agent's transcript
 * (its session file, read by the follower); `timer` an auto-idle or approval-heuristic deadline; `pid` a process
 * check (liveness, child processes); `user` a dashboard action; `restore` a server restart.
 */
export const STATUS_CAUSES = ['event', 'transcript', 'timer', 'pid', 'user', 'restore'] as const;
export type StatusCause = (typeof STATUS_CAUSES)[number];

/** What set a session's current status: the answer to "why is this waiting?". */
export interface StatusReason {
  status: SessionStatus;
  cause: StatusCause;
  /** The hook event name (e.g. `PermissionRequest`), transcript entry (`interrupt`) or timer kind (`auto-idle`). */
  trigger: string;
  /** Human-readable explanation, e.g. "PermissionRequest for Bash: npm test". */
  detail: string;
  /** Unix ms when the session entered this status. */
  at: number;
  /**
   * Unix ms when this reason was set, when later than `at`: the status stayed and its reason moved on (the agent
   * went from one tool call to the next while working). Absent: the reason is as old as the status.
   */
  reasonAt?: number;
}

/** How two cards are related in time (the UI links them both ways). */
export interface LineageLink {
  sessionId: string;
  /** `cleared`: `/clear` ended one session and started the other; `resumed`: a resume or continue started the other. */
  relation: 'cleared' | 'resumed';
  /** `predecessor`: this session came from `sessionId`; `successor`: `sessionId` came from this session. */
  direction: 'predecessor' | 'successor';
  /** Unix ms when the link was made. */
  at: number;
}

export interface PromptEntry {
  text: string;
  timestamp: number;
  promptId: string | null;
  /** Per-session sequence: assigned by the core when the entry is added or changed; what to persist is seq > last written. */
  seq: number;
}

export interface ResponseEntry {
  /** First 2000 characters of the assistant message. */
  text: string;
  timestamp: number;
  agentId: string | null;
  /** Per-session sequence: assigned by the core when the entry is added or changed; what to persist is seq > last written. */
  seq: number;
}

export type ToolCallStatus = 'running' | 'ok' | 'failed' | 'denied' | 'interrupted';

export interface ToolCall {
  toolUseId: string | null;
  tool: string;
  /** Tool input as sent by the agent (large strings truncated by the core). */
  input: unknown;
  /** One-line summary of the input, e.g. the Bash command or the file path. */
  inputSummary: string;
  status: ToolCallStatus;
  startedAt: number;
  endedAt: number | null;
  durationMs: number | null;
  /** Excerpt of the tool's response or error text. */
  result: string | null;
  error: string | null;
  /** Set when the call was made inside a subagent. */
  agentId: string | null;
  /** Per-session sequence: assigned by the core when the entry is added or changed; what to persist is seq > last written. */
  seq: number;
}

export interface LifecycleEvent {
  type: string;
  detail: string;
  timestamp: number;
  /** Per-session sequence: assigned by the core when the entry is added or changed; what to persist is seq > last written. */
  seq: number;
}

export interface PendingApproval {
  tool: string;
  toolInput: unknown;
  toolUseId: string | null;
  /** Human-readable message, e.g. "Approve Bash: rm -rf build". */
  detail: string;
  since: number;
  /** `permission_request`: the CLI asked (direct signal); `heuristic`: a PreToolUse went unanswered for its category's timeout. */
  source: 'permission_request' | 'heuristic';
  kind: 'approval' | 'input';
  agentId: string | null;
  suggestions: unknown[];
  /** The approval's id (`approvals.decide` takes it); null for a heuristic wait, which has nothing to answer. */
  id: string | null;
  /** A hook is held open for it: it can be answered from Flightdeck. */
  decidable: boolean;
}

export interface Subagent {
  agentId: string;
  agentType: string | null;
  status: 'running' | 'done';
  startedAt: number;
  endedAt: number | null;
  toolCalls: number;
  currentTool: string | null;
  lastMessage: string | null;
  transcriptPath: string | null;
}

/*
 * A session, in parts that change together. `Session` is all of them; code that builds, stores or sends a session
 * derives what it needs from these parts (the key lists below), so adding a field to a part is: the field here,
 * its initial value in core `createSession`, and, if it has a column of its own, one line in the db's column
 * table (packages/db/src/session-row.ts) plus a migration. The live summary, the snapshot, the history summary,
 * the web's types and the property tests follow.
 */

/** Who the session is and where it runs: set when the card is created or by the first events that report it. */
export interface SessionIdentity {
  sessionId: string;
  cli: AgentCli;
  projectPath: string;
  projectName: string;
  source: TerminalSource;
  /** The machine the agent runs on (`meta.host` of its hook events), or null when no event said. */
  host: string | null;
  pid: number | null;
  tty: string | null;
  terminalId: string | null;
  tmuxPane: string | null;
  /**
   * The socket of the tmux server the pane belongs to (`$TMUX` up to its first comma), or null. Pane ids are unique
   * per tmux server only: a view of the pane needs both.
   */
  tmuxSocket: string | null;
  transcriptPath: string | null;
  model: string | null;
  permissionMode: string | null;
  startedAt: number;
}

/** What the session is doing now and why: changes with (almost) every event. */
export interface SessionStatusPart {
  status: SessionStatus;
  statusReason: StatusReason;
  /** The last status changes, oldest first (bounded), each with its provenance: the status timeline. */
  statusHistory: StatusReason[];
  lastActivityAt: number;
  endedAt: number | null;
  endReason: string | null;
  currentPrompt: string | null;
  /** Tool running now (main agent), if any. */
  currentTool: string | null;
  pendingApproval: PendingApproval | null;
  /** Human-readable summary of what the session waits for (approval/input), or null. */
  waitingDetail: string | null;
  /** Prompts in the session's prompt queue (`prompt-queue.ts`), the one typed in and not yet confirmed included. */
  queueCount: number;
  /** Why the queue's next prompt was not typed in (e.g. the terminal is gone), or null. */
  queueNote: string | null;
}

/** Tokens of API responses, summed, and what they cost. */
export interface UsageTotals {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  /** Cache writes of both lifetimes (`cacheWrite5mTokens` + `cacheWrite1hTokens`). */
  cacheWriteTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  /** USD at the pricing table's prices; null when a model of these tokens has no price ("price unknown"). */
  costUsd: number | null;
}

/**
 * What the agent's own OpenTelemetry export reported for the session (Claude Code's `claude_code.api_request`
 * events, each counted once): a second source beside the transcript.
 */
export interface OtelUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  /** Cache writes (`cache_creation_tokens`: the CLI does not split them by lifetime). */
  cacheWriteTokens: number;
  /** The CLI's own cost (`cost_usd`), summed; null when a request came without one. */
  costUsd: number | null;
  /** API requests counted. */
  requests: number;
}

/** Which source the session's totals come from: the transcript, or OpenTelemetry when the transcript gave none. */
export type UsageSource = 'transcript' | 'otel';

/** What a session's API responses used, read from its transcript (one count per message id and request id). */
export interface SessionUsage extends UsageTotals {
  /** API responses counted. */
  messages: number;
  /** Per model (the model id as the API reported it). */
  byModel: Record<string, UsageTotals>;
  /** Per subagent (its agent id), rolled into the session's totals too. */
  byAgent: Record<string, UsageTotals>;
  /** What OpenTelemetry reported (absent or null: nothing received). */
  otel?: OtelUsage | null;
  /**
   * Where the totals above come from (absent: the transcript). `otel` only while the transcript counted no
   * response: the totals are then OpenTelemetry's (cache writes as 5-minute ones), `byModel`/`byAgent` stay empty.
   */
  source?: UsageSource;
}

/** One API response's usage as it is stored (one row per session, message id and request id). */
export interface UsageRecord {
  messageId: string;
  requestId: string | null;
  agentId: string | null;
  model: string;
  /** When the response was written (its transcript timestamp), Unix ms. */
  at: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
}

/** Numbers that only grow (or reset per turn). */
export interface SessionCounters {
  /** Tokens and cost (absent in sessions stored before usage was counted: read it as none). */
  usage: SessionUsage;
  /** Tool name → calls over the whole session. */
  toolUsage: Record<string, number>;
  /** Tool calls in the current turn (reset at the next prompt). */
  turnToolCalls: number;
  totalToolCalls: number;
  totalPrompts: number;
  /** Subagents currently running. */
  subagentCount: number;
  /** How many times the session was resumed or continued. */
  resumeCount: number;
  /**
   * The `seq` of the last entry added to or changed in the stored rings (`promptHistory`, `toolLog`, `responseLog`,
   * `events`) of this session; 0 for a new session. A state saved before ring sequences has none: read it as 0.
   */
  ringSeq: number;
}

/** Bounded logs (the latest entries): the live summary sends their lengths, the database keeps them in tables. */
export interface SessionRings {
  promptHistory: PromptEntry[];
  toolLog: ToolCall[];
  responseLog: ResponseEntry[];
  events: LifecycleEvent[];
  subagents: Subagent[];
}

/** What the user sets to tell cards apart. */
export interface SessionPresentation {
  title: string;
  label: string | null;
  accentColor: string | null;
  archived: boolean;
}

/** How the session relates to other sessions: its team, its parent, the cards before and after it. */
export interface SessionRelations {
  teamId: string | null;
  teamRole: 'leader' | 'member' | null;
  parentSessionId: string | null;
  agentName: string | null;
  agentType: string | null;
  agentColor: string | null;
  /** Ids this session had before being re-keyed by a resume (oldest first). */
  previousSessionIds: string[];
  /** Cards this one continues or was continued by (`/clear`, resume into a new card). */
  lineage: LineageLink[];
}

export interface Session
  extends SessionIdentity,
    SessionStatusPart,
    SessionCounters,
    SessionRings,
    SessionPresentation,
    SessionRelations {}

export type SessionRingKey = keyof SessionRings;

/** Every key of `T`, once each, or a type error naming what is missing. */
type AllKeys<T, K extends readonly (keyof T)[]> =
  Exclude<keyof T, K[number]> extends never ? K : { missing: Exclude<keyof T, K[number]> };

function allKeys<T>() {
  return <const K extends readonly (keyof T)[]>(keys: K & AllKeys<T, K>): K => keys;
}

/** The ring-buffer keys of a `Session` (runtime list, checked against `SessionRings`). */
export const SESSION_RING_KEYS = allKeys<SessionRings>()([
  'promptHistory',
  'toolLog',
  'responseLog',
  'events',
  'subagents',
]);

export interface Team {
  teamId: string;
  parentSessionId: string;
  childSessionIds: string[];
  teamName: string;
  createdAt: number;
}

export interface Note {
  id: number;
  sessionId: string;
  text: string;
  createdAt: number;
  updatedAt: number;
}
