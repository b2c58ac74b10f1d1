import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretCorpus } from '../../../packages/core/test/redact-corpus.js';
import { screenshotOnFailure } from './failure-shots.js';
import { claude, launchBrowser, outputDir, startServer, type TestServer } from './harness.js';

let server: TestServer;
let browser: Browser;
let page: Page;

const CWD = '/home/dev/src/vault';
const corpus = secretCorpus();
const key = corpus.find((c) => c.rule === 'github-token')!;
const env = corpus.find((c) => c.rule === 'env-assignment')!;

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

screenshotOnFailure(() => page, 'data-safety');

describe('data kept safely, in Chromium against a real server', () => {
  it('a prompt and a tool output holding secrets show redacted; Settings shows the database size and retention', async () => {
    await server.hook(claude.sessionStart('s-vault', CWD));
    await server.hook(claude.prompt('s-vault', CWD, `Use ${key.text} to push`));
    const input = { command: 'cat .env', description: 'Show the env file' };
    await server.hook(claude.preTool('s-vault', CWD, 'Bash', input, 'toolu_vault_1'));
    await server.hook(
      claude.postTool('s-vault', CWD, 'Bash', input, 'toolu_vault_1', {
        stdout: env.text,
        stderr: '',
        interrupted: false,
      }),
    );

    await page.goto(`${server.url}/#/session/s-vault`);
    await page.getByText('[REDACTED:env-assignment]').first().waitFor({ timeout: 15_000 });
    expect(await page.getByText('[REDACTED:github-to', { exact: false }).count()).toBeGreaterThan(0);
    const html = await page.content();
    expect(html).not.toContain(key.secret);
    expect(html).not.toContain(env.secret);

    await page.goto(`${server.url}/#/settings`);
    const panel = page.locator('[data-testid="storage-panel"]');
    await panel.locator('[data-testid="db-size"]').waitFor({ timeout: 15_000 });
    expect(await panel.locator('[data-testid="db-size"]').textContent()).toMatch(/^[0-9.]+ (B|KB|MB)$/);
    const text = (await panel.textContent()) ?? '';
    expect(text).toContain('older than 24 h');
    expect(text).toContain('1 session stored, 1 on the board');
    await panel.scrollIntoViewIfNeeded();
    await panel.screenshot({ path: join(outputDir, 'settings-storage.png') });
  });
});
