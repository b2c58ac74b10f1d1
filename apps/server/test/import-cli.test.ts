/**
 * `flightdeck import`: with no server on the data dir it opens the database itself; with one running it asks that
 * server (one writer; its live sessions known). Real files, a real server on 127.0.0.1.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { openSqlite } from '@flightdeck/db';
import { afterEach, describe, expect, it } from 'vitest';
import { type CliIo, runCli } from '../src/cli.js';
import { progressLine } from '../src/import/cli.js';
import { idleProgress } from '../src/import/run.js';
import { caller, startTestServer, tmpDir } from './helpers.js';
import { sessionIdOf, writeTree } from './import-tree.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function io(home: string): CliIo & { out: () => string } {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d) => {
    out += d.toString();
  });
  return {
    stdin: Readable.from([]),
    stdout,
    stderr: new PassThrough(),
    env: { HOME: home, PATH: process.env.PATH },
    out: () => out,
  };
}

/** A port nothing listens on (taken, then released). */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

describe('flightdeck import', () => {
  it('without a server: imports into the data dir with a progress bar; again: nothing', async () => {
    const t = tmpDir('fd-import-cli-');
    cleanups.push(t.remove);
    const projects = join(t.dir, 'projects');
    writeTree(projects, 20);
    const data = join(t.dir, 'data');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(data);
    writeFileSync(join(data, 'config.json'), JSON.stringify({ port: await freePort() }));
    const a = io(t.dir);
    expect(await runCli(['import', '--from', projects, '--cli', 'claude', '--data-dir', data], a)).toBe(0);
    expect(a.out()).toContain(
      `retention: conversations older than 24 h are pruned (sessionRetentionHours in ${join(data, 'config.json')})`,
    );
    expect(a.out()).toMatch(/\[#{24}\] 100%\s+files 20\/20\s+sessions 20 /);
    expect(a.out()).toMatch(/done: 20 session\(s\) imported from 20 file\(s\); 0 already imported/);
    const b = io(t.dir);
    expect(await runCli(['import', '--from', projects, '--cli', 'claude', '--data-dir', data], b)).toBe(0);
    expect(b.out()).toMatch(/done: 0 session\(s\) imported from 0 file\(s\); 20 already imported/);
    const db = await openSqlite({ file: join(data, 'flightdeck.db') });
    const n = await db.db
      .selectFrom('sessions')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    await db.close();
    expect(Number(n.n)).toBe(20);
    expect(await runCli(['import', '--cli', 'cursor', '--data-dir', data], io(t.dir))).toBe(2);
  });

  it('with a server on the data dir: the server imports', async () => {
    const t = tmpDir('fd-import-cli-srv-');
    cleanups.push(t.remove);
    const projects = join(t.dir, 'projects');
    writeTree(projects, 5);
    const data = join(t.dir, 'data');
    const server = await startTestServer({ dataDir: data });
    cleanups.push(() => server.close());
    writeFileSync(
      join(data, 'config.json'),
      JSON.stringify({ port: server.port, hookRateLimitPerSecond: 100000 }),
    );
    const a = io(t.dir);
    expect(await runCli(['import', '--from', projects, '--cli', 'claude', '--data-dir', data], a)).toBe(0);
    expect(a.out()).toContain(`importing through the server at http://127.0.0.1:${server.port}`);
    expect(a.out()).toMatch(/done: 5 session\(s\) imported/);
    expect((await caller(server).history.get({ sessionId: sessionIdOf(4) })).session.status).toBe('ended');
  });

  it('draws files, sessions, MB, rate and time left', () => {
    const line = progressLine({
      ...idleProgress(),
      state: 'running',
      filesTotal: 10,
      filesDone: 5,
      sessions: 4,
      bytesTotal: 100 * 1024 * 1024,
      bytesDone: 50 * 1024 * 1024,
      rate: 25 * 1024 * 1024,
      etaMs: 2000,
    });
    expect(line).toBe(
      '[############............]  50%  files 5/10  sessions 4  50.0/100.0 MB  25.0 MB/s  left 0:02',
    );
  });
});
