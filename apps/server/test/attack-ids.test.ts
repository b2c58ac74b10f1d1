/**
 * Hostile ids: ids that name `Object.prototype` members are ordinary ids. Hook events for sessions with such
 * ids (and such tool-use ids, subagent ids, team names, labels) arrive over `POST /api/hooks` and through the
 * spool (the real hook script); every procedure then answers with the right data, before and after a restart
 * on the same file database; an unknown hostile id is NOT_FOUND, never a 500.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { HOOK_SCRIPT_PATH } from '@flightdeck/hook-ingest';
import type { Session } from '@flightdeck/shared-types';
import { afterAll, describe, expect, it } from 'vitest';
import { appRouter } from '../src/router/index.js';
import type { RunningServer } from '../src/server.js';
import { createCallerFactory } from '../src/trpc.js';
import { claudeEvent, postHook, sqliteOf, startTestServer, tmpDir, waitFor } from './helpers.js';

const HOSTILE = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

const tmp = tmpDir('fd-ids-');
afterAll(() => tmp.remove());

/** tRPC over HTTP: a query (GET) or a mutation (POST); the status and the parsed body. */
async function trpc(s: RunningServer, kind: 'query' | 'mutation', path: string, input?: unknown) {
  const url = `${s.url}/trpc/${path}`;
  const res =
    kind === 'query'
      ? await fetch(input === undefined ? url : `${url}?input=${encodeURIComponent(JSON.stringify(input))}`)
      : await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(input),
        });
  const body = (await res.json()) as { result?: { data: unknown }; error?: { message: string } };
  return { status: res.status, data: body.result?.data, error: body.error?.message };
}

async function ok<T>(
  s: RunningServer,
  kind: 'query' | 'mutation',
  path: string,
  input?: unknown,
): Promise<T> {
  const r = await trpc(s, kind, path, input);
  expect(r, `${path} ${JSON.stringify(input)}`).toMatchObject({ status: 200 });
  return r.data as T;
}

/** Runs the real hook script: one spool record. */
function spoolHook(spool: string, payload: Record<string, unknown>, env: Record<string, string> = {}) {
  const r = spawnSync('sh', [HOOK_SCRIPT_PATH, 'claude'], {
    input: JSON.stringify(payload),
    env: { ...process.env, FLIGHTDECK_SPOOL: spool, ...env },
  });
  expect(r.status).toBe(0);
}

async function sendAll(s: RunningServer, spool: string) {
  for (const id of HOSTILE) {
    const http = async (event: string, extra: Record<string, unknown> = {}) => {
      const r = await postHook(s.url as string, claudeEvent(id, event, extra));
      expect(r.status, `${id} ${event}`).toBe(202);
    };
    await http('SessionStart', { source: 'startup', model: 'claude-sonnet-4-6' });
    await http('UserPromptSubmit', { prompt: `work on ${id}`, prompt_id: '__proto__' });
    const tool = { tool_name: 'Bash', tool_input: { command: `echo ${id}` }, tool_use_id: '__proto__' };
    await http('PreToolUse', tool);
    await http('PostToolUse', { ...tool, tool_response: { stdout: id } });
    // a tool named like a prototype member, its input with such keys
    const odd = { tool_name: 'constructor', tool_input: { toString: id }, tool_use_id: 'hasOwnProperty' };
    await http('PreToolUse', odd);
    await http('PostToolUse', { ...odd, tool_response: 'ok' });
    // the rest through the spool
    const base = { session_id: id, cwd: '/home/dev/project-x', transcript_path: `/tmp/${id}.jsonl` };
    spoolHook(spool, {
      ...base,
      hook_event_name: 'SubagentStart',
      agent_id: 'constructor',
      agent_type: 'toString',
    });
    // an input key `__proto__` (JSON.parse makes it an own key; the spool takes it as it is)
    const readInput = JSON.parse('{"file_path": "/x", "__proto__": {"polluted": true}}');
    const read = {
      agent_id: 'constructor',
      tool_name: 'Read',
      tool_input: readInput,
      tool_use_id: 'valueOf',
    };
    spoolHook(spool, { ...base, ...read, hook_event_name: 'PreToolUse' });
    spoolHook(spool, { ...base, ...read, hook_event_name: 'PostToolUse', tool_response: 'x' });
    spoolHook(spool, {
      ...base,
      hook_event_name: 'SubagentStop',
      agent_id: 'constructor',
      agent_type: 'toString',
    });
    // a team member whose lead is the hostile session, in a team named `toString`
    spoolHook(
      spool,
      {
        session_id: `member-of-${id}`,
        hook_event_name: 'SessionStart',
        cwd: '/home/dev/project-x',
        source: 'startup',
      },
      {
        CLAUDE_CODE_PARENT_SESSION_ID: id,
        CLAUDE_CODE_TEAM_NAME: 'toString',
        CLAUDE_CODE_AGENT_NAME: '__proto__',
      },
    );
    spoolHook(spool, { ...base, hook_event_name: 'Stop', last_assistant_message: `done with ${id}` });
  }
  // hook events named like prototype members are counted like any other
  for (const name of ['__proto__', 'constructor']) {
    const r = await postHook(s.url as string, claudeEvent('valueOf', name));
    expect(r.status).toBe(202);
  }
  await waitFor(
    () =>
      HOSTILE.every((id) => {
        const m = s.runtime.getSession(`member-of-${id}`);
        return m !== undefined && s.runtime.getSession(id)?.status === 'waiting';
      }),
    20_000,
  );
}

