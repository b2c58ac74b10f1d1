/**
 * The forwarder (issue 19) against a real server on port 0, with real spool files and, for the kill tests, the real
 * `flightdeck forward` process: records are shipped exactly once; a server that is down then up loses nothing; an
 * answer lost after the server's commit (the connection dropped, or the forwarder SIGKILLed right after its POST)
 * doubles nothing; a forwarder SIGKILLed and restarted ships everything exactly once.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import {
  createForwarder,
  createHostReporter,
  encodeSpoolRecord,
  type Forwarder,
  formatRecordName,
  forwarderId,
  HOOK_SCRIPT_PATH,
} from '@flightdeck/hook-ingest';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server.js';
import { BIN } from './cli-child.js';
import { caller, sqliteOf, startTestServer, tmpDir, waitFor } from './helpers.js';

const PASSWORD = 'correct horse battery staple';
const BOOT = 'f0f0f0f0';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function central() {
  const server = await startTestServer({ password: PASSWORD });
  cleanups.push(() => server.close());
  const login = await caller(server).auth.login({ password: PASSWORD });
  const api = caller(server, login.token);
  const { token } = await api.hosts.createToken({ name: 'host-a' });
  return { server, api, token };
}

function dataDir() {
  const tmp = tmpDir('fd-forward-');
  cleanups.push(() => tmp.remove());
  mkdirSync(join(tmp.dir, 'spool'), { recursive: true, mode: 0o700 });
  return { dir: tmp.dir, spool: join(tmp.dir, 'spool') };
}

/** `n` hook events of `sessions` agents as spool records, as the hook script writes them. */
function spoolRecords(
  spool: string,
  n: number,
  from = 0,
  sessions = 4,
  pid = (i: number) => 7000 + (i % sessions),
) {
  for (let i = from; i < from + n; i++) {
    const body = JSON.stringify({
      session_id: `fw-${i % sessions}`,
      hook_event_name: i < sessions ? 'SessionStart' : 'PostToolUse',
      tool_name: 'Bash',
      cwd: '/home/dev/project',
      seq: i,
    });
    writeFileSync(
      join(spool, formatRecordName(BOOT, 10_000 + i, 1000 + i)),
      encodeSpoolRecord({ cli: 'claude', pid: pid(i) }, body),
    );
  }
}

function records(spool: string): string[] {
  return readdirSync(spool).filter((f) => f.endsWith('.rec'));
}

/** What the server stored: the events (each sender id once?) and the sessions with their hosts. */
async function stored(server: RunningServer) {
  await server.runtime.drain();
  const ids = sqliteOf(server).prepare('SELECT ingest_id FROM hook_events').pluck().all() as string[];
  return {
    events: ids.length,
    distinct: new Set(ids).size,
    hosts: [...new Set(server.runtime.listSessions().map((s) => s.host ?? '-'))],
  };
}

/**
 * A TCP proxy in front of the server: `down` refuses connections (server or network down); `dropAnswers` lets
 * batches through but drops the server's answers (the server committed, the sender never hears it).
 */
async function proxy(target: number) {
  const mode = { down: false, dropAnswers: 0, answersDropped: 0 };
  const sockets = new Set<Socket>();
  const srv: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    if (mode.down) {
      client.destroy();
      return;
    }
    const upstream = connect(target, '127.0.0.1');
    upstream.on('error', () => client.destroy());
    // Which request the connection carries now: only answers to batches are dropped (not host reports).
    let batch = false;
    client.on('data', (chunk: Buffer) => {
      const head = chunk.subarray(0, 32).toString('latin1');
      if (head.startsWith('POST ')) batch = head.startsWith('POST /api/hooks/batch');
    });
    client.pipe(upstream);
    upstream.on('data', (chunk) => {
      if (batch && mode.dropAnswers > 0) {
        mode.dropAnswers--;
        mode.answersDropped++;
        upstream.destroy();
        client.destroy();
        return;
      }
      client.write(chunk);
    });
    upstream.on('end', () => client.end());
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  );
  const port = (srv.address() as { port: number }).port;
  return { mode, url: `http://127.0.0.1:${port}` };
}

function forwarder(spool: string, dir: string, url: string, token: string): Forwarder {
  const f = createForwarder({
    spoolDir: spool,
    url,
    token,
    forwarderId: forwarderId(dir),
    pollMs: 50,
    backoff: { minMs: 20, maxMs: 200 },
  });
  f.start();
  cleanups.push(() => f.stop());
  return f;
}

