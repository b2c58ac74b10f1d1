/**
 * Runs the migrations (portable Kysely `Migrator`). The default provider is the SQLite schema (`migrations/`); the
 * PostgreSQL adapter passes its own (`postgres/migrations/`).
 */
import { type Kysely, type MigrationProvider, type MigrationResult, Migrator, NO_MIGRATIONS } from 'kysely';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

function check(results: MigrationResult[] | undefined, error: unknown, what: string): string[] {
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`${what} failed${failed ? ` at ${failed}` : ''}: ${String(error)}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

function migrator(db: Kysely<Database>, provider: MigrationProvider): Migrator {
  return new Migrator({ db, provider });
}

/** Runs every pending migration; returns the names applied. */
export async function migrateToLatest(
  db: Kysely<Database>,
  provider: MigrationProvider = migrationProvider,
): Promise<string[]> {
  const { results, error } = await migrator(db, provider).migrateToLatest();
  return check(results, error, 'migrateToLatest');
}

/** Reverts the last migration, or all of them with `{ all: true }` (for tests). Returns the names reverted. */
export async function migrateDown(
  db: Kysely<Database>,
  options: { all?: boolean; provider?: MigrationProvider } = {},
): Promise<string[]> {
  const m = migrator(db, options.provider ?? migrationProvider);
  const { results, error } = options.all ? await m.migrateTo(NO_MIGRATIONS) : await m.migrateDown();
  return check(results, error, 'migrateDown');
}
