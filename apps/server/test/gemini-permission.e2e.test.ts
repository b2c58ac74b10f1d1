/**
 * End to end with the real Gemini CLI (0.61.0) in interactive mode (its TUI under tmux, default approval mode): a
 * shell command needs the user's permission. Gemini has no permission hook Flightdeck could answer: its
 * `Notification` (`ToolPermission`) puts the card in approval with what is asked, not decidable from the API; the
 * answer is given in the terminal.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeGemini } from '../../../packages/hook-ingest/test/support/fake-gemini.js';
import { prepareGeminiHome } from './agent-cli.js';
import { startGeminiInTmux } from './agent-tmux.js';
import { startTestServer, tmpDir, trpcClient, waitFor } from './helpers.js';

const tmp = tmpDir('fd-gemini-perm-');
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  tmp.remove();
});

const COMMAND = 'touch allowed-in-terminal.txt';

describe('real Gemini CLI: the tool permission notice', () => {
  it('the card waits for approval naming the command; allowed in the terminal, the call ends ok', async () => {
    const api = await startFakeGemini((ctx) =>
      ctx.lastToolOutput === null ? { kind: 'shell', command: COMMAND } : { kind: 'text', text: 'Touched.' },
    );
    cleanups.push(() => api.close());
    const dataDir = join(tmp.dir, 'data');
    const h = await prepareGeminiHome({ root: tmp.dir, dataDir, apiUrl: api.url });
    const server = await startTestServer({ dataDir });
    cleanups.push(() => server.close());
    const { client, close } = trpcClient(server.url as string);
    cleanups.push(close);

    const gemini = await startGeminiInTmux(h, 'touch a file');
    cleanups.push(() => gemini.stop());
    const waiting = await waitFor(
      () => server.runtime.listSessions().find((s) => s.cli === 'gemini' && s.status === 'approval'),
      60_000,
      100,
    );
    expect(waiting.waitingDetail).toBe(`Approve Bash: ${COMMAND}`);
    expect(waiting.pendingApproval).toMatchObject({ kind: 'approval', decidable: false });
    await waitFor(
      async () => (await gemini.screen()).includes('Allow execution of [Shell]?') || null,
      30_000,
      100,
    );
    expect(existsSync(join(h.project, 'allowed-in-terminal.txt'))).toBe(false);

    await gemini.keys('Enter'); // 1. Allow once
    const s = await waitFor(
      async () => {
        const got = await client.sessions.get.query({ sessionId: waiting.sessionId });
        return got.status === 'waiting' ? got : null;
      },
      30_000,
      100,
    );
    expect(existsSync(join(h.project, 'allowed-in-terminal.txt'))).toBe(true);
    expect(s.toolLog.map((t) => [t.tool, t.inputSummary, t.status])).toEqual([['Bash', COMMAND, 'ok']]);
    expect(s.pendingApproval).toBeNull();
    expect(s.statusHistory.map((x) => [x.status, x.trigger])).toEqual([
      ['idle', 'created'],
      ['prompting', 'BeforeAgent'],
      ['working', 'BeforeTool'],
      ['approval', 'Notification'],
      ['working', 'AfterTool'],
      ['waiting', 'AfterAgent'],
    ]);
  }, 150_000);
});
