import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './2026_11_21_0001_initial.js';
import * as m0002 from './2026_12_06_0002_search_all.js';
import * as m0003 from './2026_12_07_0003_session_host.js';
import * as m0004 from './2026_12_07_0004_approvals.js';
import * as m0005 from './2026_12_07_0005_alerts.js';
import * as m0006 from './2026_12_07_0006_prompt_queue.js';
import * as m0008 from './2026_12_07_0008_retention.js';
import * as m0009 from './2026_12_07_0009_usage.js';
import * as m0011 from './2026_12_07_0011_import.js';
import * as m0012 from './2026_12_07_0012_hosts.js';
import * as m0015 from './2026_12_07_0015_host_samples.js';

/** Every migration, by name (names sort in the order they run). Add new ones here; never edit old ones. */
export const migrations: Record<string, Migration> = {
  '2026_11_21_0001_initial': m0001,
  '2026_12_06_0002_search_all': m0002,
  '2026_12_07_0003_session_host': m0003,
  '2026_12_07_0004_approvals': m0004,
  '2026_12_07_0005_alerts': m0005,
  '2026_12_07_0006_prompt_queue': m0006,
  '2026_12_07_0008_retention': m0008,
  '2026_12_07_0009_usage': m0009,
  '2026_12_07_0011_import': m0011,
  '2026_12_07_0012_hosts': m0012,
  '2026_12_07_0015_host_samples': m0015,
};

/** Static provider: no filesystem scan, so it works the same from source, bundles and tests. */
export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};
