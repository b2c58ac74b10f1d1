import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claude, launchBrowser, startServer, type TestServer } from './harness.js';

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

describe('reconnect', () => {
  it('shows a reconnecting banner while the server is down and resumes by itself', async () => {
    const page = await browser.newPage();
    const cwd = '/home/dev/src/resilient';
    await server.hook(claude.sessionStart('s-r1', cwd));
    await page.goto(server.url);
    await page.waitForSelector('article.card[data-session-id="s-r1"]');
    await page.locator('.conn--live').waitFor();
    expect(await page.locator('[data-testid="offline-banner"]').count()).toBe(0);

    await server.kill();
    await page.waitForSelector('[data-testid="offline-banner"]', { timeout: 10_000 });
    expect(await page.locator('[data-testid="offline-banner"]').textContent()).toMatch(/reconnecting/i);
    // the last known state stays on screen
    expect(await page.locator('article.card[data-session-id="s-r1"]').count()).toBe(1);

    await server.restart();
    await page.locator('.conn--live').waitFor({ timeout: 15_000 });
    await page.waitForSelector('[data-testid="offline-banner"]', { state: 'detached' });

    // events after the restart arrive without a reload
    await server.hook(claude.sessionStart('s-r2', cwd));
    await page.waitForSelector('article.card[data-session-id="s-r2"]', { timeout: 2000 });
    expect(await page.locator('article.card[data-session-id="s-r1"]').count()).toBe(1);
    await page.close();
  });
});
