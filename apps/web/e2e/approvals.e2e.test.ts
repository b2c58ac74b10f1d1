/**
 * Approvals in a real page against a real server: a held PermissionRequest (the real hook script in `--hold` mode,
 * reading the server's spool) approved from the tray, the hook printing the decision; a system notification raised
 * by the page (Notification permission granted, the constructor observed through an init-script wrapper); the
 * installable app (manifest, icons, service worker) and a push message shown by the service worker with Allow /
 * Deny, whose Allow reaches `approvals.decide` (`via: 'push'`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApprovalDecisionRecord, ApprovalView } from '@flightdeck/shared-types';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { screenshotOnFailure } from './failure-shots.js';
import {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  claude,
  launchBrowser,
  outputDir,
  repoRoot,
  startServer,
  type TestServer,
} from './harness.js';

const HOOK = join(repoRoot, 'packages/hook-ingest/hooks/flightdeck-hook.sh');
const CWD = '/home/dev/src/shop';

let server: TestServer;
let browser: Browser;
let context: BrowserContext | undefined;
let page: Page | undefined;
/** A Chromium profile made by a test (removed once its context is closed). */
let profile: string | undefined;
const hooks: ChildProcess[] = [];

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
});
afterEach(async () => {
  for (const h of hooks.splice(0)) if (h.exitCode === null && h.signalCode === null) h.kill('SIGKILL');
  await context?.close();
  context = undefined;
  page = undefined;
  if (profile) rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  profile = undefined;
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});
screenshotOnFailure(() => page, 'approvals');

