/**
 * Kysely table types of the Flightdeck database (see `migrations/` for the DDL).
 * Times are Unix milliseconds. Columns typed `JsonText` hold JSON encoded as TEXT.
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** A TEXT column holding JSON (selected, inserted and updated as a string). */
export type JsonText = ColumnType<string, string, string>;
/** A JSON TEXT column with a default in the DDL (optional on insert). */
export type JsonTextWithDefault = ColumnType<string, string | undefined, string>;
/** 0 or 1. */
export type SqliteBool = ColumnType<number, number | undefined, number>;

export interface SessionsTable {
  id: string;
  cli: string;
  project_path: Generated<string>;
  project_name: Generated<string>;
  title: Generated<string>;
  model: string | null;
  status: string;
  /** JSON of `StatusReason`. */
  status_reason: string | null;
  source: Generated<string>;
  /** The machine the agent runs on (migration 0003). */
  host: string | null;
  label: string | null;
  team_id: string | null;
  team_role: string | null;
  accent_color: string | null;
  parent_session_id: string | null;
  agent_name: string | null;
  agent_type: string | null;
  permission_mode: string | null;
  transcript_path: string | null;
  started_at: number;
  ended_at: number | null;
  end_reason: string | null;
  last_activity_at: number;
  total_prompts: Generated<number>;
  total_tool_calls: Generated<number>;
  archived: SqliteBool;
  /** JSON array of strings. */
  previous_session_ids: JsonTextWithDefault;
  resume_count: Generated<number>;
  /**
   * JSON of the `Session` as the core last had it, WITHOUT its ring buffers (`promptHistory`, `toolLog`,
   * `responseLog`, `events` are stored empty): those live in the child tables.
   */
  snapshot: JsonText;
  /** JSON `{ promptHistory, toolLog, responseLog, events }`: ring-buffer lengths, to rebuild them from the child tables. */
  ring_lengths: JsonTextWithDefault;
}

export interface PromptsTable {
  id: Generated<number>;
  session_id: string;
  text: string;
  prompt_id: string | null;
  timestamp: number;
}

export interface ResponsesTable {
  id: Generated<number>;
  session_id: string;
  text_excerpt: string;
  agent_id: string | null;
  timestamp: number;
}

export interface ToolCallsTable {
  id: Generated<number>;
  session_id: string;
  tool_use_id: string | null;
  tool_name: string;
  tool_input_summary: Generated<string>;
  /** JSON of the tool input, cut to 4000 characters (may therefore be incomplete JSON). */
  tool_input: string | null;
  status: string;
  /** Start time. */
  timestamp: number;
  ended_at: number | null;
  duration_ms: number | null;
  result_excerpt: string | null;
  error: string | null;
  agent_id: string | null;
}

export interface EventsTable {
  id: Generated<number>;
  session_id: string;
  event_type: string;
  detail: Generated<string>;
  timestamp: number;
}

export interface NotesTable {
  id: Generated<number>;
  session_id: string;
  text: string;
  created_at: number;
  updated_at: number;
}

export interface HookEventsTable {
  id: Generated<number>;
  ingest_id: string;
  session_id: string | null;
  cli: string;
  event_type: string | null;
  payload: JsonText;
  meta: JsonText;
  received_at: number;
  sent_at: number | null;
}

export interface CoreStateTable {
  id: number;
  state: JsonText;
  updated_at: number;
}

export interface KvTable {
  key: string;
  value: JsonText;
  updated_at: number;
}

/** One closed held approval (migration 0004): the audit of `approvals.decide` and of every other close. */
export interface ApprovalDecisionsTable {
  /** The approval id (the hook's spool record id). */
  id: string;
  session_id: string;
  tool: string;
  summary: string;
  opened_at: number;
  closed_at: number;
  /** `ApprovalOutcome`. */
  outcome: string;
  message: string | null;
  remember: string | null;
  by_address: string | null;
  /** 0 or 1; null without a decider. */
  by_authenticated: number | null;
  via: string | null;
}

/** What a `search_index` row indexes (migration 0002). */
export type SearchKind = 'prompt' | 'response' | 'tool_input' | 'tool_output' | 'note' | 'title';

/** The FTS5 virtual table (read it with raw `sql`; kept by the ingest code and triggers, see migration 0002). */
export interface SearchIndexTable {
  rowid: number;
  session_id: string;
  kind: SearchKind;
  ref_id: number;
  timestamp: number;
  text: string;
}

export interface Database {
  sessions: SessionsTable;
  prompts: PromptsTable;
  responses: ResponsesTable;
  tool_calls: ToolCallsTable;
  events: EventsTable;
  notes: NotesTable;
  hook_events: HookEventsTable;
  core_state: CoreStateTable;
  kv: KvTable;
  search_index: SearchIndexTable;
  approval_decisions: ApprovalDecisionsTable;
  alert_rules: AlertRulesTable;
  push_subscriptions: PushSubscriptionsTable;
  alert_deliveries: AlertDeliveriesTable;
  usage_messages: UsageMessagesTable;
  prompt_queue: PromptQueueTable;
  import_files: ImportFilesTable;
  /** PostgreSQL only (migration 0013): decisions of held approvals made on another server than the hook's. */
  cluster_decisions: ClusterDecisionsTable;
  cluster_inputs: ClusterInputsTable;
  hosts: HostsTable;
  host_samples: HostSamplesTable;
}

