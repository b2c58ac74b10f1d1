/**
 * End to end with the real Gemini CLI (0.61.0) in interactive mode, no permission questions (`--approval-mode
 * yolo`): its TUI under tmux, a prompt typed in, two shell commands (one failing), the turn ends and the card waits
 * for input; a second prompt typed into the same TUI.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeGemini } from '../../../packages/hook-ingest/test/support/fake-gemini.js';
import { GEMINI_MODEL, prepareGeminiHome } from './agent-cli.js';
import { usageWhenCounted } from './agent-e2e.js';
import { expectTwoTypedTurns, typeTwoTurns } from './agent-interactive.js';
import { ECHO_COMMAND, FAILING_COMMAND, twoTurnScript } from './agent-script.js';
import { startGeminiInTmux } from './agent-tmux.js';
import { tmpDir } from './helpers.js';

const tmp = tmpDir('fd-gemini-tui-');
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  tmp.remove();
});

describe('real Gemini CLI, interactive: prompts typed into its TUI', () => {
  it('a tool call and a failing command, the turn ends waiting for input; a second prompt typed in', async () => {
    const api = await startFakeGemini(twoTurnScript((ctx) => ctx.userTexts.at(-1) ?? ''));
    cleanups.push(() => api.close());
    const run = await typeTwoTurns({
      cli: 'gemini',
      tmp,
      cleanups,
      prepare: (root, dataDir) => prepareGeminiHome({ root, dataDir, apiUrl: api.url }),
      start: (h) => startGeminiInTmux(h, undefined, { yolo: true }),
      ready: (s) => s.includes('Type your message'),
    });
    const { client, agent } = run;
    const second = expectTwoTypedTurns(run, {
      promptHook: 'BeforeAgent',
      toolHook: 'BeforeTool',
      stopHook: 'AfterAgent',
    });
    expect(second.toolLog.map((t) => [t.tool, t.inputSummary, t.status])).toEqual([
      ['Bash', ECHO_COMMAND, 'ok'],
      ['Bash', FAILING_COMMAND, 'failed'],
    ]);
    const reported = api.requests.flatMap((r) => (r.usage ? [r.usage] : []));
    expect(reported.length).toBe(4);
    const usage = await usageWhenCounted(client, second.sessionId, { messages: reported.length });
    expect(usage).toMatchObject({
      messages: 4,
      inputTokens: reported.reduce((n, u) => n + u.promptTokenCount - u.cachedContentTokenCount, 0),
      outputTokens: reported.reduce((n, u) => n + u.candidatesTokenCount + u.thoughtsTokenCount, 0),
      cacheReadTokens: reported.reduce((n, u) => n + u.cachedContentTokenCount, 0),
    });
    expect(Object.keys(usage.byModel)).toEqual([GEMINI_MODEL]);
    await agent.stop();
  }, 180_000);
});
