import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotOnFailure } from './failure-shots.js';
import { claude, launchBrowser, outputDir, startServer, type TestServer } from './harness.js';

let server: TestServer;
let browser: Browser;
let page: Page;

const CWD = '/home/dev/src/long-session';
const SESSION = 's-long';
// a live pid (this test's own), so the server's process check keeps the session alive
const META = { pid: process.pid, tty: '/dev/pts/9' };
const TURNS = 1250; // 4 items each: 5,000 items
/** Every item: the turns', the first call, the subagent call and the last answer. */
const TOTAL = TURNS * 4 + 3;

const line = (o: Record<string, unknown>) => `${JSON.stringify(o)}\n`;
const at = (i: number) => new Date(Date.UTC(2026, 11, 1) + i * 1000).toISOString();

/** A Claude Code-shaped transcript: per turn a prompt, thinking, a Bash call with its result, an answer. */
function transcript(): string {
  let out = line({
    type: 'assistant',
    uuid: 'bg-call',
    timestamp: at(0),
    message: {
      id: 'm-bg',
      role: 'assistant',
      content: [
        { type: 'tool_use', id: 'toolu_bg', name: 'Read', input: { file_path: '/home/dev/bg-file' } },
      ],
    },
  });
  for (let t = 0; t < TURNS; t++) {
    const msg = (id: string, content: unknown[]) =>
      line({
        type: 'assistant',
        uuid: `${t}-${id}`,
        timestamp: at(t),
        message: { id: `m-${t}`, role: 'assistant', content },
      });
    out += line({
      type: 'user',
      uuid: `${t}-p`,
      timestamp: at(t),
      message: { role: 'user', content: `prompt ${t}` },
    });
    out += msg('th', [{ type: 'thinking', thinking: `secret thoughts ${t}` }]);
    out += msg('tu', [
      { type: 'tool_use', id: `toolu_${t}`, name: 'Bash', input: { command: `echo step ${t}` } },
    ]);
    out += line({
      type: 'user',
      uuid: `${t}-r`,
      timestamp: at(t),
      message: {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: `toolu_${t}`, content: `out ${t}` }],
      },
    });
    out += msg('tx', [{ type: 'text', text: `answer ${t}` }]);
  }
  // the result of a call made in the first turn comes at the end (on the newest page, its call on the oldest)
  out += line({
    type: 'user',
    uuid: 'bg-result',
    timestamp: at(TURNS),
    message: {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'toolu_bg', content: 'bg content' }],
    },
  });
  // the last turn starts a subagent
  out += line({
    type: 'assistant',
    uuid: 'agent-call',
    timestamp: at(TURNS),
    message: {
      id: 'm-agent',
      role: 'assistant',
      content: [
        {
          type: 'tool_use',
          id: 'toolu_agent',
          name: 'Agent',
          input: { description: 'Check the docs', subagent_type: 'Explore', prompt: 'look' },
        },
      ],
    },
  });
  out += line({
    type: 'user',
    uuid: 'agent-result',
    timestamp: at(TURNS),
    toolUseResult: { agentId: 'e2eagent1', status: 'completed' },
    message: {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'toolu_agent', content: 'The docs are fine.' }],
    },
  });
  out += line({
    type: 'assistant',
    uuid: 'last',
    timestamp: at(TURNS + 1),
    message: { id: 'm-last', role: 'assistant', content: [{ type: 'text', text: 'All done.' }] },
  });
  return out;
}

let path: string;

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const dir = join(server.dataDir, 'projects', 'long');
  mkdirSync(join(dir, SESSION, 'subagents'), { recursive: true });
  path = join(dir, `${SESSION}.jsonl`);
  writeFileSync(path, transcript());
  writeFileSync(
    join(dir, SESSION, 'subagents', 'agent-e2eagent1.jsonl'),
    line({
      type: 'user',
      isSidechain: true,
      agentId: 'e2eagent1',
      message: { role: 'user', content: 'read the docs folder' },
    }) +
      line({
        type: 'assistant',
        isSidechain: true,
        agentId: 'e2eagent1',
        message: { id: 'sa', role: 'assistant', content: [{ type: 'text', text: 'The docs are fine.' }] },
      }),
  );
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

