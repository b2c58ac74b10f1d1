import type { AppRouter } from '@flightdeck/server';
import type {
  AgentCli,
  ApprovalOutcome,
  ConversationPage,
  Note,
  SessionStatus,
  Team,
} from '@flightdeck/shared-types';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { HostsApi } from './hosts.js';
import type { ImportApi } from './import.js';
import type { QueueApi } from './queue.js';
import type { SshApi } from './ssh.js';
import type { TerminalsApi } from './terminals.js';

/** What each procedure of the server's router returns (as JSON). */
export type ServerOutputs = inferRouterOutputs<AppRouter>;
/** What each procedure of the server's router takes. */
export type ServerInputs = inferRouterInputs<AppRouter>;

/** The messages a subscription yields (the payload of each `tracked(seq, msg)`). */
type Yielded<T> = T extends AsyncIterable<infer E> ? (E extends { data: infer D } ? D : never) : never;

/** A session as the server sends it (`sessions.get`, `history.session`): the `Session` of shared-types, as JSON. */
export type Session = ServerOutputs['sessions']['get'];
/** The database's size, the retention settings and what the next retention pass would delete. */
export type StorageInfo = ServerOutputs['system']['storage'];

/** A tool call as the server sends it. */
export type ToolCall = Session['toolLog'][number];

/** One message of `sessions.liveSummary`, as the server sends it. */
export type LiveSummaryEvent = Yielded<ServerOutputs['sessions']['liveSummary']>;

/**
 * A session as the live board knows it (`sessions.liveSummary`): the server's `LiveSessionSummary`, i.e. the
 * `Session` without its rings and status timeline, with their lengths in `counts`, the input summary of the
 * running tool and the latest text instead. The full session comes from `Api.getSession`.
 */
export type LiveSession = Extract<LiveSummaryEvent, { type: 'session-upsert' }>['data'];

/** The history arrays of a `Session` that the live board does not receive (the keys of `counts`). */
export type SessionHistoryKey = keyof LiveSession['counts'];

/** One message of the live stream as the store applies it. */
export type LiveMessage =
  | {
      type: 'snapshot';
      sessions: LiveSession[];
      teams: Team[];
      seq: number;
    }
  | { type: 'session-upsert'; session: LiveSession }
  | { type: 'session-removed'; sessionId: string }
  | { type: 'team-upsert'; team: Team }
  | { type: 'team-removed'; teamId: string };

/** `connecting`: first connection; `live`: subscribed; `reconnecting`: lost, retrying; `offline`: gave up / no network. */
export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface LiveHandlers {
  onMessage: (msg: LiveMessage, id: string | null) => void;
  onState: (state: ConnectionState, error?: string) => void;
}

/** What History sorts by: a field of `Session`, as `history.search` takes it. */
export type HistorySortBy = NonNullable<Extract<ServerInputs['history']['search'], object>['sortBy']>;

export interface HistoryQuery {
  query: string;
  project: string | null;
  status: SessionStatus | null;
  cli: AgentCli | null;
  /** Unix ms, inclusive. */
  dateFrom: number | null;
  dateTo: number | null;
  /** `false`: hide archived, `true`: only archived, `null`: all. */
  archived: boolean | null;
  sortBy: HistorySortBy;
  sortDir: 'asc' | 'desc';
  page: number;
  pageSize: number;
}

/**
 * One full-text search hit (`history.fullText`): what matched (`kind`: prompt, response, tool call input or
 * output, note, title), where, and the snippet split into plain and matching parts. Hits come best first.
 */
export type HistoryHit = ServerOutputs['history']['fullText']['items'][number];

/** A page of ranked full-text hits. */
export type HistoryHitsPage = Omit<ServerOutputs['history']['fullText'], 'items'> & { hits: HistoryHit[] };

/** A session as listed by `history.search`. */
export type HistoryRow = ServerOutputs['history']['search']['items'][number];

export type HistoryPage = Omit<ServerOutputs['history']['search'], 'items'> & { rows: HistoryRow[] };

/** The five `analytics.*` answers, as the server sends them. */
export interface Analytics {
  summary: ServerOutputs['analytics']['summary'];
  tools: ServerOutputs['analytics']['tools'];
  projects: ServerOutputs['analytics']['projects'];
  heatmap: ServerOutputs['analytics']['heatmap'];
  daily: ServerOutputs['analytics']['daily'];
}

