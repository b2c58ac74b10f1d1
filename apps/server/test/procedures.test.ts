/**
 * Procedure logic through `createCaller` (no transport), against the real core and a real SQLite database
 * (in memory and on disk).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../src/router/index.js';
import type { RunningServer } from '../src/server.js';
import type { Context } from '../src/trpc.js';
import { createCallerFactory } from '../src/trpc.js';
import { claudeEvent, prompt, sessionStart, startTestServer, tmpDir } from './helpers.js';

const createCaller = createCallerFactory(appRouter);

/** A tracked() value: `[id, data]` from the generator, `{ id, data }` once typed by tRPC. */
function unwrap(v: unknown): unknown {
  if (Array.isArray(v)) return v[1];
  return (v as { data?: unknown } | undefined)?.data;
}

function ctxFor(server: RunningServer, token: string | null = null): Context {
  const headers: Record<string, string> = {};
  return {
    services: server.services,
    token,
    ip: '127.0.0.1',
    setHeader: (name, value) => {
      headers[name] = value;
    },
    bufferedAmount: () => 0,
  };
}

for (const mode of ['memory', 'file'] as const) {
  describe(`procedures (${mode} SQLite)`, () => {
    let server: RunningServer;
    let tmp: ReturnType<typeof tmpDir> | null = null;
    beforeAll(async () => {
      tmp = mode === 'file' ? tmpDir() : null;
      server = await startTestServer({ dataDir: tmp?.dir ?? null, listen: false });
    });
    afterAll(async () => {
      await server.close();
      tmp?.remove();
    });

    it('sessions: list/get/setTitle/setLabel/setAccentColor/archive/unarchive/delete', async () => {
      const caller = createCaller(ctxFor(server));
      await server.runtime.ingest(sessionStart('s-1'), 'id-1');
      await server.runtime.ingest(prompt('s-1', 'refactor the login flow'), 'id-2');
      const list = await caller.sessions.list();
      expect(list.map((s) => s.sessionId)).toContain('s-1');
      const s = await caller.sessions.get({ sessionId: 's-1' });
      expect(s.projectPath).toBe('/home/dev/project-x');
      expect(s.totalPrompts).toBe(1);

      expect((await caller.sessions.setTitle({ sessionId: 's-1', title: 'Login work' }))?.title).toBe(
        'Login work',
      );
      expect((await caller.sessions.setLabel({ sessionId: 's-1', label: 'urgent' }))?.label).toBe('urgent');
      expect(
        (await caller.sessions.setAccentColor({ sessionId: 's-1', color: '#ff0000' }))?.accentColor,
      ).toBe('#ff0000');
      expect((await caller.sessions.archive({ sessionId: 's-1' }))?.archived).toBe(true);
      expect((await caller.sessions.list({ includeArchived: false })).map((x) => x.sessionId)).not.toContain(
        's-1',
      );
      expect((await caller.sessions.unarchive({ sessionId: 's-1' }))?.archived).toBe(false);

      // persisted: history sees the user's title
      const detail = await caller.history.get({ sessionId: 's-1' });
      expect(detail.session.title).toBe('Login work');

      await expect(caller.sessions.get({ sessionId: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(
        caller.sessions.setTitle({ sessionId: 's-1', title: 'x'.repeat(501) }),
      ).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
      // kill requires confirm: true
      await expect(
        caller.sessions.kill({ sessionId: 's-1', confirm: false as unknown as true }),
      ).rejects.toMatchObject({ code: 'BAD_REQUEST' });

      await server.runtime.ingest(sessionStart('s-del'), 'id-3');
      expect(await caller.sessions.delete({ sessionId: 's-del' })).toEqual({ deleted: true });
      expect((await caller.sessions.list()).map((x) => x.sessionId)).not.toContain('s-del');
      await expect(caller.history.get({ sessionId: 's-del' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('history: search, fullText, projects', async () => {
      const caller = createCaller(ctxFor(server));
      await server.runtime.ingest(sessionStart('s-h'), 'id-h1');
      await server.runtime.ingest(prompt('s-h', 'migrate the payment gateway to stripe'), 'id-h2');
      const found = await caller.history.search({ query: 'stripe' });
      expect(found.items.map((i) => i.sessionId)).toEqual(['s-h']);
      const none = await caller.history.search({ query: 'kubernetes' });
      expect(none.total).toBe(0);
      const fts = await caller.history.fullText({ query: 'payment' });
      expect(fts.total).toBeGreaterThan(0);
      const projects = await caller.history.projects();
      expect(projects.map((p) => p.projectPath)).toContain('/home/dev/project-x');
      await expect(caller.history.search({ pageSize: 100000 })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
    });

    it('notes: add/list/update/delete with validation', async () => {
      const caller = createCaller(ctxFor(server));
      await server.runtime.ingest(sessionStart('s-n'), 'id-n1');
      const note = await caller.notes.add({ sessionId: 's-n', text: 'check the retry logic' });
      expect(note.text).toBe('check the retry logic');
      expect((await caller.notes.list({ sessionId: 's-n' })).map((n) => n.id)).toEqual([note.id]);
      expect((await caller.notes.update({ noteId: note.id, text: 'done' })).text).toBe('done');
      expect(await caller.notes.delete({ noteId: note.id })).toEqual({ deleted: true });
      await expect(caller.notes.delete({ noteId: note.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(caller.notes.add({ sessionId: 'missing', text: 'x' })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
      await expect(caller.notes.add({ sessionId: 's-n', text: '' })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
    });

    it('analytics: summary, tools, projects, heatmap, daily', async () => {
      const caller = createCaller(ctxFor(server));
      const summary = await caller.analytics.summary();
      expect(summary.totalSessions).toBeGreaterThan(0);
      expect(Array.isArray(await caller.analytics.tools())).toBe(true);
      expect((await caller.analytics.projects()).length).toBeGreaterThan(0);
      expect(Array.isArray(await caller.analytics.heatmap({ tzOffsetMinutes: 60 }))).toBe(true);
      const daily = await caller.analytics.daily({ days: 7 });
      expect(daily).toHaveLength(7);
    });

    it('teams, system, hooks stats', async () => {
      const caller = createCaller(ctxFor(server));
      expect(Array.isArray(await caller.teams.list())).toBe(true);
      await expect(caller.teams.get({ teamId: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      const info = await caller.system.info();
      expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
      expect(info.dataDir).toBe(tmp?.dir ?? null);
      expect(info.ingest.hookEvents).toBeGreaterThan(0);
      expect((await caller.system.health()).ok).toBe(true);
      const stats = await caller.hooks.stats();
      expect(stats.ingest.batches).toBeGreaterThan(0);
    });

    it('sessions.live via createCaller: snapshot, then the next change', async () => {
      const caller = createCaller(ctxFor(server));
      const iterable = await caller.sessions.live();
      const it = iterable[Symbol.asyncIterator]();
      const first = await it.next();
      expect(unwrap(first.value)).toMatchObject({ type: 'snapshot' });
      await server.runtime.ingest(sessionStart('s-live'), 'id-live');
      // earlier tests may still flush coalesced updates first; the change for s-live must follow
      let found: unknown = null;
      for (let i = 0; i < 20 && !found; i++) {
        const next = await it.next();
        const msg = unwrap(next.value) as { type: string; data: { sessionId?: string } };
        if (msg.type === 'session-upsert' && msg.data.sessionId === 's-live') found = msg;
      }
      expect(found).toMatchObject({ type: 'session-upsert', data: { sessionId: 's-live' } });
      await it.return?.();
    });

    it('sessions.liveSummary: sessions without ring buffers, with their sizes', async () => {
      await server.runtime.ingest(sessionStart('s-sum'), 'id-sum-1');
      await server.runtime.ingest(prompt('s-sum', 'summarise the board'), 'id-sum-2');
      const full = server.runtime.getSession('s-sum');
      expect(full?.promptHistory.length).toBe(1);
      const caller = createCaller(ctxFor(server));
      const it = (await caller.sessions.liveSummary())[Symbol.asyncIterator]();
      const snap = unwrap((await it.next()).value) as {
        type: string;
        data: { sessions: Array<Record<string, unknown>> };
      };
      expect(snap.type).toBe('snapshot');
      const inSnap = snap.data.sessions.find((s) => s.sessionId === 's-sum');
      expect(inSnap).toMatchObject({
        summary: true,
        sessionId: 's-sum',
        totalPrompts: 1,
        currentPrompt: 'summarise the board',
        counts: { promptHistory: 1, toolLog: 0, responseLog: 0, events: full?.events.length },
        lastResponse: null,
      });
      for (const ring of ['promptHistory', 'toolLog', 'responseLog', 'events', 'subagents']) {
        expect(inSnap).not.toHaveProperty(ring);
      }
      await server.runtime.ingest(prompt('s-sum', 'and again'), 'id-sum-3');
      let upsert: Record<string, unknown> | null = null;
      for (let i = 0; i < 20 && !upsert; i++) {
        const msg = unwrap((await it.next()).value) as { type: string; data: Record<string, unknown> };
        if (msg.type === 'session-upsert' && msg.data.sessionId === 's-sum') upsert = msg.data;
      }
      expect(upsert).toMatchObject({ summary: true, totalPrompts: 2, counts: { promptHistory: 2 } });
      expect(upsert).not.toHaveProperty('promptHistory');
      // the main agent's latest text, one line, for the card's activity line
      await server.runtime.ingest(
        claudeEvent('s-sum', 'Stop', { last_assistant_message: `All   done.\n${'x'.repeat(400)}` }),
        'id-sum-4',
      );
      let done: Record<string, unknown> | null = null;
      for (let i = 0; i < 20 && !done; i++) {
        const msg = unwrap((await it.next()).value) as { type: string; data: Record<string, unknown> };
        if (msg.type === 'session-upsert' && msg.data.sessionId === 's-sum' && msg.data.status === 'waiting')
          done = msg.data;
      }
      expect(done?.lastResponse).toBe(`All done. ${'x'.repeat(279 - 10)}…`);
      // a new prompt: the previous turn's text is not what the agent is doing now
      await server.runtime.ingest(prompt('s-sum', 'third'), 'id-sum-5');
      let next: Record<string, unknown> | null = null;
      for (let i = 0; i < 20 && !next; i++) {
        const msg = unwrap((await it.next()).value) as { type: string; data: Record<string, unknown> };
        if (msg.type === 'session-upsert' && msg.data.sessionId === 's-sum' && msg.data.totalPrompts === 3)
          next = msg.data;
      }
      expect(next?.lastResponse).toBeNull();
      await it.return?.();
      // the default view still carries whole sessions
      const fullIt = (await caller.sessions.live())[Symbol.asyncIterator]();
      const fullSnap = unwrap((await fullIt.next()).value) as {
        data: { sessions: Array<{ sessionId: string; promptHistory?: unknown[] }> };
      };
      expect(fullSnap.data.sessions.find((s) => s.sessionId === 's-sum')?.promptHistory).toHaveLength(3);
      await fullIt.return?.();
    });

    it('auth: login/logout/setPassword/clearPassword', async () => {
      const caller = createCaller(ctxFor(server));
      expect(await caller.auth.status()).toEqual({ passwordRequired: false, authenticated: true });
      const set = await caller.auth.setPassword({ password: 'hunter22' });
      expect(set.token).toMatch(/^[0-9a-f]{64}$/);
      const anon = createCaller(ctxFor(server));
      expect(await anon.auth.status()).toEqual({ passwordRequired: true, authenticated: false });
      await expect(anon.sessions.list()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      await expect(anon.auth.login({ password: 'wrong' })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      const { token } = await anon.auth.login({ password: 'hunter22' });
      const authed = createCaller(ctxFor(server, token));
      expect((await authed.sessions.list()).length).toBeGreaterThan(0);
      await authed.auth.logout();
      await expect(authed.sessions.list()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      const owner = createCaller(ctxFor(server, set.token));
      await owner.auth.clearPassword();
      expect(await anon.auth.status()).toEqual({ passwordRequired: false, authenticated: true });
    });
  });
}
