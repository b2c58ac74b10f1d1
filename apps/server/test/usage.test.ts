/**
 * Tokens and cost through the real server: the transcript follower reads a Claude Code transcript, the core counts
 * it, the store keeps one row per response in a real SQLite file; `sessions.get` and `analytics.usage` answer.
 */
import { appendFileSync, mkdirSync, readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getOwn } from '@flightdeck/core';
import { afterEach, describe, expect, it } from 'vitest';
import { assistantLine } from '../../../packages/hook-ingest/test/support/transcript-lines.js';
import type { RunningServer } from '../src/server.js';
import { caller, claudeEvent, postHook, startTestServer, tmpDir, waitFor } from './helpers.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const assistant = assistantLine;

const LINES = [
  assistant('msg_a', { in: 1000, out: 1, cr: 5000, h1: 300, m5: 200 }, 'claude-sonnet-4-5'),
  assistant('msg_a', { in: 1000, out: 400, cr: 5000, h1: 300, m5: 200 }, 'claude-sonnet-4-5'),
  assistant('msg_b', { in: 2000, out: 100 }, 'claude-haiku-4-5-20251001'),
  assistant('msg_c', { in: 10, out: 10 }, 'claude-unpriced-1'),
];
// Sonnet 4.5 ($3 / $15 / $0.30 read / $3.75 5m / $6 1h per MTok); Haiku 4.5 ($1 / $5)
const SONNET_USD = (1000 * 3 + 400 * 15 + 5000 * 0.3 + 200 * 3.75 + 300 * 6) / 1e6;
const HAIKU_USD = (2000 * 1 + 100 * 5) / 1e6;

async function server(dataDir: string, pricing?: Record<string, unknown>): Promise<RunningServer> {
  const s = await startTestServer({
    dataDir,
    transcripts: { reconcileMs: 50, pollMs: 100, progressMs: 200 },
    ...(pricing ? { file: { pricing } as never } : {}),
  });
  cleanups.push(() => s.close());
  return s;
}

