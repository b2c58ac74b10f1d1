/**
 * A fleet in network namespaces made by this test (issue 19): the central server (`flightdeck start`) in one, two
 * hosts in others, each joined to it by a veth pair (support/netns.ts). Each host is a machine of its own: its
 * host name, its PID namespace (with /proc), an "agent" process running the real hook script into the host's spool, and
 * `flightdeck forward` shipping that spool with the host's token. On the way, host A's link is cut for 30 s and
 * restored, and the central server is SIGKILLed and restarted while both hosts go on. At the end every event is
 * stored exactly once, each session shows its host, and host A's agent — a PID that exists only in host A's
 * namespace — was never checked on the central machine (its session lived on) until host A reported it gone.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOOK_SCRIPT_PATH } from '@flightdeck/hook-ingest';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, userEnv } from './cli-child.js';
import { tmpDir, waitFor } from './helpers.js';
import { createFleetNetwork, type FleetHost, type FleetNetwork } from './support/netns.js';

const EVENTS_PER_ROUND = 15;
const CUT_MS = 30_000;
const PORT = 7443;

/**
 * The agent (a node process, as an agent CLI is): on the file `go-<k>` it sends a round of prompts, each through the
 * real hook script (its parent, so the hook reports this process's PID), then `done-<k>`; it exits on `stop`.
 */
const AGENT_JS = `
const { execFileSync } = require('node:child_process');
const { existsSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { CTL, SID, HOST, HOOK, DATA } = process.env;
let k = 0;
const tick = () => {
  if (existsSync(join(CTL, 'stop'))) process.exit(0);
  if (existsSync(join(CTL, 'go-' + k))) {
    for (let i = 0; i < ${EVENTS_PER_ROUND}; i++) {
      const payload = { session_id: SID, hook_event_name: 'UserPromptSubmit', prompt: HOST + ' round ' + k + ' prompt ' + i, cwd: '/home/dev/fleet' };
      execFileSync('sh', [HOOK, 'claude'], { input: JSON.stringify(payload), env: { ...process.env, FLIGHTDECK_SPOOL: join(DATA, 'spool') } });
    }
    writeFileSync(join(CTL, 'done-' + k), '');
    k += 1;
  }
  setTimeout(tick, 100);
};
tick();
`;

/**
 * A host's machine: in its PID namespace (`unshare --pid --kill-child --mount-proc`, under the host name the
 * namespace spawn gives), the forwarder in the background, then the agent started as PID $AGENT_PID of that
 * namespace. `--kill-child`: when the test kills `unshare`, the namespace's first process dies, and everything in
 * the namespace with it (without it the forwarder and the agent outlived the test).
 */
const HOST_SH = `
mkdir -p "$DATA/spool"
"$NODE" "$BIN" forward --to "$URL" --data-dir "$DATA" --poll-ms 100 --backoff-max-ms 1000 >"$DATA/forward.log" 2>&1 &
echo $((AGENT_PID - 1)) >/proc/sys/kernel/ns_last_pid
"$NODE" "$CTL/agent.js" &
wait
`;

interface Machine {
  host: FleetHost;
  name: string;
  sessionId: string;
  ctl: string;
  agentPid: number;
  proc: ChildProcess;
}

/** A PID free on this (the central) machine now. */
function pidFreeHere(): number {
  for (;;) {
    const pid = 20_000 + Math.floor(Math.random() * 12_000);
    if (!existsSync(`/proc/${pid}`)) return pid;
  }
}

function readyLine(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`central server not ready: ${out}`)), 60_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('FLIGHTDECK_READY')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`central server exited (${code}): ${out}`)));
  });
}

