/**
 * The shared body of the interactive (TUI under tmux) Codex and Gemini tests without approvals: a real server on port
 * 0, the CLI's TUI started with no prompt, the two-turn conversation of agent-script.ts typed into it, the session
 * read after each turn ends.
 */
import { expect } from 'vitest';
import type { AgentHome } from './agent-cli.js';
import { type AgentRun, type AgentSetup, startAgentServer } from './agent-e2e.js';
import { TWO_TURNS } from './agent-script.js';
import type { TmuxAgent } from './agent-tmux.js';
import { waitFor } from './helpers.js';

type SessionView = AgentRun['session'];

export interface InteractiveRun {
  /** The session after each turn ended (status `waiting`, its prompts counted). */
  afterTurn: SessionView[];
  /** The TUI's screen after each turn. */
  screens: string[];
  cards: SessionView[];
  client: AgentRun['client'];
  agent: TmuxAgent;
}

/** Waits for `ready(screen)`; on timeout, throws with the screen. */
async function screenShows(agent: TmuxAgent, what: string, ready: (s: string) => boolean): Promise<void> {
  let last = '';
  try {
    await waitFor(
      async () => {
        last = await agent.screen();
        return ready(last) || null;
      },
      60_000,
      200,
    );
  } catch {
    throw new Error(`the TUI never showed ${what}:\n${last}`);
  }
}

export async function typeTwoTurns(
  opts: AgentSetup & {
    start: (h: AgentHome) => Promise<TmuxAgent>;
    /** The TUI waits for a prompt. */
    ready: (screen: string) => boolean;
  },
): Promise<InteractiveRun> {
  const { h, server, client } = await startAgentServer(opts);
  const agent = await opts.start(h);
  opts.cleanups.push(() => agent.stop());
  await screenShows(agent, 'its prompt', opts.ready);

  const afterTurn: SessionView[] = [];
  const screens: string[] = [];
  for (const [i, turn] of TWO_TURNS.entries()) {
    await agent.type(turn.prompt);
    const ended = await waitFor(
      () =>
        server.runtime
          .listSessions()
          .find((s) => s.cli === opts.cli && s.status === 'waiting' && s.promptHistory.length === i + 1),
      60_000,
      100,
    );
    await screenShows(agent, turn.answer, (s) => s.includes(turn.answer) && opts.ready(s));
    screens.push(await agent.screen());
    afterTurn.push(await client.sessions.get.query({ sessionId: ended.sessionId }));
  }
  const cards = (await client.sessions.list.query()).filter((s) => s.cli === opts.cli);
  return { afterTurn, screens, cards, client, agent };
}

/**
 * The checks both CLIs share: one card; after turn 1 the status went idle → prompting (`promptHook`) → working (the
 * first tool call's `toolHook`) → waiting (`stopHook`); turn 2 prompting → waiting; both prompts and answers.
 */
export function expectTwoTypedTurns(
  run: InteractiveRun,
  hooks: { promptHook: string; toolHook: string; stopHook: string },
): SessionView {
  const [first, second] = run.afterTurn as [SessionView, SessionView];
  expect(run.cards.map((c) => c.sessionId)).toEqual([first.sessionId]);
  expect(second.sessionId).toBe(first.sessionId);
  expect(first.status).toBe('waiting');
  expect(first.statusHistory.map((r) => [r.status, r.trigger])).toEqual([
    ['idle', 'created'],
    ['prompting', hooks.promptHook],
    ['working', hooks.toolHook],
    ['waiting', hooks.stopHook],
  ]);
  expect(second.statusHistory.map((r) => [r.status, r.trigger]).slice(4)).toEqual([
    ['prompting', hooks.promptHook],
    ['waiting', hooks.stopHook],
  ]);
  expect(second.promptHistory.map((p) => p.text)).toEqual(TWO_TURNS.map((t) => t.prompt));
  expect(second.responseLog.map((r) => r.text)).toEqual(TWO_TURNS.map((t) => t.answer));
  expect(run.screens[0]).toContain(TWO_TURNS[0].answer);
  expect(run.screens[1]).toContain(TWO_TURNS[1].answer);
  return second;
}
