/**
 * Tokens and cost end to end with the real Claude Code CLI: `claude -p` (one Bash call, then an answer) against the
 * fake Messages API on loopback, which reports a distinct, known usage for every response (cache writes of both
 * lifetimes included). Flightdeck reads the session's transcript: `sessions.get` must report exactly the sum of
 * what the fake reported for the session's responses, and the cost must be those tokens at the table's prices.
 */
import { join } from 'node:path';
import { costOf, DEFAULT_PRICING, priceOf } from '@flightdeck/core';
import { describe, expect, it } from 'vitest';
import type { FakeUsage } from '../../../packages/hook-ingest/test/support/fake-anthropic.js';
import { startFakeAnthropic } from '../../../packages/hook-ingest/test/support/fake-anthropic.js';
import { ECHO_PROMPT, runClaudePrint } from './claude-print.js';
import { prepareClaudeHome } from './claude-tmux.js';
import { caller, startTestServer, tmpDir, waitFor } from './helpers.js';

const MODEL = 'claude-sonnet-4-5';

/** The `n`th response's usage: every count distinct, so a response counted twice or missed shows. */
function usageOf(n: number): FakeUsage {
  return {
    input_tokens: 1000 + n,
    output_tokens: 50 + 7 * n,
    cache_read_input_tokens: 2000 * n,
    cache_creation_input_tokens: 300 + n + (100 + 3 * n),
    cache_creation: { ephemeral_5m_input_tokens: 300 + n, ephemeral_1h_input_tokens: 100 + 3 * n },
  };
}

const runClaude = (project: string, env: Record<string, string>, api: string) =>
  runClaudePrint(project, env, api, [...ECHO_PROMPT, '--model', MODEL]);

describe('usage with the real Claude Code CLI', () => {
  it('sessions.get reports the sum of the usage the API reported, and its cost at the table prices', async () => {
    const tmp = tmpDir('fd-usage-e2e-');
    const cleanups: Array<() => unknown> = [tmp.remove];
    try {
      const dataDir = join(tmp.dir, 'data');
      // the fake's URL goes to the CLI at its run; the home only needs the hooks and the trusted project
      const { project, env } = await prepareClaudeHome({ root: tmp.dir, dataDir, apiUrl: '' });
      const server = await startTestServer({
        dataDir,
        transcripts: { reconcileMs: 100, pollMs: 200, progressMs: 500 },
      });
      cleanups.push(() => server.close());
      const api = await startFakeAnthropic(
        (ctx) =>
          ctx.lastToolResultId === null
            ? [
                {
                  type: 'tool_use',
                  name: 'Bash',
                  input: { command: 'echo usage-e2e', description: 'say hi' },
                },
              ]
            : [{ type: 'text', text: 'All done.' }],
        { usage: usageOf },
      );
      cleanups.push(() => api.close());

      const result = await runClaude(project, env, api.url);
      expect(result.out).toContain('All done.');

      // The session's own responses: the main loop's (tools offered); side requests (titles) are not in it.
      const reported = api.requests.filter((r) => !r.side && r.usage !== null);
      expect(reported.length).toBeGreaterThanOrEqual(2);
      expect(new Set(reported.map((r) => r.ctx.body.model))).toEqual(new Set([MODEL]));
      const sum = (f: (u: FakeUsage) => number) => reported.reduce((n, r) => n + f(r.usage as FakeUsage), 0);
      const expected = {
        inputTokens: sum((u) => u.input_tokens),
        outputTokens: sum((u) => u.output_tokens),
        cacheReadTokens: sum((u) => u.cache_read_input_tokens),
        cacheWrite5mTokens: sum((u) => u.cache_creation?.ephemeral_5m_input_tokens ?? 0),
        cacheWrite1hTokens: sum((u) => u.cache_creation?.ephemeral_1h_input_tokens ?? 0),
      };

      const session = await waitFor(
        () => server.runtime.listSessions().find((s) => s.cli === 'claude' && s.status === 'ended'),
        20_000,
        100,
      );
      const usage = await waitFor(
        async () => {
          const s = await caller(server).sessions.get({ sessionId: session.sessionId });
          return s.usage.messages === reported.length ? s.usage : null;
        },
        20_000,
        100,
      );
      expect(usage).toMatchObject({
        ...expected,
        cacheWriteTokens: expected.cacheWrite5mTokens + expected.cacheWrite1hTokens,
        messages: reported.length,
      });
      const price = priceOf(MODEL, DEFAULT_PRICING);
      expect(price).not.toBeNull();
      const usd =
        (expected.inputTokens * 3 +
          expected.outputTokens * 15 +
          expected.cacheReadTokens * 0.3 +
          expected.cacheWrite5mTokens * 3.75 +
          expected.cacheWrite1hTokens * 6) /
        1e6;
      expect(costOf(expected, price!)).toBeCloseTo(usd, 12);
      expect(usage.costUsd).toBeCloseTo(usd, 12);
      expect(usage.byModel[MODEL]?.costUsd).toBeCloseTo(usd, 12);
      // and the database has one row per response, with the same sums
      const now = Date.now();
      const report = await caller(server).analytics.usage({
        from: now - 3_600_000,
        to: now + 3_600_000,
        groupBy: 'session',
      });
      expect(report.groups).toEqual([
        expect.objectContaining({ key: session.sessionId, messages: reported.length, ...expected }),
      ]);
    } finally {
      for (const c of cleanups.reverse()) await c();
    }
  }, 150_000);
});
