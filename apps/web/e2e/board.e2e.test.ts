import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotOnFailure } from './failure-shots.js';
import { claude, launchBrowser, outputDir, startServer, type TestServer } from './harness.js';

let server: TestServer;
let browser: Browser;
let page: Page;

const CWD = '/home/dev/src/board-demo';
// A real task notification, as Claude Code 2.1.328 sends it when a background subagent stops.
const TASK_NOTIFICATION = `<task-notification>
<task-id>a427100067de70b46</task-id>
<tool-use-id>toolu_mock_5_0</tool-use-id>
<status>completed</status>
<summary>Agent "Run subtask" finished</summary>
<result>Subagent finished SUBTASK-ALPHA.</result>
<usage><subagent_tokens>185</subagent_tokens><tool_uses>1</tool_uses><duration_ms>162</duration_ms></usage>
</task-notification>`;

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

screenshotOnFailure(() => page, 'failed-board');

const card = (id: string) => page.locator(`article.card[data-session-id="${id}"]`);
const activity = (id: string) => card(id).locator('[data-testid="activity"]').textContent();
const endedToggle = () => page.locator('.board__group--ended button[aria-expanded]');

/** Card ids and the ended section's header, in reading order on screen (top to bottom, left to right). */
function screenOrder(p: Page): Promise<string[]> {
  return p.evaluate(() => {
    const items = [...document.querySelectorAll<HTMLElement>('article.card, .board__group--ended')].map(
      (el) => {
        const r = el.getBoundingClientRect();
        const id = el.dataset.sessionId ?? '[Ended]';
        return { id, x: Math.round(r.left), y: Math.round(r.top) };
      },
    );
    return items.sort((a, b) => a.y - b.y || a.x - b.x).map((i) => i.id);
  });
}

