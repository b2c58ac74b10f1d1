/**
 * "New agent session" and "Resume in terminal" in Chromium against a real server (issue 16). The agent CLI is a
 * fake `claude` (config `terminals.cli.claude`): a script that prints a banner, then each argv element as `<arg>`,
 * and whether it got an API key, so the terminal shows exactly what the server ran.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotOnFailure } from './failure-shots.js';
import { claude, launchBrowser, outputDir, startServer, type TestServer } from './harness.js';

let server: TestServer;
let browser: Browser;
let page: Page | undefined;
let root: string;
let project: string;
let fakeClaude: string;

const SECRET = 'sk-ant-e2e-secret-4242';

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fd-e2e-launch-'));
  project = join(root, 'project');
  mkdirSync(project);
  fakeClaude = join(root, 'fake-claude');
  writeFileSync(
    fakeClaude,
    [
      '#!/bin/sh',
      'echo "FAKE CLAUDE 1.0 in $(pwd)"',
      `for a in "$@"; do printf '<%s>\\n' "$a"; done`,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion
      'echo "api key: ${ANTHROPIC_API_KEY:+given}"',
      'echo END',
      'exec sleep 300',
      '',
    ].join('\n'),
  );
  chmodSync(fakeClaude, 0o755);
  server = await startServer();
  // The server picks up config.json while it runs (the test server starts without one).
  writeFileSync(
    join(server.dataDir, 'config.json'),
    JSON.stringify({ terminals: { cli: { claude: fakeClaude } } }),
  );
  const deadline = Date.now() + 10_000;
  const claudePath = async () =>
    (await server.trpc<Array<{ cli: string; path: string | null }>>('terminals.clis')).find(
      (c) => c.cli === 'claude',
    )?.path;
  while ((await claudePath()) !== fakeClaude) {
    if (Date.now() > deadline)
      throw new Error('the server did not take terminals.cli.claude from config.json');
    await new Promise((r) => setTimeout(r, 100));
  }
  browser = await launchBrowser();
});

afterAll(async () => {
  for (const t of (await server?.trpc<Array<{ id: string }>>('terminals.list').catch(() => [])) ?? [])
    await server.trpc('terminals.close', { id: t.id }, { method: 'POST' }).catch(() => undefined);
  await browser?.close();
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

screenshotOnFailure(() => page, 'launch');

/** The rows xterm.js rendered, each without trailing blanks. */
function renderedRows(p: Page): Promise<string[]> {
  return p.$$eval('.xterm-rows > div', (rows) => rows.map((r) => (r.textContent ?? '').replace(/\s+$/, '')));
}

async function waitForRow(p: Page, text: string): Promise<string[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const rows = await renderedRows(p);
    if (rows.some((r) => r.includes(text))) return rows;
    if (Date.now() > deadline) throw new Error(`no rendered row with ${text}; rows:\n${rows.join('\n')}`);
    await p.waitForTimeout(100);
  }
}

const terminals = () => server.trpc<Array<{ id: string; command: string | null }>>('terminals.list');

async function openForm(p: Page): Promise<void> {
  await p.goto(`${server.url}/#/`);
  await p.locator('.conn--live').waitFor({ timeout: 15_000 });
  await p.getByRole('button', { name: 'New agent session' }).click();
  await p.getByRole('dialog', { name: 'New agent session' }).waitFor();
}

