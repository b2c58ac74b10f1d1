/**
 * Retention of what the agents said and did: prompts, responses, tool calls and lifecycle events older than a
 * time are deleted in chunks (their search index rows go with them, by the delete triggers of migration 0002);
 * the sessions themselves (their rows: title, project, counters, times) and notes stay. The raw event log has its
 * own (`pruneHookEvents`). `storageReport` tells what a pass would delete. Portable Kysely.
 */
import { type Kysely, sql } from 'kysely';
import { DbInputError } from './errors.js';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

/** The conversation tables, their time column and the text they hold (for the estimate of bytes). */
export const CONVERSATION_TABLES = {
  prompts: { time: 'timestamp', text: ['text'] },
  responses: { time: 'timestamp', text: ['text_excerpt'] },
  tool_calls: { time: 'timestamp', text: ['tool_input', 'tool_input_summary', 'result_excerpt', 'error'] },
  events: { time: 'timestamp', text: ['detail'] },
} as const;
export type ConversationTable = keyof typeof CONVERSATION_TABLES;
const TABLES = Object.keys(CONVERSATION_TABLES) as ConversationTable[];

function checkBefore(fn: string, before: unknown): void {
  if (typeof before !== 'number' || !Number.isFinite(before))
    throw new DbInputError(`${fn}: before must be a number`, 'before');
}

/**
 * Deletes at most `limit` rows of each conversation table older than `before` (oldest first) and answers how
 * many of each; call it again until every count is below the limit.
 */
export async function pruneConversation(
  db: Db,
  options: { before: number; limit: number },
): Promise<Record<ConversationTable, number>> {
  checkBefore('pruneConversation', options?.before);
  if (!(Number.isInteger(options.limit) && options.limit > 0))
    throw new DbInputError('pruneConversation: limit must be a positive integer', 'limit');
  const out = {} as Record<ConversationTable, number>;
  for (const table of TABLES) {
    const oldest = db
      .selectFrom(table)
      .select('id')
      .where('timestamp', '<', options.before)
      .orderBy('timestamp')
      .limit(options.limit);
    const r = await db.deleteFrom(table).where('id', 'in', oldest).executeTakeFirst();
    out[table] = Number(r.numDeletedRows);
  }
  return out;
}

export interface StorageTableReport {
  rows: number;
  /** Rows older than the retention period (deleted by its next pass). */
  prunableRows: number;
  /** Characters of text those rows hold (an estimate of the bytes a pass frees, the search index aside). */
  prunableBytes: number;
}

export interface StorageReport {
  tables: Record<ConversationTable | 'hook_events', StorageTableReport>;
  prunableRows: number;
  prunableBytes: number;
}

/** What retention would delete now: per table, its rows, the rows older than the cutoffs and their text's size. */
export async function storageReport(
  db: Db,
  options: { conversationBefore: number; eventsBefore: number },
): Promise<StorageReport> {
  checkBefore('storageReport', options?.conversationBefore);
  checkBefore('storageReport', options.eventsBefore);
  const count = (
    table: ConversationTable | 'hook_events',
    time: string,
    before: number,
    text: readonly string[],
  ) =>
    db
      .selectFrom(table)
      .select([
        sql<number>`count(*)`.as('rows'),
        sql<number>`sum(case when ${sql.ref(time)} < ${before} then 1 else 0 end)`.as('prunable'),
        sql<number>`sum(case when ${sql.ref(time)} < ${before} then ${sql.join(
          text.map((c) => sql`coalesce(length(${sql.ref(c)}), 0)`),
          sql` + `,
        )} else 0 end)`.as('bytes'),
      ])
      .executeTakeFirstOrThrow();
  const tables = {} as StorageReport['tables'];
  for (const t of TABLES) {
    const spec = CONVERSATION_TABLES[t];
    const r = await count(t, spec.time, options.conversationBefore, spec.text);
    tables[t] = {
      rows: Number(r.rows),
      prunableRows: Number(r.prunable ?? 0),
      prunableBytes: Number(r.bytes ?? 0),
    };
  }
  const ev = await count('hook_events', 'received_at', options.eventsBefore, ['payload', 'meta']);
  tables.hook_events = {
    rows: Number(ev.rows),
    prunableRows: Number(ev.prunable ?? 0),
    prunableBytes: Number(ev.bytes ?? 0),
  };
  const all = Object.values(tables);
  return {
    tables,
    prunableRows: all.reduce((n, t) => n + t.prunableRows, 0),
    prunableBytes: all.reduce((n, t) => n + t.prunableBytes, 0),
  };
}
