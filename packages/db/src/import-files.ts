/**
 * The history import's bookkeeping (`import_files`, migration 0011): which transcript files were imported, how far,
 * into which session, and the import's state of each to continue it. Written only inside an import step
 * (`importFileOp`), in the same plan as the rows it imported, so progress and rows never disagree.
 */
import type { Kysely } from 'kysely';
import type { Database, ImportFileRow } from './schema.js';
import { sessionRow } from './session-row.js';
import type { ImportFileInsert, SessionInsert, WriteOp } from './write-op.js';

export { IMPORT_CONFLICT, isImportConflict } from './errors.js';

export const IMPORT_FILE_STATUSES = ['importing', 'done', 'live'] as const;
export type ImportFileStatus = (typeof IMPORT_FILE_STATUSES)[number];

/**
 * One import step, to go FIRST in its plan: `row` is the file's progress after the plan; `session` (a `Session`, or null) is written as its row, replacing an imported row
 * (`replaceSession`) or only when the session has none (a subagent's file: its parent's row wins).
 */
export function importFileOp(
  row: ImportFileInsert,
  session: Parameters<typeof sessionRow>[0] | null,
  replaceSession: boolean,
): WriteOp {
  return {
    op: 'importFile',
    row,
    session: session === null ? null : (sessionRow(session) as SessionInsert),
    replaceSession,
  };
}

/** Every imported file's row, by path. */
export async function loadImportFiles(db: Kysely<Database>): Promise<Map<string, ImportFileRow>> {
  const rows = await db.selectFrom('import_files').selectAll().execute();
  return new Map(rows.map((r) => [r.path, r]));
}

/** The import row of one file, or null. */
export async function getImportFile(db: Kysely<Database>, path: string): Promise<ImportFileRow | null> {
  return (
    (await db.selectFrom('import_files').selectAll().where('path', '=', path).executeTakeFirst()) ?? null
  );
}