/** `analytics.usage`: tokens and cost of a time range, by day, project, model or session. */
export type UsageReport = ServerOutputs['analytics']['usage'];
export type UsageGroupBy = ServerInputs['analytics']['usage']['groupBy'];

export type HookDensity = ServerOutputs['hooks']['status']['density'];
/** Where the installed hooks deliver, checked by the server against its own spool (`hooks.status().delivery`). */
export type DeliveryReport = NonNullable<ServerOutputs['hooks']['status']['delivery']>;
/** One CLI's hook installation (`hooks.status().clis`). */
export type HookCliStatus = ServerOutputs['hooks']['status']['clis'][number];

export interface LatencyStats {
  count: number;
  p50: number | null;
  p95: number | null;
}
export interface SystemStats {
  hooks: {
    received: number;
    /** Events received in the last minute. */
    perMinute: number;
    perEvent: Record<string, number>;
    /** Delivery latency (hook process → server), over all event types. */
    latency: LatencyStats;
    /** Processing time in the server, over all event types. */
    processing: LatencyStats;
  };
  ingest: {
    batches: number;
    events: number;
    duplicates: number;
    lastCommitMs: number;
    queued: number;
  };
}

export type AuthStatus = ServerOutputs['auth']['status'];

export type { ApprovalOutcome };

/** A pending approval as the server sends it (`approvals.list`, `approvals.live`): the `ApprovalView` of shared-types. */
export type ApprovalView = ServerOutputs['approvals']['list'][number];

/** A closed approval as audited (`approvals.history`). */
export type ApprovalDecisionRecord = ServerOutputs['approvals']['history'][number];

/** One message of `approvals.live`: the pending approvals, then each one opened or closed. */
export type ApprovalLiveMessage = Yielded<ServerOutputs['approvals']['live']>;

/** What the user decided (`approvals.decide` without the id; `via` is added by the adapter). */
export interface ApprovalDecision {
  behavior: 'allow' | 'deny';
  /** Deny: told to the agent. */
  message?: string;
  /** Allow for this session (a rule added for the session). */
  remember?: 'session';
  /** Questions (`AskUserQuestion`): the chosen option labels, by question. */
  answers?: Record<string, string>;
}

/**
 * How a decision ended: taken (`outcome`), or refused because the approval was already closed or unknown
 * (`conflict`, with the server's words, e.g. "already answered in the terminal").
 */
export type DecideResult = { ok: true; outcome: ApprovalOutcome } | { ok: false; conflict: string };

/** A browser's push subscription (`PushSubscription.toJSON()`), as `alerts.subscribePush` takes it. */
export interface PushSubscriptionData {
  endpoint: string;
  expirationTime?: number | null;
  keys: { p256dh: string; auth: string };
}

/** One alert fired by a rule (`alerts.live`), for the channels the page carries out: in-app (a toast), browser. */
type AlertLive = Yielded<ServerOutputs['alerts']['live']>;
export type FiredAlert = AlertLive['alert'] & { channels: AlertLive['channels'] };

/** Alert rules as the server's `alerts.rules` procedures take and list them (a webhook's secret is never sent back). */
export type AlertRuleView = ServerOutputs['alerts']['rules']['list'][number];
/** A new rule (a webhook needs its secret). */
export type AlertRuleNew = ServerInputs['alerts']['rules']['create'];
/** The fields of an update (`webhook.secret` left out keeps the stored one). */
export type AlertRuleDraft = Omit<ServerInputs['alerts']['rules']['update'], 'id'>;
export type AlertCondition = AlertRuleDraft['condition'];
export type AlertChannel = AlertRuleDraft['channels'][number];
/** One delivery attempt (push or webhook), newest first. */
export type AlertDelivery = ServerOutputs['alerts']['deliveries'][number];

/** Which page of a conversation: the newest (no cursor), older than `before`, or newer than `after`. */
export interface ConversationQuery {
  sessionId: string;
  agentId?: string;
  before?: number;
  after?: number;
  limit?: number;
}

