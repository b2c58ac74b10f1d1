/**
 * The delivery check in process (real spool files, the real hook script, a real SQLite file): records stranded in
 * the default spool of a throwaway HOME are adopted and ingested, reported until they are; a symlink to this
 * server's own spool is not read twice.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { HOOK_SCRIPT_PATH } from '@flightdeck/hook-ingest';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server.js';
import { startTestServer, tmpDir, waitFor } from './helpers.js';

const tmp = tmpDir('fd-adopt-');
const servers: RunningServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
  tmp.remove();
});

function spool(dir: string, sessionId: string, event = 'SessionStart'): void {
  const r = spawnSync('sh', [HOOK_SCRIPT_PATH, 'claude'], {
    input: JSON.stringify({ session_id: sessionId, cwd: '/home/dev/p', hook_event_name: event }),
    env: { PATH: process.env.PATH, FLIGHTDECK_SPOOL: dir },
  });
  expect(r.status).toBe(0);
}

const recs = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.rec')) : []);

describe('delivery check: stranded records', () => {
  it('adopts the default spool of HOME when it holds records, even with no hooks pointing there', async () => {
    const home = join(tmp.dir, 'home');
    const stranded = join(home, '.flightdeck', 'spool');
    for (let i = 0; i < 5; i++) spool(stranded, `stranded-${i}`);
    expect(recs(stranded)).toHaveLength(5);

    const server = await startTestServer({ dataDir: join(tmp.dir, 'x'), delivery: { env: { HOME: home } } });
    servers.push(server);
    await waitFor(() => server.runtime.listSessions().length === 5, 10_000);
    await waitFor(() => recs(stranded).length === 0, 10_000);
    const first = server.services.delivery!.report()!;
    expect(first.foreignSpools).toEqual([
      expect.objectContaining({ dir: stranded, records: 5, hooks: [], adopted: true }),
    ]);
    // Drained and written to by no hook: let go at the next check.
    const report = await server.services.delivery!.check();
    expect(report.misdirected).toEqual([]);
    expect(report.foreignSpools).toEqual([]);
    expect(report.ok).toBe(true);

    // A stray that turns up later is adopted again at the next check.
    spool(stranded, 'stranded-late');
    const again = await server.services.delivery!.check();
    expect(again.foreignSpools).toEqual([
      expect.objectContaining({ dir: stranded, records: 1, adopted: true }),
    ]);
    await waitFor(() => server.runtime.listSessions().some((s) => s.sessionId === 'stranded-late'), 10_000);
  });

  it('reports records waiting elsewhere in plain words before they are taken', async () => {
    const home = join(tmp.dir, 'home2');
    const stranded = join(home, '.flightdeck', 'spool');
    spool(stranded, 'w-1');
    spool(stranded, 'w-2');
    const server = await startTestServer({
      dataDir: join(tmp.dir, 'x2'),
      delivery: { env: { HOME: home }, intervalMs: 60_000 },
    });
    servers.push(server);
    // The first check ran at start: it saw two records waiting, and adopted the spool.
    const first = server.services.delivery!.report() ?? (await server.services.delivery!.check());
    expect(first.problems.join('\n')).toMatch(
      /2 events were waiting in .*\.flightdeck\/spool; this server is picking them up/,
    );
    expect(first.ok).toBe(false);
    await waitFor(() => server.runtime.listSessions().length === 2, 10_000);
    await waitFor(async () => (await server.services.delivery!.check()).ok, 10_000, 50);
  });

  it('a symlink to its own spool is not read a second time', async () => {
    const home = join(tmp.dir, 'home3');
    const dataDir = join(tmp.dir, 'x3');
    mkdirSync(join(dataDir, 'spool'), { recursive: true });
    mkdirSync(join(home, '.flightdeck'), { recursive: true });
    symlinkSync(join(dataDir, 'spool'), join(home, '.flightdeck', 'spool'));
    spool(join(dataDir, 'spool'), 'own-1');
    const server = await startTestServer({ dataDir, delivery: { env: { HOME: home } } });
    servers.push(server);
    await waitFor(() => server.runtime.listSessions().length === 1, 10_000);
    const report = await server.services.delivery!.check();
    expect(report.foreignSpools).toEqual([]);
    expect(report.ok).toBe(true);
  });
});
