import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionIdOf, wordOf, writeTree } from '../../server/test/import-tree.js';
import { screenshotOnFailure } from './failure-shots.js';
import { launchBrowser, outputDir, startServer, type TestServer } from './harness.js';

let server: TestServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

screenshotOnFailure(() => page, 'failed-import');

describe('Settings → Import history in Chromium against a real server', () => {
  it('imports the transcripts under ~/.claude/projects with a progress bar; they are found in History', async () => {
    // the server runs with HOME = its data dir: its ~/.claude/projects is there
    writeTree(join(server.dataDir, '.claude', 'projects'), 40, { turns: 3 });
    await page.goto(`${server.url}/#/settings`);
    const panel = page.getByTestId('import-panel');
    await panel.getByRole('button', { name: 'Import history' }).click();
    const summary = panel.getByTestId('import-summary');
    await summary.waitFor({ timeout: 30_000 });
    expect(await summary.textContent()).toBe('Done: 40 sessions imported, 0 already imported.');
    expect(await panel.getByTestId('import-figures').textContent()).toContain('Files 40/40');
    await panel.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(outputDir, 'import-settings.png') });

    // again: nothing to import
    await panel.getByRole('button', { name: 'Import history' }).click();
    await expect
      .poll(() => summary.textContent(), { timeout: 30_000 })
      .toBe('Done: 0 sessions imported, 40 already imported.');

    const hits = await server.trpc<{ items: Array<{ sessionId: string }> }>('history.fullText', {
      query: wordOf(17),
    });
    expect(hits.items.map((h) => h.sessionId)).toContain(sessionIdOf(17));
  });
});
