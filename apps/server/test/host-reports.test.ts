/**
 * Host reports and remote PIDs (issue 19): a session of another host is never checked or killed here, even when
 * its PID exists on this machine; its host's report that the PID is gone ends it. Reports are checked at the edge,
 * need the host's token, and feed `hosts.list` (metrics, samples, offline) and `hosts.metrics`.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { HostReport } from '@flightdeck/shared-types';
import { afterEach, describe, expect, it } from 'vitest';
import { HOOK_TOKEN_FILE } from '../src/hook-token.js';
import { MAX_HOST_SAMPLES } from '../src/hosts/samples.js';
import type { ProcessInspector } from '../src/process-identity.js';
import type { RunningServer } from '../src/server.js';
import { caller, hostMetrics, postHook, sessionStart, startTestServer, tmpDir, waitFor } from './helpers.js';

const PASSWORD = 'correct horse battery staple';
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function report(pids: HostReport['pids'], cpuPercent = 12.5): HostReport {
  return { metrics: hostMetrics(cpuPercent, Date.now()), pids };
}

async function postReport(base: string, body: unknown, headers: Record<string, string>) {
  const res = await fetch(`${base}/api/hosts/report`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { message?: string; ended?: number } };
}

async function setup(file: Record<string, unknown> = {}, clock?: () => number) {
  const tmp = tmpDir('fd-reports-');
  cleanups.push(() => tmp.remove());
  return setupIn(tmp.dir, file, clock);
}

async function setupIn(dataDir: string, file: Record<string, unknown> = {}, clock?: () => number) {
  const identified: number[] = [];
  const processes: ProcessInspector = {
    identify(pid) {
      identified.push(pid);
      return { ok: false, reason: 'test inspector' };
    },
    verify: () => ({ ok: false, reason: 'test inspector' }),
  };
  const server: RunningServer = await startTestServer({
    dataDir,
    password: PASSWORD,
    processes,
    file,
    ...(clock ? { clock } : {}),
  });
  cleanups.push(() => server.close());
  const login = await caller(server).auth.login({ password: PASSWORD });
  const api = caller(server, login.token);
  // A restarted server (same data dir) keeps its hosts: no new token then.
  const { token } =
    (await api.hosts.list()).length === 0 ? await api.hosts.createToken({ name: 'host-a' }) : { token: '' };
  const hookToken = readFileSync(join(dataDir, HOOK_TOKEN_FILE), 'utf8').trim();
  return { server, api, token, hookToken, identified, base: server.url as string };
}

describe('remote PIDs', () => {
  it("a session of host A whose PID exists here is never checked or killed here; A's report that it is gone ends it", async () => {
    const t = await setup();
    // This test's own PID: alive here. A local session with another local PID, for comparison.
    expect(
      (await postHook(t.base, sessionStart('remote-1', { pid: process.pid }), bearer(t.token))).status,
    ).toBe(202);
    const local = sessionStart('local-1', { pid: process.ppid, host: hostname() });
    expect((await postHook(t.base, local, bearer(t.hookToken))).status).toBe(202);
    await t.server.runtime.drain();
    await waitFor(() => t.identified.includes(process.ppid));
    expect(t.identified).not.toContain(process.pid);
    expect(t.server.runtime.stats().watchedPids).toBe(1);
    await expect(t.api.sessions.kill({ sessionId: 'remote-1', confirm: true })).rejects.toThrow(
      /runs on host host-a: Flightdeck signals processes of this machine only/,
    );
    expect(t.server.runtime.getSession('remote-1')?.status).not.toBe('ended');

    // Host A says another PID died, and names the local session's PID: neither ends anything.
    const other = await postReport(t.base, report([{ pid: process.ppid, alive: false }]), bearer(t.token));
    expect(other).toMatchObject({ status: 202, body: { ended: 0 } });
    expect(t.server.runtime.getSession('local-1')?.status).not.toBe('ended');
    const alive = await postReport(t.base, report([{ pid: process.pid, alive: true }]), bearer(t.token));
    expect(alive).toMatchObject({ status: 202, body: { ended: 0 } });
    expect(t.server.runtime.getSession('remote-1')?.status).not.toBe('ended');
    // Host A reports its agent gone: the session ends as a local liveness check would end it.
    const gone = await postReport(t.base, report([{ pid: process.pid, alive: false }]), bearer(t.token));
    expect(gone).toMatchObject({ status: 202, body: { ended: 1 } });
    expect(t.server.runtime.getSession('remote-1')?.status).toBe('ended');
    expect(t.server.runtime.getSession('remote-1')?.statusReason).toMatchObject({ trigger: 'process-gone' });
    expect(t.identified).not.toContain(process.pid);
  });
});

describe('host reports', () => {
  it('need the host token, are checked at the edge, and feed hosts.list and hosts.metrics', async () => {
    const t = await setup();
    const none = await postReport(t.base, report([]), {});
    expect(none.status).toBe(401);
    expect(none.body.message).toMatch(/host token required/);
    expect((await postReport(t.base, report([]), bearer(t.hookToken))).status).toBe(401);
    const bad = await postReport(
      t.base,
      { ...report([]), metrics: { ...report([]).metrics, cpuPercent: 140 } },
      bearer(t.token),
    );
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^metrics\.cpuPercent: /);
    const badPid = await postReport(t.base, report([{ pid: -1, alive: false }]), bearer(t.token));
    expect(badPid.status).toBe(400);
    expect(badPid.body.message).toMatch(/^pids\.0\.pid: /);

    for (let i = 0; i < MAX_HOST_SAMPLES + 5; i++) {
      expect((await postReport(t.base, report([], i % 100), bearer(t.token))).status).toBe(202);
    }
    const [host] = await t.api.hosts.list();
    expect(host).toMatchObject({ name: 'host-a', offline: false, metrics: { cpuPercent: 24, cpuCount: 4 } });
    expect(host?.samples).toHaveLength(MAX_HOST_SAMPLES);
    expect(host?.samples[0]?.metrics.cpuPercent).toBe(5);
    const series = await t.api.hosts.metrics({ name: 'host-a' });
    expect(series.map((s) => s.metrics.cpuPercent)).toEqual(host?.samples.map((s) => s.metrics.cpuPercent));
    await expect(t.api.hosts.metrics({ name: 'nobody' })).rejects.toThrow(/no host "nobody"/);

    await t.api.hosts.revokeToken({ name: 'host-a' });
    const revoked = await postReport(t.base, report([]), bearer(t.token));
    expect(revoked.status).toBe(401);
    expect(revoked.body.message).toMatch(/^token revoked/);
  });

  it("a restarted server shows each host's last stored report and its sparkline samples", async () => {
    const tmp = tmpDir('fd-reports-');
    cleanups.push(() => tmp.remove());
    const t = await setupIn(tmp.dir);
    for (const cpu of [40, 41, 42])
      expect((await postReport(t.base, report([], cpu), bearer(t.token))).status).toBe(202);
    await waitFor(async () => (await t.api.hosts.list())[0]?.metrics?.cpuPercent === 42);
    const before = await t.api.hosts.metrics({ name: 'host-a' });
    expect(before.map((s) => s.metrics.cpuPercent)).toEqual([40, 41, 42]);
    // A report just before the close (its sample still queued) is saved by the close.
    expect((await postReport(t.base, report([], 43), bearer(t.token))).status).toBe(202);
    await t.server.close();
    const again = await setupIn(tmp.dir);
    const [host] = await again.api.hosts.list();
    expect(host).toMatchObject({ name: 'host-a', metrics: { cpuPercent: 43 } });
    expect(host?.lastSeenAt).toBeGreaterThan(0);
    // The samples behind the sparklines are the same, received when they were.
    expect(host?.samples.map((s) => s.metrics.cpuPercent)).toEqual([40, 41, 42, 43]);
    expect(host?.samples.slice(0, 3)).toEqual(before);
    expect(await again.api.hosts.metrics({ name: 'host-a' })).toEqual(host?.samples);
  });

  it('a host not heard from for hostOfflineAfterMs is offline', async () => {
    const t = await setup({ hostOfflineAfterMs: 1000 });
    expect((await t.api.hosts.list())[0]).toMatchObject({
      lastSeenAt: null,
      connection: 'never',
      offline: true,
    });
    await postReport(t.base, report([]), bearer(t.token));
    expect((await t.api.hosts.list())[0]).toMatchObject({ offline: false });
    await new Promise((r) => setTimeout(r, 1300));
    expect((await t.api.hosts.list())[0]).toMatchObject({ connection: 'offline', offline: true });
  });
});

describe('alert rules on host conditions', () => {
  /** The titles of the in-app alerts `alerts.live` delivers, as they arrive. */
  async function liveTitles(api: Awaited<ReturnType<typeof setup>>['api']) {
    const titles: string[] = [];
    const stream = await api.alerts.live({});
    const it = stream[Symbol.asyncIterator]();
    // (not awaited: a generator's return waits for the next() under way, which the server's close ends)
    cleanups.push(() => {
      void it.return?.(undefined);
    });
    void (async () => {
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        const [, data] = r.value as unknown as [
          string,
          { alert: { title: string; sessionId: string | null } },
        ];
        titles.push(`${data.alert.title}${data.alert.sessionId === null ? '' : ' (a session?)'}`);
      }
    })();
    return titles;
  }

  it('a metric rule fires once on the report that crosses its level, and again after the metric fell back', async () => {
    const t = await setup();
    await t.api.alerts.rules.create({
      name: 'CPU hot',
      enabled: true,
      condition: { type: 'host-metric', metric: 'cpu', level: 'danger' },
      channels: ['in-app'],
    });
    const titles = await liveTitles(t.api);
    for (const cpu of [20, 90, 95, 30, 85])
      expect((await postReport(t.base, report([], cpu), bearer(t.token))).status).toBe(202);
    await waitFor(() => titles.length >= 2);
    await new Promise((r) => setTimeout(r, 300));
    expect(titles).toEqual(['host-a: CPU 90 %', 'host-a: CPU 85 %']);
  });

  it('an offline rule fires once a host has been silent for its minutes (clock moved forward)', async () => {
    let offset = 0;
    const t = await setup({}, () => Date.now() + offset);
    await t.api.alerts.rules.create({
      name: 'Host gone',
      enabled: true,
      condition: { type: 'host-offline', minutes: 5 },
      channels: ['in-app'],
    });
    const titles = await liveTitles(t.api);
    expect((await postReport(t.base, report([]), bearer(t.token))).status).toBe(202);
    await new Promise((r) => setTimeout(r, 1500)); // a refresh with the host online
    expect(titles).toEqual([]);
    offset = 6 * 60_000;
    await waitFor(() => titles.length >= 1, 5000);
    await new Promise((r) => setTimeout(r, 1500)); // more refreshes: not again
    expect(titles).toEqual(['host-a: offline']);
  });
});
