import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotOnFailure } from './failure-shots.js';
import { claude, launchBrowser, outputDir, startServer, type TestServer } from './harness.js';

let server: TestServer;
let browser: Browser;
let page: Page;

const CWD = '/home/dev/src/lineage-demo';
// The agent's process, as the hook script reports it: one process across `/clear`. A live pid (this test's own),
// so the server's process check keeps the sessions alive.
const META = { pid: process.pid, tty: '/dev/pts/7' };

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

screenshotOnFailure(() => page, 'failed-lineage');

const detail = (id: string) => page.locator(`.detail[data-session-id="${id}"]`);
const related = () => page.getByRole('navigation', { name: 'Related sessions' });
const timeline = () => page.getByRole('region', { name: 'Status timeline' });
/** The status timeline's entries, newest first: status and source as shown. */
const timelineEntries = () =>
  timeline()
    .locator('.statuses__item')
    .evaluateAll((items) =>
      items.map((li) => ({
        status: li.getAttribute('data-status'),
        source: li.querySelector('.statuses__source')?.textContent ?? '',
        time: li.querySelector('time')?.getAttribute('datetime') ?? null,
      })),
    );

describe('lineage after /clear, in Chromium against a real server', () => {
  it('the new card continues the cleared one: marker on the board, links both ways on the detail, status timeline', async () => {
    // /clear as Claude Code does it: the running session ends with reason `clear`, and the same process starts a
    // new session id in the same directory with source `clear`.
    await server.hook(claude.sessionStart('s-before', CWD), META);
    await server.hook(claude.prompt('s-before', CWD, 'Build the login page'), META);
    const bash = { command: 'npm run build', description: 'Build' };
    await server.hook(claude.preTool('s-before', CWD, 'Bash', bash, 'toolu_b1'), META);
    await server.hook(claude.permission('s-before', CWD, 'Bash', bash), META);
    await server.hook(claude.postTool('s-before', CWD, 'Bash', bash, 'toolu_b1', 'built'), META);
    await server.hook(claude.stop('s-before', CWD, 'The login page builds.'), META);
    await server.hook(claude.sessionEnd('s-before', CWD, 'clear'), META);
    await server.hook(claude.sessionStart('s-after', CWD, 'claude-sonnet-4-6', 'clear'), META);
    await server.hook(claude.prompt('s-after', CWD, 'Now add tests for the login page'), META);

    await page.goto(server.url);
    await page.locator('.conn--live').waitFor({ timeout: 15_000 });
    const card = page.locator('article.card[data-session-id="s-after"]');
    await card.waitFor();
    // The board marks the card that continues another, in words and for screen readers.
    const marker = card.getByRole('link', { name: 'Continues session s-before (after /clear)' });
    await marker.waitFor({ timeout: 10_000 });
    expect(await marker.textContent()).toBe('↳ after /clear');
    await page.screenshot({ path: join(outputDir, 'lineage-board.png') });
    expect(
      await page.locator('article.card[data-session-id="s-before"] [data-testid="lineage-marker"]').count(),
    ).toBe(0);

    // The new card's detail: what it continues, and its status timeline.
    await card.locator('.card__title a').click();
    await detail('s-after').waitFor();
    expect(new URL(page.url()).hash).toBe('#/session/s-after');
    const back = related().getByRole('link', { name: /Build the login page/ });
    await back.waitFor({ timeout: 10_000 });
    expect((await related().textContent())?.replace(/\s+/g, ' ')).toContain(
      'Continues Ended Build the login page (after /clear)',
    );
    expect(await back.getAttribute('href')).toBe('#/session/s-before');
    const after = await timelineEntries();
    expect(after[0]?.status).toBe('prompting');
    // Newest first: the current status leads, each entry has a time element.
    expect(after[0]?.source).toBe('hook event “Prompt submitted”');
    expect(after.every((e) => e.time !== null)).toBe(true);
    expect(await page.getByTestId('reason-source').textContent()).toBe('hook event “Prompt submitted”');
    await page.screenshot({ path: join(outputDir, 'lineage-detail-desktop.png'), fullPage: true });

    // To the predecessor: ended with /clear, its timeline ends with that, and it links to its successor.
    await back.click();
    await detail('s-before').waitFor();
    expect(new URL(page.url()).hash).toBe('#/session/s-before');
    expect(await detail('s-before').getAttribute('data-status')).toBe('ended');
    expect(await page.locator('.facts').textContent()).toContain('(Cleared with /clear)');
    const forward = related().getByRole('link', { name: /Now add tests for the login page/ });
    await forward.waitFor({ timeout: 10_000 });
    expect((await related().textContent())?.replace(/\s+/g, ' ')).toContain('Continued in');
    const before = await timelineEntries();
    // Newest first (the core may keep the card's first status, before the prompt, too).
    expect(before.map((e) => e.status).slice(0, 5)).toEqual([
      'ended',
      'waiting',
      'working',
      'approval',
      'working',
    ]);
    expect(before.map((e) => e.status)).toContain('prompting');
    expect(before[0]?.source).toBe('hook event “Session ended”');
    expect(await page.locator('.why__detail').textContent()).toBe('Cleared with /clear');
    const text = (await page.locator('.detail').textContent()) ?? '';
    for (const code of ['SessionEnd', 'UserPromptSubmit', 'PreToolUse', 'unknown'])
      expect(text).not.toContain(code);

    // And back to the new card through its link; the browser's Back returns to the predecessor.
    await forward.click();
    await detail('s-after').waitFor();
    expect(new URL(page.url()).hash).toBe('#/session/s-after');
    await page.goBack();
    await detail('s-before').waitFor();

    // Phone size: readable, no horizontal scrolling.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}/#/session/s-after`);
    await detail('s-after').waitFor();
    await related().waitFor();
    await timeline().waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(outputDir, 'lineage-detail-phone.png'), fullPage: true });
    await page.goto(`${server.url}/#/session/s-before`);
    await detail('s-before').waitFor();
    await timeline().waitFor();
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: join(outputDir, 'lineage-detail-desktop-before.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(outputDir, 'lineage-detail-phone-before.png'), fullPage: true });
  });
});
