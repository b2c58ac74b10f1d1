import type {
  AgentCli,
  ApprovalDecisionRecord,
  ApprovalOutcome,
  ApprovalVia,
  HookEnvelope,
  HookMeta,
  PendingApproval,
  Session,
  SessionStatus,
  Team,
  TranscriptEntry,
  TranscriptEntryBody,
  UsageRecord,
} from '@flightdeck/shared-types';
import type { AlertFireEffect, AlertsState } from './alerts.js';
import type { PMap } from './pmap.js';
import type { PricingTable } from './pricing.js';
import type { SessionQueue } from './queue.js';
import type { UsageFile } from './usage.js';

/** A user action from the dashboard. */
export type UserAction =
  | { type: 'set-title'; sessionId: string; title: string }
  | { type: 'set-label'; sessionId: string; label: string | null }
  | { type: 'set-accent-color'; sessionId: string; color: string | null }
  | { type: 'archive'; sessionId: string }
  | { type: 'unarchive'; sessionId: string }
  | { type: 'delete'; sessionId: string }
  | { type: 'kill'; sessionId: string; by?: KillActor }
  /** The prompt queue (queue.ts): item ids come from the shell. */
  | { type: 'queue-add'; sessionId: string; itemId: string; text: string }
  | { type: 'queue-edit'; sessionId: string; itemId: string; text: string }
  | { type: 'queue-remove'; sessionId: string; itemId: string }
  /** Every queued item's id once, in the new order. */
  | { type: 'queue-reorder'; sessionId: string; itemIds: string[] };

/** Who asked for a kill (recorded in the session's event log). */
export interface KillActor {
  /** Remote address of the dashboard client. */
  address: string;
  /** Whether the client logged in (false when no password is set). */
  authenticated: boolean;
}

/**
 * What identifies an agent process beyond its PID (PIDs are reused): read by the shell from the OS when the
 * session was first seen from that PID. A PID with the same boot, start time and command line is that process.
 */
export interface ProcessIdentity {
  pid: number;
  /** Boot id (Linux: /proc/sys/kernel/random/boot_id). */
  boot: string;
  /** Start time in clock ticks since boot (Linux: /proc/<pid>/stat field 22). */
  startTicks: number;
  uid: number;
  /** Command line, one entry per argument. */
  cmdline: string[];
  /** Executable path, when readable. */
  exe: string | null;
}

/** The shell's verdict on a session's PID: its identity, or why it was not recorded. */
export interface ProcessRecord {
  pid: number;
  identity: ProcessIdentity | null;
  /** Why the identity was not recorded (the PID is then never signalled). */
  refused: string | null;
}

export type TimerInput = { type: 'timer'; key: string; sessionId: string; kind: string };

/** What a transcript says that hooks do not: the shape and its schema are in `@flightdeck/shared-types`. */
export type { TranscriptEntry, TranscriptEntryBody };

/** How far the follower has read a session's transcript (kept in the core state, checkpointed with it). */
export interface TranscriptCursor {
  path: string;
  /** Byte offset just past the last complete line handed to the core. */
  offset: number;
  /** Entries applied so far, and lines skipped (unknown entry types, unparsable lines). */
  entries: number;
  skipped: number;
}

/** Settings the shell passes in (from its config file): the core reads them from its state. */
export interface CoreConfig {
  /** Auto-idle timeout per status, ms (spec §4.3 defaults where absent). */
  autoIdleMs: Partial<Record<SessionStatus, number>>;
  /** How long a held PermissionRequest hook is kept waiting for a decision, seconds per CLI (default `HOLD_SECONDS`). */
  holdSeconds?: Partial<Record<AgentCli, number>>;
  /** Prices over the shipped table (pricing.ts), model id → USD per million tokens (absent: the table as shipped). */
  pricing?: PricingTable;
  /**
   * The machine the server runs on (the `meta.host` its own hooks send): sessions of other hosts get no local
   * process check or kill; their forwarders report their PIDs (`process-gone`). Absent: every session is local.
   */
  localHost?: string;
}

