/**
 * What a write plan is made of: `WriteOp`s, named records whose rows are typed from the schema (`schema.ts`).
 * Plain data (strings, numbers, null): a plan crosses `postMessage` to a writer thread unchanged. The planner
 * (`planner.ts`) makes them; an adapter applies them in order, in one transaction (`DatabaseAdapter.write`), with
 * the statements of `statements.ts`.
 */
import type { Insertable } from 'kysely';
import type {
  ApprovalDecisionsTable,
  EventsTable,
  HookEventsTable,
  ImportFilesTable,
  PromptQueueTable,
  PromptsTable,
  ResponsesTable,
  SessionsTable,
  ToolCallsTable,
  UsageMessagesTable,
} from './schema.js';

/** Every column of an insert given (no default left to the database), the generated `id` left out. */
type NewRow<T> = { [K in Exclude<keyof Insertable<T>, 'id'>]-?: Exclude<Insertable<T>[K], undefined> };

export type HookEventInsert = NewRow<HookEventsTable>;
/** A session's row (see `session-row.ts`): the session id is its `id`. */
export type SessionInsert = NewRow<SessionsTable> & { id: string };
export type PromptInsert = NewRow<PromptsTable>;
export type ResponseInsert = NewRow<ResponsesTable>;
export type EventInsert = NewRow<EventsTable>;
export type ToolCallInsert = NewRow<ToolCallsTable>;
/** A closed approval: its approval id is its `id`. */
export type ApprovalDecisionInsert = NewRow<ApprovalDecisionsTable> & { id: string };
export type UsageInsert = NewRow<UsageMessagesTable>;
export type ImportFileInsert = NewRow<ImportFilesTable>;

export type PromptQueueInsert = NewRow<PromptQueueTable>;

/** The columns of a stored tool call but its session: what a tool-call ring entry is stored as. */
export const TOOL_CALL_FIELDS = [
  'tool_use_id',
  'tool_name',
  'tool_input_summary',
  'tool_input',
  'status',
  'timestamp',
  'ended_at',
  'duration_ms',
  'result_excerpt',
  'error',
  'agent_id',
] as const satisfies readonly (keyof ToolCallInsert)[];

/** One write. */
export type WriteOp =
  /** A raw hook event (a repeated `ingest_id` is ignored). */
  | { op: 'hookEvent'; row: HookEventInsert }
  /** A session's row, inserted or replaced. */
  | { op: 'session'; row: SessionInsert }
  /** Ring entries: inserted once (a repeat is ignored; a tool call's status, end and result are updated). */
  | { op: 'prompt'; row: PromptInsert }
  | { op: 'response'; row: ResponseInsert }
  | { op: 'event'; row: EventInsert }
  | { op: 'tool'; row: ToolCallInsert }
  /** A session re-keyed: its rows and raw events move to `newId` (merged into it when it exists). */
  | { op: 'rekey'; oldId: string; newId: string }
  /** A session deleted with its child rows and raw events. */
  | { op: 'remove'; sessionId: string }
  /** A closed held approval (a repeated id is ignored: an approval closes once). */
  | { op: 'approval'; row: ApprovalDecisionInsert }
  /** An API response's usage, inserted or replaced (keyed by session, message id and request id). */
  | { op: 'usage'; row: UsageInsert }
  /** A session's prompt queue replaced by `rows` (none: its queue is empty). */
  | { op: 'promptQueue'; sessionId: string; rows: PromptQueueInsert[] }
  /**
   * A step of the history import (`import-files.ts`), first in its plan: the plan fails (nothing written) when the
   * session is live (it has a row no import wrote); else `session` is written (replaced, or only when absent with
   * `replaceSession` false) and the file's row stored. Two imports of a file at once double nothing: every row
   * table has its unique key.
   */
  | {
      op: 'importFile';
      row: ImportFileInsert;
      session: SessionInsert | null;
      replaceSession: boolean;
    }
  /** The core state (JSON) without its sessions. */
  | { op: 'coreState'; state: string; at: number }
  /** A `kv` row (`value` JSON), deleted when `value` is null. */
  | { op: 'kv'; key: string; value: string | null; at: number }
  /** The state written so far in this transaction includes every raw event stored so far (the checkpoint). */
  | { op: 'watermark'; at: number };

export type WriteOpKind = WriteOp['op'];

/**
 * `kv` key of the checkpoint watermark: the id of the last raw hook event whose effect the saved state (session
 * rows, ring entries, core state) includes. Events after it are replayed on start.
 */
export const WATERMARK_KEY = 'core.watermark';