describe('New agent session', () => {
  it('starts the CLI with the first prompt, permission mode and API key, and opens its terminal', async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await openForm(page);
    const dialog = page.getByRole('dialog', { name: 'New agent session' });
    // The keyboard starts in the first field.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('launch-cwd');
    await page.keyboard.type(project);
    // The server says which CLIs it finds: the configured claude is there.
    await expect
      .poll(() => dialog.locator('.launch__cli', { hasText: 'claude' }).textContent())
      .toContain('installed');
    expect(await dialog.getByRole('radio', { name: /^claude/ }).isChecked()).toBe(true);
    // The permission mode is Claude's: hidden for the others.
    await dialog.getByRole('radio', { name: /^codex/ }).click();
    expect(await dialog.getByLabel('Permission mode').count()).toBe(0);
    await dialog.getByRole('radio', { name: /^claude/ }).click();
    await dialog.getByLabel('Permission mode').selectOption('plan');
    const prompt = 'fix the flaky test; echo $(whoami) `id`';
    await dialog.getByLabel('First prompt (optional)').fill(prompt);
    await dialog.getByLabel('API key (optional)').fill(SECRET);
    expect(await dialog.getByLabel('API key (optional)').getAttribute('type')).toBe('password');
    await page.screenshot({ path: join(outputDir, 'launch-form-desktop.png') });
    await dialog.getByRole('button', { name: 'Start agent' }).click();

    await page.waitForURL(/#\/terminals\/term-/);
    const rows = await waitForRow(page, 'END');
    expect(rows.some((r) => r.startsWith('FAKE CLAUDE 1.0 in '))).toBe(true);
    // argv as the CLI got it: the mode, then the prompt as one element after `--`, untouched by any shell.
    const argv = rows.filter((r) => r.startsWith('<'));
    expect(argv).toEqual(['<--permission-mode>', '<plan>', '<-->', `<${prompt}>`]);
    expect(rows).toContain('api key: given');
    await page.screenshot({ path: join(outputDir, 'launch-terminal-desktop.png') });
    // The key is in the agent's environment only: not in the terminal's command, not on its screen.
    const id = decodeURIComponent(page.url().split('/').pop() ?? '');
    const t = (await terminals()).find((x) => x.id === id);
    expect(t?.command).toBe('claude');
    expect(JSON.stringify(await terminals())).not.toContain(SECRET);
    expect((await server.trpc<{ text: string }>('terminals.buffer', { id })).text).not.toContain(SECRET);
    await page.close();
  });

  it('shows the server refusing a directory next to the field it names, and starts nothing (390 px)', async () => {
    page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const before = (await terminals()).length;
    await openForm(page);
    const dialog = page.getByRole('dialog', { name: 'New agent session' });
    const cwd = dialog.getByLabel('Working directory');
    const error = dialog.locator('#launch-cwd-error');
    // Refused by the input check (shell metacharacters) …
    await cwd.fill('/tmp/x;rm');
    await dialog.getByRole('button', { name: 'Start agent' }).click();
    await expect.poll(() => error.textContent()).toMatch(/^cwd: shell metacharacters/);
    expect(await cwd.getAttribute('aria-invalid')).toBe('true');
    expect(await cwd.getAttribute('aria-describedby')).toBe('launch-cwd-error');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('launch-cwd');
    // … the sheet fits the phone, the error under its field.
    for (const el of [dialog, error, dialog.getByRole('button', { name: 'Start agent' })]) {
      const box = await el.boundingBox();
      expect(box).not.toBeNull();
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    }
    const [fieldBox, errorBox] = [await cwd.boundingBox(), await error.boundingBox()];
    expect(errorBox!.y).toBeGreaterThan(fieldBox!.y);
    expect(errorBox!.y - (fieldBox!.y + fieldBox!.height)).toBeLessThan(60);
    await page.screenshot({ path: join(outputDir, 'launch-form-phone-error.png') });
    // … and by the server's own check (not a directory), a message the input check cannot know.
    await cwd.fill(join(root, 'no-such-dir'));
    await dialog.getByRole('button', { name: 'Start agent' }).click();
    await expect.poll(() => error.textContent()).toMatch(/^cwd: not a directory: /);
    expect((await terminals()).length).toBe(before);
    // Esc closes the form.
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
    await page.close();
  });
});

