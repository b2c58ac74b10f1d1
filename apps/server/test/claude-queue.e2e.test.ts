import { describe, expect, it } from 'vitest';
import { textReply } from './claude-situations.js';
import { claudeSuite } from './claude-suite.js';
import { startTestServer, waitFor } from './helpers.js';
import { clientFor } from './terminal-client.js';

const suite = claudeSuite();
const { cleanups } = suite;

/** Several lines, longer than a line of the terminal: one prompt all the same. */
const QUEUED = `QUEUED-BETA: now say the second thing\nline two ${'x'.repeat(500)}\nline three`;

describe('prompt queue with the real Claude Code CLI', () => {
  it('a queued prompt is delivered when the agent waits: the fake API sees it, the card shows the second turn, the queue empties', async () => {
    const api = suite.api();
    const { dataDir, home, env } = await suite.terminalHome('fd-claude-queue-');
    api.setScript(textReply((p) => (p.includes('QUEUED-BETA') ? 'Second turn done.' : 'First turn done.')));
    const server = await startTestServer({ dataDir, file: { processCheckInterval: 1000 } });
    cleanups.push(() => server.close());
    const client = clientFor(server.url as string, cleanups);

    const t = await client.terminals.launch.mutate({
      cli: 'claude',
      cwd: home.project,
      prompt: 'ALPHA: say the first thing',
      permissionMode: 'acceptEdits',
      env,
      cols: 160,
      rows: 48,
    });
    cleanups.push(() => client.terminals.close.mutate({ id: t.id }).catch(() => undefined));
    // Queued on the placeholder card of the terminal, before Claude said anything.
    await client.queue.add.mutate({ sessionId: t.id, text: QUEUED });

    const screen = async () => (await client.terminals.buffer.query({ id: t.id })).text;
    const card = await waitFor(
      async () => {
        const s = (await client.sessions.list.query()).find((x) => x.terminalId === t.id);
        return s && s.sessionId !== t.id && s.responseLog.some((r) => r.text === 'Second turn done.')
          ? s
          : undefined;
      },
      90_000,
      200,
    ).catch(async (e) => {
      throw new Error(
        `${String(e)}; cards ${JSON.stringify(await client.sessions.list.query())}; screen:\n${await screen()}`,
      );
    });
    // The fake API got the queued text as a user message, after the first turn.
    const users = api.requests.filter((r) => !r.side).map((r) => r.ctx.lastUserText);
    const first = users.findIndex((u) => u.includes('ALPHA'));
    const second = users.findIndex((u) => u.includes(QUEUED));
    expect(first).toBeGreaterThanOrEqual(0);
    expect(second).toBeGreaterThan(first);
    // The card shows the second turn; the queue is empty and the card counts none.
    const full = await client.sessions.get.query({ sessionId: card.sessionId });
    expect(full.promptHistory.map((p) => p.text)).toEqual(['ALPHA: say the first thing', QUEUED]);
    const after = await waitFor(async () => {
      const q = await client.queue.list.query({ sessionId: card.sessionId });
      return q.items.length === 0 ? q : undefined;
    });
    expect(after.note).toBeNull();
    expect((await client.sessions.get.query({ sessionId: card.sessionId })).queueCount).toBe(0);
    // Typed once: one queued prompt reached the API once.
    expect(users.filter((u) => u.includes(QUEUED))).toHaveLength(1);
  }, 180_000);
});
