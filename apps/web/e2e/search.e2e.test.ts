import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { claude, launchBrowser, outputDir, startServer, type TestServer } from './harness.js';

let server: TestServer;
let browser: Browser;
let page: Page;

const CWD = '/home/dev/src/keyboard';
const WORD = 'quokkaflux';

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) {
    const name = ctx.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
    await page
      .screenshot({ path: join(outputDir, `failed-${name}.png`), fullPage: true })
      .catch(() => undefined);
  }
});

/** Whether the element is inside the viewport (at least partly). */
const inViewport = (selector: string) =>
  page.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (!el) return false;
    const r = el.getBoundingClientRect();
    return r.bottom > 0 && r.top < window.innerHeight;
  }, selector);

describe('History search in Chromium against a real server', () => {
  it('a search for a word that appears only in a tool call output finds that session and opens at that tool call', async () => {
    // Real hook events: the word is only in the PostToolUse tool_response of one Bash call, which is followed by
    // 205 more calls: it sits far down the detail page, and it has left the live session's ring of the latest 200.
    await server.hook(claude.sessionStart('s-find', CWD));
    await server.hook(claude.prompt('s-find', CWD, 'Run the keyboard tests and fix what fails'));
    const input = { command: 'npm test -- keys', description: 'Run the key tests' };
    await server.hook(claude.preTool('s-find', CWD, 'Bash', input, 'toolu_find_1'));
    await server.hook(
      claude.postTool('s-find', CWD, 'Bash', input, 'toolu_find_1', {
        stdout: `FAIL src/keys.test.ts\n  ● maps the ${WORD} layout\n    expected 3, received 2`,
        stderr: '',
        interrupted: false,
      }),
    );
    for (let i = 0; i < 205; i++) {
      // The server takes at most 200 hook requests a second.
      if (i % 50 === 49) await new Promise((r) => setTimeout(r, 600));
      const read = { file_path: `/home/dev/src/keyboard/src/file${i}.ts` };
      await server.hook(claude.preTool('s-find', CWD, 'Read', read, `toolu_read_${i}`));
      await server.hook(claude.postTool('s-find', CWD, 'Read', read, `toolu_read_${i}`, 'export {}'));
    }
    await server.hook(claude.stop('s-find', CWD, 'The layout test fails on one mapping; fixed it.'));
    // Another session that mentions other things only.
    await server.hook(claude.sessionStart('s-other', CWD));
    await server.hook(claude.prompt('s-other', CWD, 'Update the README of the keyboard project'));

    await page.goto(`${server.url}/#/history`);
    const box = page.getByRole('searchbox', { name: 'Search history' });
    await box.fill(WORD);
    await box.press('Enter');
    const hit = page.locator('.hit[data-session-id="s-find"]');
    await hit.waitFor({ timeout: 10_000 });
    expect(await page.locator('.hit').count()).toBe(1);
    expect(await hit.getAttribute('data-kind')).toBe('tool_output');
    expect(await hit.locator('.hit__kind').textContent()).toBe('Tool call output · Bash');
    expect(await hit.locator('.snippet mark').allTextContents()).toEqual([WORD]);
    expect(await hit.locator('.snippet').textContent()).toContain(`maps the ${WORD} layout`);
    expect(new URL(page.url()).hash).toBe(`#/history?q=${WORD}`);
    await page.screenshot({ path: join(outputDir, 'search-hits.png'), fullPage: true });

    await hit.locator('a.hit__title').click();
    await page.waitForSelector('.detail[data-session-id="s-find"]');
    expect(new URL(page.url()).hash).toBe('#/session/s-find?item=tool%3Atoolu_find_1');
    const focused = page.locator('.toolcall.is-focused');
    await focused.waitFor();
    expect(await page.locator('.is-focused').count()).toBe(1);
    expect(await focused.getAttribute('data-item')).toBe('tool:toolu_find_1');
    expect(await focused.locator('.toolcall__summary').getAttribute('aria-expanded')).toBe('true');
    expect(await focused.locator('.code--output').textContent()).toContain(`maps the ${WORD} layout`);
    expect(await page.getByRole('tab', { name: /Tool calls/ }).getAttribute('aria-selected')).toBe('true');
    // It is the oldest of 206 calls (listed newest first: every stored one is loaded), yet scrolled into view.
    expect(await page.locator('.toolcall').count()).toBe(206);
    await page.waitForFunction(() => window.scrollY > 0);
    expect(await inViewport('.toolcall.is-focused')).toBe(true);
    await page.screenshot({ path: join(outputDir, 'search-opened-at-tool-call.png') });

    // Back (the page's button) shows the query and its results again.
    await page.getByRole('button', { name: 'Close detail' }).click();
    await hit.waitFor();
    expect(await box.inputValue()).toBe(WORD);
    expect(await page.locator('.hit').count()).toBe(1);
    expect(new URL(page.url()).hash).toBe(`#/history?q=${WORD}`);

    // So does the browser's Back.
    await hit.locator('a.hit__title').click();
    await page.locator('.toolcall.is-focused').waitFor();
    await page.goBack();
    await hit.waitFor();
    expect(await box.inputValue()).toBe(WORD);
  });
});
