/**
 * Records what the real Codex and Gemini TUIs (under tmux) emit when a shell command needs approval:
 * - `codex`: `fixtures/codex-<version>/approval-allowed-from-api/` — approval policy `on-request`, read-only
 *   sandbox, the model asking to run `touch approved-by-flightdeck.txt` outside the sandbox; Flightdeck's held
 *   PermissionRequest hook answered `allow` through `approvals.decide`.
 * - `gemini`: `fixtures/gemini-cli-<version>/permission-allowed-in-terminal/` — default approval mode, the shell
 *   command `touch allowed-in-terminal.txt`; Gemini's `ToolPermission` notice, then "Allow once" (Enter) in the TUI.
 * Then the answer, then the tmux server killed. The hook envelopes are read back from the server's `hook_events`
 * table (the server consumed the spool), in arrival order.
 *
 *   npx tsx apps/server/test/record-tui.ts codex|gemini <fixtures-dir>
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '@flightdeck/db';
import { startFakeGemini } from '../../../packages/hook-ingest/test/support/fake-gemini.js';
import { startFakeOpenAi } from '../../../packages/hook-ingest/test/support/fake-openai.js';
import {
  type AgentHome,
  CODEX_VERSION,
  GEMINI_VERSION,
  prepareCodexHome,
  prepareGeminiHome,
} from './agent-cli.js';
import { startCodexInTmux, startGeminiInTmux, type TmuxAgent } from './agent-tmux.js';
import { startTestServer, trpcClient, waitFor } from './helpers.js';
import { writeRecording } from './recording.js';

type Client = ReturnType<typeof trpcClient>['client'];

interface Situation {
  out: string;
  /** Starts the fake API and prepares the home; returns them. */
  prepare(root: string, dataDir: string): Promise<{ h: AgentHome; close(): Promise<void> }>;
  start(h: AgentHome): Promise<TmuxAgent>;
  /** Answers the approval (from the API or in the terminal); returns the session id. */
  answer(client: Client, agent: TmuxAgent, sessionId: () => string | undefined): Promise<string>;
}

const SITUATIONS: Record<string, Situation> = {
  codex: {
    out: `codex-${CODEX_VERSION}/approval-allowed-from-api`,
    async prepare(root, dataDir) {
      const api = await startFakeOpenAi((ctx) =>
        ctx.lastToolOutput === null
          ? { kind: 'shell', command: 'touch approved-by-flightdeck.txt', escalate: true }
          : { kind: 'text', text: 'Touched.' },
      );
      const approvals = { policy: 'on-request', sandbox: 'read-only' } as const;
      const h = await prepareCodexHome({ root, dataDir, apiUrl: api.url, approvals });
      return { h, close: () => api.close() };
    },
    start: (h) => startCodexInTmux(h, 'touch a file'),
    async answer(client) {
      const pending = await waitFor(
        async () => (await client.approvals.list.query()).find((a) => a.cli === 'codex'),
        30_000,
        100,
      );
      await client.approvals.decide.mutate({ id: pending.id, behavior: 'allow' });
      return pending.sessionId;
    },
  },
  gemini: {
    out: `gemini-cli-${GEMINI_VERSION}/permission-allowed-in-terminal`,
    async prepare(root, dataDir) {
      const api = await startFakeGemini((ctx) =>
        ctx.lastToolOutput === null
          ? { kind: 'shell', command: 'touch allowed-in-terminal.txt' }
          : { kind: 'text', text: 'Touched.' },
      );
      const h = await prepareGeminiHome({ root, dataDir, apiUrl: api.url });
      return { h, close: () => api.close() };
    },
    start: (h) => startGeminiInTmux(h, 'touch a file'),
    async answer(_client, agent, sessionId) {
      await waitFor(
        async () => (await agent.screen()).includes('Allow execution of [Shell]?') || null,
        60_000,
        100,
      );
      await agent.keys('Enter');
      return waitFor(sessionId, 5000);
    },
  },
};

const [which, fixtures] = process.argv.slice(2);
const situation = which ? SITUATIONS[which] : undefined;
if (!situation || !fixtures) {
  console.error(`usage: record-tui.ts <${Object.keys(SITUATIONS).join('|')}> <fixtures-dir>`);
  process.exit(2);
}
const root = mkdtempSync(join(tmpdir(), 'fd-record-'));
const dataDir = join(root, 'data');
const { h, close: closeApi } = await situation.prepare(root, dataDir);
const server = await startTestServer({ dataDir });
const { client, close } = trpcClient(server.url as string);
const agent = await situation.start(h);
try {
  const firstId = () => server.runtime.listSessions()[0]?.sessionId;
  const id = await situation.answer(client, agent, firstId);
  await waitFor(
    async () => (await client.sessions.get.query({ sessionId: id })).status === 'waiting' || null,
    30_000,
    100,
  );
  await agent.stop();
  await new Promise((r) => setTimeout(r, 3000));
} finally {
  await agent.stop();
  close();
  await server.close();
  await closeApi();
}
const db = await openSqlite({ file: join(dataDir, 'flightdeck.db') });
const rows = await db.db.selectFrom('hook_events').select(['cli', 'payload', 'meta']).orderBy('id').execute();
await db.close();
const envelopes = rows.map((r) => ({
  cli: r.cli,
  payload: JSON.parse(String(r.payload)) as Record<string, unknown>,
  meta: JSON.parse(String(r.meta)) as Record<string, unknown>,
}));
writeRecording(join(fixtures, situation.out), h, envelopes);
rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
console.log(`${which}: ${envelopes.map((e) => e.payload.hook_event_name).join(' ')}`);
