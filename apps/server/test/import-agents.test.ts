/**
 * The history import of the session files recorded from the real Codex CLI (rollout, 0.171.0) and Gemini CLI (chat
 * file, 0.61.0): prompts, answers, tool calls with their results (the failing command failed), usage counted once
 * per response; a second run writes nothing; a live session's file is left alone; older `.json` chats are counted.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type DatabaseAdapter, openSqlite } from '@flightdeck/db';
import type { AgentCli } from '@flightdeck/shared-types';
import { afterEach, describe, expect, it } from 'vitest';
import { createGeminiImportMapper } from '../src/import/agents.js';
import { defaultRoots } from '../src/import/files.js';
import { runImport } from '../src/import/run.js';
import { tmpDir } from './helpers.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const FIXTURES = resolve(import.meta.dirname, '../../../fixtures');
const CODEX_ID = '01a25093-d1a4-7271-8521-7f7bec1e2b53';
const GEMINI_ID = '5a13909f-ebf6-4c2b-86d6-cda1e79fe472';

/** A home with the recorded rollout and chat file where the CLIs write them. */
function home() {
  const t = tmpDir('fd-import-agents-');
  cleanups.push(t.remove);
  const rollouts = join(t.dir, 'home', '.codex', 'sessions', '2026', '12', '07');
  const chats = join(t.dir, 'home', '.gemini', 'tmp', 'project', 'chats');
  mkdirSync(rollouts, { recursive: true });
  mkdirSync(chats, { recursive: true });
  cpSync(
    join(FIXTURES, 'codex-0.171.0', 'two-turns', 'session.jsonl'),
    join(rollouts, `rollout-2026-12-07T12-56-34-${CODEX_ID}.jsonl`),
  );
  cpSync(
    join(FIXTURES, 'gemini-cli-0.61.0', 'two-turns', 'session.jsonl'),
    join(chats, 'session-2026-12-07T12-55-5a13909f.jsonl'),
  );
  return { dir: t.dir, roots: defaultRoots(join(t.dir, 'home')) };
}

async function db(dir: string) {
  const adapter = await openSqlite({ file: join(dir, 'flightdeck.db') });
  cleanups.push(() => adapter.close());
  return adapter;
}

function run(adapter: DatabaseAdapter, roots: ReturnType<typeof home>['roots'], live: string[] = []) {
  return runImport(
    {
      adapter,
      redact: (s) => s,
      pricing: () => undefined,
      isLive: (id) => live.includes(id),
      now: Date.now,
    },
    { roots, clis: ['codex', 'gemini'] as AgentCli[] },
  );
}

async function rowsOf(adapter: DatabaseAdapter, id: string) {
  const q = adapter.db;
  const session = await q.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const prompts = await q
    .selectFrom('prompts')
    .select('text')
    .where('session_id', '=', id)
    .orderBy('timestamp')
    .execute();
  const responses = await q
    .selectFrom('responses')
    .select('text_excerpt')
    .where('session_id', '=', id)
    .orderBy('timestamp')
    .execute();
  const tools = await q
    .selectFrom('tool_calls')
    .select(['tool_name', 'tool_input_summary', 'status', 'result_excerpt', 'error'])
    .where('session_id', '=', id)
    .orderBy('timestamp')
    .orderBy('id')
    .execute();
  const usage = await q
    .selectFrom('usage_messages')
    .selectAll()
    .where('session_id', '=', id)
    .orderBy('message_id')
    .execute();
  return { session, prompts, responses, tools, usage, snapshot: JSON.parse(session.snapshot) };
}

