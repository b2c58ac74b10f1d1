/**
 * A field of `Session` end to end: the host a hook reports (`meta.host`) reaches the session, the board's live
 * summary, the stored row and History's listing; History sorts by fields of `Session`, never by column names.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../src/router/index.js';
import type { RunningServer } from '../src/server.js';
import type { Context } from '../src/trpc.js';
import { createCallerFactory } from '../src/trpc.js';
import { prompt, sessionStart, startTestServer, tmpDir } from './helpers.js';

const createCaller = createCallerFactory(appRouter);

function ctxFor(server: RunningServer): Context {
  return {
    services: server.services,
    token: null,
    ip: '127.0.0.1',
    setHeader: null,
    bufferedAmount: () => 0,
  };
}

describe('host, from the hook to History', () => {
  let server: RunningServer;
  let tmp: ReturnType<typeof tmpDir>;
  beforeAll(async () => {
    tmp = tmpDir();
    server = await startTestServer({ dataDir: tmp.dir, listen: false });
  });
  afterAll(async () => {
    await server.close();
    tmp.remove();
  });

  it('reaches the session, the live summary and the stored summary', async () => {
    await server.runtime.ingest(sessionStart('h-1', { host: 'build-box' }), 'h-id-1');
    await server.runtime.ingest(sessionStart('h-2'), 'h-id-2');
    const caller = createCaller(ctxFor(server));
    expect((await caller.sessions.get({ sessionId: 'h-1' })).host).toBe('build-box');
    expect((await caller.sessions.get({ sessionId: 'h-2' })).host).toBeNull();

    const it = (await caller.sessions.liveSummary())[Symbol.asyncIterator]();
    const value: unknown = (await it.next()).value;
    // A tracked() value: `[id, data]` from the generator.
    const snap = (value as [string, unknown])[1] as {
      type: 'snapshot';
      data: { sessions: { sessionId: string; host: string | null }[] };
    };
    expect(snap.type).toBe('snapshot');
    expect(snap.data.sessions.find((s) => s.sessionId === 'h-1')?.host).toBe('build-box');
    await it.return?.();

    const listed = await caller.history.search({});
    expect(listed.items.find((s) => s.sessionId === 'h-1')?.host).toBe('build-box');
    expect((await caller.history.get({ sessionId: 'h-1' })).summary.host).toBe('build-box');
  });

  it('history.search sorts by fields of Session and refuses column names', async () => {
    await server.runtime.ingest(prompt('h-1', 'later'), 'h-id-3');
    const caller = createCaller(ctxFor(server));
    const asc = await caller.history.search({ sortBy: 'lastActivityAt', sortDir: 'asc' });
    const ids = asc.items.map((s) => s.sessionId);
    expect(ids.indexOf('h-2')).toBeLessThan(ids.indexOf('h-1'));
    const byName = await caller.history.search({ sortBy: 'projectName' });
    expect(byName.items.length).toBeGreaterThan(1);
    await expect(caller.history.search({ sortBy: 'last_activity_at' as never })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
  });

  it('history.session: the session with its stored logs; NOT_FOUND for an unknown id', async () => {
    const caller = createCaller(ctxFor(server));
    const s = await caller.history.session({ sessionId: 'h-1' });
    expect(s.host).toBe('build-box');
    expect(s.promptHistory.map((p) => p.text)).toEqual(['later']);
    await expect(caller.history.session({ sessionId: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
