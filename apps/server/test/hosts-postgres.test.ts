/**
 * Hosts on PostgreSQL (team mode): `flightdeck hosts add|revoke --database URL` writes the shared table, and a server
 * on that database follows it within a second (a token made elsewhere is accepted, a revoked one refused); the
 * forwarder's events and the host's report are stored there.
 */
import { startPostgres, type TestPostgres } from '@flightdeck/db/test-support/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import type { RunningServer } from '../src/server.js';
import { caller, postHook, sessionStart, startTestServer, tmpDir, waitFor } from './helpers.js';

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startPostgres();
}, 60_000);
afterAll(() => pg?.stop());

describe('hosts on PostgreSQL', () => {
  it('tokens made and revoked by the CLI on the shared database are followed by the server within a second', async () => {
    const url = pg.url(await pg.createDatabase());
    const tmp = tmpDir('fd-hosts-pg-');
    let server: RunningServer | null = null;
    try {
      server = await startTestServer({ file: { database: url } });
      expect(server.database.dialect).toBe('postgres');
      const out: string[] = [];
      const io = {
        stdin: process.stdin,
        stdout: { write: (s: string) => out.push(s) },
        stderr: { write: () => true },
        env: { HOME: tmp.dir },
      } as unknown as Parameters<typeof runCli>[1];
      const cli = (...args: string[]) =>
        runCli(['hosts', ...args, '--data-dir', tmp.dir, '--database', url], io);
      expect(await cli('add', 'pg-host')).toBe(0);
      const token = out.join('').trim();
      expect(token).toMatch(/^fdh_[0-9a-f]{64}$/);
      const base = server.url as string;
      const auth = { authorization: `Bearer ${token}` };
      await waitFor(
        async () => (await postHook(base, sessionStart('pg-h-1'), auth)).status === 202,
        5000,
        100,
      );
      await server.runtime.drain();
      expect(server.runtime.getSession('pg-h-1')?.host).toBe('pg-host');
      const wrong = await postHook(base, sessionStart('pg-h-2', { host: 'other' }), auth);
      expect(wrong.status).toBe(403);
      const [host] = await caller(server).hosts.list();
      expect(host).toMatchObject({ name: 'pg-host', revoked: false, agentCount: 1 });

      expect(await cli('revoke', 'pg-host')).toBe(0);
      await waitFor(
        async () => (await postHook(base, sessionStart('pg-h-3'), auth)).status === 401,
        5000,
        100,
      );
      expect((await caller(server).hosts.list())[0]).toMatchObject({ revoked: true });
      expect(server.runtime.getSession('pg-h-2')).toBeUndefined();
      expect(server.runtime.getSession('pg-h-4')).toBeUndefined();
    } finally {
      await server?.close();
      tmp.remove();
    }
  });
});
