import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './2026_11_21_0001_initial.js';

/** Every migration, by name (names sort in the order they run). Add new ones here; never edit old ones. */
export const migrations: Record<string, Migration> = {
  '2026_11_21_0001_initial': m0001,
};

/** Static provider: no filesystem scan, so it works the same from source, bundles and tests. */
export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};