describe('a fleet of hosts in network namespaces', () => {
  let net: FleetNetwork;
  const tmp = tmpDir('fd-fleet-');
  const centralDir = join(tmp.dir, 'central');
  let central: ChildProcess | null = null;
  const machines: Machine[] = [];

  const startCentral = async () => {
    const child = net.central.spawn(
      [
        process.execPath,
        BIN,
        'start',
        '--host',
        '0.0.0.0',
        '--port',
        String(PORT),
        '--data-dir',
        centralDir,
        '--no-open',
      ],
      { env: userEnv(centralDir), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    await readyLine(child);
    central = child;
  };
  const killCentral = async () => {
    const c = central;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  const db = () => new Database(join(centralDir, 'flightdeck.db'), { readonly: true, fileMustExist: true });
  const query = <T>(sql: string, ...args: unknown[]): T[] => {
    const d = db();
    try {
      return d.prepare(sql).all(...args) as T[];
    } finally {
      d.close();
    }
  };
  const storedPrompts = () =>
    query<{ n: number; distinct_n: number }>(
      `SELECT count(*) AS n, count(DISTINCT json_extract(payload, '$.prompt')) AS distinct_n FROM hook_events`,
    )[0] ?? { n: 0, distinct_n: 0 };
  const round = async (k: number, hosts: readonly Machine[]) => {
    for (const m of hosts) writeFileSync(join(m.ctl, `go-${k}`), '');
    await waitFor(() => hosts.every((m) => existsSync(join(m.ctl, `done-${k}`))), 60_000, 100);
  };
  const storedAtLeast = (n: number, timeoutMs = 60_000) =>
    waitFor(() => storedPrompts().n >= n, timeoutMs, 250);

  beforeAll(async () => {
    net = createFleetNetwork(2);
    mkdirSync(centralDir, { recursive: true });
    const tokens: string[] = [];
    for (const name of ['host-a', 'host-b']) {
      const out = execFileSync(process.execPath, [BIN, 'hosts', 'add', name, '--data-dir', centralDir], {
        env: userEnv(centralDir),
        encoding: 'utf8',
      });
      const token = /fdh_[A-Za-z0-9_-]+/.exec(out)?.[0];
      if (!token) throw new Error(`no token in: ${out}`);
      tokens.push(token);
    }
    await startCentral();
    net.hosts.forEach((host: FleetHost, i) => {
      const name = i === 0 ? 'host-a' : 'host-b';
      const data = join(tmp.dir, name);
      const ctl = join(data, 'ctl');
      mkdirSync(ctl, { recursive: true });
      writeFileSync(join(ctl, 'agent.js'), AGENT_JS);
      const agentPid = pidFreeHere();
      const proc = host.spawn(['unshare', '--pid', '--kill-child', '--mount-proc', 'sh', '-c', HOST_SH], {
        hostname: name,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: data,
          FLIGHTDECK_NO_BUILD: '1',
          FLIGHTDECK_HOST_TOKEN: tokens[i] as string,
          NODE: process.execPath,
          BIN,
          HOOK: HOOK_SCRIPT_PATH,
          URL: `http://${host.centralIp}:${PORT}`,
          DATA: data,
          CTL: ctl,
          HOST: name,
          SID: `fleet-${name}`,
          AGENT_PID: String(agentPid),
        },
        stdio: 'ignore',
      });
      machines.push({ host, name, sessionId: `fleet-${name}`, ctl, agentPid, proc });
    });
  }, 120_000);

  afterAll(async () => {
    for (const m of machines) {
      writeFileSync(join(m.ctl, 'stop'), '');
      const exited = new Promise((r) => (m.proc.exitCode !== null ? r(null) : m.proc.once('exit', r)));
      m.proc.kill('SIGKILL'); // unshare: its child, the PID namespace's first process, is killed with it
      await exited;
    }
    await killCentral();
    try {
      // Nothing of the hosts or of the central server outlives the test.
      await waitFor(
        () => execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).indexOf(tmp.dir) < 0,
        10_000,
        100,
      );
    } finally {
      net?.destroy();
      rmSync(tmp.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    }
  });

  it('stores every event once with its host through a cut link and a killed server, and leaves remote PIDs alone', async () => {
    const [a, b] = machines as [Machine, Machine];
    const total = (rounds: number) => rounds * EVENTS_PER_ROUND * machines.length;

    // 1. Both hosts send; everything arrives.
    await round(0, machines);
    await storedAtLeast(total(1));

    // 2. Host A's link is cut for 30 s while both send: B's events arrive, A's wait in its spool.
    net.cut(a.host);
    const cutAt = Date.now();
    await round(1, machines);
    await storedAtLeast(total(1) + EVENTS_PER_ROUND);
    const hostsNow = query<{ host: string; n: number }>(
      `SELECT json_extract(meta, '$.host') AS host, count(*) AS n FROM hook_events GROUP BY host ORDER BY host`,
    );
    expect(hostsNow).toEqual([
      { host: 'host-a', n: EVENTS_PER_ROUND },
      { host: 'host-b', n: 2 * EVENTS_PER_ROUND },
    ]);
    await new Promise((r) => setTimeout(r, Math.max(0, CUT_MS - (Date.now() - cutAt))));
    net.restore(a.host);
    await storedAtLeast(total(2));

    // 3. The central server is SIGKILLed; both hosts go on; it restarts on the same data.
    await killCentral();
    await round(2, machines);
    await startCentral();
    await storedAtLeast(total(3));
    // Nothing more arrives later (no resend doubled anything).
    await new Promise((r) => setTimeout(r, 3000));

    // Every event once, with its host.
    expect(storedPrompts()).toEqual({ n: total(3), distinct_n: total(3) });
    const sessions = query<{ id: string; host: string; status: string; pid: number | null }>(
      `SELECT id, host, status, json_extract(snapshot, '$.pid') AS pid FROM sessions ORDER BY id`,
    );
    expect(sessions.map((s) => [s.id, s.host])).toEqual([
      [a.sessionId, 'host-a'],
      [b.sessionId, 'host-b'],
    ]);
    // Host A's agent has a PID that does not exist here: checked here, its session would have ended long ago.
    const sessionA = sessions.find((s) => s.id === a.sessionId);
    expect(sessionA?.pid).toBe(a.agentPid);
    expect(existsSync(`/proc/${a.agentPid}`)).toBe(false);
    expect(sessionA?.status).not.toBe('ended');

    // Host A's agent exits: its forwarder reports the PID gone, and only then the session ends.
    writeFileSync(join(a.ctl, 'stop'), '');
    await waitFor(
      () =>
        query<{ status: string }>(`SELECT status FROM sessions WHERE id = ?`, a.sessionId)[0]?.status ===
        'ended',
      60_000,
      250,
    );
    expect(
      query<{ status: string }>(`SELECT status FROM sessions WHERE id = ?`, b.sessionId)[0]?.status,
    ).not.toBe('ended');
  }, 300_000);
});
