/**
 * The prompt queue in the browser (issue 16), against a real server: an agent-like script runs in a Flightdeck
 * terminal (it prints a prompt and reads lines); its hook events are posted as the CLI would. A prompt queued on the
 * detail page shows as the count on the board's card, is typed into the terminal when the agent's turn ends, and
 * leaves the queue when the agent reports it.
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
let dir: string;

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
  dir = mkdtempSync(join(tmpdir(), 'fd-e2e-queue-'));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

screenshotOnFailure(() => page, 'queue');

const SID = 's-queue';

describe('prompt queue in the browser', () => {
  it('adds a prompt on the detail page, shows the count on the card, types it in when the agent waits', async () => {
    const bin = join(dir, 'bin');
    const project = join(dir, 'project');
    mkdirSync(bin);
    mkdirSync(project);
    writeFileSync(
      join(bin, 'claude'),
      '#!/bin/sh\nwhile true; do printf "PROMPT> "; IFS= read -r line || exit 0; echo "GOT[$line]"; done\n',
    );
    chmodSync(join(bin, 'claude'), 0o755);
    const t = await server.trpc<{ id: string }>(
      'terminals.create',
      {
        kind: 'local',
        command: 'claude',
        cwd: project,
        env: { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` },
        cols: 100,
        rows: 30,
      },
      { method: 'POST' },
    );
    const meta = { terminalId: t.id };
    await server.hook(claude.sessionStart(SID, project), meta);
    await server.hook(claude.prompt(SID, project, 'Write the changelog'), meta);

    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${server.url}/#/session/${SID}`);
    const panel = page.getByTestId('prompt-queue');
    await panel.waitFor();
    await panel.getByLabel('Prompt to queue').fill('Now add the tests');
    await panel.getByRole('button', { name: 'Queue prompt' }).click();
    await expect.poll(() => panel.getByTestId('queue-item').count()).toBe(1);
    await page.getByTestId('prompt-queue').getByLabel('Prompt to queue').fill('And then the docs');
    await panel.getByRole('button', { name: 'Queue prompt' }).click();
    await expect.poll(() => panel.getByTestId('queue-item').count()).toBe(2);
    // Move the second up: the order is the server's.
    await panel.getByTestId('queue-item').nth(1).getByRole('button', { name: 'Move up' }).click();
    await expect
      .poll(() => panel.locator('.queue__text').allTextContents())
      .toEqual(['And then the docs', 'Now add the tests']);
    await page.screenshot({ path: join(outputDir, 'queue-detail.png') });

    await page.goto(`${server.url}/#/`);
    const count = page.locator(`[data-session-id="${SID}"]`).getByTestId('queue-count');
    await expect.poll(() => count.textContent()).toMatch(/☰\s*2/);
    await page.screenshot({ path: join(outputDir, 'queue-card.png') });

    // The turn ends: the first is typed into the terminal (the script reads it), the card still counts it.
    await server.hook({ session_id: SID, cwd: project, hook_event_name: 'Stop' }, meta);
    await expect
      .poll(async () => (await server.trpc<{ text: string }>('terminals.buffer', { id: t.id })).text, {
        timeout: 10_000,
      })
      .toContain('GOT[And then the docs]');
    // The agent reports it: one left on the card.
    await server.hook(claude.prompt(SID, project, 'And then the docs'), meta);
    await expect.poll(() => count.textContent()).toMatch(/☰\s*1/);
  });
});
