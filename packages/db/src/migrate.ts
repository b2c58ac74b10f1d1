/** Runs the migrations (portable Kysely `Migrator`; the migrations themselves are the SQLite schema). */
import { type Kysely, type MigrationResult, Migrator, NO_MIGRATIONS } from 'kysely';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

function check(results: MigrationResult[] | undefined, error: unknown, what: string): string[] {
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`${what} failed${failed ? ` at ${failed}` : ''}: ${String(error)}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

function migrator(db: Kysely<Database>): Migrator {
  return new Migrator({ db, provider: migrationProvider });
}

/** Runs every pending migration; returns the names applied. */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const { results, error } = await migrator(db).migrateToLatest();
  return check(results, error, 'migrateToLatest');
}

/** Reverts the last migration, or all of them with `{ all: true }` (for tests). Returns the names reverted. */
export async function migrateDown(db: Kysely<Database>, options: { all?: boolean } = {}): Promise<string[]> {
  const m = migrator(db);
  const { results, error } = options.all ? await m.migrateTo(NO_MIGRATIONS) : await m.migrateDown();
  return check(results, error, 'migrateDown');
}