function forwardProcess(dir: string, url: string, token: string): ChildProcess {
  const child = spawn(
    process.execPath,
    [BIN, 'forward', '--to', url, '--data-dir', dir, '--poll-ms', '50', '--backoff-max-ms', '200'],
    {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: dir,
        FLIGHTDECK_NO_BUILD: '1',
        FLIGHTDECK_NO_BUNDLE: '1',
        FLIGHTDECK_HOST_TOKEN: token,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return child;
}

const killed = (child: ChildProcess) =>
  new Promise<void>((r) => {
    if (child.exitCode !== null || child.signalCode !== null) return r();
    child.once('exit', () => r());
    child.kill('SIGKILL');
  });

describe('the forwarder', () => {
  it('ships every record exactly once, with the token host, and deletes each only once acknowledged', async () => {
    const c = await central();
    const d = dataDir();
    spoolRecords(d.spool, 1200);
    const f = forwarder(d.spool, d.dir, c.server.url as string, c.token);
    await waitFor(() => records(d.spool).length === 0, 20_000, 50);
    expect(await stored(c.server)).toEqual({ events: 1200, distinct: 1200, hosts: ['host-a'] });
    expect(f.stats()).toMatchObject({ shipped: 1200, duplicates: 0, rejected: 0 });
    // More records later: shipped too, and nothing twice.
    spoolRecords(d.spool, 50, 1200);
    await waitFor(() => records(d.spool).length === 0, 20_000, 50);
    expect(await stored(c.server)).toEqual({ events: 1250, distinct: 1250, hosts: ['host-a'] });
    expect((await c.api.hosts.list())[0]).toMatchObject({ name: 'host-a', agentCount: 4 });
  });

  it('keeps everything while the server is down, then ships it all once it is back', async () => {
    const c = await central();
    const d = dataDir();
    const p = await proxy(c.server.port as number);
    p.mode.down = true;
    spoolRecords(d.spool, 300);
    const f = forwarder(d.spool, d.dir, p.url, c.token);
    await waitFor(() => f.stats().failures >= 4, 10_000, 20);
    expect(records(d.spool)).toHaveLength(300);
    expect(f.stats().backoffMs).toBeGreaterThan(20);
    expect(f.stats().backoffMs).toBeLessThanOrEqual(200);
    expect((await stored(c.server)).events).toBe(0);
    p.mode.down = false;
    await waitFor(() => records(d.spool).length === 0, 20_000, 50);
    expect(await stored(c.server)).toEqual({ events: 300, distinct: 300, hosts: ['host-a'] });
    expect(f.stats().backoffMs).toBe(0);
  });

  it('an answer lost after the commit (connection dropped) is sent again and not stored twice', async () => {
    const c = await central();
    const d = dataDir();
    const p = await proxy(c.server.port as number);
    p.mode.dropAnswers = 2;
    spoolRecords(d.spool, 600);
    const f = forwarder(d.spool, d.dir, p.url, c.token);
    await waitFor(() => records(d.spool).length === 0, 20_000, 50);
    expect(p.mode.answersDropped).toBe(2);
    expect(await stored(c.server)).toEqual({ events: 600, distinct: 600, hosts: ['host-a'] });
    expect(f.stats().duplicates).toBeGreaterThan(0);
  });

  it('SIGKILLed right after its POST (answer never read) and while shipping, then restarted: exactly once', async () => {
    const c = await central();
    const d = dataDir();
    const p = await proxy(c.server.port as number);
    spoolRecords(d.spool, 2000);
    // The server commits the first batch but its answer is dropped; the forwarder is killed before it retries.
    p.mode.dropAnswers = 1;
    const first = forwardProcess(d.dir, p.url, c.token);
    await waitFor(() => p.mode.answersDropped === 1, 30_000, 10);
    await killed(first);
    const afterKill = await stored(c.server);
    expect(afterKill.events).toBeGreaterThan(0);
    expect(records(d.spool).length).toBe(2000); // nothing acknowledged: every file stays
    // Restarted, then killed again while shipping.
    const second = forwardProcess(d.dir, p.url, c.token);
    await waitFor(async () => (await stored(c.server)).events > afterKill.events, 30_000, 10);
    await killed(second);
    expect(records(d.spool).length).toBeGreaterThan(0);
    const third = forwardProcess(d.dir, p.url, c.token);
    await waitFor(() => records(d.spool).length === 0, 60_000, 50);
    expect(await stored(c.server)).toEqual({ events: 2000, distinct: 2000, hosts: ['host-a'] });
    third.kill('SIGTERM');
    await new Promise((r) => third.once('exit', r));
  });

  it("reports the host's metrics and its agents' PIDs: an agent that exits ends its session", async () => {
    const c = await central();
    const d = dataDir();
    // The agent: a real process (on this machine too, where the server never checks it).
    const agent = spawn('sleep', ['600'], { stdio: 'ignore' });
    cleanups.push(() => agent.kill('SIGKILL'));
    const agentPid = agent.pid as number;
    const reporter = createHostReporter({
      dataDir: d.dir,
      url: c.server.url as string,
      token: c.token,
      intervalMs: 50,
    });
    const f = createForwarder({
      spoolDir: d.spool,
      url: c.server.url as string,
      token: c.token,
      forwarderId: forwarderId(d.dir),
      pollMs: 50,
      onShipped: (shipped) =>
        reporter.track(
          shipped.flatMap((r) => (r.envelope.meta.pid === undefined ? [] : [r.envelope.meta.pid])),
        ),
    });
    f.start();
    reporter.start();
    cleanups.push(async () => {
      reporter.stop();
      await f.stop();
    });
    spoolRecords(d.spool, 3, 0, 1, () => agentPid);
    await waitFor(() => c.server.runtime.getSession('fw-0')?.host === 'host-a', 10_000, 20);
    const [host] = await waitFor(
      async () => {
        const list = await c.api.hosts.list();
        return list[0]?.metrics && list[0].samples.length >= 2 ? list : null;
      },
      10_000,
      50,
    );
    expect(host?.metrics?.memory.total).toBeGreaterThan(0);
    expect(host?.metrics?.disk.total).toBeGreaterThan(0);
    expect(host?.metrics?.cpuCount).toBeGreaterThan(0);
    expect(c.server.runtime.getSession('fw-0')?.status).not.toBe('ended');
    agent.kill('SIGKILL');
    await waitFor(() => c.server.runtime.getSession('fw-0')?.status === 'ended', 10_000, 20);
    expect(c.server.runtime.getSession('fw-0')?.statusReason).toMatchObject({ trigger: 'process-gone' });
  });

  it('real hook-script events through `flightdeck forward`: stored once with the host, reports sent, SIGTERM stops it', async () => {
    const c = await central();
    const d = dataDir();
    for (let i = 0; i < 6; i++) {
      const payload = {
        session_id: `hook-${i % 2}`,
        hook_event_name: 'UserPromptSubmit',
        prompt: `p${i}`,
        cwd: '/tmp',
      };
      const r = spawnSync('sh', [HOOK_SCRIPT_PATH, 'claude'], {
        input: JSON.stringify(payload),
        env: { ...process.env, FLIGHTDECK_SPOOL: d.spool },
      });
      expect(r.status).toBe(0);
    }
    expect(records(d.spool)).toHaveLength(6);
    const child = forwardProcess(d.dir, c.server.url as string, c.token);
    let out = '';
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
    });
    await waitFor(() => records(d.spool).length === 0, 30_000, 50);
    expect(await stored(c.server)).toEqual({ events: 6, distinct: 6, hosts: ['host-a'] });
    // The session's PID is the hook's parent (this test's process): reported alive, the session goes on.
    await waitFor(async () => (await c.api.hosts.list())[0]?.metrics, 30_000, 50);
    expect(c.server.runtime.getSession('hook-0')?.pid).toBe(process.pid);
    expect(c.server.runtime.getSession('hook-0')?.status).not.toBe('ended');
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toMatch(/FLIGHTDECK_FORWARDING/);
    expect(out).toMatch(/stopped; 6 record\(s\) shipped/);
  });

  it('stops at once while a POST hangs (a server that never answers), keeping the batch on disk', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((sock) => {
      sockets.add(sock);
      sock.on('error', () => {});
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    cleanups.push(
      () =>
        new Promise<void>((r) => {
          for (const sock of sockets) sock.destroy();
          silent.close(() => r());
        }),
    );
    const d = dataDir();
    spoolRecords(d.spool, 10);
    const f = createForwarder({
      spoolDir: d.spool,
      url: `http://127.0.0.1:${(silent.address() as { port: number }).port}`,
      token: `fdh_${'0'.repeat(64)}`,
      forwarderId: forwarderId(d.dir),
      pollMs: 50,
    });
    f.start();
    await waitFor(() => sockets.size > 0, 10_000, 10);
    const started = Date.now();
    await f.stop();
    // The request's own timeout is 30 s: stopping waits for none of it.
    expect(Date.now() - started).toBeLessThan(3000);
    expect(records(d.spool)).toHaveLength(10);
  });
});