describe('usage through the server (real SQLite file)', () => {
  it('sessions.get and analytics.usage count each response once, priced; a restart and a re-read double nothing', async () => {
    const t = tmpDir('fd-usage-');
    cleanups.push(t.remove);
    const path = join(t.dir, 'usage-1.jsonl');
    writeFileSync(path, LINES.slice(0, 2).join(''));
    const dataDir = join(t.dir, 'data');
    const first = await server(dataDir);
    await postHook(
      first.url as string,
      claudeEvent('usage-1', 'SessionStart', { source: 'startup', transcript_path: path }),
    );
    appendFileSync(path, LINES.slice(2).join(''));
    const api = caller(first);
    const s1 = await waitFor(async () => {
      const s = await api.sessions.get({ sessionId: 'usage-1' });
      return s.usage.messages === 3 ? s : null;
    });
    expect(s1.usage).toMatchObject({
      inputTokens: 3010,
      outputTokens: 510,
      cacheReadTokens: 5000,
      cacheWriteTokens: 500,
      cacheWrite5mTokens: 200,
      cacheWrite1hTokens: 300,
      costUsd: null, // one model has no price: the total is unknown, not a partial sum
    });
    expect(s1.usage.byModel['claude-sonnet-4-5']?.costUsd).toBeCloseTo(SONNET_USD, 12);
    expect(s1.usage.byModel['claude-haiku-4-5-20251001']?.costUsd).toBeCloseTo(HAIKU_USD, 12);
    expect(s1.usage.byModel['claude-unpriced-1']).toMatchObject({ inputTokens: 10, costUsd: null });

    const now = Date.now();
    const q = { from: now - 86_400_000, to: now + 86_400_000 };
    const byModel = await api.analytics.usage({ ...q, groupBy: 'model' });
    expect(byModel.total).toMatchObject({ inputTokens: 3010, outputTokens: 510, messages: 3, costUsd: null });
    expect(byModel.unpricedModels).toEqual(['claude-unpriced-1']);
    expect(byModel.groups.find((g) => g.key === 'claude-sonnet-4-5')?.costUsd).toBeCloseTo(SONNET_USD, 12);
    const byProject = await api.analytics.usage({ ...q, groupBy: 'project' });
    expect(byProject.groups).toEqual([
      expect.objectContaining({ key: '/home/dev/project-x', label: 'project-x', inputTokens: 3010 }),
    ]);
    const bySession = await api.analytics.usage({ ...q, groupBy: 'session' });
    expect(bySession.groups.map((g) => [g.key, g.messages])).toEqual([['usage-1', 3]]);
    const byDay = await api.analytics.usage({ ...q, groupBy: 'day' });
    expect(byDay.groups.reduce((n, g) => n + g.inputTokens, 0)).toBe(3010);
    await expect(api.analytics.usage({ from: now, to: now - 1, groupBy: 'day' })).rejects.toThrow(/to/);
    await first.close();

    // While the server is down the file is replaced by a rewrite of the same responses plus a new one: read again
    // from its start, nothing is counted twice, in the card or in the database. Prices come from the config now.
    writeFileSync(
      `${path}.new`,
      [...LINES, assistant('msg_d', { in: 7, out: 3 }, 'claude-sonnet-4-5')].join(''),
    );
    renameSync(`${path}.new`, path);
    const second = await server(dataDir, {
      'claude-unpriced-1': { input: 1, output: 1, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 },
    });
    const api2 = caller(second);
    const s2 = await waitFor(async () => {
      const s = await api2.sessions.get({ sessionId: 'usage-1' });
      return s.usage.messages === 4 ? s : null;
    });
    expect(s2.usage).toMatchObject({ inputTokens: 3017, outputTokens: 513, cacheReadTokens: 5000 });
    const sonnet2 = (1007 * 3 + 403 * 15 + 5000 * 0.3 + 200 * 3.75 + 300 * 6) / 1e6;
    expect(s2.usage.costUsd).toBeCloseTo(sonnet2 + HAIKU_USD + 20 / 1e6, 12);
    const again = await api2.analytics.usage({ ...q, to: Date.now() + 86_400_000, groupBy: 'session' });
    expect(again.total).toMatchObject({ inputTokens: 3017, outputTokens: 513, messages: 4 });
    expect(again.total.costUsd).toBeCloseTo(s2.usage.costUsd ?? Number.NaN, 12);

    // Truncated and written again while followed (twice, with more responses than the core remembers per file):
    // read from its start each time (restarted), each response counted once.
    const many = Array.from({ length: 40 }, (_, i) =>
      assistant(`msg_x${i}`, { in: 1, out: 1 }, 'claude-sonnet-4-5'),
    );
    const big = [...LINES, assistant('msg_d', { in: 7, out: 3 }, 'claude-sonnet-4-5'), ...many].join('');
    const cursor = () => getOwn(second.runtime.state.runtime, 'usage-1')?.transcript?.offset;
    for (let round = 0; round < 2; round++) {
      truncateSync(path, 0);
      await waitFor(() => cursor() === 0);
      writeFileSync(path, big);
      await waitFor(() => cursor() === Buffer.byteLength(big));
      expect((await api2.sessions.get({ sessionId: 'usage-1' })).usage).toMatchObject({
        messages: 44,
        inputTokens: 3057,
        outputTokens: 553,
      });
      const reread = await api2.analytics.usage({ ...q, to: Date.now() + 86_400_000, groupBy: 'model' });
      expect(reread.total).toMatchObject({ inputTokens: 3057, outputTokens: 553, messages: 44 });
    }
  });

  it('a session begun while the server runs is read from its start, even when its transcript is long by then', async () => {
    const t = tmpDir('fd-usage-');
    cleanups.push(t.remove);
    const path = join(t.dir, 'long.jsonl');
    // the CLI's request logs make a transcript long fast (one line can be over 60 KB)
    const blob = `${JSON.stringify({ type: 'api-request-blob', blob: 'x'.repeat(100_000) })}\n`;
    writeFileSync(path, [LINES[2], blob, blob, LINES[3]].join(''));
    const s = await server(join(t.dir, 'data'));
    await postHook(
      s.url as string,
      claudeEvent('long-1', 'SessionStart', { source: 'startup', transcript_path: path }),
    );
    const api = caller(s);
    const got = await waitFor(async () => {
      const x = await api.sessions.get({ sessionId: 'long-1' });
      return x.usage.messages === 2 ? x : null;
    });
    expect(got.usage).toMatchObject({ inputTokens: 2010, outputTokens: 110 });
  });

  it('what the agent wrote last before its session ended is read (the final usage), then the file is let go', async () => {
    const t = tmpDir('fd-usage-');
    cleanups.push(t.remove);
    const path = join(t.dir, 'end.jsonl');
    writeFileSync(path, LINES[2] as string);
    // no watch and a slow poll: only the end of the session makes the follower read again
    const s = await startTestServer({
      dataDir: join(t.dir, 'data'),
      transcripts: { reconcileMs: 50, pollMs: 60_000, watch: false },
    });
    cleanups.push(() => s.close());
    const url = s.url as string;
    await postHook(url, claudeEvent('end-1', 'SessionStart', { source: 'startup', transcript_path: path }));
    const api = caller(s);
    await waitFor(async () => (await api.sessions.get({ sessionId: 'end-1' })).usage.messages === 1);
    appendFileSync(path, LINES[3] as string);
    await postHook(url, claudeEvent('end-1', 'SessionEnd', { reason: 'other', transcript_path: path }));
    await waitFor(() => s.services.transcripts?.stats().sessions === 0);
    expect((await api.sessions.get({ sessionId: 'end-1' })).usage).toMatchObject({
      messages: 2,
      inputTokens: 2010,
    });
  });

  it("a subagent's own transcript is followed: its usage is the subagent's and the session's, the session's cursor stays", async () => {
    const t = tmpDir('fd-usage-');
    cleanups.push(t.remove);
    const fixtures = new URL('../../../fixtures/claude-code-2.1.328/transcripts/', import.meta.url);
    const sid = 'c9c7f7bc-be3d-4fec-a871-5d943fafe0e1';
    const agent = 'a427100067de70b46';
    const main = join(t.dir, `${sid}.jsonl`);
    const subText = readFileSync(new URL(`${sid}/subagents/agent-${agent}.jsonl`, fixtures), 'utf8');
    writeFileSync(main, readFileSync(new URL(`${sid}.jsonl`, fixtures), 'utf8'));
    const s = await server(join(t.dir, 'data'));
    const url = s.url as string;
    const hook = (event: string, extra: Record<string, unknown> = {}) =>
      postHook(url, claudeEvent(sid, event, { transcript_path: main, ...extra }));
    await hook('SessionStart', { source: 'startup' });
    await hook('SubagentStart', { agent_id: agent, agent_type: 'general-purpose' });
    const api = caller(s);
    const mainOnly = await waitFor(async () => {
      const x = await api.sessions.get({ sessionId: sid });
      return x.usage.messages === 10 ? x.usage : null;
    });
    expect(mainOnly.byAgent).toEqual({});
    // the subagent writes its file (where Claude Code puts it), then stops
    mkdirSync(join(t.dir, sid, 'subagents'), { recursive: true });
    writeFileSync(join(t.dir, sid, 'subagents', `agent-${agent}.jsonl`), subText);
    await hook('SubagentStop', { agent_id: agent, agent_type: 'general-purpose' });
    const both = await waitFor(async () => {
      const x = await api.sessions.get({ sessionId: sid });
      return x.usage.byAgent[agent] ? x.usage : null;
    });
    // the recorded subagent made 2 API calls of 120 input tokens; the session itself 10
    expect(both.byAgent[agent]).toMatchObject({ inputTokens: 240, outputTokens: 50 });
    expect(both).toMatchObject({ messages: 12, inputTokens: 12 * 120 });
    const rt = getOwn(s.runtime.state.runtime, sid);
    expect(rt?.transcript?.path).toBe(main);
    expect(rt?.subTranscripts?.map((c) => c.path)).toEqual([
      join(t.dir, sid, 'subagents', `agent-${agent}.jsonl`),
    ]);
    // done: read to its end and let go
    await waitFor(() => s.services.transcripts?.stats().sessions === 1);
  });
});
