import { openSqlite } from '@flightdeck/db';
import { afterEach, describe, expect, it } from 'vitest';
import { HOUR_MS, startRetention } from '../src/retention/index.js';
import type { RunningServer } from '../src/server.js';
import { caller, claudeEvent, prompt, sessionStart, sqliteOf, startTestServer, tmpDir } from './helpers.js';

const START = Date.UTC(2026, 11, 1, 12);

/** A session with a prompt and a tool call, ended or not, sent and ingested at the server's clock `at`. */
async function session(
  server: RunningServer,
  at: number,
  id: string,
  word: string,
  end: boolean,
): Promise<void> {
  const tool = { tool_name: 'Bash', tool_use_id: `toolu_${id}`, tool_input: { command: `echo ${word}` } };
  const meta = { sentAt: at };
  const events = [
    sessionStart(id, meta),
    prompt(id, `please ${word} the build`, meta),
    claudeEvent(id, 'PreToolUse', tool, meta),
    claudeEvent(id, 'PostToolUse', { ...tool, tool_response: { stdout: `${word} done`, stderr: '' } }, meta),
    ...(end ? [claudeEvent(id, 'SessionEnd', { reason: 'exit' }, meta)] : []),
  ];
  for (const [i, e] of events.entries()) await server.runtime.ingest(e, `${id}-${i}`);
  await server.runtime.drain();
}

