import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotOnFailure } from './failure-shots.js';
import { launchBrowser, outputDir, startServer, type TestServer } from './harness.js';

let server: TestServer;
let browser: Browser;
let desk: Page | undefined;
let phone: Page | undefined;
let workDir: string;

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
  workDir = mkdtempSync(join(tmpdir(), 'fd-e2e-term-'));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

screenshotOnFailure(() => phone ?? desk, 'terminal');

/** The rows xterm.js rendered (its DOM renderer), each as text without trailing blanks. */
function renderedRows(page: Page): Promise<string[]> {
  return page.$$eval('.xterm-rows > div', (rows) =>
    rows.map((r) => (r.textContent ?? '').replace(/\s+$/, '')),
  );
}

async function waitForRow(page: Page, test: (row: string) => boolean, what: string): Promise<string[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const rows = await renderedRows(page);
    if (rows.some(test)) return rows;
    if (Date.now() > deadline) throw new Error(`no rendered row ${what}; rows:\n${rows.join('\n')}`);
    await page.waitForTimeout(100);
  }
}

describe('terminals in the browser', () => {
  it('opens a shell from the page, types echo hello and sees hello rendered by xterm.js', async () => {
    desk = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await desk.goto(`${server.url}/#/terminals`);
    await desk.getByLabel('Directory').fill(workDir);
    await desk.getByRole('button', { name: 'Open terminal' }).click();
    await desk.waitForURL(/#\/terminals\/term-/);
    await desk.locator('.xterm-rows').waitFor();
    // the shell's prompt (anything on the first row) before typing
    await waitForRow(desk, (r) => r.trim().length > 0, 'with a prompt');
    await desk.locator('.term__screen').click();
    await desk.keyboard.type('echo hello');
    await desk.keyboard.press('Enter');
    const rows = await waitForRow(desk, (r) => r.trim() === 'hello', 'reading "hello"');
    // the command line as typed, then its output on a row of its own
    expect(rows.some((r) => r.endsWith('echo hello'))).toBe(true);
    expect(await desk.getByTestId('terminal-writer').textContent()).toContain('You are typing');
    await desk.screenshot({ path: join(outputDir, 'terminal-desktop.png') });

    // The terminal fits its box: the server's size is the grid xterm.js drew (not the 100×30 it was opened with).
    const id = decodeURIComponent(desk.url().split('/').pop() ?? '');
    const grid = await desk.$$eval('.xterm-rows > div', (r) => r.length);
    const sizeOf = async () =>
      (await server.trpc<Array<{ id: string; cols: number; rows: number }>>('terminals.list')).find(
        (t) => t.id === id,
      );
    await expect.poll(async () => (await sizeOf())?.rows, { timeout: 5000 }).toBe(grid);
    const deskCols = (await sizeOf())?.cols ?? 0;
    expect(deskCols).toBeGreaterThan(100);

    // A second viewer (a phone): the same output, replayed; it is not the writer until it takes over.
    phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await phone.goto(`${server.url}/#/terminals/${encodeURIComponent(id)}`);
    await waitForRow(phone, (r) => r.trim() === 'hello', 'reading "hello" (replayed)');
    await expect
      .poll(() => phone?.getByTestId('terminal-writer').textContent())
      .toContain('Another viewer is typing');
    // Watching, the phone does not shrink the terminal of the one typing.
    await phone.waitForTimeout(500);
    expect(await sizeOf()).toMatchObject({ cols: deskCols, rows: grid });
    await phone.getByRole('button', { name: 'Take over' }).click();
    await expect.poll(() => phone?.getByTestId('terminal-writer').textContent()).toContain('You are typing');
    await expect
      .poll(() => desk?.getByTestId('terminal-writer').textContent())
      .toContain('Another viewer is typing');
    // Typing from the phone now, its box sets the size.
    await expect.poll(async () => (await sizeOf())?.cols, { timeout: 5000 }).toBeLessThan(60);
    await phone.screenshot({ path: join(outputDir, 'terminal-phone.png') });
    await desk.screenshot({ path: join(outputDir, 'terminal-desktop-watching.png') });

    // The desk's keystrokes are refused now (never interleaved), and it says so.
    await desk.locator('.term__screen').click();
    await desk.keyboard.type('x');
    await expect.poll(() => desk?.getByRole('alert').first().textContent()).toMatch(/take over/i);

    // The phone types `exit 3`: both show the exit code.
    await phone.locator('.term__screen').click();
    await phone.keyboard.type('exit 3');
    await phone.keyboard.press('Enter');
    await expect
      .poll(() => phone?.getByTestId('terminal-exit').textContent(), { timeout: 10_000 })
      .toBe('exited (code 3)');
    await expect
      .poll(() => desk?.getByTestId('terminal-exit').textContent(), { timeout: 10_000 })
      .toBe('exited (code 3)');

    // The list says so too, and Close removes it.
    await desk.goto(`${server.url}/#/terminals`);
    const item = desk.locator(`li[data-terminal-id="${id}"]`);
    await expect.poll(() => item.textContent()).toContain('exited (code 3)');
    await desk.screenshot({ path: join(outputDir, 'terminal-list.png') });
    await item.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => item.count()).toBe(0);
  });

  it('after a lost WebSocket resumes the output without showing anything twice', async () => {
    const proxy = await tcpProxy(server.port);
    try {
      const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
      desk = page;
      phone = undefined;
      const t = await server.trpc<{ id: string }>(
        'terminals.create',
        { kind: 'local', cwd: workDir, cols: 80, rows: 24 },
        { method: 'POST' },
      );
      await page.goto(`${proxy.url}/#/terminals/${encodeURIComponent(t.id)}`);
      await waitForRow(page, (r) => r.trim().length > 0, 'with a prompt');
      await page.locator('.term__screen').click();
      await page.keyboard.type('echo one');
      await page.keyboard.press('Enter');
      await waitForRow(page, (r) => r.trim() === 'one', 'reading "one"');

      // The socket drops and cannot come back for a while; meanwhile the terminal prints more.
      proxy.cut(true);
      await expect
        .poll(() => page.locator('.term .chip').textContent(), { timeout: 10_000 })
        .toMatch(/reconnecting/);
      await server.trpc('terminals.takeover', { id: t.id, viewerId: 'script' }, { method: 'POST' });
      await server.trpc(
        'terminals.input',
        { id: t.id, viewerId: 'script', data: 'echo two\r' },
        { method: 'POST' },
      );
      // "echo two" and its output "two"
      const twos = async () =>
        (await server.trpc<{ text: string }>('terminals.buffer', { id: t.id })).text.split('two').length - 1;
      await expect.poll(twos).toBe(2);
      proxy.cut(false);

      const rows = await waitForRow(page, (r) => r.trim() === 'two', 'reading "two" after the reconnect');
      expect(rows.filter((r) => r.trim() === 'one')).toHaveLength(1);
      expect(rows.filter((r) => r.trim() === 'two')).toHaveLength(1);
      expect(rows.filter((r) => r.endsWith('echo one'))).toHaveLength(1);
      await page.screenshot({ path: join(outputDir, 'terminal-reconnected.png') });
      // Escape belongs to the terminal (an agent's interrupt): the page neither goes back nor takes the focus away.
      await page.locator('.term__screen').click();
      await page.keyboard.press('Escape');
      expect(await page.evaluate(() => document.activeElement?.closest('.xterm') !== null)).toBe(true);
      expect(page.url()).toMatch(/#\/terminals\/term-/);
      await page.close();
    } finally {
      await proxy.close();
    }
  });
});

/** A TCP proxy to the server whose connections the test can cut (and refuse until allowed again). */
async function tcpProxy(
  port: number,
): Promise<{ url: string; cut(refuse: boolean): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let refusing = false;
  const srv: Server = createServer((client) => {
    if (refusing) return void client.destroy();
    const upstream = connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const address = srv.address();
  const proxyPort = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${proxyPort}`,
    cut(refuse) {
      refusing = refuse;
      if (refuse) for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
}