describe('board order, ended section and plain words, in Chromium against a real server', () => {
  it('orders cards: approval, then working, then done, then idle; ended below with plain end reasons', async () => {
    await page.goto(server.url);
    await page.locator('.conn--live').waitFor({ timeout: 15_000 });
    const bash = { command: 'npm test', description: 'Run the tests' };

    // ended first (oldest), then the live ones, so no order comes for free from arrival order
    await server.hook(claude.sessionStart('s-exit', CWD));
    await server.hook(claude.prompt('s-exit', CWD, 'Tidy the changelog'));
    await server.hook(claude.sessionEnd('s-exit', CWD, 'prompt_input_exit'));
    await server.hook(claude.sessionStart('s-clear', CWD));
    await server.hook(claude.sessionEnd('s-clear', CWD, 'clear'));
    await server.hook(claude.sessionStart('s-idle', CWD));
    await server.hook(claude.sessionStart('s-wait', CWD));
    await server.hook(claude.prompt('s-wait', CWD, 'Explain the build'));
    await server.hook(claude.stop('s-wait', CWD, 'The build runs vite, then tsc.'));
    await server.hook(claude.sessionStart('s-work', CWD));
    await server.hook(claude.prompt('s-work', CWD, 'Make the tests pass'));
    await server.hook(claude.preTool('s-work', CWD, 'Bash', bash, 'toolu_w1'));
    await server.hook(claude.sessionStart('s-appr', CWD));
    await server.hook(claude.prompt('s-appr', CWD, 'Clean the build'));
    const rm = { command: 'rm -rf dist', description: 'Remove dist' };
    await server.hook(claude.preTool('s-appr', CWD, 'Bash', rm, 'toolu_a1'));
    await server.hook(claude.permission('s-appr', CWD, 'Bash', rm));

    await page.waitForSelector('article.card[data-session-id="s-appr"][data-status="approval"]');
    await page.waitForSelector('article.card[data-session-id="s-work"][data-status="working"]');
    await page.waitForSelector('article.card[data-session-id="s-exit"][data-status="ended"]');
    await page.waitForSelector('article.card[data-session-id="s-clear"][data-status="ended"]');
    expect(await screenOrder(page)).toEqual([
      's-appr',
      's-work',
      's-wait',
      's-idle',
      '[Ended]',
      's-clear',
      's-exit',
    ]);
    // what the agent does now, never the prompt again
    expect(await activity('s-work')).toBe('Bash: npm test');
    expect(await activity('s-wait')).toBe('The build runs vite, then tsc.');
    // end reasons in a person's words
    expect(await activity('s-exit')).toBe('Exited');
    expect(await activity('s-clear')).toBe('Cleared with /clear');
    const boardText = await page.locator('.board').textContent();
    expect(boardText).not.toContain('prompt_input_exit');
    expect(boardText).not.toContain('unknown');
    await page.screenshot({ path: join(outputDir, 'board-desktop.png'), fullPage: true });
  });

  it('a task notification is not shown as "You" nor counted as a prompt', async () => {
    await server.hook(claude.sessionStart('s-note', CWD));
    await server.hook(claude.prompt('s-note', CWD, 'Build the thing with a subagent'));
    await server.hook(claude.stop('s-note', CWD, 'Started a subagent.'));
    await server.hook(claude.prompt('s-note', CWD, TASK_NOTIFICATION));
    await page.waitForSelector('article.card[data-session-id="s-note"][data-status="prompting"]');
    expect(await card('s-note').locator('.card__title').textContent()).toBe(
      'Build the thing with a subagent',
    );
    expect(await card('s-note').textContent()).not.toContain('task-notification');

    await page.goto(`${server.url}/#/session/s-note`);
    await page.waitForSelector('.detail[data-session-id="s-note"]');
    const activityFact = page.locator('.detail dt:text-is("Activity") + dd');
    expect(await activityFact.textContent()).toMatch(/^1 prompt · /);
    await page.getByRole('tab', { name: /Conversation/ }).click();
    const items = page.locator('.conversation li');
    await items.first().waitFor();
    const rows = await items.evaluateAll((lis) =>
      lis.map((li) => ({
        who: li.querySelector('.msg__meta')?.textContent?.split('·')[0]?.trim(),
        text: li.querySelector('.msg__text')?.textContent ?? '',
      })),
    );
    expect(rows.filter((r) => r.who === 'You').map((r) => r.text)).toEqual([
      'Build the thing with a subagent',
    ]);
    expect(rows).toContainEqual({
      who: 'System',
      text: 'Agent "Run subtask" finished: Subagent finished SUBTASK-ALPHA.',
    });
    expect(rows.some((r) => r.text.includes('<task-notification>'))).toBe(false);
    await page.getByRole('tab', { name: /Timeline/ }).click();
    // The event type in words, not its code.
    const timeline = (await page.locator('.timeline').textContent()) ?? '';
    expect(timeline).toContain('Task notification' + 'Agent "Run subtask" finished');
    expect(timeline).not.toContain('task-notification');
  });

  it('filters and sort stay in the URL through a reload, the detail page and Back', async () => {
    await page.goto(`${server.url}/#/`);
    await card('s-appr').waitFor();
    await page.getByLabel('Sort').selectOption('recent');
    await page.locator('.status-chip--ended').click();
    await page.waitForFunction(() => location.hash.includes('status=ended'));
    expect(new URL(page.url()).hash).toBe('#/?status=ended&sort=recent');
    expect(await page.locator('article.card').count()).toBe(2);
    // the chips count what the other filters let through: the CLI filter is applied to them too
    await page.getByLabel('Agent CLI').selectOption('codex');
    await page.waitForFunction(() => location.hash.includes('cli=codex'));
    expect(await page.locator('.status-chip').count()).toBe(1); // only the pressed chip, with 0
    expect(await page.locator('.status-chip--ended .status-chip__count').textContent()).toBe('0');
    await page.getByLabel('Agent CLI').selectOption('');

    await page.reload();
    await card('s-exit').waitFor();
    expect(await page.getByLabel('Sort').inputValue()).toBe('recent');
    expect(await page.locator('.status-chip--ended').getAttribute('aria-pressed')).toBe('true');
    expect(await page.locator('article.card').count()).toBe(2);

    await card('s-exit').locator('.card__title a').click();
    await page.waitForSelector('.detail[data-session-id="s-exit"]');
    await page.goBack();
    await card('s-clear').waitFor();
    expect(new URL(page.url()).hash).toBe('#/?status=ended&sort=recent');
    expect(await page.locator('article.card').count()).toBe(2);
    await page.goto(`${server.url}/#/`);
    await card('s-appr').waitFor();
  });

  it('reads well on a phone (375×812)', async () => {
    const phone = await browser.newPage({ viewport: { width: 375, height: 812 } });
    try {
      await phone.goto(`${server.url}/#/`);
      await phone.locator('article.card[data-session-id="s-appr"]').waitFor();
      const overflow = await phone.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow).toBeLessThanOrEqual(0);
      await phone.screenshot({ path: join(outputDir, 'board-phone.png') });
      // the ended section at the bottom (the board is virtualised: scroll there, then look)
      await phone.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
      await phone.locator('article.card[data-session-id="s-exit"]').waitFor();
      await phone.screenshot({ path: join(outputDir, 'board-phone-ended.png') });
    } finally {
      await phone.close();
    }
  });

  it('the ended section collapses (kept through a reload) and "Clear ended" archives the ended sessions', async () => {
    await page.goto(`${server.url}/#/`);
    await card('s-exit').waitFor();
    expect(await endedToggle().getAttribute('aria-expanded')).toBe('true');
    await endedToggle().click();
    await card('s-exit').waitFor({ state: 'detached' });
    expect(await card('s-clear').count()).toBe(0);
    expect(await endedToggle().textContent()).toContain('2');
    expect(new URL(page.url()).hash).toBe('#/?ended=collapsed');
    await page.reload();
    await card('s-appr').waitFor();
    expect(await endedToggle().getAttribute('aria-expanded')).toBe('false');
    expect(await card('s-exit').count()).toBe(0);
    await endedToggle().click();
    await card('s-exit').waitFor();

    const clear = page.getByRole('button', { name: 'Clear ended' });
    expect(await clear.getAttribute('title')).toContain('they leave the board and stay in History');
    await clear.click();
    await card('s-exit').waitFor({ state: 'detached' });
    await card('s-clear').waitFor({ state: 'detached' });
    await page.getByText('Archived 2 ended sessions. They stay in History.').waitFor();
    expect(await page.locator('.board__group--ended').count()).toBe(0);
    // live sessions untouched, and the archived ones are still there
    expect(await card('s-appr').count()).toBe(1);
    const listed = await server.trpc<Array<{ sessionId: string; archived: boolean }>>('sessions.list');
    expect(
      listed
        .filter((s) => s.archived)
        .map((s) => s.sessionId)
        .sort(),
    ).toEqual(['s-clear', 's-exit']);
    await page.getByLabel('Archived').check();
    await card('s-exit').waitFor();
    await page.getByLabel('Archived').uncheck();
  });
});