describe('retention enforced (real SQLite file, the server clock moved forward)', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('old conversation data and raw events are pruned, recent kept; ended sessions leave memory and stay in History', async () => {
    const tmp = tmpDir('fd-retention-clock-');
    cleanups.push(tmp.remove);
    let now = START;
    const start = () =>
      startTestServer({
        dataDir: tmp.dir,
        listen: false,
        clock: () => now,
        file: { sessionRetentionHours: 24, endedSessionMemoryMinutes: 60, hookEventRetentionDays: 30 },
      });
    let server = await start();
    cleanups.push(() => server.close());
    const sql = (q: string) => sqliteOf(server).prepare(q).pluck().all() as unknown[];

    await session(server, now, 'old', 'alpha', true);
    now += 2 * 24 * HOUR_MS; // two days later
    await session(server, now, 'ended-now', 'beta', true);
    await session(server, now, 'live', 'gamma', false);
    const me = caller(server);

    // Before the pass: Settings shows the database and what retention would free.
    const before = await me.system.storage();
    expect(before.databaseBytes).toBeGreaterThan(0);
    expect(before.settings).toEqual({
      sessionRetentionHours: 24,
      hookEventRetentionDays: 30,
      endedSessionMemoryMinutes: 60,
    });
    expect(before.prunable.tables.prompts).toMatchObject({ rows: 3, prunableRows: 1 });
    expect(before.prunable.tables.tool_calls).toMatchObject({ rows: 3, prunableRows: 1 });
    expect(before.prunable.tables.hook_events).toMatchObject({ rows: 14, prunableRows: 5 });
    expect(before.prunable.prunableBytes).toBeGreaterThan(0);
    expect(before.sessionsInMemory).toBe(3);

    const sub = server.runtime.hub.subscribe();
    cleanups.push(() => sub.close());
    const pass = await server.services.retention!.run();
    expect(pass.conversation.prompts).toBe(1);
    expect(pass.conversation.tool_calls).toBe(1);
    expect(pass.hookEvents).toBe(5);
    expect(pass.evicted).toBe(1);

    // The old session's conversation and raw events are gone (and from the search index); the recent ones stay.
    expect(sql('SELECT text FROM prompts ORDER BY id')).toEqual([
      'please beta the build',
      'please gamma the build',
    ]);
    expect(sql("SELECT count(*) FROM tool_calls WHERE session_id = 'old'")).toEqual([0]);
    expect(sql("SELECT count(*) FROM hook_events WHERE session_id = 'old'")).toEqual([0]);
    expect(sql('SELECT count(*) FROM hook_events')).toEqual([9]);
    // Only the title stays searchable (the session row, with its title, is kept).
    const alpha = await me.history.fullText({ query: 'alpha' });
    expect(alpha.items.map((h) => h.kind)).toEqual(['title']);
    expect((await me.history.fullText({ query: 'beta' })).total).toBeGreaterThan(0);

    // The old ended session left memory (board, live), the one that ended just now and the live one did not…
    expect(server.runtime.getSession('old')).toBeUndefined();
    expect(
      server.runtime
        .listSessions()
        .map((s) => s.sessionId)
        .sort(),
    ).toEqual(['ended-now', 'live']);
    await expect(me.sessions.get({ sessionId: 'old' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // A live subscriber is told it is gone (and of no other removal; other sessions may change meanwhile).
    const removals: unknown[] = [];
    for (let i = 0; i < 5 && removals.length === 0; i++) {
      const told = await sub.next(AbortSignal.timeout(2000));
      if (!Array.isArray(told)) break;
      removals.push(...told.filter((m) => m.type === 'session-removed'));
    }
    expect(removals).toEqual([
      expect.objectContaining({ type: 'session-removed', data: { sessionId: 'old' } }),
    ]);
    // …and it is still in History.
    const listed = await me.history.search({});
    expect(listed.items.map((s) => s.sessionId).sort()).toEqual(['ended-now', 'live', 'old']);
    const old = await me.history.session({ sessionId: 'old' });
    expect(old).toMatchObject({ sessionId: 'old', status: 'ended' });
    const after = await me.system.storage();
    expect(after.prunable.prunableRows).toBe(0);
    expect(after.lastPass).toMatchObject({ evicted: 1, hookEvents: 5 });

    // An hour later the session that ended then leaves memory too; after a restart the evicted stay out.
    now += 2 * HOUR_MS;
    expect((await server.services.retention!.run()).evicted).toBe(1);
    await server.close();
    server = await start();
    expect(server.runtime.listSessions().map((s) => s.sessionId)).toEqual(['live']);
    expect((await caller(server).history.search({})).items).toHaveLength(3);
  });
  it('ended sessions leave memory in bounded chunks, the oldest first; the pass counts them as work', async () => {
    const tmp = tmpDir('fd-retention-chunks-');
    cleanups.push(tmp.remove);
    let now = START;
    const server = await startTestServer({
      dataDir: tmp.dir,
      listen: false,
      clock: () => now,
      file: { endedSessionMemoryMinutes: 60 },
    });
    cleanups.push(() => server.close());
    const ids = Array.from({ length: 25 }, (_, i) => `ended-${String(i).padStart(2, '0')}`);
    for (const id of ids) {
      now += 1000;
      await server.runtime.ingest(sessionStart(id, { sentAt: now }), `${id}-start`);
      await server.runtime.ingest(
        claudeEvent(id, 'SessionEnd', { reason: 'exit' }, { sentAt: now }),
        `${id}-end`,
      );
    }
    await session(server, now, 'live', 'gamma', false);
    now += 2 * HOUR_MS;
    const adapter = await openSqlite({ file: ':memory:' });
    cleanups.push(() => adapter.close());
    const chunks: string[][] = [];
    const retention = startRetention({
      db: adapter.db,
      runtime: {
        get state() {
          return server.runtime.state;
        },
        dispatch: async (input) => {
          const r = await server.runtime.dispatch(input);
          const evicted = r.effects.flatMap((e) => (e.type === 'session-evicted' ? [e.sessionId] : []));
          if (input.type === 'evict-ended') chunks.push(evicted);
          return r;
        },
      },
      settings: () => ({
        sessionRetentionHours: 24,
        hookEventRetentionDays: 30,
        endedSessionMemoryMinutes: 60,
      }),
      log: { info() {}, warn() {} },
      now: () => now,
      intervalMs: 10 * HOUR_MS,
      evictChunk: 10,
    });
    cleanups.push(() => retention.stop());
    const pass = await retention.run();
    expect(pass.evicted).toBe(25);
    expect(chunks.map((c) => c.sort())).toEqual([ids.slice(0, 10), ids.slice(10, 20), ids.slice(20)]);
    expect(server.runtime.listSessions().map((s) => s.sessionId)).toEqual(['live']);
    expect(retention.work()).toBeGreaterThanOrEqual(25);
  });
});