describe('history import of Codex rollouts and Gemini CLI chat files (recorded)', () => {
  it('a Codex rollout: prompts, answers, the two commands (the ls failed), usage per response', async () => {
    const h = home();
    const adapter = await db(h.dir);
    const p = await run(adapter, h.roots);
    expect(p).toMatchObject({ state: 'done', found: { codex: 1, gemini: 1 }, sessions: 2, linesSkipped: 0 });
    const r = await rowsOf(adapter, CODEX_ID);
    expect(r.session).toMatchObject({
      cli: 'codex',
      status: 'ended',
      project_path: '/home/dev/project',
      total_prompts: 2,
      total_tool_calls: 2,
    });
    expect(r.snapshot.model).toBe('gpt-fake');
    expect(r.prompts.map((x) => x.text)).toEqual(['run echo, then a failing command', 'second question']);
    expect(r.responses.map((x) => x.text_excerpt)).toEqual(['One command failed.', 'Second answer.']);
    expect(r.tools.map((t) => [t.tool_name, t.tool_input_summary, t.status])).toEqual([
      ['Bash', 'echo flightdeck-e2e', 'ok'],
      ['Bash', 'ls /nonexistent-flightdeck-dir', 'failed'],
    ]);
    expect(r.tools[0]?.result_excerpt).toContain('flightdeck-e2e');
    expect(r.tools[1]?.error).toMatch(/^Exit code 2: ls: cannot access/);
    // four responses (resp_fd_1…4), each 120 input of which 20 cached, 15 output
    expect(
      r.usage.map((u) => [u.message_id, u.model, u.input_tokens, u.cache_read_tokens, u.output_tokens]),
    ).toEqual([1, 2, 3, 4].map((n) => [`resp_fd_${n}`, 'gpt-fake', 100, 20, 15]));
    expect(r.snapshot.usage).toMatchObject({
      inputTokens: 400,
      cacheReadTokens: 80,
      outputTokens: 60,
      messages: 4,
    });
  });

  it('a Gemini chat file: prompts, answers, the two commands (the ls failed), each message counted once', async () => {
    const h = home();
    const adapter = await db(h.dir);
    await run(adapter, h.roots);
    const r = await rowsOf(adapter, GEMINI_ID);
    expect(r.session).toMatchObject({
      cli: 'gemini',
      status: 'ended',
      total_prompts: 2,
      total_tool_calls: 2,
    });
    expect(r.snapshot.model).toBe('gemini-2.5-flash');
    expect(r.prompts.map((x) => x.text)).toEqual(['run echo, then a failing command', 'second question']);
    expect(r.responses.map((x) => x.text_excerpt)).toEqual(['One command failed.', 'Second answer.']);
    expect(r.tools.map((t) => [t.tool_name, t.tool_input_summary, t.status])).toEqual([
      ['Bash', 'echo flightdeck-e2e', 'ok'],
      ['Bash', 'ls /nonexistent-flightdeck-dir', 'failed'],
    ]);
    expect(r.tools[0]?.result_excerpt).toBe('flightdeck-e2e');
    expect(r.tools[1]?.error).toMatch(/^Exit code 2: ls: cannot access/);
    // four gemini messages (two of them written twice), 200 input and 12 output each
    expect(r.usage.length).toBe(4);
    expect(r.snapshot.usage).toMatchObject({ inputTokens: 800, outputTokens: 48, messages: 4 });
  });

  it('idempotent: a second run finds both files imported and writes nothing', async () => {
    const h = home();
    const adapter = await db(h.dir);
    await run(adapter, h.roots);
    const before = await Promise.all([rowsOf(adapter, CODEX_ID), rowsOf(adapter, GEMINI_ID)]);
    const again = await run(adapter, h.roots);
    expect(again).toMatchObject({ state: 'done', filesTotal: 0, filesUnchanged: 2, sessions: 0 });
    const after = await Promise.all([rowsOf(adapter, CODEX_ID), rowsOf(adapter, GEMINI_ID)]);
    for (const [i, b] of before.entries()) {
      const a = after[i]!;
      expect([a.prompts, a.responses, a.tools, a.usage.length]).toEqual([
        b.prompts,
        b.responses,
        b.tools,
        b.usage.length,
      ]);
    }
  });

  it('a live session is left alone (its id is the one the hooks carry); an older .json chat is counted, not imported', async () => {
    const h = home();
    writeFileSync(
      join(h.roots.gemini, 'project', 'chats', 'session-old.json'),
      '{"sessionId":"old","messages":[]}',
    );
    const adapter = await db(h.dir);
    const p = await run(adapter, h.roots, [CODEX_ID, GEMINI_ID]);
    expect(p).toMatchObject({ state: 'done', found: { codex: 1, gemini: 2 }, filesLive: 2, sessions: 0 });
    const sessions = await adapter.db.selectFrom('sessions').select('id').execute();
    expect(sessions).toEqual([]);
  });
});

describe('the Gemini mapper on a message written again', () => {
  it('its text and each tool call are written once, whatever number of times the message is', () => {
    const map = createGeminiImportMapper();
    const msg = {
      id: 'm1',
      timestamp: '2026-12-07T12:00:00.000Z',
      type: 'gemini',
      content: 'Looking.',
      model: 'gemini-2.5-pro',
      tokens: { input: 10, output: 2, cached: 0, thoughts: 0, tool: 0, total: 12 },
    };
    const call = { id: 'c1', name: 'read_file', args: { file_path: 'a.txt' }, status: 'success', result: [] };
    const lines = [msg, { ...msg, toolCalls: [call] }, { ...msg, toolCalls: [call] }].flatMap((o) => map(o));
    const kinds = lines.flatMap((l) => {
      const content = (l.obj.message as { content?: Array<{ type: string }> } | undefined)?.content;
      return [
        ...(Array.isArray(content) ? content.map((c) => `${String(l.obj.type)}:${c.type}`) : []),
        ...l.entries.filter((e) => e.kind !== 'usage').map((e) => e.kind),
      ];
    });
    expect(kinds).toEqual(['assistant-text', 'assistant:tool_use', 'user:tool_result']);
    // the Read call keeps the dashboard's name
    expect(JSON.stringify(lines[1]?.obj)).toContain('"name":"Read"');
  });
});