/** A decision on a held approval, from the dashboard (`approvals.decide`). A type, not an interface: inputs are narrowed as records. */
export type ApprovalDecision = {
  approvalId: string;
  behavior: 'allow' | 'deny';
  /** Deny: the message the agent reads (default "Denied from Flightdeck"). */
  message?: string;
  /** Allow for the rest of the session (a rule added with destination `session`). */
  remember?: 'session';
  /** Deny and stop the turn. */
  interrupt?: boolean;
  /** AskUserQuestion: question text → chosen answer(s). */
  answers?: Record<string, string>;
  by: KillActor | null;
  via: ApprovalVia | null;
};

/**
 * A PermissionRequest whose hook is held open (a FIFO the shell keeps open) until a decision, a timeout, or the
 * tool call resolving elsewhere. Plain JSON, checkpointed with the state.
 */
export interface HeldApproval {
  /** The spool record id of the PermissionRequest (the FIFO's name). */
  id: string;
  sessionId: string;
  cli: AgentCli;
  tool: string;
  agentId: string | null;
  /** `summarizeInput(tool, input)`: how the tool call is recognised when it resolves by hook. */
  inputSummary: string;
  /** The FIFO the hook waits on. */
  path: string;
  /** The waiting hook's pid (the shell polls it), when known. */
  pid: number | null;
  openedAt: number;
  /** The hold timeout timer. */
  timer: ArmedTimer;
  /** The rule content a "remember for the session" decision adds (Bash command, WebFetch domain), or null (tool-wide). */
  ruleContent: string | null;
  /** The whole tool input, kept for tools whose answer updates it (AskUserQuestion); null otherwise. */
  fullInput: Record<string, unknown> | null;
  /** What the session card shows for it. */
  pending: PendingApproval;
}

/** Held approvals (open ones by id, recently closed ones so a late decision learns what happened). */
export interface ApprovalsState {
  open: Record<string, HeldApproval>;
  /** Most recent last, bounded (`MAX_CLOSED_APPROVALS`). */
  closed: Array<{ id: string; outcome: ApprovalOutcome; via: ApprovalVia | null }>;
}

/** One model API request as the agent's OpenTelemetry export reported it; a number the agent did not send is null. */
export interface OtelApiRequest {
  sessionId: string;
  /** The API's request id (`req_…`), the key it is counted once by; null when absent. */
  requestId: string | null;
  /** When it happened (Unix ms), or null. */
  at: number | null;
  model: string | null;
  costUsd: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadTokens: number | null;
  cacheCreationTokens: number | null;
}

