/**
 * The history import on the transcripts recorded from Claude Code 2.1.328 (fixtures/): what each line becomes, and
 * usage equal to an independent count (each response once, its last line's usage).
 */
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openSqlite } from '@flightdeck/db';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultRoots } from '../src/import/files.js';
import { runImport } from '../src/import/run.js';
import { tmpDir } from './helpers.js';
import { RECORDED_SESSION, writeTree } from './import-tree.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const RECORDED = resolve(import.meta.dirname, '../../../fixtures/claude-code-2.1.328/transcripts');

/** Input and output tokens of a file counted apart: the last usage of each message id + request id. */
function independentCount(path: string): { input: number; output: number; messages: number } {
  const last = new Map<string, { input_tokens: number; output_tokens: number }>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const o = JSON.parse(line);
    if (o.type === 'assistant' && o.message?.usage && o.message.model !== '<synthetic>') {
      last.set(`${o.message.id}/${o.requestId}`, o.message.usage);
    }
  }
  let input = 0;
  let output = 0;
  for (const u of last.values()) {
    input += u.input_tokens;
    output += u.output_tokens;
  }
  return { input, output, messages: last.size };
}

describe('history import of the recorded Claude Code transcripts', () => {
  it('prompts, tool calls with their results, the subagent under its session, usage counted once', async () => {
    const t = tmpDir('fd-import-rec-');
    cleanups.push(t.remove);
    const projects = join(t.dir, 'projects');
    writeTree(projects, 0, { recorded: true });
    const db = await openSqlite({ file: join(t.dir, 'flightdeck.db') });
    cleanups.push(() => db.close());
    const p = await runImport(
      { adapter: db, redact: (s) => s, pricing: () => undefined, isLive: () => false, now: Date.now },
      { roots: { ...defaultRoots('/nonexistent-home'), claude: projects }, clis: ['claude'] },
    );
    expect(p).toMatchObject({ state: 'done', filesTotal: 2, sessions: 1, linesSkipped: 0 });
    const id = RECORDED_SESSION;
    const session = await db.db
      .selectFrom('sessions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(session).toMatchObject({
      status: 'ended',
      title: 'build the thing',
      project_path: '/home/dev/work/demo',
      total_prompts: 2,
      total_tool_calls: 7,
    });
    // the task notification is an event, not a prompt; the subagent's task is not one of the session's prompts
    const prompts = await db.db
      .selectFrom('prompts')
      .select('text')
      .where('session_id', '=', id)
      .orderBy('timestamp')
      .execute();
    expect(prompts.map((r) => r.text)).toEqual(['build the thing', 'now the second part']);
    const events = await db.db
      .selectFrom('events')
      .select('event_type')
      .where('session_id', '=', id)
      .execute();
    expect(events.map((e) => e.event_type)).toEqual(['task-notification']);
    const tools = await db.db
      .selectFrom('tool_calls')
      .select(['tool_name', 'status', 'agent_id', 'result_excerpt', 'error'])
      .where('session_id', '=', id)
      .orderBy('timestamp')
      .orderBy('id')
      .execute();
    expect(tools.map((r) => [r.tool_name, r.status, r.agent_id])).toEqual([
      ['Write', 'ok', null],
      ['Read', 'ok', null],
      ['Edit', 'ok', null],
      ['Bash', 'failed', null],
      ['Agent', 'ok', null],
      ['Bash', 'ok', 'a427100067de70b46'],
      ['Bash', 'ok', null],
      ['Bash', 'ok', null],
    ]);
    expect(tools[3]?.error).toContain('Exit code 2');
    expect(tools[1]?.result_excerpt).toContain('alpha');
    // usage: the main transcript and the subagent's, each response once (an independent count of the files)
    const main = independentCount(join(RECORDED, `${id}.jsonl`));
    const sub = independentCount(join(RECORDED, id, 'subagents', 'agent-a427100067de70b46.jsonl'));
    const usage = await db.db
      .selectFrom('usage_messages')
      .select((eb) => [
        eb.fn.countAll<number>().as('messages'),
        eb.fn.sum<number>('input_tokens').as('input'),
        eb.fn.sum<number>('output_tokens').as('output'),
      ])
      .where('session_id', '=', id)
      .executeTakeFirstOrThrow();
    expect({
      messages: Number(usage.messages),
      input: Number(usage.input),
      output: Number(usage.output),
    }).toEqual({
      messages: main.messages + sub.messages,
      input: main.input + sub.input,
      output: main.output + sub.output,
    });
    const subRows = await db.db
      .selectFrom('usage_messages')
      .select('agent_id')
      .where('agent_id', '=', 'a427100067de70b46')
      .execute();
    expect(subRows.length).toBe(sub.messages);
    // the session's usage (Session.usage, what sessions.get shows): its own and its subagent's, like a live one's
    const stored = await db.db
      .selectFrom('sessions')
      .select('snapshot')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(stored.snapshot).usage).toMatchObject({
      inputTokens: main.input + sub.input,
      outputTokens: main.output + sub.output,
      messages: main.messages + sub.messages,
      byAgent: { a427100067de70b46: { inputTokens: sub.input, outputTokens: sub.output } },
    });
  });

  it('a compacted session: the compaction is an event; its summary and the /compact command are no prompts', async () => {
    const t = tmpDir('fd-import-compact-');
    cleanups.push(t.remove);
    const projects = join(t.dir, 'projects', '-home-dev-work-demo');
    mkdirSync(projects, { recursive: true });
    const id = '11111111-2222-4333-8444-555555555555';
    cpSync(join(RECORDED, '..', 'interactive', 'compact', 'transcript.jsonl'), join(projects, `${id}.jsonl`));
    const db = await openSqlite({ file: join(t.dir, 'flightdeck.db') });
    cleanups.push(() => db.close());
    const p = await runImport(
      { adapter: db, redact: (s) => s, pricing: () => undefined, isLive: () => false, now: Date.now },
      { roots: { ...defaultRoots('/nonexistent-home'), claude: join(t.dir, 'projects') }, clis: ['claude'] },
    );
    expect(p).toMatchObject({ state: 'done', sessions: 1 });
    const prompts = await db.db
      .selectFrom('prompts')
      .select('text')
      .where('session_id', '=', id)
      .orderBy('timestamp')
      .execute();
    expect(prompts.map((r) => r.text)).toEqual(['first question', 'second question']);
    const events = await db.db
      .selectFrom('events')
      .select('event_type')
      .where('session_id', '=', id)
      .execute();
    expect(events.map((e) => e.event_type)).toContain('compacted');
  });
});
