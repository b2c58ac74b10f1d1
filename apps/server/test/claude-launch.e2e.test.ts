/**
 * End to end with the real Claude Code CLI launched from the API (issue 16): a throwaway HOME and config with
 * Flightdeck's hooks installed, a scripted fake Anthropic API on loopback, a real server reading the hook spool.
 * `terminals.launch` starts `claude` in a PTY with a first prompt (the environment of the throwaway HOME goes in
 * through the launch's `env`); exactly one card exists, linked to the terminal, and the tool call the fake API asks
 * for shows on it. Then `terminals.resume` starts `claude --resume <id>` in a new terminal: still one card, now
 * linked to the new terminal, its history kept.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { textReply, toolThenText } from './claude-situations.js';
import { claudeSuite } from './claude-suite.js';
import { startTestServer, waitFor } from './helpers.js';
import { clientFor } from './terminal-client.js';

const suite = claudeSuite();
const { cleanups } = suite;

const READY = /\? for shortcuts|Try "|│ >|❯/;

describe('claude launched and resumed from the dashboard', () => {
  it('launch with a first prompt: one card linked to the terminal, its tool call; resume: same card, new terminal', async () => {
    const api = suite.api();
    const { dataDir, home, env } = await suite.terminalHome('fd-claude-launch-');
    const target = join(home.project, 'launched.txt');
    api.setScript(
      toolThenText(
        { type: 'tool_use', name: 'Write', input: { file_path: target, content: 'from the dashboard\n' } },
        'Wrote it.',
      ),
    );
    const server = await startTestServer({ dataDir, file: { processCheckInterval: 1000 } });
    cleanups.push(() => server.close());
    const client = clientFor(server.url as string, cleanups);
    const mine = async () =>
      (await client.sessions.list.query()).filter(
        (s) => s.cli === 'claude' && s.projectPath === home.project,
      );

    const t1 = await client.terminals.launch.mutate({
      cli: 'claude',
      cwd: home.project,
      prompt: 'Write launched.txt, please',
      permissionMode: 'acceptEdits',
      env,
      cols: 160,
      rows: 48,
    });
    cleanups.push(() => client.terminals.close.mutate({ id: t1.id }).catch(() => undefined));
    // The tool ran (acceptEdits let the Write through) and its call is on the one card, linked to the terminal.
    const card = await waitFor(
      async () => {
        const [s, ...others] = await mine();
        if (others.length > 0) throw new Error(`more than one card: ${JSON.stringify(await mine())}`);
        return s && s.status !== 'connecting' && s.totalToolCalls >= 1 ? s : undefined;
      },
      60_000,
      200,
    ).catch(async (e) => {
      throw new Error(
        `${String(e)}; cards ${JSON.stringify(await mine())}; screen:\n${(await client.terminals.buffer.query({ id: t1.id })).text}`,
      );
    });
    await waitFor(() => existsSync(target), 30_000);
    expect(readFileSync(target, 'utf8')).toBe('from the dashboard\n');
    expect(card.terminalId).toBe(t1.id);
    expect(card.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(card.source).toBe('flightdeck');
    const full = await client.sessions.get.query({ sessionId: card.sessionId });
    expect(full.toolLog.map((c) => c.tool)).toContain('Write');
    expect(full.promptHistory.map((p) => p.text).join('\n')).toContain('Write launched.txt, please');
    expect((await client.terminals.list.query()).find((t) => t.id === t1.id)?.sessionId).toBe(card.sessionId);
    expect(await mine()).toHaveLength(1);
    // No card for the terminal id survives the adoption.
    expect((await client.sessions.list.query()).map((s) => s.sessionId)).not.toContain(t1.id);

    // Claude finished its turn; close its terminal and resume the session in a new one.
    await waitFor(
      async () => (await client.sessions.get.query({ sessionId: card.sessionId })).status === 'waiting',
      30_000,
      200,
    );
    await client.terminals.close.mutate({ id: t1.id });
    const t2 = await client.terminals.resume.mutate({ sessionId: card.sessionId, env, cols: 160, rows: 48 });
    cleanups.push(() => client.terminals.close.mutate({ id: t2.id }).catch(() => undefined));
    expect(t2).toMatchObject({
      kind: 'local',
      cwd: home.project,
      command: `claude --resume ${card.sessionId}`,
    });
    expect(t2.sessionId).toBe(card.sessionId);
    await waitFor(
      async () => READY.test((await client.terminals.buffer.query({ id: t2.id })).text),
      60_000,
      200,
    );
    // Its first hook event (SessionStart, source resume, the new terminal's id) lands on the same card.
    const resumed = await waitFor(
      async () => {
        const all = await mine();
        if (all.length > 1) throw new Error(`more than one card after resume: ${JSON.stringify(all)}`);
        const s = all[0];
        const resumedEvent = s?.events.some(
          (e) => e.type === 'SessionStart' && e.detail === 'Session resumed',
        );
        return s && s.terminalId === t2.id && s.status !== 'ended' && resumedEvent ? s : undefined;
      },
      30_000,
      200,
    );
    const lineage = [resumed.sessionId, ...resumed.previousSessionIds];
    expect(lineage).toContain(card.sessionId);
    const after = await client.sessions.get.query({ sessionId: resumed.sessionId });
    expect(after.promptHistory.map((p) => p.text).join('\n')).toContain('Write launched.txt, please');
    expect((await client.terminals.list.query()).find((t) => t.id === t2.id)?.sessionId).toBe(
      resumed.sessionId,
    );
    expect(resumed.resumeCount).toBe(1);
    expect(await mine()).toHaveLength(1);

    // The new terminal is the agent's: a prompt typed into it reaches the same card.
    api.setScript(textReply(() => 'Hello again.'));
    await client.terminals.input.mutate({ id: t2.id, viewerId: 'me', data: 'Say hello again' });
    await new Promise((r) => setTimeout(r, 300)); // the input box takes a burst as a paste; Enter after it
    await client.terminals.input.mutate({ id: t2.id, viewerId: 'me', data: '\r' });
    const answered = await waitFor(
      async () => {
        const s = await client.sessions.get.query({ sessionId: resumed.sessionId });
        return s.responseLog.some((r) => r.text === 'Hello again.') ? s : undefined;
      },
      30_000,
      200,
    );
    expect(answered.promptHistory.map((p) => p.text)).toEqual([
      'Write launched.txt, please',
      'Say hello again',
    ]);
    expect(await mine()).toHaveLength(1);
  }, 180_000);
});