export type CoreInput =
  | { type: 'hook'; envelope: HookEnvelope }
  | TimerInput
  | { type: 'pid-dead'; sessionId: string; pid: number }
  /** Host `host`'s forwarder reported `pid` gone: that host's live sessions with that PID end (hosts.ts). */
  | { type: 'process-gone'; host: string; pid: number }
  /** The shell's answer to `watch-pid`: the identity of the session's process, or why it was refused. */
  | {
      type: 'process-identified';
      sessionId: string;
      pid: number;
      identity: ProcessIdentity | null;
      refused: string | null;
    }
  | { type: 'children-checked'; sessionId: string; hasChildren: boolean; key: string }
  /**
   * Entries the transcript follower read from the session's transcript `path`, up to byte `offset`; `skipped`
   * lines since the previous input were not understood (unknown types are counted, never fatal). An input whose
   * offset is not past the recorded cursor (a re-read after a restart) changes nothing.
   */
  | {
      type: 'transcript';
      sessionId: string;
      path: string;
      offset: number;
      entries: TranscriptEntry[];
      skipped: number;
      /**
       * The file was truncated or replaced (or shrank below the cursor while the server was down): the follower
       * started reading it again at 0, and `offset` counts from there. The core takes this input's offset as the
       * new cursor even though it is not past the recorded one.
       */
      restarted?: boolean;
      /**
       * The file is this subagent's own transcript (Claude Code writes each subagent to a file of its own): its
       * cursor is kept apart (`SessionRuntime.subTranscripts`), the session's own cursor is left alone.
       */
      agentId?: string;
    }
  /**
   * API requests the agent reported over OpenTelemetry (Claude Code's `claude_code.api_request` events, received by
   * the server's OTLP receiver): each is counted once into its session's `usage.otel` (otel.ts).
   */
  | {
      type: 'otel';
      records: OtelApiRequest[];
      receivedAt: number;
      /** Sent with a host's token (issue 19): counted only for that host's sessions. */
      host?: string;
    }
  /** The shell's settings (sent at start and whenever its config changes). */
  | { type: 'configure'; config: CoreConfig }
  /** Every alert rule (alerts.ts), sent at start and whenever they change; the webhook part is ignored. */
  | { type: 'alert-rules'; rules: unknown[] }
  /** Retention: sessions that ended before `before` leave memory (`session-evicted`); their rows stay stored. */
  | { type: 'evict-ended'; before: number }
  | { type: 'terminal-created'; terminalId: string; workDir: string; cli: AgentCli }
  | { type: 'resume-requested'; sessionId: string; terminalId: string }
  | { type: 'user'; action: UserAction }
  /** The dashboard decided a held approval (refused with a reason when it is not open). */
  | ({ type: 'approval-decide' } & ApprovalDecision)
  /**
   * The shell's word on a held approval: its hook went away (`reason` absent: answered in the terminal), or the
   * shell could not or would not hold its FIFO (`reason` says why: it closes as `released`).
   */
  | { type: 'hold-ended'; approvalId: string; reason?: string }
  /** The shell could not type a queued prompt (`terminal-type`) into its terminal: why. */
  | { type: 'queue-undelivered'; sessionId: string; itemId: string; terminalId: string; reason: string };

export type Effect =
  | { type: 'arm-timer'; key: string; deadline: number; input: CoreInput }
  | { type: 'cancel-timer'; key: string }
  | { type: 'session-changed'; sessionId: string }
  | { type: 'session-removed'; sessionId: string }
  /** Left memory (retention), still in the database: not broadcast any more, its row is kept. */
  | { type: 'session-evicted'; sessionId: string }
  | { type: 'session-rekeyed'; oldId: string; newId: string }
  | { type: 'team-changed'; teamId: string }
  | { type: 'team-removed'; teamId: string }
  | { type: 'check-children'; sessionId: string; pid: number; key: string }
  /**
   * Watch the PID (answer `pid-dead`) and, unless its process was recorded already (`SessionRuntime.process`),
   * answer `process-identified`; the process must have started by `at` (when the event that named it was sent).
   */
  | { type: 'watch-pid'; sessionId: string; pid: number; at: number }
  /** Signal the process only if it is still the one `identity` describes. */
  | {
      type: 'kill-pid';
      sessionId: string;
      pid: number;
      signal: 'SIGTERM' | 'SIGKILL';
      identity: ProcessIdentity;
    }
  | { type: 'rejected'; reason: string }
  /** Open the held approval's FIFO (and keep it open); watch `pid` (answer `hold-ended` when it is gone). */
  | { type: 'hold-open'; approvalId: string; path: string; pid: number | null }
  /** Write `line` (one JSON line, without its newline) to the approval's FIFO, then close it. */
  | { type: 'hold-reply'; approvalId: string; line: string }
  /** Close the approval's FIFO without writing (the hook prints nothing: the terminal dialog decides). */
  | { type: 'hold-release'; approvalId: string }
  /** A held approval closed: persist the record and tell subscribers. */
  | { type: 'approval-closed'; record: ApprovalDecisionRecord }
  /** API responses counted (or their count changed): store them (keyed by session, message id and request id). */
  | { type: 'usage-recorded'; sessionId: string; records: UsageRecord[] }
  /** An alert rule fired (alerts.ts): send it on its channels. */
  | AlertFireEffect
  /**
   * Type a queued prompt into the session's Flightdeck terminal as the system (not a viewer: the single-writer rule
   * does not apply), then Enter; answer `queue-undelivered` when it cannot.
   */
  | { type: 'terminal-type'; sessionId: string; terminalId: string; itemId: string; text: string };

