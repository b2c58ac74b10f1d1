/**
 * PostgreSQL counterpart of SQLite's migration 0011: `import_files`, one row per transcript file the history import
 * has read (see `../../migrations/2026_12_07_0011_import.ts` for what each column holds). Times and sizes `bigint`.
 *
 * Frozen in time: this file never imports application code.
 */
import { type Kysely, sql } from 'kysely';

const TEXT = sql`text COLLATE "C"`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('import_files')
    .addColumn('path', TEXT, (c) => c.primaryKey())
    .addColumn('cli', TEXT, (c) => c.notNull())
    .addColumn('session_id', TEXT, (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('mtime_ms', 'bigint', (c) => c.notNull())
    .addColumn('bytes_done', 'bigint', (c) => c.notNull())
    .addColumn('status', TEXT, (c) => c.notNull())
    .addColumn('state', TEXT, (c) => c.notNull().defaultTo('{}'))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('import_files_session').on('import_files').column('session_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('import_files').execute();
}
