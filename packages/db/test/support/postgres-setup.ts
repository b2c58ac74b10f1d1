/**
 * vitest globalSetup of the db project: ONE throwaway PostgreSQL server for the run (`startPostgres`), with a
 * template database holding what a superuser installs (the `unaccent` extension, in `public`). Each test file gets a
 * database copied from it, each test database a schema of its own in it (see `openTestDb('postgres')` in
 * `../helpers.ts`); tests get the server's URL through `inject('postgresUrl')`. Teardown stops the server and
 * removes its directory.
 */
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startPostgres } from './postgres.js';

export const TEMPLATE_DB = 'flightdeck_template';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const server = await startPostgres();
  try {
    // A locale where text does not sort byte by byte (ICU en-US: 'alpha' before 'Beta'), as on many servers: the
    // schema must give SQLite's order itself.
    const admin = new pg.Client({ connectionString: server.url() });
    await admin.connect();
    await admin.query(
      `CREATE DATABASE ${TEMPLATE_DB} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'`,
    );
    await admin.end();
    const c = new pg.Client({ connectionString: server.url(TEMPLATE_DB) });
    await c.connect();
    await c.query('CREATE EXTENSION unaccent SCHEMA public');
    await c.end();
    project.provide('postgresUrl', server.url());
  } catch (err) {
    server.stop();
    throw err;
  }
  return () => server.stop();
}