describe('Resume in terminal', () => {
  it('on an ended Claude session runs claude --resume <id> in a new terminal, and the card stays one card', async () => {
    const sid = '3f2a9c4e-1b7d-4e8a-9c55-0d6e2f1a7b90';
    // Its own directory: a session starting where a launch is still waiting for its agent would be that agent's.
    const dir = join(root, 'resumed');
    mkdirSync(dir);
    await server.hook(claude.sessionStart(sid, dir));
    await server.hook(claude.prompt(sid, dir, 'Write the README'));
    await server.hook(claude.sessionEnd(sid, dir, 'prompt_input_exit'));
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${server.url}/#/session/${sid}`);
    const resume = page.getByRole('button', { name: 'Resume in terminal' });
    await resume.waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(outputDir, 'resume-button-desktop.png') });
    await resume.click();

    await page.waitForURL(/#\/terminals\/term-/);
    const rows = await waitForRow(page, 'END');
    expect(rows).toContain(`FAKE CLAUDE 1.0 in ${dir}`);
    expect(rows.filter((r) => r.startsWith('<'))).toEqual(['<--resume>', `<${sid}>`]);
    const id = decodeURIComponent(page.url().split('/').pop() ?? '');
    // One card: the resumed session took the terminal; no placeholder card for it.
    const sessions =
      await server.trpc<Array<{ sessionId: string; terminalId: string | null }>>('sessions.list');
    expect(sessions.filter((x) => x.terminalId === id).map((x) => x.sessionId)).toEqual([sid]);
    expect(sessions.some((x) => x.sessionId === id)).toBe(false);
    await page.screenshot({ path: join(outputDir, 'resume-terminal-desktop.png') });

    // While that terminal runs the session is not offered again (two processes must not share it).
    await page.goto(`${server.url}/#/session/${sid}`);
    await page.getByRole('button', { name: 'Show terminal' }).waitFor();
    expect(await resume.count()).toBe(0);
    // Once it is closed, it is.
    await server.trpc('terminals.close', { id }, { method: 'POST' });
    await resume.waitFor({ timeout: 15_000 });
    await page.close();
  });
});

describe('phone top menu', () => {
  it('at 390 (and 360) px every menu entry and top-bar button is inside the viewport, with a needs-you count', async () => {
    // A session waiting for an approval: the Board link carries its count (the widest menu).
    // (Another directory: a resume requested there would take a new session in it for its own.)
    const sid = '7b1e4d2a-9c3f-4a5b-8d6e-1f2a3b4c5d6e';
    const dir = '/home/dev/src/phone-menu';
    await server.hook(claude.sessionStart(sid, dir));
    await server.hook(
      claude.permission(sid, dir, 'Bash', { command: 'npm test', description: 'Run the tests' }),
    );
    page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await page.goto(`${server.url}/#/`);
    await page.locator('.conn--live').waitFor({ timeout: 15_000 });
    await page.locator('.needs-count').waitFor();
    const nav = page.getByRole('navigation', { name: 'Main' });
    // 390 px (the phone the issue names), then 360 px (the narrowest common phone).
    for (const width of [390, 360]) {
      await page.setViewportSize({ width, height: 844 });
      // Nothing hidden in a scrolled-away part of the menu.
      await expect.poll(() => nav.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
      const targets = [
        ...(await nav.getByRole('link').all()),
        ...(await page.locator('.topbar__right button').all()),
        page.locator('.brand'),
        page.getByRole('button', { name: 'New agent session' }),
      ];
      expect(targets.length).toBe(6 + 3 + 2);
      for (const el of targets) {
        const box = await el.boundingBox();
        const what = `${await el.evaluate((e) => e.textContent || e.getAttribute('aria-label'))} at ${width} px`;
        expect(box, `${what} is shown`).not.toBeNull();
        expect(box!.x, `${what} starts inside`).toBeGreaterThanOrEqual(0);
        expect(box!.x + box!.width, `${what} ends inside`).toBeLessThanOrEqual(width);
        expect(box!.y, `${what} is on screen`).toBeGreaterThanOrEqual(0);
        expect(box!.y + box!.height).toBeLessThanOrEqual(844);
        // a thumb-sized target
        expect(box!.height, `${what} height`).toBeGreaterThanOrEqual(32);
      }
      await page.screenshot({ path: join(outputDir, `board-phone-menu-${width}.png`) });
    }
    await page.close();
  });
});
