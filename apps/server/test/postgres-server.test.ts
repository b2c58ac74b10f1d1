/**
 * The server on PostgreSQL (team mode, `database` in config.json / `flightdeck start --database`): hook events over
 * HTTP are stored there, History reads them back (search, full-text with a highlighted snippet), and a restart on
 * the same database finds them. A throwaway PostgreSQL server for this file (`@flightdeck/db/test-support/postgres`).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPostgres, type TestPostgres } from '@flightdeck/db/test-support/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import type { RunningServer } from '../src/server.js';
import {
  caller,
  claudeEvent,
  postHook,
  prompt,
  sessionStart,
  startTestServer,
  tmpDir,
  waitFor,
} from './helpers.js';

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startPostgres();
}, 60_000);
afterAll(() => pg?.stop());

describe('the server on PostgreSQL', () => {
  it('stores hook events there, reads History from there, and finds them again after a restart', async () => {
    const url = pg.url(await pg.createDatabase());
    let server: RunningServer | null = await startTestServer({ file: { database: url } });
    try {
      expect(server.database.dialect).toBe('postgres');
      const base = server.url!;
      for (const e of [sessionStart('pg-1'), prompt('pg-1', 'rename the wombat module')]) {
        expect((await postHook(base, e)).status).toBe(202);
      }
      await postHook(base, claudeEvent('pg-1', 'Stop'));
      const history = caller(server).history;
      await waitFor(async () => (await history.search({})).total === 1);
      const hits = await history.fullText({ query: 'wombat', kind: 'prompts' });
      expect(hits.items).toMatchObject([{ kind: 'prompt', sessionId: 'pg-1' }]);
      expect(hits.items[0]?.snippetHtml).toBe('rename the <mark>wombat</mark> module');
      await server.close();
      server = null;

      server = await startTestServer({ file: { database: url } });
      expect(server.runtime.getSession('pg-1')?.totalPrompts).toBe(1);
      expect((await caller(server).history.get({ sessionId: 'pg-1' })).prompts.map((p) => p.text)).toEqual([
        'rename the wombat module',
      ]);
    } finally {
      await server?.close();
    }
  });
});

describe('--database', () => {
  it('overrides config.json, and anything but a postgres:// URL is refused with a clear error', () => {
    const tmp = tmpDir('fd-pg-config-');
    try {
      expect(loadConfig({ dataDir: tmp.dir }, {}).database).toBeNull();
      expect(loadConfig({ dataDir: tmp.dir, database: 'postgres://u@h/db' }, {}).database).toBe(
        'postgres://u@h/db',
      );
      expect(() => loadConfig({ dataDir: tmp.dir, database: 'mysql://u@h/db' }, {})).toThrow(
        /--database must be a postgres:\/\/ or postgresql:\/\/ URL/,
      );
      writeFileSync(join(tmp.dir, 'config.json'), JSON.stringify({ database: 'postgres://team@db/fd' }));
      expect(loadConfig({ dataDir: tmp.dir }, {}).database).toBe('postgres://team@db/fd');
      expect(loadConfig({ dataDir: tmp.dir, database: 'postgres://u@h/db' }, {}).database).toBe(
        'postgres://u@h/db',
      );
      writeFileSync(join(tmp.dir, 'config.json'), JSON.stringify({ database: 'flightdeck.db' }));
      expect(() => loadConfig({ dataDir: tmp.dir }, {})).toThrow(/field "database": must be a postgres:\/\//);
    } finally {
      tmp.remove();
    }
  });
});
