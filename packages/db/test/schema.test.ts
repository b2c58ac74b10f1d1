import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type CoreStateTable,
  DbInputError,
  type EventsTable,
  type HookEventsTable,
  type KvTable,
  type NotesTable,
  openSqlite,
  type PromptsTable,
  type ResponsesTable,
  type SessionsTable,
  type ToolCallsTable,
} from '../src/index.js';
import { makeSession, openTestDb, recordBatch } from './helpers.js';

/** `Record<keyof Table, true>` makes the compiler check these lists against the Kysely types. */
const cols = <T>(c: Record<keyof T, true>) => Object.keys(c).sort();

const EXPECTED: Record<string, string[]> = {
  sessions: cols<SessionsTable>({
    id: true,
    cli: true,
    project_path: true,
    project_name: true,
    title: true,
    model: true,
    status: true,
    status_reason: true,
    source: true,
    host: true,
    label: true,
    team_id: true,
    team_role: true,
    accent_color: true,
    parent_session_id: true,
    agent_name: true,
    agent_type: true,
    permission_mode: true,
    transcript_path: true,
    started_at: true,
    ended_at: true,
    end_reason: true,
    last_activity_at: true,
    total_prompts: true,
    total_tool_calls: true,
    archived: true,
    previous_session_ids: true,
    resume_count: true,
    snapshot: true,
    ring_lengths: true,
  }),
  prompts: cols<PromptsTable>({ id: true, session_id: true, text: true, prompt_id: true, timestamp: true }),
  responses: cols<ResponsesTable>({
    id: true,
    session_id: true,
    text_excerpt: true,
    agent_id: true,
    timestamp: true,
  }),
  tool_calls: cols<ToolCallsTable>({
    id: true,
    session_id: true,
    tool_use_id: true,
    tool_name: true,
    tool_input_summary: true,
    tool_input: true,
    status: true,
    timestamp: true,
    ended_at: true,
    duration_ms: true,
    result_excerpt: true,
    error: true,
    agent_id: true,
  }),
  events: cols<EventsTable>({ id: true, session_id: true, event_type: true, detail: true, timestamp: true }),
  notes: cols<NotesTable>({ id: true, session_id: true, text: true, created_at: true, updated_at: true }),
  hook_events: cols<HookEventsTable>({
    id: true,
    ingest_id: true,
    session_id: true,
    cli: true,
    event_type: true,
    payload: true,
    meta: true,
    received_at: true,
    sent_at: true,
  }),
  core_state: cols<CoreStateTable>({ id: true, state: true, updated_at: true }),
  kv: cols<KvTable>({ key: true, value: true, updated_at: true }),
};

describe('schema', () => {
  it('matches the Kysely table types column for column', async () => {
    const h = await openTestDb('memory');
    try {
      for (const [table, expected] of Object.entries(EXPECTED)) {
        const actual = (
          h.sqlite.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]
        ).sort();
        expect(actual, table).toEqual(expected);
      }
    } finally {
      await h.cleanup();
    }
  });

  it('rejects an empty file name and reports an unopenable path', async () => {
    await expect(openSqlite({ file: '' })).rejects.toBeInstanceOf(DbInputError);
    const h = await openTestDb('file');
    const dir = h.dir as string;
    await h.cleanup();
    rmSync(dir, { recursive: true, force: true });
    await expect(openSqlite({ file: `${dir}/missing-dir/x.db` })).rejects.toThrow(/directory does not exist/);
  });

  it('lets a second connection read what the first committed (WAL) while it stays open', async () => {
    const a = await openTestDb('file');
    try {
      const b = await openSqlite({ file: a.file });
      try {
        expect(b.appliedMigrations).toEqual([]);
        await recordBatch(a, { events: [], sessions: [makeSession('shared')] });
        expect((await b.searchSessions()).items.map((s) => s.sessionId)).toEqual(['shared']);
        await recordBatch(b, { events: [], sessions: [makeSession('second')] });
        expect((await a.searchSessions()).total).toBe(2);
      } finally {
        await b.close();
        await b.close(); // idempotent
      }
    } finally {
      await a.cleanup();
    }
  });
});
