/**
 * End to end with the real Codex CLI (0.171.0) in interactive mode, no approvals (policy `never`, no sandbox): its
 * TUI under tmux, a prompt typed in, two shell commands (one failing), the turn ends and the card waits for input;
 * a second prompt typed into the same TUI. Stop arrives at every turn end (no `notify` program needed).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeOpenAi } from '../../../packages/hook-ingest/test/support/fake-openai.js';
import { prepareCodexHome } from './agent-cli.js';
import { usageWhenCounted } from './agent-e2e.js';
import { expectTwoTypedTurns, typeTwoTurns } from './agent-interactive.js';
import { ECHO_COMMAND, FAILING_COMMAND, twoTurnScript } from './agent-script.js';
import { startCodexInTmux } from './agent-tmux.js';
import { tmpDir, waitFor } from './helpers.js';

const tmp = tmpDir('fd-codex-tui-');
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  tmp.remove();
});

describe('real Codex CLI, interactive: prompts typed into its TUI', () => {
  it('a tool call and a failing command, the turn ends waiting for input; a second prompt typed in', async () => {
    const api = await startFakeOpenAi(twoTurnScript((ctx) => ctx.lastUserText));
    cleanups.push(() => api.close());
    const run = await typeTwoTurns({
      cli: 'codex',
      tmp,
      cleanups,
      prepare: (root, dataDir) => prepareCodexHome({ root, dataDir, apiUrl: api.url }),
      start: (h) => startCodexInTmux(h),
      ready: (s) => s.includes('Ask Codex to do anything'),
    });
    const { client, agent } = run;
    const second = expectTwoTypedTurns(run, {
      promptHook: 'UserPromptSubmit',
      toolHook: 'PreToolUse',
      stopHook: 'Stop',
    });
    expect(second.toolLog.map((t) => [t.tool, t.inputSummary])).toEqual([
      ['Bash', ECHO_COMMAND],
      ['Bash', FAILING_COMMAND],
    ]);
    expect(second.toolLog[0]?.status).toBe('ok');
    // the failure is only in the rollout file
    await waitFor(
      async () =>
        (await client.sessions.get.query({ sessionId: second.sessionId })).toolLog[1]?.status === 'failed' ||
        null,
      20_000,
      100,
    );
    // the TUI asks the model for a thread title at the first prompt: Codex writes no usage of it to the rollout,
    // so those tokens are not counted (the conversation's are, each once)
    expect(api.requests.filter((r) => r.side).length).toBe(1);
    const reported = api.requests.flatMap((r) => (r.usage && !r.side ? [r.usage] : []));
    expect(reported.length).toBe(4);
    const usage = await usageWhenCounted(client, second.sessionId, { messages: reported.length });
    expect(usage).toMatchObject({
      messages: 4,
      inputTokens: reported.reduce((n, u) => n + u.input_tokens - u.input_tokens_details.cached_tokens, 0),
      outputTokens: reported.reduce((n, u) => n + u.output_tokens, 0),
      cacheReadTokens: reported.reduce((n, u) => n + u.input_tokens_details.cached_tokens, 0),
    });
    await agent.stop();
  }, 180_000);
});
