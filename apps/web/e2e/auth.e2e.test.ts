import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claude, launchBrowser, startServer, type TestServer } from './harness.js';

let server: TestServer;
let browser: Browser;
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('login against a real server with a password', () => {
  it('refuses a wrong password and lets the right one in, live board included', async () => {
    await server.hook(claude.sessionStart('s-auth', '/home/dev/src/secret-project'));
    // No password yet: setting one is allowed without a token.
    await server.trpc('auth.setPassword', { password: PASSWORD }, { method: 'POST' });
    const status = await server.trpc<{ passwordRequired: boolean; authenticated: boolean }>('auth.status');
    expect(status).toEqual({ passwordRequired: true, authenticated: false });

    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    try {
      await page.goto(server.url);
      await page.waitForSelector('form.login__box');
      expect(await page.locator('article.card').count()).toBe(0);

      await page.fill('#login-password', 'not the password');
      await page.click('button[type="submit"]');
      await page.waitForSelector('[data-testid="login-error"]');
      expect(await page.locator('[data-testid="login-error"]').textContent()).toContain('Wrong password');
      expect(await page.locator('.board').count()).toBe(0);

      await page.fill('#login-password', PASSWORD);
      await page.click('button[type="submit"]');
      await page.waitForSelector('.board');
      // the WebSocket is authenticated by the HttpOnly cookie: the live board fills in
      await page.waitForSelector('article.card[data-session-id="s-auth"]', { timeout: 5000 });
      await page.locator('.conn--live').waitFor();
      const cookies = await ctx.cookies();
      expect(cookies.some((c) => c.httpOnly)).toBe(true);

      // a new hook event still reaches the logged-in board
      await server.hook(claude.prompt('s-auth', '/home/dev/src/secret-project', 'List the secrets'));
      await page.waitForSelector('article.card[data-session-id="s-auth"][data-status="prompting"]', {
        timeout: 1000,
      });
    } finally {
      await ctx.close();
    }
  });

  it('an unauthenticated client cannot read sessions', async () => {
    await expect(server.trpc('sessions.list')).rejects.toThrow(/401|UNAUTHORIZED/);
  });
});
