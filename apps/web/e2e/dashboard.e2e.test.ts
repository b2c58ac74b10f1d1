import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotOnFailure } from './failure-shots.js';
import { claude, launchBrowser, outputDir, startServer, type TestServer } from './harness.js';

let server: TestServer;
let browser: Browser;
let page: Page;
/** Text frames the dashboard received on its WebSocket (the `sessions.live` subscription). */
const wsFrames: string[] = [];

const CWD_A = '/home/dev/src/acme-api';
const CWD_B = '/home/dev/src/web-shop';

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.on('websocket', (ws) =>
    ws.on('framereceived', (f) => {
      if (typeof f.payload === 'string') wsFrames.push(f.payload);
    }),
  );
});

/** Every `session-upsert` live message found in the received frames. */
function liveUpserts(): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const walk = (v: unknown): void => {
    if (typeof v !== 'object' || v === null) return;
    const o = v as Record<string, unknown>;
    if (o.type === 'session-upsert' && typeof o.data === 'object' && o.data !== null) {
      out.push(o.data as Record<string, unknown>);
      return;
    }
    for (const x of Object.values(o)) walk(x);
  };
  for (const f of wsFrames) if (f.includes('session-upsert')) walk(JSON.parse(f));
  return out;
}

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

screenshotOnFailure(() => page);

const card = (id: string) => page.locator(`article.card[data-session-id="${id}"]`);

