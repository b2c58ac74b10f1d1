/**
 * Hosts on PostgreSQL (team mode): `flightdeck hosts add|revoke --database URL` writes the shared table, and a server
 * on that database follows it within a second (a token made elsewhere is accepted, a revoked one refused); the
 * forwarder's events and the host's report are stored there. Two servers on one database show the same sparkline
 * samples of a host, whichever server its reports reach.
 */
import { startPostgres, type TestPostgres } from '@flightdeck/db/test-support/postgres';
import type { HostReport } from '@flightdeck/shared-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import type { RunningServer } from '../src/server.js';
import { caller, hostMetrics, postHook, sessionStart, startTestServer, tmpDir, waitFor } from './helpers.js';

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

function report(cpuPercent: number): HostReport {
  return { metrics: hostMetrics(cpuPercent, Date.now(), 2), pids: [] };
}

async function postReport(base: string, token: string, cpu: number): Promise<number> {
  const res = await fetch(`${base}/api/hosts/report`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(report(cpu)),
  });
  await res.body?.cancel();
  return res.status;
}

describe('host samples on PostgreSQL', () => {
  it('two servers on one database show the same samples, whichever server the reports reach', async () => {
    const url = pg.url(await pg.createDatabase());
    const servers: RunningServer[] = [];
    try {
      for (let i = 0; i < 2; i++) servers.push(await startTestServer({ file: { database: url } }));
      const [a, b] = servers as [RunningServer, RunningServer];
      const { token } = await caller(a).hosts.createToken({ name: 'pg-box' });
      // B follows the hosts table within a second: then it takes the host's reports too.
      await waitFor(async () => (await caller(b).hosts.list()).length === 1, 5000, 50);

      for (const cpu of [10, 11, 12]) expect(await postReport(a.url as string, token, cpu)).toBe(202);
      const cpus = async (s: RunningServer) =>
        (await caller(s).hosts.metrics({ name: 'pg-box' })).map((x) => x.metrics.cpuPercent).join(',');
      // Nothing reached B: it reads them from the database (A saves them within a second).
      await waitFor(async () => (await cpus(b)) === '10,11,12', 5000, 50);
      const ofA = await caller(a).hosts.metrics({ name: 'pg-box' });
      expect(await caller(b).hosts.metrics({ name: 'pg-box' })).toEqual(ofA);
      expect((await caller(b).hosts.list())[0]?.samples).toEqual(ofA);
      // The last figures too, from the host's row (read again every second).
      await waitFor(async () => (await caller(b).hosts.list())[0]?.metrics?.cpuPercent === 12, 5000, 50);

      // The host's forwarder now reaches B (another address, a failover): both show the one series.
      expect(await postReport(b.url as string, token, 13)).toBe(202);
      await waitFor(async () => (await cpus(a)) === '10,11,12,13', 5000, 50);
      const listed = await Promise.all(servers.map(async (s) => (await caller(s).hosts.list())[0]?.samples));
      expect(listed[0]).toHaveLength(4);
      expect(listed[1]).toEqual(listed[0]);
    } finally {
      for (const s of servers) await s.close();
    }
  });
});
