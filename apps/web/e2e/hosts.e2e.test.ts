/**
 * Hosts in Chromium against a real server (issue 19): two hosts with their own tokens send their agents' events and
 * their metric reports over HTTP as `flightdeck forward` does; the board grouped by host, the Hosts page with each
 * host's sparklines, and a host that stopped reporting marked offline. Desktop and phone screenshots.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostMetrics } from '@flightdeck/shared-types';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotOnFailure } from './failure-shots.js';
import { claude, launchBrowser, outputDir, startServer, type TestServer } from './harness.js';

let server: TestServer;
let browser: Browser;
let page: Page;
const OFFLINE_AFTER_MS = 4000;

beforeAll(async () => {
  server = await startServer();
  // The server follows config.json while it runs: a short offline time, so that a silent host goes offline here.
  writeFileSync(
    join(server.dataDir, 'config.json'),
    JSON.stringify({ hostOfflineAfterMs: OFFLINE_AFTER_MS }),
  );
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

screenshotOnFailure(() => page, 'failed-hosts');

const GB = 1024 ** 3;

async function post(path: string, token: string, body: unknown): Promise<void> {
  const r = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  if (r.status !== 202) throw new Error(`POST ${path} → ${r.status}: ${await r.text()}`);
}

/** A session of `host`: its start and a prompt, sent with the host's token as its forwarder does. */
async function agent(host: string, token: string, id: string, cwd: string): Promise<void> {
  const meta = { host, sentAt: Date.now() };
  for (const payload of [claude.sessionStart(id, cwd), claude.prompt(id, cwd, `work on ${id}`)])
    await post('/api/hooks', token, { cli: 'claude', payload, meta });
}

function metrics(cpu: number, memoryGb: number): HostMetrics {
  return {
    at: Date.now(),
    cpuPercent: cpu,
    cpuCount: 4,
    memory: { used: Math.round(memoryGb * GB), total: 16 * GB },
    swap: { used: Math.round(0.2 * GB), total: 2 * GB },
    disk: { used: 120 * GB, total: 250 * GB },
    load: [cpu / 25, 1, 0.8],
  };
}

const report = (token: string, cpu: number, memoryGb: number) =>
  post('/api/hosts/report', token, { metrics: metrics(cpu, memoryGb), pids: [] });

describe('hosts in Chromium', () => {
  it('groups the board by host, draws each host’s metrics, and marks a silent host offline', async () => {
    const { token: boxToken } = await server.trpc<{ token: string }>(
      'hosts.createToken',
      { name: 'build-box' },
      { method: 'POST' },
    );
    const { token: laptopToken } = await server.trpc<{ token: string }>(
      'hosts.createToken',
      { name: 'laptop' },
      { method: 'POST' },
    );
    await agent('build-box', boxToken, 'box-1', '/home/dev/src/api');
    await agent('build-box', boxToken, 'box-2', '/home/dev/src/web');
    await agent('laptop', laptopToken, 'lap-1', '/home/dev/src/docs');
    await report(laptopToken, 12, 5);
    // build-box: a busy machine, CPU climbing into danger, memory into warning.
    for (const [cpu, mem] of [
      [20, 8],
      [45, 9],
      [60, 10],
      [72, 11],
      [86, 12],
      [91, 12.5],
    ] as const)
      await report(boxToken, cpu, mem);

    // The board, grouped by host.
    await page.goto(`${server.url}/#/?group=host`);
    await page.locator('.conn--live').waitFor({ timeout: 15_000 });
    await page.locator('article.card[data-session-id="lap-1"]').waitFor({ timeout: 15_000 });
    const groups = await page.locator('h2.board__group').allTextContents();
    expect(groups.map((g) => g.replace(/\s*\d+$/, '').trim())).toEqual(['build-box', 'laptop']);
    await page.screenshot({ path: join(outputDir, 'board-by-host.png'), fullPage: true });

    // The Hosts page: both online at first, build-box with its metrics.
    await page.goto(`${server.url}/#/hosts`);
    const box = page.locator('[data-host="build-box"]');
    await box.waitFor({ timeout: 15_000 });
    expect(await box.getAttribute('data-state')).toBe('online');
    expect(await box.locator('[data-metric="cpu"]').getAttribute('data-level')).toBe('danger');
    expect(await box.locator('[data-metric="memory"]').getAttribute('data-level')).toBe('warn');
    expect(await box.locator('[data-metric="disk"]').getAttribute('data-level')).toBe('ok');
    expect(await box.locator('[data-metric="cpu"] strong').textContent()).toBe('91 %');
    // Five sparklines drawn (Chart.js canvases with pixels on them).
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll<HTMLCanvasElement>('[data-host="build-box"] canvas')].filter((c) => {
          const ctx = c.getContext('2d');
          if (!ctx || c.width === 0) return false;
          return ctx.getImageData(0, 0, c.width, c.height).data.some((v, i) => i % 4 === 3 && v > 0);
        }).length === 5,
      undefined,
      { timeout: 10_000 },
    );
    expect(await box.textContent()).toContain('2 agents');

    // laptop stops reporting; build-box goes on. After the offline time the page (polling) marks laptop offline.
    const laptop = page.locator('[data-host="laptop"]');
    const deadline = Date.now() + OFFLINE_AFTER_MS + 15_000;
    while ((await laptop.getAttribute('data-state')) !== 'offline') {
      if (Date.now() > deadline) throw new Error('laptop was never marked offline');
      await report(boxToken, 88, 12.5);
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(await box.getAttribute('data-state')).toBe('online');
    expect(await page.getByTestId('hosts-summary').textContent()).toBe('2 hosts, 1 offline');
    await page.screenshot({ path: join(outputDir, 'hosts.png'), fullPage: true });

    // From a host to the board showing only its sessions.
    await box.getByRole('button', { name: 'Show on the board' }).click();
    await page.locator('article.card[data-session-id="box-1"]').waitFor({ timeout: 10_000 });
    expect(await page.locator('article.card').count()).toBe(2);

    // Phone size.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}/#/hosts`);
    await laptop.waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(outputDir, 'hosts-phone.png'), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    // Settings (Hooks with what each CLI can do, Hosts, alert rules) fits the narrowest phone too.
    await page.setViewportSize({ width: 360, height: 800 });
    await page.goto(`${server.url}/#/settings`);
    await page.getByTestId('hooks-capabilities-gemini').waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(outputDir, 'settings-phone.png'), fullPage: true });
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBe(0);
    // A forwarded machine's agent at that width: no Kill (its processes are not this machine's), the note saying
    // where its questions are answered, and nothing wider than the screen.
    await page.goto(`${server.url}/#/session/box-1`);
    await page.getByTestId('cap-forwarded').waitFor({ timeout: 10_000 });
    expect(await page.getByRole('button', { name: 'Kill', exact: true }).count()).toBe(0);
    await page.screenshot({ path: join(outputDir, 'forwarded-session-phone.png'), fullPage: true });
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBe(0);
  });
});
