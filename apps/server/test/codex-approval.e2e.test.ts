/**
 * End to end with the real Codex CLI (0.171.0): an approval answered from the API. Codex in interactive mode (its TUI
 * under tmux; `codex exec` never asks, whatever the policy) with approval policy `on-request` and a read-only
 * sandbox asks before a command the model wants run outside the sandbox; Flightdeck's PermissionRequest hook holds
 * (`… codex --hold`), the server shows the approval, `approvals.decide` answers it and Codex runs the command.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeOpenAi } from '../../../packages/hook-ingest/test/support/fake-openai.js';
import { prepareCodexHome } from './agent-cli.js';
import { startCodexInTmux } from './agent-tmux.js';
import { startTestServer, tmpDir, trpcClient, waitFor } from './helpers.js';

const tmp = tmpDir('fd-codex-appr-');
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  tmp.remove();
});

const COMMAND = 'touch approved-by-flightdeck.txt';

/** Codex's TUI asking to run COMMAND outside the sandbox; the approval answered `behavior` from the API. */
async function answered(behavior: 'allow' | 'deny') {
  const root = join(tmp.dir, behavior);
  const api = await startFakeOpenAi((ctx) =>
    ctx.lastToolOutput === null
      ? { kind: 'shell', command: COMMAND, escalate: true }
      : { kind: 'text', text: behavior === 'allow' ? 'Touched.' : 'Not touched.' },
  );
  cleanups.push(() => api.close());
  const dataDir = join(root, 'data');
  const h = await prepareCodexHome({
    root,
    dataDir,
    apiUrl: api.url,
    approvals: { policy: 'on-request', sandbox: 'read-only' },
  });
  const server = await startTestServer({ dataDir });
  cleanups.push(() => server.close());
  const { client, close } = trpcClient(server.url as string);
  cleanups.push(close);

  const codex = await startCodexInTmux(h, 'touch a file');
  cleanups.push(() => codex.stop());
  const pending = await waitFor(
    async () => (await client.approvals.list.query()).find((a) => a.cli === 'codex'),
    30_000,
    100,
  );
  expect(pending).toMatchObject({ tool: 'Bash', decidable: true });
  const decided = await client.approvals.decide.mutate({ id: pending.id, behavior });
  expect(decided.outcome).toBe(behavior === 'allow' ? 'allowed' : 'denied');
  const s = await waitFor(
    async () => {
      const got = await client.sessions.get.query({ sessionId: pending.sessionId });
      return got.status === 'waiting' ? got : null;
    },
    30_000,
    100,
  );
  const screen = await codex.screen();
  await codex.stop();
  return { s, screen, touched: existsSync(join(h.project, 'approved-by-flightdeck.txt')), api };
}

describe('real Codex CLI: PermissionRequest answered from the API', () => {
  it('allow from the API: the command runs and the call ends ok', async () => {
    const { s, screen, touched } = await answered('allow');
    expect(screen).toContain('Touched.');
    expect(touched).toBe(true);
    expect(s.toolLog.map((t) => [t.tool, t.inputSummary, t.status])).toEqual([['Bash', COMMAND, 'ok']]);
    expect(s.statusHistory.map((x) => [x.status, x.trigger])).toEqual([
      ['idle', 'created'],
      ['prompting', 'UserPromptSubmit'],
      ['working', 'PreToolUse'],
      ['approval', 'PermissionRequest'],
      ['working', 'approval-decided'],
      ['waiting', 'Stop'],
    ]);
  }, 120_000);

  it('deny from the API: the command never runs, the call ends denied, the model is told', async () => {
    const { s, screen, touched, api } = await answered('deny');
    expect(screen).toContain('Not touched.');
    expect(touched).toBe(false);
    expect(s.toolLog.map((t) => [t.tool, t.inputSummary, t.status])).toEqual([['Bash', COMMAND, 'denied']]);
    expect(s.statusHistory.map((x) => x.status)).toEqual([
      'idle',
      'prompting',
      'working',
      'approval',
      'working',
      'waiting',
    ]);
    expect(api.requests.at(-1)?.ctx.lastToolOutput).not.toBeNull();
  }, 120_000);
});
