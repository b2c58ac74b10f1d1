/**
 * The shared body of the Codex and Gemini end-to-end tests: a real server on port 0, the real CLI with Flightdeck's
 * hooks installed into the server's data dir, two non-interactive runs of the scripted two-turn conversation
 * (agent-script.ts) against the CLI's fake model API, then the session as `sessions.get` reports it.
 */
import { join } from 'node:path';
import type { AgentCli } from '@flightdeck/shared-types';
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../src/router/index.js';
import type { AgentHome, RunResult } from './agent-cli.js';
import { TWO_TURNS } from './agent-script.js';
import { startTestServer, type tmpDir, trpcClient, waitFor } from './helpers.js';

/** A session as `sessions.get` answers it. */
type SessionView = inferRouterOutputs<AppRouter>['sessions']['get'];

export interface AgentRun {
  session: SessionView;
  /** Every card the server lists for this CLI. */
  cards: SessionView[];
  /** The statuses the live subscriber saw for this CLI, in order. */
  live: string[];
  /** What each run printed (stdout and stderr). */
  outputs: string[];
  /** A tRPC client of the running server. */
  client: ReturnType<typeof trpcClient>['client'];
}

export interface AgentSetup {
  cli: AgentCli;
  tmp: ReturnType<typeof tmpDir>;
  cleanups: Array<() => Promise<void> | void>;
  /** Prepares the CLI's home against its fake API (started here by the caller) with hooks into `dataDir`. */
  prepare: (root: string, dataDir: string) => Promise<AgentHome>;
}

/** The CLI's home prepared, a real server on port 0 reading its hooks, a tRPC client of it (closed by cleanups). */
export async function startAgentServer(opts: AgentSetup) {
  const dataDir = join(opts.tmp.dir, 'data');
  const h = await opts.prepare(opts.tmp.dir, dataDir);
  // A `codex exec` run lives a few hundred ms: the follower must pick its session file up while it is live (an
  // ended session is not followed; one that was gets a last read), so reconcile often.
  const server = await startTestServer({
    dataDir,
    transcripts: { reconcileMs: 50, pollMs: 100, progressMs: 200 },
  });
  opts.cleanups.push(() => server.close());
  const { client, close } = trpcClient(server.url as string);
  opts.cleanups.push(close);
  return { h, server, client };
}

export async function runTwoTurns(
  opts: AgentSetup & { run: (h: AgentHome, prompt: string, resume: boolean) => Promise<RunResult> },
): Promise<AgentRun> {
  const { h, server, client } = await startAgentServer(opts);
  const live: string[] = [];
  const sub = client.sessions.live.subscribe(undefined, {
    onData: ({ data }) => {
      if (data.type === 'session-upsert' && data.data.cli === opts.cli) live.push(data.data.status);
    },
  });
  opts.cleanups.push(() => sub.unsubscribe());

  const outputs: string[] = [];
  for (const [i, turn] of TWO_TURNS.entries()) {
    const r = await opts.run(h, turn.prompt, i > 0);
    outputs.push(r.out);
    if (r.code !== 0 || !r.out.includes(turn.answer)) {
      throw new Error(`${opts.cli} turn ${i + 1} exited ${r.code}:\n${r.out}`);
    }
    // each run ends its session (SessionEnd) before the next one resumes it
    await waitFor(
      () =>
        server.runtime
          .listSessions()
          .find((s) => s.cli === opts.cli && s.status === 'ended' && s.promptHistory.length === i + 1),
      20_000,
      100,
    );
  }
  const id = server.runtime.listSessions().find((s) => s.cli === opts.cli)?.sessionId as string;
  const session = await client.sessions.get.query({ sessionId: id });
  const cards = (await client.sessions.list.query()).filter((s) => s.cli === opts.cli);
  return { session, cards, live, outputs, client };
}

/**
 * The session's usage once it counts `expected.messages` responses (the follower's last read of an ended session's
 * file may come after its SessionEnd), as `sessions.get` reports it.
 */
export async function usageWhenCounted(
  client: AgentRun['client'],
  sessionId: string,
  expected: { messages: number },
): Promise<SessionView['usage']> {
  let last: SessionView['usage'] | null = null;
  try {
    return await waitFor(
      async () => {
        last = (await client.sessions.get.query({ sessionId })).usage;
        return last.messages >= expected.messages ? last : null;
      },
      20_000,
      100,
    );
  } catch {
    throw new Error(`usage never reached ${expected.messages} responses: ${JSON.stringify(last)}`);
  }
}