/** A held approval decided on a server that does not hold its hook (PostgreSQL migration 0013). */
export interface ClusterDecisionsTable {
  approval_id: string;
  /** JSON of the decision (`behavior`, `message`, …, `by`, `via`). */
  decision: string;
  /** Server id that took the decision, and when (Unix ms). */
  requested_by: string;
  requested_at: number;
  /** Server id that holds the hook and applies it; null until one claims it. */
  claimed_by: string | null;
  /** JSON `{ok: true}` or `{ok: false, reason}`; null until decided. */
  result: string | null;
  decided_at: number | null;
}

/** An input outside the event log, applied by the server that took it and by every other (PostgreSQL 0014). */
export interface ClusterInputsTable {
  id: Generated<number>;
  server_id: string;
  /** The core input, JSON. */
  input: string;
  created_at: number;
}

/** A machine with its own hook token (migration 0012). Times Unix ms. */
export interface HostsTable {
  name: string;
  /** SHA-256 (hex) of the host's token; the token itself is never stored. */
  token_hash: string;
  created_at: number;
  last_seen_at: number | null;
  revoked_at: number | null;
  /** JSON of its last `HostReport` (null until it reported). */
  last_report: string | null;
}

/** A metric sample of a host, behind its sparklines (migration 0015). */
export interface HostSamplesTable {
  id: Generated<number>;
  host: string;
  /** When the server received the report (Unix ms, the server's clock). */
  received_at: number;
  /** JSON of the host's `HostMetrics`. */
  metrics: string;
}

/** One transcript file the history import read (migration 0011). */
export interface ImportFilesTable {
  path: string;
  /** `AgentCli` of the file. */
  cli: string;
  session_id: string;
  /** Size and mtime (Unix ms) when last read. */
  size: number;
  mtime_ms: number;
  /** Bytes imported from the start (whole lines only). */
  bytes_done: number;
  /** `ImportFileStatus`: `importing`, `done` or `live` (its session is live: left alone). */
  status: string;
  /** JSON of the import's state of the file (the core's `ImportState`), to continue from `bytes_done`. */
  state: JsonTextWithDefault;
  updated_at: number;
}

/** The usage of one API response (migration 0007): one row per session, message id and request id. */
export interface UsageMessagesTable {
  id: Generated<number>;
  session_id: string;
  message_id: string;
  /** `''` when the transcript names no request id. */
  request_id: string;
  agent_id: string | null;
  model: string;
  at: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_5m_tokens: number;
  cache_write_1h_tokens: number;
}

/** Queued prompts (migration 0006): one row per item, `position` its place in its session's queue. */
export interface PromptQueueTable {
  session_id: string;
  position: number;
  item_id: string;
  text: string;
  /** `QueuedPromptState`. */
  state: string;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
  /** JSON of the queue's bookkeeping, on the row at position 0 (null on the others). */
  queue_state: string | null;
}

/** Alert rules (migration 0005): `condition` and `channels` are JSON. */
export interface AlertRulesTable {
  id: string;
  name: string;
  enabled: number;
  condition: string;
  channels: string;
  webhook_url: string | null;
  webhook_secret: string | null;
  created_at: number;
  updated_at: number;
}

export interface PushSubscriptionsTable {
  endpoint: string;
  p256dh: string;
  auth: string;
  user_agent: string | null;
  created_at: number;
  last_success_at: number | null;
}

/** One attempt at delivering an alert on the push or webhook channel. */
export interface AlertDeliveriesTable {
  id: Generated<number>;
  rule_id: string;
  session_id: string | null;
  dedupe_key: string;
  channel: string;
  target: string;
  attempt: number;
  status: string;
  http_status: number | null;
  error: string | null;
  response_excerpt: string | null;
  at: number;
}

export type SessionRow = Selectable<SessionsTable>;
export type NewSessionRow = Insertable<SessionsTable>;
export type SessionRowUpdate = Updateable<SessionsTable>;
export type PromptRow = Selectable<PromptsTable>;
export type ResponseRow = Selectable<ResponsesTable>;
export type ToolCallRow = Selectable<ToolCallsTable>;
export type EventRow = Selectable<EventsTable>;
export type NoteRow = Selectable<NotesTable>;
export type AlertRuleRow = Selectable<AlertRulesTable>;
export type PushSubscriptionRow = Selectable<PushSubscriptionsTable>;
export type AlertDeliveryRow = Selectable<AlertDeliveriesTable>;
export type HookEventRow = Selectable<HookEventsTable>;
export type ImportFileRow = Selectable<ImportFilesTable>;
export type HostRow = Selectable<HostsTable>;
export type HostSampleRow = Selectable<HostSamplesTable>;
