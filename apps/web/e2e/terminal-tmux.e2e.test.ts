import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotOnFailure } from './failure-shots.js';
import { claude, launchBrowser, outputDir, startServer, type TestServer } from './harness.js';

// A private tmux server: its default socket lives in TMUX_TMPDIR, which the Flightdeck server (a child of this
// process) inherits, so "Open terminal" attaches to this pane and nobody else's.
const tmuxDir = mkdtempSync(join(tmpdir(), 'fd-tmux-'));
process.env.TMUX_TMPDIR = tmuxDir;
const tmux = (...args: string[]) =>
  execFileSync('tmux', ['-f', '/dev/null', ...args], { encoding: 'utf8', env: { ...process.env, TMUX: '' } });

let server: TestServer;
let browser: Browser;
let page: Page | undefined;
let pane: string;
/** The private server's socket, as `$TMUX` names it in the agent's environment. */
let socket: string;

beforeAll(async () => {
  // An agent-like process in a pane: it reads lines and answers each.
  tmux(
    'new-session',
    '-d',
    '-s',
    'agent',
    '-x',
    '80',
    '-y',
    '24',
    'sh -c \'while read l; do echo "got:$l"; done\'',
  );
  pane = tmux('display-message', '-p', '-t', 'agent', '#{pane_id}').trim();
  socket = tmux('display-message', '-p', '-t', 'agent', '#{socket_path}').trim();
  server = await startServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  try {
    tmux('kill-server');
  } catch {
    // already gone
  }
  rmSync(tmuxDir, { recursive: true, force: true });
});

screenshotOnFailure(() => page, 'terminal-tmux');

describe('a session running in tmux', () => {
  it('gets "Open terminal" on its page: a view of its own pane, typed into from the browser', async () => {
    const cwd = '/home/dev/src/in-tmux';
    await server.hook(claude.sessionStart('s-tmux', cwd), {
      tmux: `${socket},1,0`,
      tmuxPane: pane,
      tty: '/dev/pts/9',
      // as the spool reader adds it to every local event
      host: hostname(),
    });
    page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    await page.goto(`${server.url}/#/session/s-tmux`);
    const where = page.getByTestId('where-it-runs');
    await expect.poll(() => where.textContent()).toContain(`Runs in tmux pane ${pane}`);
    await page.screenshot({ path: join(outputDir, 'terminal-tmux-detail.png') });
    await where.getByRole('button', { name: 'Open terminal' }).click();
    await page.waitForURL(/#\/terminals\/term-/);
    const id = decodeURIComponent(page.url().split('/').pop() ?? '');
    await page.locator('.xterm-rows').waitFor();

    await page.locator('.term__screen').click();
    await page.keyboard.type('ping');
    await page.keyboard.press('Enter');
    // the pane's answer, rendered by xterm.js in the page …
    await expect
      .poll(
        () => page?.$$eval('.xterm-rows > div', (rows) => rows.map((r) => (r.textContent ?? '').trim())),
        { timeout: 15_000 },
      )
      .toContain('got:ping');
    // … and what was typed reached that pane (tmux's own view of it)
    expect(tmux('capture-pane', '-p', '-t', pane)).toContain('got:ping');
    await page.screenshot({ path: join(outputDir, 'terminal-tmux.png') });

    // Closing the view leaves the agent's pane running.
    await page.getByRole('button', { name: 'Close' }).click();
    await page.waitForURL(/#\/terminals$/);
    await expect
      .poll(async () => (await server.trpc<Array<{ id: string }>>('terminals.list')).some((t) => t.id === id))
      .toBe(false);
    expect(tmux('list-panes', '-t', 'agent', '-F', '#{pane_id}').trim()).toBe(pane);
  });
});