/** Timer kinds the core arms (the `kind` of a `timer` input). */
export type TimerKind =
  | 'auto-idle'
  | 'approval'
  | 'kill'
  | 'team-cleanup'
  | 'restored'
  | 'hold'
  | 'hold-restart'
  | 'hold-gone'
  | 'alert';

export interface ArmedTimer {
  key: string;
  deadline: number;
  input: TimerInput;
  /** For auto-idle timers: the status they were armed for. */
  status?: SessionStatus;
}

export type ApprovalCategory = 'fast' | 'userInput' | 'medium' | 'slow';

/** The tool call an approval-heuristic timer (or a children check) is watching. */
export interface HeuristicWatch {
  tool: string;
  toolUseId: string | null;
  toolInput: unknown;
  inputSummary: string;
  category: ApprovalCategory;
}

/** Internal per-session bookkeeping that is not part of the public `Session`. Plain JSON. */
export interface SessionRuntime {
  /** `default`: derived placeholder; `prompt`: first prompt; `user`: set by the user (never overwritten). */
  titleSource: 'default' | 'prompt' | 'user';
  /** A direct approval signal (PermissionRequest, Gemini ToolPermission) has been seen: skip the heuristic. */
  approvalSignal: boolean;
  /** Hook density reported by the hook (`meta.density`), if any. */
  density: string | null;
  timers: Partial<Record<'auto-idle' | 'approval' | 'kill', ArmedTimer>>;
  heuristic: HeuristicWatch | null;
  childCheck: (HeuristicWatch & { key: string }) | null;
  /** The session's process as the shell identified it (absent in states saved before it existed). */
  process?: ProcessRecord | null;
  /** When the dashboard last asked to kill this session (absent in older states): its end then reads "killed". */
  killRequestedAt?: number | null;
  /** When the current turn started, by the agent's clock (the prompt's capture time): older transcript entries are stale. */
  turnStartedAt?: number | null;
  /** Key of the process check asked for by an auto-idle deadline while work was open (see `fireAutoIdle`). */
  liveCheck?: string | null;
  /** How far the transcript follower has read this session's transcript. */
  transcript?: TranscriptCursor | null;
  /** How far it has read each subagent's own transcript (most recent last, bounded: `MAX_SUB_TRANSCRIPTS`). */
  subTranscripts?: TranscriptCursor[];
  /** What each transcript file contributed to the session's usage (usage.ts); absent: nothing counted yet. */
  usage?: UsageFile[];
  /** Keys of the OpenTelemetry API requests counted (otel.ts), most recent last, bounded (`MAX_OTEL_SEEN`). */
  otelSeen?: string[];
}

export interface PendingResume {
  sessionId: string;
  terminalId: string;
  at: number;
}

export interface PendingLink {
  terminalId: string;
  workDir: string;
  cli: AgentCli;
  expiresAt: number;
}

export interface PendingSubagent {
  parentSessionId: string;
  cwd: string;
  agentType: string | null;
  at: number;
}

/**
 * The core's whole state: plain data (`structuredClone` and JSON keep it). `sessions` and `runtime` are persistent
 * maps (pmap.ts): read them with `getOwn`, `valuesOf`, `entriesOf`, `keysOf`.
 */
