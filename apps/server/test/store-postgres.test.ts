/**
 * The store's contract suite (store-contract.ts) on PostgreSQL: a throwaway server for this file
 * (`@flightdeck/db/test-support/postgres`: Debian's binaries, loopback, a temp dir), a fresh database per test.
 */
import { openPostgres } from '@flightdeck/db';
import { startPostgres, type TestPostgres } from '@flightdeck/db/test-support/postgres';
import { afterAll } from 'vitest';
import { storeContract } from './store-contract.js';

let server: Promise<TestPostgres> | null = null;
afterAll(async () => {
  (await server)?.stop();
});

storeContract('PostgreSQL', async () => {
  server ??= startPostgres();
  const pg = await server;
  const name = await pg.createDatabase();
  const adapter = await openPostgres({ url: pg.url(name), maxConnections: 4 });
  return {
    adapter,
    dispose: async () => {
      await adapter.close();
      await pg.dropDatabase(name);
    },
  };
});
