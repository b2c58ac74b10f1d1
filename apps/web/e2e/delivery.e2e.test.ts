/**
 * The board says when the installed hooks deliver somewhere this server does not read, and its Fix reinstalls them
 * to deliver here. Real server (child process), hooks installed by the real CLI, events fired through the
 * registered hook command as Claude Code runs it, headless Chromium.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, repoRoot, startServer, type TestServer } from './harness.js';

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** The user's environment of the harness's server: HOME is its data dir. */
const env = () => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: server.dataDir });

function registeredCommand(): string {
  const settings = JSON.parse(readFileSync(join(server.dataDir, '.claude', 'settings.json'), 'utf8')) as {
    hooks: Record<string, Array<{ hooks: Array<{ command: string }> }>>;
  };
  return settings.hooks.SessionStart?.[0]?.hooks[0]?.command ?? '';
}

function fire(command: string, sessionId: string): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], { env: env(), stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('close', resolve);
    child.stdin.end(
      JSON.stringify({
        session_id: sessionId,
        cwd: '/home/dev/src/routed',
        hook_event_name: 'SessionStart',
        source: 'startup',
      }),
    );
  });
}

describe('delivery banner', () => {
  it('hooks installed for another data dir: the board says so, events still arrive, Fix routes them here', async () => {
    const elsewhere = join(server.dataDir, 'elsewhere');
    const install = spawnSync(
      process.execPath,
      [
        join(repoRoot, 'apps/server/bin/flightdeck.mjs'),
        'hooks',
        'install',
        '--cli',
        'claude',
        '--data-dir',
        elsewhere,
      ],
      { env: env(), encoding: 'utf8' },
    );
    expect(install.status, install.stderr).toBe(0);
    expect(registeredCommand()).toContain(join(elsewhere, 'hooks'));

    const page = await browser.newPage();
    await page.goto(server.url);
    const banner = page.locator('[data-testid="delivery-banner"]');
    await banner.waitFor({ timeout: 15_000 });
    expect(await banner.textContent()).toContain(
      `claude hooks deliver events to ${join(elsewhere, 'spool')}`,
    );

    // Meanwhile nothing is lost: the server reads that spool too.
    expect(await fire(registeredCommand(), 's-misrouted')).toBe(0);
    await page.waitForSelector('article.card[data-session-id="s-misrouted"]', { timeout: 15_000 });

    await page.locator('[data-testid="delivery-banner"] button', { hasText: 'Fix' }).click();
    await banner.waitFor({ state: 'detached', timeout: 15_000 });
    expect(registeredCommand()).toContain(join(server.dataDir, 'hooks', 'flightdeck-hook.sh'));
    expect(await fire(registeredCommand(), 's-routed')).toBe(0);
    await page.waitForSelector('article.card[data-session-id="s-routed"]', { timeout: 15_000 });
    await page.close();
  });
});
