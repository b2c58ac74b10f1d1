/**
 * Settings → SSH hosts and a launch on a host, in Chromium against a real server and a real `sshd` on 127.0.0.1
 * (the server tests' fixture, apps/server/test/sshd.ts): add the host, check its fingerprint, trust it, then start an
 * agent on it from "New agent session" (no agent CLI on this test host: the remote shell says so, which shows the
 * line ran there).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type TestSshd } from '../../server/test/sshd.js';
import { screenshotOnFailure } from './failure-shots.js';
import { launchBrowser, outputDir, startServer, type TestServer } from './harness.js';

let server: TestServer;
let browser: Browser;
let page: Page | undefined;
let sshd: TestSshd;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fd-e2e-ssh-'));
  sshd = await startSshd(root);
  server = await startServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  for (const t of (await server?.trpc<Array<{ id: string }>>('terminals.list').catch(() => [])) ?? [])
    await server.trpc('terminals.close', { id: t.id }, { method: 'POST' }).catch(() => undefined);
  await browser?.close();
  await server?.stop();
  await sshd?.stop();
  rmSync(root, { recursive: true, force: true });
});

screenshotOnFailure(() => page, 'ssh');

describe('SSH hosts', () => {
  it('adds a host, shows its fingerprint before trusting it, and launches an agent on it', async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${server.url}/#/settings`);
    const panel = page.locator('section[aria-labelledby="ssh-title"]');
    await panel.waitFor({ timeout: 15_000 });
    const form = panel.getByRole('form', { name: 'New SSH host' });
    await form.getByLabel('Name').fill('box');
    await form.getByLabel('Host').fill('127.0.0.1');
    await form.getByLabel('Port').fill(String(sshd.port));
    await form.getByLabel('User').fill(sshd.user);
    await form.getByLabel('Identity file').fill(sshd.clientKey);
    await form.getByRole('button', { name: 'Add host' }).click();
    const row = panel.locator('tr[data-host="box"]');
    await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain('not trusted yet');

    await row.getByRole('button', { name: 'Check and trust…' }).click();
    const dialog = page.getByRole('dialog');
    const fingerprint = execFileSync('ssh-keygen', ['-lf', sshd.hostKeyPub], { encoding: 'utf8' }).split(
      ' ',
    )[1];
    await expect
      .poll(() => dialog.getByTestId('ssh-fingerprint').textContent())
      .toBe(`ssh-ed25519 ${fingerprint}`);
    await page.screenshot({ path: join(outputDir, 'ssh-trust-dialog.png') });
    await dialog.getByRole('button', { name: 'Trust this key' }).click();
    await expect.poll(() => row.locator('.ssh-key--trusted').count(), { timeout: 15_000 }).toBe(1);
    expect(await row.textContent()).toContain(fingerprint);
    await page.screenshot({ path: join(outputDir, 'ssh-hosts.png') });

    await page.goto(`${server.url}/#/`);
    await page.locator('.conn--live').waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: 'New agent session' }).click();
    const launch = page.getByRole('dialog', { name: 'New agent session' });
    await launch.getByLabel('Host').selectOption('box');
    await launch.getByLabel('Working directory').fill(root);
    await launch.getByLabel('First prompt (optional)').fill("it's a test");
    await launch.getByRole('button', { name: 'Start agent' }).click();
    await page.waitForURL(/#\/terminals\/term-/);
    const id = decodeURIComponent(page.url().split('/').pop() ?? '');
    await expect
      .poll(
        () => page?.$$eval('.xterm-rows > div', (rows) => rows.map((r) => r.textContent ?? '').join('\n')),
        { timeout: 20_000 },
      )
      .toMatch(/env: .?claude.?: No such file or directory/);
    const rows = await page.$$eval('.xterm-rows > div', (r) => r.map((x) => x.textContent ?? '').join('\n'));
    expect(rows).toContain(
      `cd '${root}' && env 'FLIGHTDECK_TERMINAL_ID=${id}' 'claude' '--' 'it'\\''s a test'`,
    );
    const listed =
      await server.trpc<Array<{ id: string; kind: string; host: string | null }>>('terminals.list');
    expect(listed.find((t) => t.id === id)).toMatchObject({ kind: 'ssh', host: 'box' });
    await page.screenshot({ path: join(outputDir, 'ssh-launch-terminal.png') });
    await page.close();
  });
});