screenshotOnFailure(() => page, 'failed-conversation');

const rows = () => page.locator('.convo:not(.convo--nested) > .convo__scroller > .convo__list > .convo__row');
const scroller = () => page.locator('.convo__scroller').first();
const count = async () => Number(await page.locator('.convo__list').first().getAttribute('data-count'));

describe('the whole conversation, in Chromium against a real server', () => {
  it('shows a 5,000-item transcript: its last items, thinking collapsed, tool calls with results, a subagent nested; virtualised; older pages on scroll; live', async () => {
    await server.hook({ ...claude.sessionStart(SESSION, CWD), transcript_path: path }, META);
    await server.hook(claude.prompt(SESSION, CWD, 'prompt 1249'), META);
    await page.goto(`${server.url}/#/session/${SESSION}`);
    await page.waitForSelector(`.detail[data-session-id="${SESSION}"]`);
    await page.getByRole('tab', { name: /Conversation/ }).click();

    // the newest items, scrolled to the end
    const last = page.locator('.convo__row', { hasText: 'All done.' });
    await last.waitFor({ timeout: 15_000 });
    await page.locator('.convo__row', { hasText: 'answer 1249' }).waitFor();
    // virtualised: a page of 200 items, a few dozen rows in the DOM
    expect(await count()).toBeGreaterThanOrEqual(200);
    expect(await rows().count()).toBeLessThan(60);

    // thinking collapsed by default
    const thinking = page.locator('.convo__row details.msg--thinking').last();
    expect(await thinking.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    expect(await thinking.locator('.msg__text').isVisible()).toBe(false);

    // a tool call inline, its result when opened
    const bash = page.locator('.convo__row', { hasText: 'echo step 1249' });
    await bash.locator('.convo-tool__summary').click();
    expect(await bash.locator('[data-part="result"]').textContent()).toBe('out 1249');
    expect(await bash.locator('.toolcall__status').textContent()).toBe('done');

    // the subagent's conversation, nested under the call that started it
    const agent = page.locator('.convo__row', { hasText: 'Check the docs' });
    await agent.locator('.convo-sub__toggle').click();
    await agent.locator('.convo--nested .convo__row', { hasText: 'read the docs folder' }).waitFor();
    await page.screenshot({ path: join(outputDir, 'conversation-desktop.png') });

    // scrolled to the top, the older page comes (each time), and the DOM stays bounded
    while ((await count()) < TOTAL) {
      const n = await count();
      await scroller().evaluate((el) => {
        el.scrollTop = 0;
      });
      await page.waitForFunction(
        (m) => Number(document.querySelector('.convo__list')?.getAttribute('data-count')) > m,
        n,
      );
    }
    expect(await count()).toBe(TOTAL);
    expect(await rows().count()).toBeLessThan(60);
    expect(await page.locator('.convo__list li').count()).toBeLessThan(120);
    // at the top, the first call, with the result that came on the newest page
    const bg = page.locator('.convo__row', { hasText: '/home/dev/bg-file' });
    await bg.locator('.convo-tool__summary').click();
    expect(await bg.locator('[data-part="result"]').textContent()).toBe('bg content');

    // live: what the agent writes next appears when the session moves
    appendFileSync(
      path,
      line({ type: 'user', uuid: 'live', message: { role: 'user', content: 'a live prompt' } }),
    );
    await server.hook(claude.prompt(SESSION, CWD, 'a live prompt'), META);
    await scroller().evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    await page.locator('.convo__row', { hasText: 'a live prompt' }).waitFor({ timeout: 10_000 });

    // a phone
    await page.setViewportSize({ width: 390, height: 844 });
    await scroller().evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    await page.locator('.convo__row', { hasText: 'a live prompt' }).waitFor();
    await page
      .locator('.convo')
      .first()
      .evaluate((el) => el.scrollIntoView());
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(outputDir, 'conversation-phone.png') });
  });
});
