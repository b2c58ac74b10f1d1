/**
 * The PostgreSQL schema's migrations (the SQLite ones are in `../../migrations/`). 0001 + 0002 are the SQLite schema
 * up to `2026_12_07_0009_usage`; a later SQLite migration gets its PostgreSQL counterpart here, under the same name.
 */
import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './2026_12_07_0001_initial.js';
import * as m0002 from './2026_12_07_0002_search.js';
import * as m0011 from './2026_12_07_0011_import.js';
import * as m0012 from './2026_12_07_0012_hosts.js';
import * as m0013 from './2026_12_07_0013_cluster.js';
import * as m0014 from './2026_12_07_0014_cluster_inputs.js';
import * as m0015 from './2026_12_07_0015_host_samples.js';

export const postgresMigrations: Record<string, Migration> = {
  '2026_12_07_0001_initial': m0001,
  '2026_12_07_0002_search': m0002,
  '2026_12_07_0011_import': m0011,
  '2026_12_07_0012_hosts': m0012,
  /** PostgreSQL only: several servers on one database (SQLite runs one server). */
  '2026_12_07_0013_cluster': m0013,
  /** PostgreSQL only: inputs outside the event log, shared between the servers. */
  '2026_12_07_0014_cluster_inputs': m0014,
  '2026_12_07_0015_host_samples': m0015,
};

export const postgresMigrationProvider: MigrationProvider = {
  async getMigrations() {
    return postgresMigrations;
  },
};