/** Everything the web app needs from the server. The tRPC adapter implements it; views depend only on this. */
export interface Api extends TerminalsApi, QueueApi, SshApi, Partial<ImportApi>, Partial<HostsApi> {
  /** Live session summaries (no history arrays); call `getSession` for the full session. */
  live(handlers: LiveHandlers): () => void;
  /**
   * The full session (live, else from history), or null. `full`: with every stored prompt, response and tool call
   * (a live session keeps only its latest ones), for opening the session at an older item.
   */
  getSession(sessionId: string, opts?: { full?: boolean }): Promise<Session | null>;
  /** A page of the session's (or one of its subagents') conversation from its transcript (`sessions.conversation`). */
  conversation?(query: ConversationQuery): Promise<ConversationPage>;
  setTitle(sessionId: string, title: string): Promise<void>;
  setLabel(sessionId: string, label: string | null): Promise<void>;
  setAccentColor(sessionId: string, color: string | null): Promise<void>;
  setArchived(sessionId: string, archived: boolean): Promise<void>;
  kill(sessionId: string): Promise<void>;
  deleteSession(sessionId: string): Promise<void>;
  listNotes(sessionId: string): Promise<Note[]>;
  addNote(sessionId: string, text: string): Promise<Note>;
  updateNote(noteId: number, text: string): Promise<void>;
  deleteNote(noteId: number): Promise<void>;
  /** Sessions matching the filters (the search text is ignored: see `searchText`), sorted as asked. */
  searchHistory(query: HistoryQuery): Promise<HistoryPage>;
  /** Full-text hits for `query.query` within the same filters, ranked (`query.sortBy` does not apply). */
  searchText(query: HistoryQuery): Promise<HistoryHitsPage>;
  historyProjects(): Promise<string[]>;
  analytics(): Promise<Analytics>;
  /** Tokens and cost of the API responses in [`from`, `to`) by `groupBy`, days in the browser's time zone. */
  usage(q: { from: number; to: number; groupBy: UsageGroupBy }): Promise<UsageReport>;
  hookStatus(): Promise<HookCliStatus[]>;
  installHooks(cli: AgentCli, density: HookDensity): Promise<void>;
  uninstallHooks(cli: AgentCli): Promise<void>;
  /** Claude Code's OpenTelemetry export to this server on or off; whether its settings changed, and warnings. */
  setTelemetry(enabled: boolean): Promise<{ changed: boolean; file: string; warnings: string[] }>;
  /** Do the installed hooks deliver to this server? null when the server has no data dir. */
  deliveryStatus(): Promise<DeliveryReport | null>;
  /** Reinstall the hooks of `clis` so they deliver to this server; the fresh report. */
  fixDelivery(clis: AgentCli[]): Promise<DeliveryReport | null>;
  systemStats(): Promise<SystemStats>;
  storage(): Promise<StorageInfo>;
  authStatus(): Promise<AuthStatus>;
  login(password: string): Promise<void>;
  logout(): Promise<void>;
  setPassword(password: string): Promise<void>;
  clearPassword(): Promise<void>;
  /** Pending approvals, then each one opened or closed (`approvals.live`, resumed after a reconnect). */
  approvalsLive(onMessage: (msg: ApprovalLiveMessage) => void): () => void;
  /** Decides an approval once; a closed or unknown one comes back as `conflict` (never a stale decision). */
  decideApproval(id: string, decision: ApprovalDecision): Promise<DecideResult>;
  /** Closed approvals, newest first (`approvals.history`). */
  approvalHistory(query: { sessionId?: string; limit?: number }): Promise<ApprovalDecisionRecord[]>;
  /** The server's VAPID public key (base64url) for Web Push, or null when it has none. */
  vapidPublicKey(): Promise<string | null>;
  /** Alerts fired by the alert rules for the page (in-app, browser), as they fire. */
  alertsLive(onAlert: (alert: FiredAlert) => void): () => void;
  alertRules(): Promise<AlertRuleView[]>;
  createAlertRule(rule: AlertRuleNew): Promise<void>;
  updateAlertRule(id: string, rule: AlertRuleDraft): Promise<void>;
  deleteAlertRule(id: string): Promise<void>;
  /** Sends a test alert on a rule's channels. */
  testAlertRule(id: string): Promise<void>;
  alertDeliveries(limit: number): Promise<AlertDelivery[]>;
  /** Registers this browser's push subscription with the server. */
  subscribePush(subscription: PushSubscriptionData): Promise<void>;
}
