export type { DatabaseAdapter } from './adapter.js';
export * from './alerts.js';
export * from './analytics.js';
export { approvalDecisionOp, listApprovalDecisions } from './approvals.js';
export { DbInputError } from './errors.js';
export {
  checkpointWatermark,
  hasIngestIds,
  hookEventsAfterCheckpoint,
  hookEventsSince,
  type LoggedHookEvent,
  type LoggedSessionEvent,
  pruneHookEvents,
  sessionEventsBetween,
  toLoggedEvent,
} from './event-log.js';
export * from './fts.js';
export * from './hosts.js';
export { type StoredRecords, withStoredRings } from './hydrate.js';
export * from './import-files.js';
export { loadCoreState, loadLiveSessions } from './live-state.js';
export { migrateDown, migrateToLatest } from './migrate.js';
export { migrationProvider, migrations } from './migrations/index.js';
export * from './notes.js';
export * from './planner.js';
export { postgresMigrationProvider, postgresMigrations } from './postgres/migrations/index.js';
export {
  listenPostgres,
  notifyEventsStored,
  notifyPostgres,
  type PgListener,
  type PgListenerOptions,
} from './postgres/notify.js';
export {
  type EventNotifyOptions,
  type OpenPostgresOptions,
  openPostgres,
  type PostgresAdapter,
} from './postgres/open.js';
export type { PgWriterThreadOptions } from './postgres/thread.js';
export { loadPromptQueues, promptQueueOp, type StoredPromptQueue } from './prompt-queue.js';
export {
  CONVERSATION_TABLES,
  type ConversationTable,
  pruneConversation,
  type StorageReport,
  type StorageTableReport,
  storageReport,
} from './retention.js';
export {
  type RingCapacities,
  type RingEntries,
  ringEntriesAfter,
  ringGap,
  ringsAtRisk,
} from './ring-diff.js';
export type * from './schema.js';
export {
  type ColumnField,
  SESSION_COLUMNS,
  SESSION_ROW_COLUMNS,
  type SessionColumn,
  sessionRow,
  TABLE_RINGS,
} from './session-row.js';
export * from './sessions.js';
export { fullTextSearch } from './sqlite/fts-search.js';
export {
  type OpenSqliteOptions,
  openSqlite,
  type SqliteAdapter,
  type WriterLog,
  type WriterThreadOptions,
} from './sqlite/open.js';
export * from './usage.js';
export * from './write-op.js';
