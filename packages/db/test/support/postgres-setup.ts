/**
 * vitest globalSetup of the db project: ONE throwaway PostgreSQL server for the run (`startPostgres`), with a
 * template database migrated once (`openPostgres`), so each test database is a quick copy of it. Tests get the
 * server's URL through `inject('postgresUrl')` (see `openTestDb('postgres')` in `../helpers.ts`). Teardown stops the
 * server and removes its directory.
 */
import type { TestProject } from 'vitest/node';
import { openPostgres } from '../../src/index.js';
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
    const template = await server.createDatabase();
    const adapter = await openPostgres({ url: server.url(template) });
    await adapter.close();
    await server.createDatabase(template, TEMPLATE_DB);
    await server.dropDatabase(template);
    project.provide('postgresUrl', server.url());
  } catch (err) {
    server.stop();
    throw err;
  }
  return () => server.stop();
}
