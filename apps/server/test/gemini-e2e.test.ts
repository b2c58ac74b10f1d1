/**
 * End to end with the real Gemini CLI (0.61.0): `gemini -p` (yolo) against a scripted fake of the Gemini API on
 * loopback (`GOOGLE_GEMINI_BASE_URL`), hooks installed by `flightdeck hooks install --cli gemini`, a real server on
 * port 0. One run with a passing and a failing shell command, then `gemini --resume latest -p …`.
 */
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeGemini } from '../../../packages/hook-ingest/test/support/fake-gemini.js';
import { GEMINI_BIN, GEMINI_MODEL, prepareGeminiHome, runGeminiPrompt } from './agent-cli.js';
import { runTwoTurns, usageWhenCounted } from './agent-e2e.js';
import { ECHO_COMMAND, FAILING_COMMAND, TWO_TURNS, twoTurnScript } from './agent-script.js';
import { tmpDir } from './helpers.js';

const tmp = tmpDir('fd-gemini-e2e-');
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  tmp.remove();
});

describe('real Gemini CLI → hooks → spool → server → sessions.get', () => {
  it('two turns with a passing and a failing command: one card, its status timeline, the failure shown', async () => {
    expect(existsSync(GEMINI_BIN)).toBe(true);
    const api = await startFakeGemini(twoTurnScript((ctx) => ctx.userTexts.at(-1) ?? ''));
    cleanups.push(() => api.close());
    const { session, cards, live, client } = await runTwoTurns({
      cli: 'gemini',
      tmp,
      cleanups,
      prepare: (root, dataDir) => prepareGeminiHome({ root, dataDir, apiUrl: api.url }),
      run: (h, prompt, resume) => runGeminiPrompt(h, prompt, { resume }),
    });

    expect(cards.map((c) => c.sessionId)).toEqual([session.sessionId]);
    expect(session.statusHistory.map((r) => [r.status, r.trigger])).toEqual([
      ['idle', 'created'], // the card is created by the first SessionStart
      ['prompting', 'BeforeAgent'],
      ['working', 'BeforeTool'],
      ['waiting', 'AfterAgent'],
      ['ended', 'SessionEnd'],
      ['idle', 'SessionStart'],
      ['prompting', 'BeforeAgent'],
      ['waiting', 'AfterAgent'],
      ['ended', 'SessionEnd'],
    ]);
    expect(session.promptHistory.map((p) => p.text)).toEqual(TWO_TURNS.map((t) => t.prompt));
    expect(session.responseLog.map((r) => r.text)).toEqual(TWO_TURNS.map((t) => t.answer));
    expect(session.toolLog.map((t) => [t.tool, t.inputSummary, t.status])).toEqual([
      ['Bash', ECHO_COMMAND, 'ok'],
      ['Bash', FAILING_COMMAND, 'failed'],
    ]);
    expect(session.toolLog[1]?.error).toMatch(/^Exit code 2: ls: cannot access/);
    expect(session.resumeCount).toBe(1);
    expect(session.endReason).toBe('exit');
    expect(live).toContain('working');
    expect(live.at(-1)).toBe('ended');

    // the tokens the fake reported for each streamed answer, read from the chat file (a message written twice,
    // before and after its tool call, counted once): the prompt count includes the cached part and thoughts are
    // output, Flightdeck counts like Anthropic's API
    const reported = api.requests.flatMap((r) => (r.usage ? [r.usage] : []));
    expect(reported.length).toBe(4); // two tool calls and an answer, then the second turn's answer
    const expected = {
      inputTokens: reported.reduce((n, u) => n + u.promptTokenCount - u.cachedContentTokenCount, 0),
      outputTokens: reported.reduce((n, u) => n + u.candidatesTokenCount + u.thoughtsTokenCount, 0),
      cacheReadTokens: reported.reduce((n, u) => n + u.cachedContentTokenCount, 0),
      messages: reported.length,
    };
    const usage = await usageWhenCounted(client, session.sessionId, expected);
    expect(usage).toMatchObject({ ...expected, cacheWriteTokens: 0 });
    expect(Object.keys(usage.byModel)).toEqual([GEMINI_MODEL]);
  }, 180_000);
});