export interface CoreState {
  sessions: PMap<Session>;
  teams: Record<string, Team>;
  /** Internal per-session bookkeeping (timers, heuristic, title source). */
  runtime: PMap<SessionRuntime>;
  /** Old session id → current id, after a re-key (late events with the old id still land). */
  aliases: Record<string, string>;
  pendingResumes: PendingResume[];
  pendingLinks: PendingLink[];
  pendingSubagents: PendingSubagent[];
  /** Team-cleanup timers by team id. */
  teamTimers: Record<string, ArmedTimer>;
  /** Monotonic counter for timer keys. */
  seq: number;
  /** When the shell last restored this state after a restart (see `rehydrate`). */
  lastRestoreAt: number | null;
  /** The shell's settings (absent in states saved before they existed: defaults apply). */
  config?: CoreConfig;
  /** Held approvals (absent in states saved before they existed). */
  approvals?: ApprovalsState;
  /** Alert rules, what they fired and the timers they wait on (alerts.ts; absent until rules are sent). */
  alerts?: AlertsState;
  /** Prompt queues by session id (queue.ts; absent until one is used). Stored as `prompt_queue` rows. */
  queues?: PMap<SessionQueue>;
}

export interface BatchCall {
  tool: string;
  toolInput: unknown;
  toolUseId: string | null;
  response: unknown;
}

export type NotificationNeed = 'approval' | 'input' | null;

/** Fields every domain event has. */
export interface DomainEventBase {
  sessionId: string;
  cli: AgentCli;
  /** The CLI's own event name (`PreToolUse`, `BeforeTool`, `agent-turn-complete`, …). */
  hookEvent: string;
  cwd: string | null;
  transcriptPath: string | null;
  permissionMode: string | null;
  model: string | null;
  /** Set when the event happened inside a subagent. */
  agentId: string | null;
  agentType: string | null;
  /** Claude `prompt_id`, Codex `turn_id`. */
  turnId: string | null;
}

interface ToolFields {
  /** Display name (Gemini names mapped to their Claude equivalents, e.g. `run_shell_command` → `Bash`). */
  tool: string;
  /** The CLI's own tool name. */
  rawTool: string;
  toolInput: unknown;
  toolUseId: string | null;
}

export type DomainEventBody =
  | { kind: 'session-start'; source: string; sessionTitle: string | null }
  | { kind: 'prompt'; prompt: string }
  | ({ kind: 'tool-start' } & ToolFields)
  | ({ kind: 'tool-end'; response: unknown; durationMs: number | null } & ToolFields)
  | ({ kind: 'tool-failed'; error: string; interrupted: boolean; durationMs: number | null } & ToolFields)
  /** All tool calls of a batch resolved (Claude PostToolBatch): a call still running was denied or blocked. */
  | { kind: 'tool-batch'; calls: BatchCall[] }
  | ({ kind: 'permission-request'; suggestions: unknown[]; description: string | null } & ToolFields)
  | ({ kind: 'permission-denied'; reason: string } & ToolFields)
  | { kind: 'turn-end'; lastMessage: string | null; inputMessages: string[] }
  | { kind: 'turn-failed'; error: string; lastMessage: string | null }
  | {
      kind: 'notification';
      notificationType: string;
      message: string;
      title: string | null;
      /** What the notification says the agent waits for. */
      needs: NotificationNeed;
      /** For approval notifications that name the tool (Gemini ToolPermission). */
      tool: string | null;
      inputSummary: string | null;
    }
  | { kind: 'subagent-start'; subagentId: string; subagentType: string | null }
  | {
      kind: 'subagent-stop';
      subagentId: string;
      subagentType: string | null;
      lastMessage: string | null;
      transcriptPath: string | null;
    }
  | { kind: 'compact'; phase: 'pre' | 'post'; trigger: string | null }
  | { kind: 'cwd-changed'; oldCwd: string | null; newCwd: string }
  | { kind: 'session-end'; reason: string }
  | { kind: 'other'; detail: string; resolvesInput: boolean };

export type DomainEvent = DomainEventBase & DomainEventBody;
export type DomainEventKind = DomainEventBody['kind'];

export type NormalizeResult = { ok: true; events: DomainEvent[] } | { ok: false; error: string };

export type { AgentCli, HookEnvelope, HookMeta, PendingApproval, Session, Team, UsageRecord };
