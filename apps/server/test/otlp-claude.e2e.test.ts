/**
 * OpenTelemetry end to end with the real Claude Code CLI: its settings get the `--telemetry` entries (the
 * installer's own function, pointing at a real Flightdeck server on loopback), `claude -p` runs against the fake
 * Messages API, which reports a distinct, known usage per response, and exports its events to Flightdeck's OTLP
 * receiver. `sessions.get` must carry in `usage.otel` exactly the tokens the fake API reported, once each, beside
 * the transcript's count (which it agrees with, so the transcript stays the source used).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { installTelemetry } from '@flightdeck/hook-ingest';
import { describe, expect, it } from 'vitest';
import type { FakeUsage } from '../../../packages/hook-ingest/test/support/fake-anthropic.js';
import { startFakeAnthropic } from '../../../packages/hook-ingest/test/support/fake-anthropic.js';
import { ECHO_PROMPT, runClaudePrint } from './claude-print.js';
import { prepareClaudeHome } from './claude-tmux.js';
import { caller, startTestServer, tmpDir, waitFor } from './helpers.js';

const MODEL = 'claude-sonnet-4-5';

function usageOf(n: number): FakeUsage {
  return {
    input_tokens: 700 + n,
    output_tokens: 30 + 11 * n,
    cache_read_input_tokens: 1500 * n,
    cache_creation_input_tokens: 200 + n,
    cache_creation: { ephemeral_5m_input_tokens: 200 + n, ephemeral_1h_input_tokens: 0 },
  };
}

describe('OpenTelemetry with the real Claude Code CLI', () => {
  it('the api_request events it exports reach the session: usage.otel equals what the API reported', async () => {
    const tmp = tmpDir('fd-otlp-e2e-');
    const cleanups: Array<() => unknown> = [tmp.remove];
    try {
      const dataDir = join(tmp.dir, 'data');
      const { project, env, configDir } = await prepareClaudeHome({ root: tmp.dir, dataDir, apiUrl: '' });
      const server = await startTestServer({
        dataDir,
        transcripts: { reconcileMs: 100, pollMs: 200, progressMs: 500 },
      });
      cleanups.push(() => server.close());
      const settings = join(configDir, 'settings.json');
      const installed = await installTelemetry({
        file: settings,
        target: { endpoint: server.url as string, token: null },
      });
      expect(installed.changed).toBe(true);
      expect(JSON.parse(readFileSync(settings, 'utf8')).env.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(server.url);
      const api = await startFakeAnthropic(
        (ctx) =>
          ctx.lastToolResultId === null
            ? [{ type: 'tool_use', name: 'Bash', input: { command: 'echo otlp-e2e', description: 'say hi' } }]
            : [{ type: 'text', text: 'All done.' }],
        { usage: usageOf },
      );
      cleanups.push(() => api.close());

      // Telemetry on (the harness turns the CLI's own off); exports every half second so the test is short.
      const result = await runClaudePrint(project, env, api.url, [...ECHO_PROMPT, '--model', MODEL], {
        DISABLE_TELEMETRY: undefined,
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: undefined,
        OTEL_LOGS_EXPORT_INTERVAL: '500',
        OTEL_METRIC_EXPORT_INTERVAL: '1000',
      });
      expect(result.out).toContain('All done.');

      const reported = api.requests.filter((r) => !r.side && r.usage !== null);
      expect(reported.length).toBeGreaterThanOrEqual(2);
      const sum = (f: (u: FakeUsage) => number) => reported.reduce((n, r) => n + f(r.usage as FakeUsage), 0);
      const session = await waitFor(
        () => server.runtime.listSessions().find((s) => s.cli === 'claude'),
        20_000,
        100,
      );
      const usage = await waitFor(
        async () => {
          const s = await caller(server).sessions.get({ sessionId: session.sessionId });
          return s.usage.otel?.requests === reported.length && s.usage.messages === reported.length
            ? s.usage
            : null;
        },
        20_000,
        100,
      );
      expect(usage.otel).toEqual({
        inputTokens: sum((u) => u.input_tokens),
        outputTokens: sum((u) => u.output_tokens),
        cacheReadTokens: sum((u) => u.cache_read_input_tokens),
        cacheWriteTokens: sum((u) => u.cache_creation_input_tokens ?? 0),
        costUsd: expect.any(Number),
        requests: reported.length,
      });
      expect(usage.otel?.costUsd).toBeGreaterThan(0);
      // both sources counted the same responses: the transcript's totals are used
      expect(usage.source).toBe('transcript');
      expect(usage.inputTokens).toBe(usage.otel?.inputTokens);
      expect(usage.outputTokens).toBe(usage.otel?.outputTokens);
    } finally {
      for (const c of cleanups.reverse()) await c();
    }
  }, 150_000);
});
