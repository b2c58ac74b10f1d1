/**
 * Crash safety: the server runs as a child process (`flightdeck start`), receives events over HTTP and through
 * spool files written by the real hook script, is SIGKILLed, more events are spooled while it is down, and it is
 * restarted: the same sessions with the same state, nothing lost, nothing doubled.
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openSqlite } from '@flightdeck/db';
import { HOOK_SCRIPT_PATH } from '@flightdeck/hook-ingest';
import type { Session } from '@flightdeck/shared-types';
import { afterAll, describe, expect, it } from 'vitest';
import { startCliServer } from './cli-process.js';
import { claudeEvent, postHook, prompt, sessionStart, tmpDir, waitFor } from './helpers.js';

const children: ChildProcess[] = [];
const tmp = tmpDir('fd-restart-');
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  tmp.remove();
});

async function startChild(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const server = await startCliServer(dataDir, { env: { HOME: dataDir } });
  children.push(server.child);
  return server;
}

/** Runs the real hook script: one spool record per call. */
function spoolHook(spoolDir: string, payload: Record<string, unknown>): void {
  const r = spawnSync('sh', [HOOK_SCRIPT_PATH, 'claude'], {
    input: JSON.stringify(payload),
    env: { ...process.env, FLIGHTDECK_SPOOL: spoolDir },
  });
  expect(r.status).toBe(0);
}

async function listSessions(url: string): Promise<Session[]> {
  const res = await fetch(`${url}/trpc/sessions.list`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { result: { data: Session[] } }).result.data;
}

async function rawEventCount(dbFile: string): Promise<number> {
  const db = await openSqlite({ file: dbFile });
  try {
    const row = await db.db
      .selectFrom('hook_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  } finally {
    await db.close();
  }
}

function spoolFiles(spoolDir: string): string[] {
  try {
    return readdirSync(spoolDir).filter((f) => f.endsWith('.rec'));
  } catch {
    return [];
  }
}

const stable = (s: Session) => ({
  sessionId: s.sessionId,
  status: s.status,
  title: s.title,
  projectPath: s.projectPath,
  currentPrompt: s.currentPrompt,
  totalPrompts: s.totalPrompts,
  totalToolCalls: s.totalToolCalls,
  prompts: s.promptHistory.map((p) => p.text),
  tools: s.toolLog.map((t) => [t.tool, t.status]),
});

describe('restart after SIGKILL', () => {
  it('keeps every session and event, doubles nothing', async () => {
    const dataDir = tmp.dir;
    const spoolDir = join(dataDir, 'spool');
    const dbFile = join(dataDir, 'flightdeck.db');
    let { child, url } = await startChild(dataDir);
    let sent = 0;

    // over HTTP
    for (let i = 0; i < 3; i++) {
      const id = `http-${i}`;
      expect((await postHook(url, sessionStart(id))).status).toBe(202);
      expect((await postHook(url, prompt(id, `task ${i}: make the tests pass`))).status).toBe(202);
      const tool = { tool_name: 'Read', tool_input: { file_path: '/tmp/a.ts' }, tool_use_id: `tu-${i}` };
      expect((await postHook(url, claudeEvent(id, 'PreToolUse', tool))).status).toBe(202);
      expect(
        (await postHook(url, claudeEvent(id, 'PostToolUse', { ...tool, tool_response: 'ok' }))).status,
      ).toBe(202);
      sent += 4;
    }
    // through the spool (the real hook script)
    for (let i = 0; i < 3; i++) {
      const id = `spool-${i}`;
      spoolHook(spoolDir, {
        session_id: id,
        cwd: '/home/dev/spooled',
        hook_event_name: 'SessionStart',
        source: 'startup',
      });
      spoolHook(spoolDir, {
        session_id: id,
        cwd: '/home/dev/spooled',
        hook_event_name: 'UserPromptSubmit',
        prompt: `spooled ${i}`,
      });
      sent += 2;
    }
    await waitFor(
      async () => spoolFiles(spoolDir).length === 0 && (await rawEventCount(dbFile)) === sent,
      45_000,
      200,
    );
    const before = (await listSessions(url))
      .map(stable)
      .sort((a, b) => a.sessionId.localeCompare(b.sessionId));
    expect(before).toHaveLength(6);
    expect(before.find((s) => s.sessionId === 'spool-1')?.prompts).toEqual(['spooled 1']);

    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    // while the server is down, hooks keep spooling
    spoolHook(spoolDir, {
      session_id: 'http-0',
      cwd: '/home/dev/project-x',
      hook_event_name: 'UserPromptSubmit',
      prompt: 'while down',
    });
    spoolHook(spoolDir, {
      session_id: 'down-1',
      cwd: '/home/dev/later',
      hook_event_name: 'SessionStart',
      source: 'startup',
    });
    sent += 2;
    expect(spoolFiles(spoolDir)).toHaveLength(2);

    ({ child, url } = await startChild(dataDir));
    await waitFor(
      async () => spoolFiles(spoolDir).length === 0 && (await rawEventCount(dbFile)) === sent,
      45_000,
      200,
    );
    const after = (await listSessions(url))
      .map(stable)
      .sort((a, b) => a.sessionId.localeCompare(b.sessionId));
    expect(after).toHaveLength(7);
    for (const s of before) {
      const now = after.find((x) => x.sessionId === s.sessionId);
      if (s.sessionId === 'http-0') {
        expect(now?.prompts).toEqual([...s.prompts, 'while down']);
        expect(now?.totalPrompts).toBe(s.totalPrompts + 1);
      } else {
        expect(now).toEqual(s);
      }
    }
    expect(after.find((s) => s.sessionId === 'down-1')?.projectPath).toBe('/home/dev/later');

    // a second crash and restart with nothing new changes nothing
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    ({ child, url } = await startChild(dataDir));
    const again = (await listSessions(url))
      .map(stable)
      .sort((a, b) => a.sessionId.localeCompare(b.sessionId));
    expect(again).toEqual(after);
    expect(await rawEventCount(dbFile)).toBe(sent);

    // graceful shutdown on SIGTERM
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    expect(code).toBe(0);
  }, 150_000);
});
