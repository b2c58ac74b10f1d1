import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assistantLine } from '../../../packages/hook-ingest/test/support/transcript-lines.js';
import { screenshotOnFailure } from './failure-shots.js';
import { claude, launchBrowser, outputDir, startServer, type TestServer } from './harness.js';

let server: TestServer;
let browser: Browser;
let page: Page;
const dir = mkdtempSync(join(tmpdir(), 'fd-usage-e2e-'));

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

screenshotOnFailure(() => page, 'failed-usage');

const CWD = '/home/dev/src/usage-demo';
const META = { pid: process.pid, tty: '/dev/pts/9' };

/** An assistant line with its usage: input, output, cache read, 5-minute and 1-hour cache writes. */
const line = (id: string, model: string, [i, o, cr, m5, h1]: [number, number, number, number, number]) =>
  assistantLine(id, { in: i, out: o, cr, m5, h1 }, model);

async function session(id: string, lines: string[]): Promise<void> {
  const path = join(dir, `${id}.jsonl`);
  writeFileSync(path, lines.join(''));
  await server.hook({ ...claude.sessionStart(id, CWD), transcript_path: path }, META);
  await server.hook(claude.prompt(id, CWD, `Work on ${id}`), META);
}

describe('tokens and cost in Chromium against a real server', () => {
  it('the card, the detail page and Analytics show tokens and cost, "price unknown" without a price', async () => {
    // Sonnet 4.5: 10k in, 2k out, 100k cache read, 4k + 1k cache writes = $0.111, 117k tokens
    await session('u-priced', [
      line('m1', 'claude-sonnet-4-5', [4000, 1, 50_000, 4000, 1000]),
      line('m1', 'claude-sonnet-4-5', [4000, 1500, 50_000, 4000, 1000]),
      line('m2', 'claude-sonnet-4-5', [6000, 500, 50_000, 0, 0]),
    ]);
    await session('u-unknown', [line('n1', 'claude-next-9', [500, 500, 0, 0, 0])]);

    await page.goto(server.url);
    await page.locator('.conn--live').waitFor({ timeout: 15_000 });
    const usageOf = (id: string) =>
      page.locator(`article.card[data-session-id="${id}"] [data-testid="card-usage"]`);
    await usageOf('u-priced').waitFor({ timeout: 15_000 });
    expect(await usageOf('u-priced').textContent()).toBe('$0.11 · 117k tok');
    await usageOf('u-unknown').waitFor({ timeout: 15_000 });
    expect(await usageOf('u-unknown').textContent()).toBe('price unknown · 1.0k tok');
    // live: the agent answers again, the card follows without a reload
    appendFileSync(join(dir, 'u-priced.jsonl'), line('m3', 'claude-sonnet-4-5', [1000, 0, 0, 0, 0]));
    await expect.poll(() => usageOf('u-priced').textContent(), { timeout: 15_000 }).toBe('$0.11 · 118k tok');
    await page.screenshot({ path: join(outputDir, 'usage-board.png') });

    await page.locator('article.card[data-session-id="u-priced"] .card__title a').click();
    const block = page.getByTestId('usage-block');
    await block.waitFor();
    expect(await page.getByTestId('usage-cost').textContent()).toBe('$0.11');
    expect(await block.textContent()).toContain('3 API responses');
    expect(await block.locator('tbody tr').first().textContent()).toContain('claude-sonnet-4-5');
    await block.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(outputDir, 'usage-detail.png'), fullPage: true });

    await page.goto(`${server.url}/#/analytics`);
    const section = page.getByTestId('usage-analytics');
    await section.getByTestId('usage-groups').waitFor({ timeout: 15_000 });
    expect(await section.getByTestId('usage-total').textContent()).toContain(
      'price unknown for claude-next-9',
    );
    await section.getByRole('tab', { name: 'By model' }).click();
    await expect
      .poll(async () =>
        (await section.getByTestId('usage-groups').locator('tbody tr').allTextContents()).join('|'),
      )
      .toMatch(/claude-sonnet-4-5.*\$0\.11\|claude-next-9.*price unknown/);
    await section.getByRole('tab', { name: 'By project' }).click();
    await expect.poll(async () => section.getByTestId('usage-groups').locator('tbody tr').count()).toBe(1);
    await section.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(outputDir, 'usage-analytics.png'), fullPage: true });
  });
});
