export * from './analytics.js';
export { DbInputError } from './errors.js';
export * from './event-log.js';
export * from './fts.js';
export { parseToolInput, type StoredRecords, withStoredRings } from './hydrate.js';
export * from './ingest.js';
export * from './kv.js';
export { migrationProvider, migrations } from './migrations/index.js';
export * from './notes.js';
export {
  type FlightdeckDatabase,
  migrateDown,
  migrateToLatest,
  type OpenDatabaseOptions,
  openDatabase,
} from './open.js';
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
  columnOf,
  SESSION_COLUMNS,
  SESSION_ROW_COLUMNS,
  type SessionColumn,
  sessionRow,
  TABLE_RINGS,
} from './session-row.js';
export * from './sessions.js';
export {
  configureConnection,
  createOpWriter,
  OP,
  type OpWriter,
  openWriterConnection,
  WATERMARK_KEY,
  type WriteOp,
  type WriterConnection,
} from './write-ops.js';
