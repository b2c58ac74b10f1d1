/**
 * End to end with the real Claude Code CLI: hooks installed by `flightdeck hooks install` into a throwaway
 * config dir, `claude -p` talking to a scripted fake of the Anthropic Messages API on loopback (it asks for one
 * Bash tool call, then answers), the hook script spooling every event, and the server turning them into a live
 * session seen by a WebSocket subscriber.
 */

import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqlite } from '@flightdeck/db';
import { eventsFor } from '@flightdeck/hook-ingest';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic } from '../../../packages/hook-ingest/test/support/fake-anthropic.js';
import { ECHO_PROMPT, runClaudePrint } from './claude-print.js';
import { installClaudeHooks } from './claude-tmux.js';
import { runFlightdeck, startFlightdeck, stopChild, userEnv } from './cli-child.js';
import { startTestServer, tmpDir, trpcClient, waitFor } from './helpers.js';

const CLAUDE_BIN = fileURLToPath(
  new URL('../../../packages/hook-ingest/node_modules/.bin/claude', import.meta.url),
);
const tmp = tmpDir('fd-claude-e2e-');
const cleanups: Array<() => Promise<void> | void> = [];
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  tmp.remove();
});

/** Fake Messages API: with tools offered and no tool result yet → one Bash call; otherwise a short answer. */
async function fakeAnthropic(): Promise<string> {
  const api = await startFakeAnthropic((ctx) =>
    ctx.lastToolResultId === null
      ? [
          {
            type: 'tool_use',
            id: 'toolu_e2e_1',
            name: 'Bash',
            input: { command: 'echo flightdeck-e2e', description: 'say hi' },
          },
        ]
      : [{ type: 'text', text: 'All done.' }],
  );
  cleanups.push(() => api.close());
  return api.url;
}

/** `claude -p` (one Bash tool call, then an answer) against the fake API; its exit code and output. */
const runClaude = (project: string, env: Record<string, string>, api: string) =>
  runClaudePrint(project, env, api, ECHO_PROMPT);

describe('real Claude Code CLI → hooks → spool → server → live subscriber', () => {
  it('a prompt with a Bash tool call shows up live with its tool call, and ends', async () => {
    expect(existsSync(CLAUDE_BIN)).toBe(true);
    const home = join(tmp.dir, 'home');
    const configDir = join(tmp.dir, 'claude-config');
    const dataDir = join(tmp.dir, 'data');
    const project = join(tmp.dir, 'project');
    for (const d of [home, configDir, project]) mkdirSync(d, { recursive: true });
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, CLAUDE_CONFIG_DIR: configDir };

    await installClaudeHooks(env, dataDir);

    const server = await startTestServer({ dataDir });
    cleanups.push(() => server.close());
    const { client, close } = trpcClient(server.url as string);
    cleanups.push(close);
    const statuses: string[] = [];
    const sub = client.sessions.live.subscribe(undefined, {
      onData: ({ data }) => {
        if (data.type === 'session-upsert' && data.data.cli === 'claude') statuses.push(data.data.status);
      },
    });
    cleanups.push(() => sub.unsubscribe());

    const api = await fakeAnthropic();
    const result = await runClaude(project, env, api);
    expect(result.out).toContain('All done.');

    const session = await waitFor(
      () =>
        server.runtime
          .listSessions()
          .find(
            (s) => s.cli === 'claude' && s.status === 'ended' && s.toolLog.some((t) => t.tool === 'Bash'),
          ),
      20_000,
      100,
    );
    expect(session.projectPath).toBe(project);
    expect(session.promptHistory.map((p) => p.text)).toContain('say hi with echo');
    const bash = session.toolLog.find((t) => t.tool === 'Bash');
    expect(bash?.inputSummary).toContain('echo flightdeck-e2e');
    expect(bash?.status).toBe('ok');
    // the subscriber saw the session live, through its states, up to the end
    await waitFor(() => statuses.includes('ended'), 10_000);
    expect(statuses.length).toBeGreaterThan(2);
    // and everything is in SQLite
    const detail = await client.history.get.query({ sessionId: session.sessionId });
    expect(detail.toolCalls.map((t) => t.tool)).toContain('Bash');
  }, 150_000);

  it('clean clone: `hooks install` (no --data-dir) and `start --data-dir X`: every hook event of the run arrives in X', async () => {
    const root = join(tmp.dir, 'clean');
    const home = join(root, 'home');
    const X = join(root, 'x-data');
    const project = join(root, 'project');
    const witness = join(root, 'fired');
    for (const d of [home, project, witness, join(home, '.claude')]) mkdirSync(d, { recursive: true });
    // A user's own hook on every event we register: it records each event Claude Code fires, one file each.
    const witnessScript = join(root, 'witness.sh');
    writeFileSync(witnessScript, `f=$(mktemp "${witness}/ev.XXXXXX") && cat > "$f"\n`);
    const events = eventsFor('claude', 'high');
    writeFileSync(
      join(home, '.claude', 'settings.json'),
      `${JSON.stringify({ hooks: Object.fromEntries(events.map((e) => [e, [{ hooks: [{ type: 'command', command: `sh ${witnessScript}` }] }]])) }, null, 2)}\n`,
    );
    const env = userEnv(home) as Record<string, string>;

    const install = await runFlightdeck(['hooks', 'install', '--cli', 'claude', '--density', 'high'], env);
    expect(install.code, install.stderr).toBe(0);
    const { child } = await startFlightdeck(['--data-dir', X, '--port', '0'], env, children);
    cleanups.push(() => stopChild(child));

    const api = await fakeAnthropic();
    const result = await runClaude(project, env, api);
    expect(result.out).toContain('All done.');

    const fired = () =>
      readdirSync(witness).map((f) => {
        const p = JSON.parse(readFileSync(join(witness, f), 'utf8')) as { hook_event_name: string };
        return p.hook_event_name;
      });
    const firedNames = fired().sort();
    expect(firedNames).toEqual(
      expect.arrayContaining(['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'Stop']),
    );
    const arrived = async () => {
      const db = await openSqlite({ file: join(X, 'flightdeck.db') });
      try {
        const rows = await db.db.selectFrom('hook_events').select('event_type').execute();
        return rows.map((r) => String(r.event_type)).sort();
      } finally {
        await db.close();
      }
    };
    await waitFor(async () => (await arrived()).length >= firedNames.length, 30_000, 200);
    expect(await arrived()).toEqual(firedNames);
    // Nothing left behind in the spool the hooks wrote to.
    expect(readdirSync(join(home, '.flightdeck', 'spool')).filter((f) => f.endsWith('.rec'))).toEqual([]);
  }, 150_000);
});
