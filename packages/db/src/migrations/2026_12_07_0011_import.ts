/**
 * Migration 0011: `import_files`, one row per transcript file the history import (issue 17) has read: its size and
 * mtime when last read, how many bytes of it are imported (whole lines only), the session it went to, the import's
 * state of that file (JSON, to continue it where it stopped) and whether it is `done`, still `importing`, or was
 * left alone because its session is `live`. A second run skips what is done; an interrupted or grown file goes on
 * from `bytes_done`.
 *
 * Frozen in time: this file never imports application code.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('import_files')
    .addColumn('path', 'text', (c) => c.primaryKey())
    .addColumn('cli', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('mtime_ms', 'integer', (c) => c.notNull())
    .addColumn('bytes_done', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('updated_at', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('import_files_session').on('import_files').column('session_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('import_files').execute();
}
