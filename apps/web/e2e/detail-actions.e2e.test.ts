import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claude, launchBrowser, startServer, type TestServer } from './harness.js';

let server: TestServer;
let browser: Browser;
let page: Page;
let agent: ChildProcess;
let binDir: string;
const CWD = '/home/dev/src/notes-app';

async function postEnvelope(payload: Record<string, unknown>, meta: Record<string, unknown>): Promise<void> {
  const r = await fetch(`${server.url}/api/hooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ cli: 'claude', payload, meta }),
  });
  if (!r.ok) throw new Error(`POST /api/hooks → ${r.status}: ${await r.text()}`);
}

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // A stand-in agent process, so that "kill" has a real pid to signal. The server signals only a process that
  // runs the session's CLI, so it is a script called `claude`.
  binDir = mkdtempSync(join(tmpdir(), 'fd-e2e-agent-'));
  const script = join(binDir, 'claude');
  writeFileSync(script, 'setInterval(() => {}, 1000);');
  agent = spawn(process.execPath, [script], { stdio: 'ignore' });
  const pid = agent.pid as number;
  // The server checks the process when it first sees the session: wait until it runs the script.
  for (let i = 0; i < 200 && !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(script); i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
});

afterAll(async () => {
  if (agent.exitCode === null && agent.signalCode === null) agent.kill('SIGKILL');
  rmSync(binDir, { recursive: true, force: true });
  await browser?.close();
  await server?.stop();
});

describe('session detail actions against a real server', () => {
  it('renames, labels, recolours, annotates, archives and deletes a session from the detail view', async () => {
    await server.hook(claude.sessionStart('s-act', CWD));
    await server.hook(claude.prompt('s-act', CWD, 'Write the release notes'));
    await page.goto(`${server.url}/#/session/s-act`);
    await page.waitForSelector('.detail[data-session-id="s-act"]');

    // title
    await page.getByRole('button', { name: 'Edit Title' }).click();
    await page.getByLabel('Title', { exact: true }).fill('Release notes v2');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForFunction(
      () => document.querySelector('.detail__title')?.textContent === 'Release notes v2',
    );
    // label (wins over the title in the heading)
    await page.getByRole('button', { name: 'Edit Label' }).click();
    await page.getByLabel('Label', { exact: true }).fill('Docs');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForFunction(() => document.querySelector('.detail__title')?.textContent === 'Docs');
    // accent colour
    await page.locator('input[type="color"]').evaluate((el: HTMLInputElement) => {
      el.value = '#ff8800';
      el.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await page.waitForFunction(
      () =>
        (document.querySelector('.detail') as HTMLElement | null)?.style.getPropertyValue('--accent') ===
        '#ff8800',
    );
    const live = await server.trpc<{ title: string; label: string; accentColor: string }>('sessions.get', {
      sessionId: 's-act',
    });
    expect(live).toMatchObject({ title: 'Release notes v2', label: 'Docs', accentColor: '#ff8800' });

    // notes: add, edit, delete
    await page.getByRole('tab', { name: /Notes/ }).click();
    await page.getByLabel('New note').fill('Ask Sam about the changelog format');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.waitForSelector('.note__text');
    expect(await page.locator('.note__text').textContent()).toBe('Ask Sam about the changelog format');
    await page.locator('.note').getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Edit note').fill('Changelog: keep-a-changelog format');
    await page.locator('.note').getByRole('button', { name: 'Save' }).click();
    await page.waitForFunction(
      () => document.querySelector('.note__text')?.textContent === 'Changelog: keep-a-changelog format',
    );
    const notes = await server.trpc<Array<{ text: string }>>('notes.list', { sessionId: 's-act' });
    expect(notes.map((n) => n.text)).toEqual(['Changelog: keep-a-changelog format']);
    await page.locator('.note').getByRole('button', { name: 'Delete' }).click();
    await page.waitForSelector('.note', { state: 'detached' });

    // archive: the card leaves the default board, the detail says so
    await page.getByRole('button', { name: 'Archive' }).click();
    await page.waitForSelector('.detail .chip:text("archived")');
    await page.getByRole('button', { name: 'Unarchive' }).waitFor();

    // delete, with confirmation
    await page.locator('.detail__actions').getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.waitForSelector('.board');
    await expect(server.trpc('sessions.get', { sessionId: 's-act' })).rejects.toThrow(/404|NOT_FOUND/);
  });

  it('kills the agent process after confirmation', async () => {
    const pid = agent.pid!;
    await postEnvelope(claude.sessionStart('s-kill', CWD), { pid });
    await postEnvelope(claude.prompt('s-kill', CWD, 'Run forever'), { pid });
    await page.goto(`${server.url}/#/session/s-kill`);
    await page.waitForSelector('.detail[data-session-id="s-kill"]');
    const exited = new Promise<NodeJS.Signals | null>((r) => agent.once('exit', (_c, sig) => r(sig)));

    await page.getByRole('button', { name: 'Kill' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain(`pid ${pid}`);
    // cancelling does nothing
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForTimeout(300);
    expect(agent.exitCode === null && agent.signalCode === null).toBe(true);

    await page.getByRole('button', { name: 'Kill' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Kill agent' }).click();
    const signal = await Promise.race([
      exited,
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000)),
    ]);
    expect(signal).toBe('SIGTERM');
    // Claude Code on its way out after a SIGTERM sends SessionEnd with reason "other": the dashboard says why
    await postEnvelope(claude.sessionEnd('s-kill', CWD, 'other'), { pid });
    await page.getByTestId('status-reason').getByText('Killed from Flightdeck').waitFor({ timeout: 5000 });
    await page.goto(`${server.url}/#/`);
    const activity = page.locator('article.card[data-session-id="s-kill"] [data-testid="activity"]');
    await activity.waitFor();
    expect(await activity.textContent()).toBe('Killed from Flightdeck');
  });
});
