/**
 * Issue 18: a Claude Code, a Codex and a Gemini CLI session side by side on the board, in Chromium against a real
 * server. The Codex and Gemini sessions are the hook events their real CLIs sent (fixtures recorded from Codex
 * 0.171.0 and Gemini CLI 0.61.0: their first turn, a passing and a failing shell command), posted as the hook
 * script would; the Claude one is built from Claude Code's payload shapes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotOnFailure } from './failure-shots.js';
import { claude, launchBrowser, outputDir, startServer, type TestServer } from './harness.js';

const fixtures = fileURLToPath(new URL('../../../fixtures/', import.meta.url));

interface Envelope {
  cli: string;
  payload: Record<string, unknown> & { session_id: string; hook_event_name: string };
  meta: Record<string, unknown>;
}

/** The recorded envelopes of a run's first turn (up to its SessionEnd: the card stays on the board). */
function firstTurn(file: string): Envelope[] {
  const all = readFileSync(join(fixtures, file), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Envelope);
  const end = all.findIndex((e) => e.payload.hook_event_name === 'SessionEnd');
  // The recording's process is not on this machine: without its pid nothing checks or signals it.
  return all.slice(0, end).map(({ meta: { pid: _pid, ...meta }, ...e }) => ({ ...e, meta }));
}

let server: TestServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

screenshotOnFailure(() => page, 'failed-three-clis');

async function post(e: Envelope): Promise<void> {
  const r = await fetch(`${server.url}/api/hooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...e, meta: { ...e.meta, sentAt: Date.now() } }),
  });
  if (!r.ok) throw new Error(`POST /api/hooks → ${r.status}: ${await r.text()}`);
}

describe('Claude Code, Codex and Gemini CLI side by side', () => {
  it('shows one card per CLI with its tool calls, and saves a screenshot', async () => {
    const codex = firstTurn('codex-0.171.0/two-turns/hooks.jsonl');
    const gemini = firstTurn('gemini-cli-0.61.0/two-turns/hooks.jsonl');
    for (const e of [...codex, ...gemini]) await post(e);
    const cwd = '/home/dev/project';
    const bash = { command: 'npm test' };
    await server.hook(claude.sessionStart('claude-1', cwd));
    await server.hook(claude.prompt('claude-1', cwd, 'run the tests'));
    await server.hook(claude.preTool('claude-1', cwd, 'Bash', bash, 'toolu_1'));
    await server.hook(
      claude.postTool('claude-1', cwd, 'Bash', bash, 'toolu_1', { stdout: 'ok', stderr: '' }),
    );

    await page.goto(server.url);
    await page.locator('.conn--live').waitFor({ timeout: 15_000 });
    const ids = {
      claude: 'claude-1',
      codex: codex[0]?.payload.session_id as string,
      gemini: gemini[0]?.payload.session_id as string,
    };
    for (const [cli, id] of Object.entries(ids)) {
      const card = page.locator(`article.card[data-session-id="${id}"]`);
      await card.waitFor({ timeout: 15_000 });
      expect(await card.locator('.chip--cli').textContent()).toBe(cli);
    }
    expect(await page.locator('article.card').count()).toBe(3);
    // What each CLI ran, as the API reports it. Gemini's hooks carry the failing command's exit; Codex's failure
    // is read from its rollout file, which this replay of its hooks does not have, so only its calls are checked.
    type Log = { toolLog: { tool: string; status: string }[] };
    const codexLog = await server.trpc<Log>('sessions.get', { sessionId: ids.codex });
    expect(codexLog.toolLog.map((t) => t.tool)).toEqual(['Bash', 'Bash']);
    const geminiLog = await server.trpc<Log>('sessions.get', { sessionId: ids.gemini });
    expect(geminiLog.toolLog.map((t) => t.status)).toEqual(['ok', 'failed']);
    await page.screenshot({ path: join(outputDir, 'board-three-clis.png'), fullPage: true });
  });
});