describe('live board in Chromium against a real server', () => {
  it('shows a session within 1 s of its first hook event, then follows its status', async () => {
    await page.goto(server.url);
    await page.locator('.conn--live').waitFor({ timeout: 15_000 });

    const t0 = Date.now();
    await server.hook(claude.sessionStart('s-work', CWD_A));
    await card('s-work').waitFor({ timeout: 1000 });
    expect(Date.now() - t0).toBeLessThan(1000);

    await server.hook(claude.prompt('s-work', CWD_A, 'Add rate limiting to the login endpoint'));
    const bash = { command: 'npm test -- --runInBand src/auth', description: 'Run auth tests' };
    await server.hook(claude.preTool('s-work', CWD_A, 'Bash', bash, 'toolu_bash_1'));
    const t1 = Date.now();
    await page.waitForSelector('article.card[data-session-id="s-work"][data-status="working"]', {
      timeout: 1000,
    });
    expect(Date.now() - t1).toBeLessThan(1000);
    await expect(card('s-work').locator('[data-testid="activity"]').textContent()).resolves.toContain(
      'npm test',
    );
    // The board subscribes to summaries: no history arrays on the wire, the running tool's summary instead.
    const upserts = liveUpserts().filter((d) => d.sessionId === 's-work');
    expect(upserts.length).toBeGreaterThan(0);
    for (const d of upserts) {
      expect(d.summary).toBe(true);
      for (const k of ['promptHistory', 'toolLog', 'responseLog', 'events', 'subagents'])
        expect(d[k]).toBeUndefined();
    }
    expect(upserts.at(-1)?.currentToolSummary).toContain('npm test');
  });

  it('renders an approval distinctly: class, diamond icon, badge text and colours', async () => {
    await server.hook(claude.sessionStart('s-appr', CWD_B));
    await server.hook(claude.prompt('s-appr', CWD_B, 'Clean the build and reinstall'));
    const rm = { command: 'rm -rf node_modules', description: 'Remove node_modules directory' };
    await server.hook(claude.preTool('s-appr', CWD_B, 'Bash', rm, 'toolu_rm_1'));
    await server.hook(claude.permission('s-appr', CWD_B, 'Bash', rm));
    const t = Date.now();
    await page.waitForSelector('article.card[data-session-id="s-appr"][data-status="approval"]', {
      timeout: 1000,
    });
    expect(Date.now() - t).toBeLessThan(1000);

    const appr = card('s-appr');
    const work = card('s-work');
    expect(await appr.getAttribute('class')).toContain('card--needs-you');
    expect(await work.getAttribute('class')).not.toContain('card--needs-you');
    expect(await appr.locator('.status-icon').getAttribute('data-shape')).toBe('diamond');
    expect(await work.locator('.status-icon').getAttribute('data-shape')).toBe('circle');
    expect(await appr.locator('.badge').textContent()).toContain('Needs approval');

    const style = (l: typeof appr) =>
      l.evaluate((el) => {
        const cs = getComputedStyle(el);
        const badge = getComputedStyle(el.querySelector('.badge')!);
        return { border: cs.borderTopColor, width: cs.borderTopWidth, badgeBg: badge.backgroundColor };
      });
    const a = await style(appr);
    const w = await style(work);
    expect(a.border).not.toBe(w.border);
    expect(Number.parseFloat(a.width)).toBeGreaterThan(Number.parseFloat(w.width));
    expect(a.badgeBg).not.toBe('rgba(0, 0, 0, 0)');
    expect(w.badgeBg).toBe('rgba(0, 0, 0, 0)');
    // "needs you" sorts first and is counted in the nav
    const firstId = await page.locator('article.card').first().getAttribute('data-session-id');
    expect(firstId).toBe('s-appr');
    expect(await page.locator('.needs-count').textContent()).toContain('1');
    await page.screenshot({ path: join(outputDir, 'board.png'), fullPage: true });
  });

  it('keyboard: n selects the session that needs you, Enter opens its detail with the tool input', async () => {
    await page.keyboard.press('n');
    await page.waitForSelector('article.card--selected[data-session-id="s-appr"]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.detail[data-session-id="s-appr"]');
    // Why it waits: the reason's source in words (not the hook event's name).
    expect(await page.getByTestId('reason-source').textContent()).toBe('hook event “Permission request”');
    await page.keyboard.press('Escape');
    await page.waitForSelector('.board');
  });

  it('detail view shows a tool call input, its Bash output and an Edit diff', async () => {
    const edit = {
      file_path: `${CWD_A}/src/auth/login.ts`,
      old_string: 'const limit = 10;',
      new_string: 'const limit = 5; // per 15 min',
    };
    await server.hook(
      claude.postTool(
        's-work',
        CWD_A,
        'Bash',
        { command: 'npm test -- --runInBand src/auth' },
        'toolu_bash_1',
        {
          stdout: 'Tests: 12 passed, 12 total',
          stderr: '',
          interrupted: false,
        },
      ),
    );
    await server.hook(claude.preTool('s-work', CWD_A, 'Edit', edit, 'toolu_edit_1'));
    await server.hook(
      claude.postTool('s-work', CWD_A, 'Edit', edit, 'toolu_edit_1', { filePath: edit.file_path }),
    );

    await page.goto(`${server.url}/#/session/s-work`);
    const detail = page.locator('.detail[data-session-id="s-work"]');
    await detail.waitFor();
    // newest first and open: the Edit diff
    await page.waitForSelector('.toolcall[data-tool="Edit"] .diff');
    expect(await page.locator('.diff__line--del').first().textContent()).toContain('const limit = 10;');
    expect(await page.locator('.diff__line--add').first().textContent()).toContain('const limit = 5;');
    // the Bash call: expand it and see command and output
    const summary = page.locator('.toolcall[data-tool="Bash"] .toolcall__summary');
    if ((await summary.getAttribute('aria-expanded')) !== 'true') await summary.click();
    await page.waitForSelector('.toolcall[data-tool="Bash"] .toolcall__summary[aria-expanded="true"]');
    const bashBody = page.locator('.toolcall[data-tool="Bash"] .toolcall__body');
    expect(await bashBody.locator('.code--cmd').textContent()).toContain('npm test -- --runInBand src/auth');
    await page.screenshot({ path: join(outputDir, 'detail.png'), fullPage: true });
  });

  it('history search finds a prompt and highlights the match', async () => {
    await server.hook(claude.stop('s-work', CWD_A, 'Rate limiting is in place.'));
    await page.goto(`${server.url}/#/history`);
    await page.locator('input[aria-label="Search history"]').fill('rate limiting');
    await page.locator('input[aria-label="Search history"]').press('Enter');
    await page.waitForSelector('[data-query="rate limiting"]', { timeout: 10_000 });
    // Ranked hits, all in s-work: its prompt, its response and its title (taken from the prompt).
    const hits = page.locator('.hit');
    expect(
      (await hits.evaluateAll((els) => els.map((e) => e.getAttribute('data-session-id')))).sort(),
    ).toEqual(['s-work', 's-work', 's-work']);
    expect((await hits.evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')))).sort()).toEqual([
      'prompt',
      'response',
      'title',
    ]);
    const prompt = page.locator('.hit[data-kind="prompt"]');
    const marks = await prompt.locator('mark').allTextContents();
    expect(marks.map((m) => m.toLowerCase())).toEqual(['rate', 'limiting']);
    await page.screenshot({ path: join(outputDir, 'history.png'), fullPage: true });
    // open the past session in the detail view, at the prompt
    await prompt.locator('a.hit__title').click();
    await page.waitForSelector('.detail[data-session-id="s-work"] .msg--prompt.is-focused');
  });

  it('analytics draws Chart.js canvases', async () => {
    await page.goto(`${server.url}/#/analytics`);
    await page.waitForSelector('.stats-grid');
    await page.waitForFunction(() => document.querySelectorAll('.chart canvas').length >= 4);
    const drawn = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLCanvasElement>('.chart canvas')].every(
        (c) => c.width > 0 && c.height > 0,
      ),
    );
    expect(drawn).toBe(true);
    await page.screenshot({ path: join(outputDir, 'analytics.png'), fullPage: true });
  });

  it('settings: installs and uninstalls Claude hooks (into the server HOME) and shows hook stats', async () => {
    await page.goto(`${server.url}/#/settings`);
    const row = page.locator('tr[data-cli="claude"]');
    await row.waitFor();
    await page.waitForFunction(() =>
      /received/.test(document.querySelector('.stat-card p')?.textContent ?? ''),
    );
    const received = await page.locator('.stat-card p').first().textContent();
    expect(Number((received ?? '').replace(/[^\d].*$/s, '').replace(/\D/g, ''))).toBeGreaterThan(0);
    expect(await page.locator('.stat-card .sparkline canvas').count()).toBe(2);

    await row.locator('select').selectOption('high');
    await row.getByRole('button', { name: /Install/ }).click();
    await page.waitForFunction(
      () =>
        /installed \(\d+ events\)/.test(document.querySelector('tr[data-cli="claude"]')?.textContent ?? ''),
      undefined,
      { timeout: 15_000 },
    );
    const status = await server.trpc<{
      clis: Array<{ cli: string; installed: boolean; density: string | null }>;
    }>('hooks.status');
    expect(status.clis.find((c) => c.cli === 'claude')).toMatchObject({ installed: true, density: 'high' });
    await page.screenshot({ path: join(outputDir, 'settings.png'), fullPage: true });

    await row.getByRole('button', { name: 'Uninstall' }).click();
    await page.waitForFunction(
      () => /not installed/.test(document.querySelector('tr[data-cli="claude"]')?.textContent ?? ''),
      undefined,
      { timeout: 15_000 },
    );
  });

  it('has a dark theme that follows the system preference', async () => {
    const dark = await browser.newPage({ viewport: { width: 1280, height: 860 }, colorScheme: 'dark' });
    try {
      await dark.goto(`${server.url}/#/`);
      await dark.waitForSelector('article.card');
      const bg = await dark.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const lightBg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(bg).not.toBe(lightBg);
      const [r, g, b] = (bg.match(/\d+/g) ?? []).map(Number);
      expect((r ?? 255) + (g ?? 255) + (b ?? 255)).toBeLessThan(120);
      await dark.screenshot({ path: join(outputDir, 'board-dark.png'), fullPage: true });
      // data-theme forces a scheme whatever the system prefers.
      const bodyBg = (p: Page) => p.evaluate(() => getComputedStyle(document.body).backgroundColor);
      await dark.evaluate(() => document.documentElement.setAttribute('data-theme', 'light'));
      expect(await bodyBg(dark)).toBe(lightBg);
      await dark.evaluate(() => document.documentElement.removeAttribute('data-theme'));
      await page.evaluate(() => document.documentElement.setAttribute('data-theme', 'dark'));
      expect(await bodyBg(page)).toBe(bg);
      await page.evaluate(() => document.documentElement.removeAttribute('data-theme'));
      await dark.goto(`${server.url}/#/analytics`);
      await dark.waitForSelector('canvas');
      await dark.screenshot({ path: join(outputDir, 'analytics-dark.png'), fullPage: true });
      await dark.goto(`${server.url}/#/settings`);
      await dark.waitForSelector('tr[data-cli="claude"]');
      await dark.screenshot({ path: join(outputDir, 'settings-dark.png'), fullPage: true });
    } finally {
      await dark.close();
    }
  });

  it('fits a 375 px phone screen without horizontal scroll', async () => {
    const phone = await browser.newPage({
      viewport: { width: 375, height: 740 },
      isMobile: true,
      hasTouch: true,
    });
    try {
      for (const hash of ['#/', '#/session/s-appr', '#/history', '#/analytics', '#/settings']) {
        await phone.goto(`${server.url}/${hash}`);
        await phone.waitForSelector('.main > *');
        await phone.waitForTimeout(300);
        const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, `horizontal overflow on ${hash}`).toBeLessThanOrEqual(0);
        const name = hash.replace(/[^a-z]+/g, '-').replace(/^-|-$/g, '') || 'board';
        await phone.screenshot({ path: join(outputDir, `phone-${name}.png`), fullPage: true });
      }
      await phone.goto(`${server.url}/#/`);
      await phone.waitForSelector('article.card');
      await phone.screenshot({ path: join(outputDir, 'board-phone.png'), fullPage: true });
    } finally {
      await phone.close();
    }
  });
});