function expectSession(sess: Session | undefined, id: string, where: string) {
  expect(sess, where).toBeDefined();
  expect(sess).toMatchObject({ sessionId: id, title: `work on ${id}` });
  expect(typeof sess).toBe('object');
  expect(sess?.toolLog.map((t) => [t.tool, t.toolUseId, t.status])).toEqual([
    ['Bash', '__proto__', 'ok'],
    ['constructor', 'hasOwnProperty', 'ok'],
    ['Read', 'valueOf', 'ok'],
  ]);
  expect(sess?.subagents.map((a) => a.agentId)).toContain('constructor');
  const readInput = sess?.toolLog.find((t) => t.tool === 'Read')?.input as Record<string, unknown>;
  expect(Object.hasOwn(readInput, '__proto__')).toBe(true);
  expect(JSON.stringify(readInput)).toBe('{"file_path":"/x","__proto__":{"polluted":true}}');
}

async function checkAll(s: RunningServer, label: string) {
  const list = await ok<Session[]>(s, 'query', 'sessions.list');
  for (const id of HOSTILE) {
    expectSession(
      list.find((x) => x.sessionId === id),
      id,
      `${label}: list`,
    );
    expectSession(await ok<Session>(s, 'query', 'sessions.get', { sessionId: id }), id, `${label}: get`);
    const member = await ok<Session>(s, 'query', 'sessions.get', { sessionId: `member-of-${id}` });
    expect(member.teamId).toBe(`team-${id}`);
    const team = await ok<{ team: { teamName: string; parentSessionId: string } }>(s, 'query', 'teams.get', {
      teamId: `team-${id}`,
    });
    expect(team.team).toMatchObject({ teamName: 'toString', parentSessionId: id });
    const detail = await ok<{ session: Session }>(s, 'query', 'history.get', { sessionId: id });
    expect(detail.session.sessionId).toBe(id);
  }
  const found = await ok<{ items: Session[] }>(s, 'query', 'history.search', { query: 'work' });
  for (const id of HOSTILE) expect(found.items.map((x) => x.sessionId)).toContain(id);
  // the live snapshot
  const caller = createCallerFactory(appRouter)({
    services: s.services,
    token: null,
    ip: '127.0.0.1',
    setHeader: null,
    bufferedAmount: () => 0,
  });
  const it = (await caller.sessions.live())[Symbol.asyncIterator]();
  const first = (await it.next()).value as unknown;
  await it.return?.();
  // a tracked() value: `[id, data]` from the generator
  const snap = (Array.isArray(first) ? first[1] : (first as { data: unknown }).data) as {
    type: string;
    data: { sessions: Session[] };
  };
  expect(snap.type).toBe('snapshot');
  for (const id of HOSTILE)
    expectSession(
      snap.data.sessions.find((x) => x.sessionId === id),
      id,
      `${label}: live`,
    );
}

async function expectNotFound(s: RunningServer, kind: 'query' | 'mutation', path: string, input: unknown) {
  const r = await trpc(s, kind, path, input);
  expect(r, `${path} ${JSON.stringify(input)}`).toMatchObject({ status: 404 });
  expect(r.error).toMatch(/not found/);
}

