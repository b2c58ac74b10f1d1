/**
 * End to end with the real Codex CLI (0.171.0): `codex exec` against a scripted fake of the Responses API on
 * loopback (a custom model provider), hooks installed by `flightdeck hooks install --cli codex`, a real server on
 * port 0. One run with a passing and a failing shell command, then `codex exec resume --last`.
 */
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeOpenAi } from '../../../packages/hook-ingest/test/support/fake-openai.js';
import { CODEX_BIN, prepareCodexHome, runCodexExec } from './agent-cli.js';
import { runTwoTurns, usageWhenCounted } from './agent-e2e.js';
import { ECHO_COMMAND, FAILING_COMMAND, TWO_TURNS, twoTurnScript } from './agent-script.js';
import { tmpDir, waitFor } from './helpers.js';

const tmp = tmpDir('fd-codex-e2e-');
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  tmp.remove();
});

describe('real Codex CLI → hooks → spool → server → sessions.get', () => {
  it('two turns with a passing and a failing command: one card, its status timeline and tool calls', async () => {
    expect(existsSync(CODEX_BIN)).toBe(true);
    const api = await startFakeOpenAi(twoTurnScript((ctx) => ctx.lastUserText));
    cleanups.push(() => api.close());
    const { session, cards, live, outputs, client } = await runTwoTurns({
      cli: 'codex',
      tmp,
      cleanups,
      prepare: (root, dataDir) => prepareCodexHome({ root, dataDir, apiUrl: api.url }),
      run: (h, prompt, resume) => runCodexExec(h, prompt, { resume }),
    });

    expect(cards.map((c) => c.sessionId)).toEqual([session.sessionId]);
    // the hooks as installed raise no warning (0.171.0 caps SessionEnd hooks at 3 s)
    for (const out of outputs) expect(out).not.toMatch(/clamping|hooks\.json/);
    expect(session.statusHistory.map((r) => r.status)).toEqual([
      'idle',
      'prompting',
      'working',
      'waiting',
      'ended',
      'idle',
      'prompting',
      'waiting',
      'ended',
    ]);
    expect(session.statusHistory.map((r) => r.trigger)).toEqual([
      'created', // the card is created by the first SessionStart
      'UserPromptSubmit',
      'PreToolUse',
      'Stop',
      'SessionEnd',
      'SessionStart',
      'UserPromptSubmit',
      'Stop',
      'SessionEnd',
    ]);
    expect(session.promptHistory.map((p) => p.text)).toEqual(TWO_TURNS.map((t) => t.prompt));
    expect(session.responseLog.map((r) => r.text)).toEqual(TWO_TURNS.map((t) => t.answer));
    expect(session.toolLog.map((t) => [t.tool, t.inputSummary, t.toolUseId])).toEqual([
      ['Bash', ECHO_COMMAND, api.calls[0]?.callId],
      ['Bash', FAILING_COMMAND, api.calls[1]?.callId],
    ]);
    expect(session.toolLog[0]).toMatchObject({ status: 'ok', result: 'flightdeck-e2e\n' });
    // the hooks carry no exit code: the rollout file says the ls failed
    const failed = await waitFor(
      async () => {
        const s = await client.sessions.get.query({ sessionId: session.sessionId });
        return s.toolLog[1]?.status === 'failed' ? s.toolLog[1] : null;
      },
      20_000,
      100,
    );
    expect(failed.error).toBe(
      "Exit code 2: ls: cannot access '/nonexistent-flightdeck-dir': No such file or directory",
    );
    expect(failed.result).toContain('No such file or directory');
    expect(session.resumeCount).toBe(1);
    expect(session.model).toBe('gpt-fake');
    expect(live).toContain('working');
    expect(live.at(-1)).toBe('ended');

    // the tokens the fake reported for each response, read from the rollout's token_usage_record lines: the
    // Responses API's input includes the cached part, Flightdeck counts it apart (like Anthropic's)
    const reported = api.requests.flatMap((r) => (r.usage ? [r.usage] : []));
    expect(reported.length).toBe(4); // two tool calls and an answer, then the second turn's answer
    const expected = {
      inputTokens: reported.reduce((n, u) => n + u.input_tokens - u.input_tokens_details.cached_tokens, 0),
      outputTokens: reported.reduce((n, u) => n + u.output_tokens, 0),
      cacheReadTokens: reported.reduce((n, u) => n + u.input_tokens_details.cached_tokens, 0),
      messages: reported.length,
    };
    const usage = await usageWhenCounted(client, session.sessionId, expected);
    expect(usage).toMatchObject({ ...expected, cacheWriteTokens: 0 });
    expect(Object.keys(usage.byModel)).toEqual(['gpt-fake']);
    expect(usage.costUsd).toBeNull(); // no published price for the fake's model: "price unknown"
  }, 180_000);
});