async function waitUntil<T>(
  fn: () => Promise<T | undefined | null | false>,
  what: string,
  ms = 10_000,
): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown = null;
  for (;;) {
    const v = await fn().catch((err: unknown) => {
      last = err;
      return undefined;
    });
    if (v) return v;
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Runs the real hook in hold mode for a PermissionRequest, as Claude Code does (`sh flightdeck-hook.sh claude
 * --hold`, the payload on stdin, the server's spool in FLIGHTDECK_SPOOL); resolves to what it printed when it exits.
 */
function heldPermission(sessionId: string, command: string): { proc: ChildProcess; output: Promise<string> } {
  const proc = spawn('sh', [HOOK, 'claude', '--hold'], {
    env: { ...process.env, HOME: server.dataDir, FLIGHTDECK_SPOOL: join(server.dataDir, 'spool') },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  hooks.push(proc);
  let out = '';
  proc.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const output = new Promise<string>((res) => proc.once('exit', () => res(out)));
  proc.stdin?.end(JSON.stringify(claude.permission(sessionId, CWD, 'Bash', { command })));
  return { proc, output };
}

const pendingFor = (sessionId: string) =>
  waitUntil(
    async () =>
      (await server.trpc<ApprovalView[]>('approvals.list')).find(
        (a) => a.sessionId === sessionId && a.decidable,
      ),
    `a decidable approval of ${sessionId}`,
  );

async function openPage(viewport = { width: 1280, height: 900 }): Promise<Page> {
  context = await browser.newContext({ viewport });
  page = await context.newPage();
  await page.goto(`${server.url}/#/`);
  await page.locator('[data-testid="tray-button"][data-loaded="true"]').waitFor();
  return page;
}

/** A persistent context (not incognito: Chromium installs nothing there) with notifications allowed, on the board. */
async function openInProfile(cookie?: string, view: 'board' | 'login' = 'board'): Promise<Page> {
  profile = mkdtempSync(join(tmpdir(), 'fd-e2e-profile-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
  await context.grantPermissions(['notifications'], { origin: server.url });
  if (cookie) {
    const [name, value] = cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url: server.url }]);
  }
  page = await context.newPage();
  await page.goto(`${server.url}/#/`);
  if (view === 'board') await page.locator('[data-testid="tray-button"][data-loaded="true"]').waitFor();
  else await page.getByLabel('Password').waitFor();
  // The service worker is registered by the page (the login page too).
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  return page;
}

function worker() {
  const all = context?.serviceWorkers() ?? [];
  const w = all.find((sw) => sw.url() === `${server.url}/sw.js`);
  if (!w) throw new Error(`no service worker (${all.map((sw) => sw.url()).join(', ')})`);
  return w;
}

/** Delivers a push message to the page's service worker (CDP), as a push service would; the notification shown. */
async function pushToWorker(p: Page, message: unknown) {
  const cdp = await context!.newCDPSession(p);
  const registrations: Array<{ registrationId: string; scopeURL: string }> = [];
  cdp.on('ServiceWorker.workerRegistrationUpdated', (e: { registrations: typeof registrations }) =>
    registrations.push(...e.registrations),
  );
  const versions: Array<{ runningStatus: string; status: string }> = [];
  cdp.on('ServiceWorker.workerVersionUpdated', (e: { versions: typeof versions }) =>
    versions.push(...e.versions),
  );
  await cdp.send('ServiceWorker.enable');
  const reg = await waitUntil(
    async () => registrations.find((r) => r.scopeURL === `${server.url}/`),
    'the registration',
  );
  const shownNow = () =>
    worker().evaluate(async () => {
      const list = await (
        self as unknown as { registration: ServiceWorkerRegistration }
      ).registration.getNotifications();
      // `actions` is not in the DOM library's Notification type
      type Shown = Notification & { actions: Array<{ title: string }> };
      return list.map((n) => ({
        title: n.title,
        actions: (n as Shown).actions.map((a) => a.title),
        data: n.data as unknown,
      }));
    });
  // Chromium now and then drops a message sent to a worker it is waking (push services retry too): send again
  // until the notification shows (one tag per session: a repeat replaces it).
  let shown: Awaited<ReturnType<typeof shownNow>> | undefined;
  for (let attempt = 0; attempt < 4 && !shown; attempt++) {
    await cdp.send('ServiceWorker.deliverPushMessage', {
      origin: server.url,
      registrationId: reg.registrationId,
      data: JSON.stringify(message),
    });
    shown = await waitUntil(
      () => shownNow().then((l) => (l.length > 0 ? l : undefined)),
      'the push notification',
      3_000,
    ).catch(() => undefined);
  }
  if (!shown)
    throw new Error(`no notification after 4 push messages (worker: ${JSON.stringify(versions.at(-1))})`);
  return shown[0];
}

/** "Allow" on the shown notification: the service worker's own action handler (`decide`) posts the decision. */
async function allowInWorker(): Promise<void> {
  await worker().evaluate(async () => {
    const [n] = await (
      self as unknown as { registration: ServiceWorkerRegistration }
    ).registration.getNotifications();
    await (self as unknown as { decide: (data: unknown, behavior: string) => Promise<void> }).decide(
      n!.data,
      'allow',
    );
  });
}

describe('approvals in the browser', () => {
  it('approves a held request from the tray: the hook prints the allow decision, the history says who and how', async () => {
    await server.hook(claude.sessionStart('s-tray', CWD));
    const p = await openPage();
    const hook = heldPermission('s-tray', 'npm publish');
    const pending = await pendingFor('s-tray');

    await p.getByTestId('tray-count').filter({ hasText: '1' }).waitFor();
    await p.getByTestId('tray-button').click();
    const item = p.locator(`.tray [data-approval-id="${pending.id}"]`);
    await item.waitFor();
    expect(await item.textContent()).toContain('Bash wants to run `npm publish`');
    expect(await item.textContent()).toContain('project shop');
    await item.getByRole('button', { name: 'Allow', exact: true }).click();

    const printed = await Promise.race([
      hook.output,
      new Promise<string>((_, rej) => setTimeout(() => rej(new Error('the hook did not return')), 10_000)),
    ]);
    expect(JSON.parse(printed)).toEqual({
      hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: { behavior: 'allow' } },
    });
    await item.waitFor({ state: 'detached' });
    expect(await p.getByTestId('tray-count').count()).toBe(0);
    const history = await server.trpc<ApprovalDecisionRecord[]>('approvals.history', { sessionId: 's-tray' });
    expect(history[0]).toMatchObject({ id: pending.id, outcome: 'allowed', via: 'browser' });
  });

  it('a late click (answered in the terminal meanwhile) gets the server’s refusal in its words, never a decision', async () => {
    await server.hook(claude.sessionStart('s-late', CWD));
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    // The page's live updates can be held back, as on a slow link: it then still shows the approval as open.
    let frozen = false;
    await page.routeWebSocket(/\/trpc$/, (ws) => {
      const upstream = ws.connectToServer();
      upstream.onMessage((m) => {
        if (!frozen) ws.send(m);
      });
    });
    await page.goto(`${server.url}/#/`);
    await page.locator('[data-testid="tray-button"][data-loaded="true"]').waitFor();
    const hook = heldPermission('s-late', 'npm publish');
    const pending = await pendingFor('s-late');
    await page.getByTestId('tray-button').click();
    const item = page.locator(`.tray [data-approval-id="${pending.id}"]`);
    await item.getByRole('button', { name: 'Allow', exact: true }).waitFor();

    // Answered in the terminal: Claude ends the hook. The server sees it go; the page does not hear of it.
    frozen = true;
    hook.proc.kill('SIGTERM');
    expect(await hook.output).toBe('');
    await waitUntil(
      async () =>
        !(await server.trpc<ApprovalView[]>('approvals.list')).some(
          (a) => a.id === pending.id && a.decidable,
        ),
      'the server to see the hook gone',
    );
    await item.getByRole('button', { name: 'Allow', exact: true }).click();
    const notice = page.locator('.tray [data-testid="approval-notice"]');
    await notice.waitFor();
    expect(await notice.textContent()).toMatch(/already answered in the terminal/i);
    expect(await page.locator(`.tray [data-approval-id="${pending.id}"]`).count()).toBe(0);
    const history = await server.trpc<ApprovalDecisionRecord[]>('approvals.history', { sessionId: 's-late' });
    expect(history.some((r) => r.outcome === 'allowed' || r.outcome === 'denied')).toBe(false);
  });

  it('raises a system notification saying which session asks and what it needs', async () => {
    await server.hook(claude.sessionStart('s-note', CWD));
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['notifications'], { origin: server.url });
    // Observe the page's own `new Notification(...)` (the real constructor still runs).
    await context.addInitScript(() => {
      const Real = window.Notification;
      const seen: Array<{ title: string; body: string | undefined }> = [];
      (window as unknown as { __notifications: typeof seen }).__notifications = seen;
      class Observed extends Real {
        constructor(title: string, options?: NotificationOptions) {
          super(title, options);
          seen.push({ title, body: options?.body });
        }
      }
      Object.defineProperty(window, 'Notification', { value: Observed, configurable: true, writable: true });
    });
    page = await context.newPage();
    // The user turns notifications on in Settings (a click: the permission is asked from a gesture).
    await page.goto(`${server.url}/#/settings`);
    const box = page.getByLabel(/Browser notifications when an agent needs me/);
    await box.check();
    expect(await box.isChecked()).toBe(true);
    await page.goto(`${server.url}/#/`);
    await page.getByTestId('tray-button').waitFor();
    // Let the approvals stream start before the approval opens (one that was already pending is not announced).
    await page.locator('[data-testid="tray-button"][data-loaded="true"]').waitFor();
    const hook = heldPermission('s-note', 'npm publish --tag next');
    await pendingFor('s-note');
    const seen = await waitUntil(async () => {
      const all = await page!.evaluate(
        () =>
          (window as unknown as { __notifications: Array<{ title: string; body?: string }> }).__notifications,
      );
      return all.length > 0 ? all : undefined;
    }, 'a notification');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.title).toBe('Bash wants to run `npm publish --tag next` — shop');
    expect(seen[0]!.title).not.toMatch(/Turn finished/);
    expect(seen[0]!.body).toContain('project shop');
    hook.proc.kill('SIGTERM');
  });

  it('is installable, and its service worker shows a push message with Allow / Deny that decides via push', async () => {
    const p = await openInProfile();
    const manifest = (await (await fetch(`${server.url}/manifest.webmanifest`)).json()) as {
      name: string;
      start_url: string;
      display: string;
      icons: Array<{ src: string; type: string }>;
    };
    expect(manifest).toMatchObject({ name: 'Flightdeck', start_url: '/', display: 'standalone' });
    for (const icon of manifest.icons) {
      const r = await fetch(`${server.url}${icon.src}`);
      expect(r.status, icon.src).toBe(200);
      expect(r.headers.get('content-type')).toContain(icon.type);
    }
    const cdp = await context!.newCDPSession(p);
    const installability = (await cdp.send('Page.getInstallabilityErrors')) as {
      installabilityErrors: Array<{ errorId: string }>;
    };
    expect(installability.installabilityErrors).toEqual([]);

    // A push message carrying a real held approval (the payload the server's Web Push sends).
    await server.hook(claude.sessionStart('s-push', CWD));
    const hook = heldPermission('s-push', 'npm publish');
    const approval = await pendingFor('s-push');
    const shown = await pushToWorker(p, { type: 'approval', approval, dedupeKey: `approval:${approval.id}` });
    expect(shown).toMatchObject({
      title: 'Bash wants to run `npm publish` — shop',
      actions: ['Allow', 'Deny'],
      data: { approvalId: approval.id, sessionId: 's-push' },
    });
    // A click on the notification (not on an action) shows that approval in the open dashboard.
    expect(await p.getByTestId('tray').count()).toBe(0);
    await worker().evaluate(async () => {
      const [n] = await (
        self as unknown as { registration: ServiceWorkerRegistration }
      ).registration.getNotifications();
      await (self as unknown as { show: (data: unknown) => Promise<void> }).show(n!.data);
    });
    await p.locator(`.tray [data-approval-id="${approval.id}"]`).waitFor();
    await p.waitForFunction(
      (id) => document.activeElement?.getAttribute('data-approval-id') === id,
      approval.id,
    );
    // "Allow" on the notification: the service worker's own action handler posts the decision.
    await allowInWorker();
    expect(JSON.parse(await hook.output)).toEqual({
      hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: { behavior: 'allow' } },
    });
    const history = await server.trpc<ApprovalDecisionRecord[]>('approvals.history', { sessionId: 's-push' });
    expect(history[0]).toMatchObject({ id: approval.id, outcome: 'allowed', via: 'push' });
  });

  it('screenshots: the tray on a desktop and as a bottom sheet on a phone (390×844)', async () => {
    await server.hook(claude.sessionStart('s-shot', CWD));
    await server.hook(claude.prompt('s-shot', CWD, 'Publish the package'));
    const hook = heldPermission('s-shot', 'npm publish --access public');
    await pendingFor('s-shot');
    const dir = join(outputDir, 'approvals');
    mkdirSync(dir, { recursive: true });

    const desktop = await openPage();
    await desktop.getByTestId('tray-button').click();
    await desktop.locator('.tray [data-approval-id]').first().waitFor();
    await desktop.screenshot({ path: join(dir, 'desktop-tray.png') });
    await context!.close();

    const phone = await openPage({ width: 390, height: 844 });
    await phone.getByTestId('tray-button').click();
    const allow = phone.locator('.tray').getByRole('button', { name: 'Allow', exact: true }).first();
    await allow.waitFor();
    await phone.screenshot({ path: join(dir, 'phone-tray.png') });
    // A full-width sheet whose Allow / Deny are large and in the lower part of the screen (one thumb).
    const sheet = await phone.locator('.tray').boundingBox();
    expect(sheet?.width).toBe(390);
    expect((sheet?.y ?? 0) + (sheet?.height ?? 0)).toBeCloseTo(844, 0);
    for (const name of ['Allow', 'Deny']) {
      const box = await phone
        .locator('.tray')
        .getByRole('button', { name, exact: true })
        .first()
        .boundingBox();
      expect(box?.height, name).toBeGreaterThanOrEqual(48);
      expect(box?.width, name).toBeGreaterThanOrEqual(150);
      expect((box?.y ?? 0) + (box?.height ?? 0), name).toBeGreaterThan(844 / 2);
    }
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    hook.proc.kill('SIGTERM');
  });

  // Last: it sets a password on the shared server.
  it('with a password set: the service worker’s decision carries the login cookie (and without it, is refused)', async () => {
    const password = 'correct horse battery staple';
    await server.trpc('auth.setPassword', { password }, { method: 'POST' });
    const login = await fetch(`${server.url}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(cookie).toMatch(/=./);

    await server.hook(claude.sessionStart('s-auth', CWD));
    const hook = heldPermission('s-auth', 'npm publish');
    const approval = await waitUntil(
      async () =>
        (await server.trpc<ApprovalView[]>('approvals.list', undefined, { cookie })).find(
          (a) => a.sessionId === 's-auth' && a.decidable,
        ),
      'the approval',
    );
    const message = { type: 'approval', approval, dedupeKey: `approval:${approval.id}` };

    // Not logged in on this device: the server refuses, the service worker says so, the hook still waits.
    let p = await openInProfile(undefined, 'login');
    await pushToWorker(p, message);
    await allowInWorker();
    const refused = await worker().evaluate(async () =>
      (
        await (self as unknown as { registration: ServiceWorkerRegistration }).registration.getNotifications()
      ).map((n) => n.title),
    );
    expect(refused.join(' ')).toMatch(/login required|unauthori[sz]ed/i);
    expect(hook.proc.exitCode).toBeNull();
    await context!.close();
    context = undefined;

    // Logged in (the dashboard's cookie): Allow decides.
    p = await openInProfile(cookie);
    await pushToWorker(p, message);
    await allowInWorker();
    expect(JSON.parse(await hook.output)).toEqual({
      hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: { behavior: 'allow' } },
    });
    const history = await server.trpc<ApprovalDecisionRecord[]>(
      'approvals.history',
      { sessionId: 's-auth' },
      { cookie },
    );
    expect(history[0]).toMatchObject({
      id: approval.id,
      outcome: 'allowed',
      via: 'push',
      by: { authenticated: true },
    });
  });
});