describe('ids that name Object.prototype members are ordinary ids', () => {
  it('unknown hostile ids are NOT_FOUND', async () => {
    const s = await startTestServer();
    try {
      for (const id of HOSTILE) {
        await expectNotFound(s, 'query', 'sessions.get', { sessionId: id });
        await expectNotFound(s, 'mutation', 'sessions.setTitle', { sessionId: id, title: 'x' });
        await expectNotFound(s, 'mutation', 'sessions.archive', { sessionId: id });
        await expectNotFound(s, 'mutation', 'sessions.kill', { sessionId: id, confirm: true });
        await expectNotFound(s, 'mutation', 'sessions.delete', { sessionId: id });
        await expectNotFound(s, 'query', 'teams.get', { teamId: id });
        await expectNotFound(s, 'query', 'history.get', { sessionId: id });
      }
    } finally {
      await s.close();
    }
  });

  it('over HTTP and the spool, before and after a restart: list, get, live, history, notes, teams, actions', async () => {
    const dir = join(tmp.dir, 'data');
    mkdirSync(dir);
    const spool = join(dir, 'spool');
    const s1 = await startTestServer({ dataDir: dir });
    try {
      await sendAll(s1, spool);
      await checkAll(s1, 'first run');
      const stats = await ok<{ hooks: { events: Record<string, { count: number }> } }>(
        s1,
        'query',
        'hooks.stats',
      );
      for (const name of ['__proto__', 'constructor']) {
        expect(Object.getOwnPropertyDescriptor(stats.hooks.events, name)?.value, name).toMatchObject({
          count: 1,
        });
      }
      for (const id of HOSTILE) {
        const note = await ok<{ id: number; text: string }>(s1, 'mutation', 'notes.add', {
          sessionId: id,
          text: id,
        });
        expect(note.text).toBe(id);
        const notes = await ok<Array<{ id: number; sessionId: string }>>(s1, 'query', 'notes.list', {
          sessionId: id,
        });
        expect(notes.map((n) => n.sessionId)).toEqual([id]);
        await ok(s1, 'mutation', 'sessions.setTitle', { sessionId: id, title: `work on ${id}` });
        await ok(s1, 'mutation', 'sessions.setLabel', { sessionId: id, label: '__proto__' });
        const archived = await ok<Session>(s1, 'mutation', 'sessions.archive', { sessionId: id });
        expect(archived).toMatchObject({ sessionId: id, archived: true, label: '__proto__' });
      }
    } finally {
      await s1.close();
    }

    const s2 = await startTestServer({ dataDir: dir });
    try {
      await checkAll(s2, 'after restart');
      for (const id of HOSTILE) {
        expect(await ok<Session>(s2, 'query', 'sessions.get', { sessionId: id })).toMatchObject({
          archived: true,
          label: '__proto__',
        });
        const bad = await trpc(s2, 'mutation', 'notes.delete', { noteId: id });
        expect(bad.status).toBe(400);
        expect(bad.error).toMatch(/noteId/);
        const notes = await ok<Array<{ id: number }>>(s2, 'query', 'notes.list', { sessionId: id });
        expect(notes).toHaveLength(1);
        await ok(s2, 'mutation', 'notes.delete', { noteId: notes[0]?.id });
        expect(await ok(s2, 'query', 'notes.list', { sessionId: id })).toEqual([]);
        expect(await ok(s2, 'mutation', 'sessions.delete', { sessionId: id })).toEqual({ deleted: true });
        await expectNotFound(s2, 'query', 'sessions.get', { sessionId: id });
      }
      const left = await ok<Session[]>(s2, 'query', 'sessions.list');
      expect(left.map((x) => x.sessionId).filter((x) => HOSTILE.includes(x))).toEqual([]);
    } finally {
      await s2.close();
    }

    // deleted stays deleted
    const s3 = await startTestServer({ dataDir: dir });
    try {
      const left = await ok<Session[]>(s3, 'query', 'sessions.list');
      expect(left.map((x) => x.sessionId).filter((x) => HOSTILE.includes(x))).toEqual([]);
      for (const id of HOSTILE) await expectNotFound(s3, 'query', 'sessions.get', { sessionId: id });
      // nothing of theirs is left behind (per-session runtime entries are kv rows)
      const keys = sqliteOf(s3).prepare("SELECT key FROM kv WHERE key LIKE 'core.runtime:%'").all() as Array<{
        key: string;
      }>;
      expect(keys.map((k) => k.key.slice('core.runtime:'.length)).filter((k) => HOSTILE.includes(k))).toEqual(
        [],
      );
    } finally {
      await s3.close();
    }
  });
});
