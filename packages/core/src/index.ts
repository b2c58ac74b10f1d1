export {
  type AlertFireEffect,
  type AlertsState,
  type AlertWatch,
  type CoreAlertRule,
  occurrenceOf,
} from './alerts.js';
export { APPROVAL_CATEGORIES, approvalCategory, heuristicApplies, waitingLabel } from './approvals.js';
export {
  approvalsOf,
  closedReason,
  GEMINI_NOT_DECIDABLE,
  HOLD_GONE_GRACE_MS,
  HOLD_ID_RE,
  HOLD_SECONDS,
  holdIdOf,
  MAX_CLOSED_APPROVALS,
  MAX_DENY_MESSAGE,
  NOT_DECIDABLE_TOOLS,
  replyLine,
  whyNotOpen,
} from './approvals-hold.js';
export {
  assembleConversation,
  CONVERSATION_RESULT_MAX,
  CONVERSATION_TEXT_MAX,
  type ConversationLine,
  parseConversationLine,
} from './conversation.js';
export {
  EMPTY_HOST_ALERT_STATE,
  evaluateHostAlerts,
  type HostAlertFire,
  type HostAlertState,
  type HostAlertSubject,
  isHostRule,
} from './host-alerts.js';
export { isRemoteHost, processGone } from './hosts.js';
export {
  finishImport,
  type ImportedTool,
  type ImportLine,
  type ImportRows,
  type ImportState,
  importedSession,
  importLines,
  MAX_PENDING_TOOLS,
  skipLine,
  startImport,
} from './import.js';
export { excerpt, LIMITS, summarizeInput, truncateDeep } from './limits.js';
export {
  detectHookSource,
  type MatchResult,
  type MatchStrategy,
  matchSession,
  PENDING_LINK_TTL_MS,
  PENDING_RESUME_TTL_MS,
  RESTORE_LINK_WINDOW_MS,
} from './matcher.js';
export { displayToolName, GEMINI_TOOL_NAMES, normalize, shellFailure } from './normalize.js';
export { MAX_OTEL_RECORDS, MAX_OTEL_SEEN, otelKey } from './otel.js';
export {
  describeTaskNotification,
  END_REASON_LABELS,
  endReasonLabel,
  isTaskNotification,
  KILLED_END_REASON,
  PROCESS_EXITED_END_REASON,
} from './plain.js';
export {
  emptyPMap,
  entriesOf,
  forEachChange,
  getOwn,
  isPMap,
  keysOf,
  type PMap,
  pmapOf,
  valuesOf,
} from './pmap.js';
export {
  costOf,
  DEFAULT_PRICING,
  type ModelPrice,
  PRICING_CHECKED_ON,
  PRICING_SOURCE,
  type PricingTable,
  parsePricing,
  priceOf,
  pricingWith,
  type TokenCounts,
} from './pricing.js';
export { queueOf, type SessionQueue } from './queue.js';
export {
  BUILTIN_REDACTION_RULES,
  BUILTIN_RULE_IDS,
  checkRulePattern,
  compileRedactor,
  DEFAULT_REDACTION_CONFIG,
  MAX_EXTRA_RULES,
  MAX_REPEAT,
  MAX_RULE_PATHS,
  MAX_RULE_PATTERN,
  NO_REDACTION,
  type RedactionConfig,
  type RedactionRule,
  type Redactor,
  RULE_ID_RE,
} from './redact.js';
export { initialState, reduce } from './reduce.js';
export { rehydrate } from './rehydrate.js';
export { createSession, type NewSessionFields } from './session.js';
export { AUTO_IDLE } from './state-machine.js';
export { PENDING_SUBAGENT_LINK_MS, PENDING_SUBAGENT_TTL_MS, TEAM_CLEANUP_MS, teamIdOf } from './teams.js';
export { MAX_SUB_TRANSCRIPTS, MAX_TRANSCRIPT_ENTRIES } from './transcript.js';
export type {
  ApprovalCategory,
  ApprovalDecision,
  ApprovalsState,
  ArmedTimer,
  BatchCall,
  CoreConfig,
  CoreInput,
  CoreState,
  DomainEvent,
  DomainEventBase,
  DomainEventKind,
  Effect,
  HeldApproval,
  HeuristicWatch,
  KillActor,
  NormalizeResult,
  OtelApiRequest,
  PendingLink,
  PendingResume,
  PendingSubagent,
  ProcessIdentity,
  ProcessRecord,
  SessionRuntime,
  TimerInput,
  TimerKind,
  TranscriptCursor,
  TranscriptEntry,
  TranscriptEntryBody,
  UsageRecord,
  UserAction,
} from './types.js';
export {
  emptyUsage,
  MAX_USAGE_FILES,
  RECENT_PER_FILE,
  responseKey,
  summarize,
  type UsageFile,
} from './usage.js';
export { KILL_ESCALATION_MS } from './user-actions.js';
