/**
 * Several Flightdeck servers on one PostgreSQL (issue 19, store/cluster.ts): two real servers on port 0 in this
 * process, sharing one database of a throwaway PostgreSQL server. A subscriber of server B (the web's live stream,
 * over a real WebSocket) sees what is posted to server A's `POST /api/hooks`; a held approval whose hook waits on
 * A's FIFO (a real `sh` reader, as the hook) is decided through B's `approvals.decide`; B's LISTEN connection,
 * killed with `pg_terminate_backend`, comes back and catches up from the tables.
 */

import { hookEventOp, notifyEventsStored, type WriteOp } from '@flightdeck/db';
import { startPostgres, type TestPostgres, terminateBackend } from '@flightdeck/db/test-support/postgres';
import type { HookEnvelope } from '@flightdeck/shared-types';
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '../src/router/index.js';
import type { RunningServer } from '../src/server.js';
import {
  caller,
  claudeEvent,
  postHook,
  prompt,
  sessionStart,
  startTestServer,
  type TestServerOptions,
  tmpDir,
  trpcClient,
  waitFor,
} from './helpers.js';
import { makeHoldFifo, recordId, startFifoReader } from './hold-fifo.js';

let pgServer: TestPostgres;
beforeAll(async () => {
  pgServer = await startPostgres();
}, 60_000);
afterAll(() => pgServer?.stop());

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanups.reverse()) await f();
  cleanups.length = 0;
});

/** The safety poll is off (an hour): what B sees comes through LISTEN/NOTIFY and the catch-up on reconnect. */
const NO_POLL = { safetyPollMs: 3_600_000 };

async function pair(
  cluster: TestServerOptions['cluster'] = NO_POLL,
  file: TestServerOptions['file'] = {},
  clusterOfA: TestServerOptions['cluster'] = cluster,
) {
  const url = pgServer.url(await pgServer.createDatabase());
  const start = async (options: TestServerOptions['cluster']) => {
    const dir = tmpDir('fd-cluster-');
    const server = await startTestServer({
      dataDir: dir.dir,
      file: { ...file, database: url },
      transcripts: false,
      cluster: options,
    });
    cleanups.push(() => dir.remove());
    cleanups.push(() => server.close());
    return { server, dir: dir.dir };
  };
  const a = await start(clusterOfA);
  const b = await start(cluster);
  return { a, b, url, restartB: () => startAgain(url, cluster) };
}

/** A server started again on the shared database (a new data dir, as on another machine). */
async function startAgain(url: string, cluster: TestServerOptions['cluster']) {
  const dir = tmpDir('fd-cluster-');
  cleanups.push(() => dir.remove());
  const server = await startTestServer({
    dataDir: dir.dir,
    file: { database: url },
    transcripts: false,
    cluster,
  });
  cleanups.push(() => server.close());
  return server;
}

/** The prompts a server holds in memory for a session, oldest first. */
function promptsIn(server: RunningServer, sessionId: string): string[] {
  return (server.runtime.getSession(sessionId)?.promptHistory ?? []).map((p) => p.text);
}

/** Prompts a subscriber of `server`'s `sessions.liveSummary` saw (the board's live stream), by session. */
function subscribe(server: RunningServer) {
  const { client, close } = trpcClient(server.url as string);
  cleanups.push(close);
  const seen: Array<{ sessionId: string; prompt: string | null }> = [];
  let ready = false;
  const sub = client.sessions.liveSummary.subscribe(
    {},
    {
      onData: ({ data }) => {
        const msg = data as { type: string; data: { sessionId: string; currentPrompt: string | null } };
        if (msg.type === 'snapshot') ready = true;
        if (msg.type === 'session-upsert')
          seen.push({ sessionId: msg.data.sessionId, prompt: msg.data.currentPrompt });
      },
    },
  );
  cleanups.push(() => sub.unsubscribe());
  return { seen, ready: () => waitFor(() => ready) };
}

async function countEvents(server: RunningServer): Promise<number> {
  const r = await server.database.db
    .selectFrom('hook_events')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Every write plan `server`'s store sends from now on. */
function written(server: RunningServer): WriteOp[][] {
  const plans: WriteOp[][] = [];
  const adapter = server.database;
  const write = adapter.write.bind(adapter);
  adapter.write = (ops) => {
    plans.push([...ops]);
    return write(ops);
  };
  return plans;
}

async function post(server: RunningServer, e: HookEnvelope) {
  expect((await postHook(server.url as string, e)).status).toBe(202);
}

describe('two servers on one PostgreSQL', () => {
  it("an event posted to A reaches a subscriber on B, and B's session list; nothing is stored twice or applied twice", async () => {
    const { a, b } = await pair();
    const live = subscribe(b.server);
    await live.ready();
    // The agent's process is on A's machine (this process stands in for it): only A watches it.
    await post(a.server, sessionStart('c-1', { pid: process.pid }));
    await post(a.server, prompt('c-1', 'refactor the wombat parser'));
    await waitFor(() =>
      live.seen.some((m) => m.sessionId === 'c-1' && m.prompt === 'refactor the wombat parser'),
    );
    const listed = await caller(b.server).sessions.list();
    expect(listed.map((s) => s.sessionId)).toEqual(['c-1']);
    expect(listed[0]?.totalPrompts).toBe(1);
    expect(listed[0]?.pid).toBe(process.pid);
    expect(a.server.runtime.stats().watchedPids).toBe(1);
    expect(b.server.runtime.stats().watchedPids).toBe(0);
    expect(b.server.runtime.checkKill('c-1')).toMatchObject({ ok: false, reason: /not identified/ });

    // The other way, and B's own event is not read back as another server's.
    await post(b.server, prompt('c-1', 'and its tests'));
    await waitFor(() => a.server.runtime.getSession('c-1')?.totalPrompts === 2);
    await a.server.services.cluster?.catchUp();
    await b.server.services.cluster?.catchUp();
    await a.server.runtime.drain();
    await b.server.runtime.drain();
    expect(b.server.runtime.getSession('c-1')?.totalPrompts).toBe(2);
    expect(a.server.runtime.getSession('c-1')?.totalPrompts).toBe(2);
    expect(await countEvents(a.server)).toBe(3);
    expect(b.server.services.cluster?.stats()).toMatchObject({ applied: 2, listening: true });
    expect(a.server.services.cluster?.stats()).toMatchObject({ applied: 1, listening: true });
  });

  it("a held approval on A is answered through B's approvals.decide; a second decision is refused and not applied", async () => {
    const { a, b } = await pair();
    const sid = 'c-held';
    await a.server.runtime.ingest(sessionStart(sid), 'h-1');
    await a.server.runtime.ingest(
      claudeEvent(sid, 'PreToolUse', {
        tool_name: 'Bash',
        tool_input: { command: 'make' },
        tool_use_id: 'tu-1',
      }),
      'h-2',
    );
    // As the spool reader hands over a held record: its FIFO in A's spool, a reader waiting like the hook.
    const id = recordId(1);
    const path = makeHoldFifo(`${a.dir}/spool`, id);
    const hook = startFifoReader(path);
    cleanups.push(() => hook.child.kill('SIGKILL'));
    await a.server.runtime.ingest(
      claudeEvent(
        sid,
        'PermissionRequest',
        { tool_name: 'Bash', tool_input: { command: 'make' }, permission_suggestions: [] },
        { hold: path, holdPid: hook.pid },
      ),
      'h-3',
    );
    await waitFor(() => a.server.runtime.holds.holdState(id) === 'held');
    const onB = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${b.server.url}/trpc` })] });
    await waitFor(async () => (await onB.approvals.list.query()).some((v) => v.id === id && v.decidable));
    expect(b.server.runtime.holds.holdState(id)).toBe('not-held');

    const first = onB.approvals.decide.mutate({ id, behavior: 'allow', via: 'browser' });
    const second = onB.approvals.decide.mutate({ id, behavior: 'deny', message: 'no' });
    const [r1, r2] = await Promise.allSettled([first, second]);
    const ok = [r1, r2].filter((r) => r.status === 'fulfilled');
    const refused = [r1, r2].filter((r) => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(1);
    const err = (refused[0] as PromiseRejectedResult).reason as TRPCClientError<AppRouter>;
    expect(err).toBeInstanceOf(TRPCClientError);
    expect(err.data?.code).toBe('CONFLICT');
    expect(err.message).toMatch(/already decided/);
    const outcome = (ok[0] as PromiseFulfilledResult<{ outcome: string }>).value.outcome;
    // What the hook printed (what Claude Code reads on its stdout): the one decision, once.
    const printed = await hook.done;
    const behavior = outcome === 'allowed' ? 'allow' : 'deny';
    expect(JSON.parse(printed)).toMatchObject({
      hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: { behavior } },
    });
    // Closed on both servers; one audit row (written by A, the holder).
    await waitFor(async () => (await onB.approvals.list.query()).every((v) => v.id !== id));
    expect((await caller(a.server).approvals.list()).some((v) => v.id === id)).toBe(false);
    const audit = await caller(a.server).approvals.history({ sessionId: sid });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ id, outcome, via: outcome === 'allowed' ? 'browser' : 'api' });
    // A decision arriving again (here on A) changes nothing.
    await expect(caller(a.server).approvals.decide({ id, behavior: 'deny' })).rejects.toThrow();
    expect(await caller(a.server).approvals.history({ sessionId: sid })).toHaveLength(1);
  });

  it('the LISTEN connection killed with pg_terminate_backend comes back; events posted meanwhile reach B', async () => {
    // Reconnecting after 400 ms: the events below are committed while B is not listening.
    const { a, b, url } = await pair({ ...NO_POLL, listenRetryMs: () => 400 });
    const live = subscribe(b.server);
    await live.ready();
    await post(a.server, sessionStart('c-gone'));
    await waitFor(() => b.server.runtime.getSession('c-gone'));
    const cluster = b.server.services.cluster;
    const pid = cluster?.stats().listenerPid;
    expect(pid).toEqual(expect.any(Number));
    expect(await terminateBackend(url, pid as number)).toBe(true);
    await waitFor(() => cluster?.stats().listening === false);
    for (const text of ['while away 1', 'while away 2', 'while away 3'])
      await post(a.server, prompt('c-gone', text));
    expect(cluster?.stats().connections).toBe(1);
    await waitFor(() => live.seen.some((m) => m.sessionId === 'c-gone' && m.prompt === 'while away 3'));
    expect(cluster?.stats()).toMatchObject({ connections: 2, listening: true });
    expect(b.server.runtime.getSession('c-gone')?.totalPrompts).toBe(3);
    // And it listens again: the next event comes by its notification.
    await post(a.server, prompt('c-gone', 'back'));
    await waitFor(() => b.server.runtime.getSession('c-gone')?.totalPrompts === 4);
  });

  it('an event whose smaller id commits after a larger one (two writers at once) still reaches B', async () => {
    const { a, b } = await pair();
    const db = a.server.database.db;
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    let inserted: () => void = () => {};
    const insertedYet = new Promise<void>((r) => {
      inserted = r;
    });
    // A third writer: its id is taken now, its commit comes after A's next event (a larger id) is visible.
    const late = db.transaction().execute(async (tx) => {
      const op = hookEventOp({
        ingestId: 'other:1',
        envelope: prompt('c-gap', 'committed late'),
        receivedAt: Date.now(),
      });
      if (op.op !== 'hookEvent') throw new Error('not a hook event');
      await tx.insertInto('hook_events').values(op.row).execute();
      inserted();
      await held;
      await notifyEventsStored(tx, 'flightdeck_events', 'server-c');
    });
    await insertedYet;
    await post(a.server, sessionStart('c-gap'));
    await waitFor(() => b.server.runtime.getSession('c-gap'));
    expect(b.server.services.cluster?.stats().gaps).toBe(1);
    release();
    await late;
    await waitFor(() => b.server.runtime.getSession('c-gap')?.currentPrompt === 'committed late');
    expect(b.server.services.cluster?.stats().gaps).toBe(0);
  });

  it("each server writes the rows of the sessions it took events for (not the other's), locking them in id order", async () => {
    const { a, b } = await pair();
    const onA = written(a.server);
    const onB = written(b.server);
    // Sessions whose ids sort the other way round from the order they are changed in.
    const ids = ['c-z', 'c-m', 'c-a'];
    for (const id of ids) await post(a.server, sessionStart(id));
    for (const id of ids) await post(a.server, prompt(id, `work on ${id}`));
    await waitFor(() => ids.every((id) => b.server.runtime.getSession(id)?.totalPrompts === 1));
    await a.server.runtime.drain();
    await b.server.runtime.drain();
    const sessionsOf = (plan: WriteOp[]) =>
      plan.flatMap((op) =>
        op.op === 'session' ? [op.row.id] : op.op === 'prompt' ? [op.row.session_id] : [],
      );
    const rowsOnA = onA.map(sessionsOf).filter((list) => list.length > 0);
    expect(rowsOnA.flat()).toEqual(expect.arrayContaining(ids));
    // Session rows in id order in every transaction (two servers' checkpoints wait for each other, never deadlock).
    const sessionRows = onA.map((plan) => plan.flatMap((op) => (op.op === 'session' ? [op.row.id] : [])));
    expect(sessionRows.some((list) => list.length > 1)).toBe(true);
    for (const list of sessionRows) expect(list).toEqual([...list].sort());
    // B applied them (its state, its subscribers) but leaves their rows and runtime entries to A.
    expect(onB.flatMap(sessionsOf)).toEqual([]);
    const runtimeKeys = (plans: WriteOp[][]) =>
      plans.flat().flatMap((op) => (op.op === 'kv' && op.key.startsWith('core.runtime:') ? [op.key] : []));
    expect(runtimeKeys(onA)).toEqual(expect.arrayContaining(ids.map((id) => `core.runtime:${id}`)));
    expect(runtimeKeys(onB)).toEqual([]);
  });

  it("a timer armed by A's event fires on B as A's: B closes the card but writes nothing of it", async () => {
    const { a, b } = await pair(NO_POLL, { approvals: { holdSeconds: { claude: 1 } } });
    const onA = written(a.server);
    const onB = written(b.server);
    const sid = 'c-timer';
    await a.server.runtime.ingest(sessionStart(sid), 't-1');
    const id = recordId(2);
    const hook = startFifoReader(makeHoldFifo(`${a.dir}/spool`, id));
    cleanups.push(() => hook.child.kill('SIGKILL'));
    await a.server.runtime.ingest(
      claudeEvent(
        sid,
        'PermissionRequest',
        { tool_name: 'Bash', tool_input: { command: 'ls' }, permission_suggestions: [] },
        { hold: `${a.dir}/spool/hold/${id}`, holdPid: hook.pid },
      ),
      't-2',
    );
    await waitFor(() => b.server.runtime.approvals.list().some((v) => v.id === id));
    // The hold time (1 s) runs out on both servers (the card stays, to be answered in the terminal).
    const closed = (server: RunningServer) => server.runtime.approvals.get(id)?.decidable === false;
    await waitFor(() => closed(b.server), 5000);
    await waitFor(() => closed(a.server), 5000);
    await a.server.runtime.drain();
    await b.server.runtime.drain();
    const about = (plans: WriteOp[][]) =>
      plans
        .flat()
        .filter(
          (op) =>
            (op.op === 'approval' && op.row.id === id) ||
            (op.op === 'session' && op.row.id === sid) ||
            (op.op === 'kv' && op.key === `core.runtime:${sid}`),
        )
        .map((op) => op.op);
    expect(about(onA)).toEqual(expect.arrayContaining(['approval', 'session', 'kv']));
    expect(about(onB)).toEqual([]);
    expect(await caller(a.server).approvals.history({ sessionId: sid })).toMatchObject([
      { id, outcome: 'timed_out' },
    ]);
  });

  it('a decision nobody claims (the server holding the hook is gone) is refused, and no later claim applies it', async () => {
    const { a, b } = await pair({ ...NO_POLL, unclaimedMs: 300 });
    const sid = 'c-orphan';
    await a.server.runtime.ingest(sessionStart(sid), 'o-1');
    const id = recordId(3);
    const hook = startFifoReader(makeHoldFifo(`${a.dir}/spool`, id));
    cleanups.push(() => hook.child.kill('SIGKILL'));
    await a.server.runtime.ingest(
      claudeEvent(
        sid,
        'PermissionRequest',
        { tool_name: 'Bash', tool_input: { command: 'ls' }, permission_suggestions: [] },
        { hold: `${a.dir}/spool/hold/${id}`, holdPid: hook.pid },
      ),
      'o-2',
    );
    await waitFor(() => b.server.runtime.approvals.get(id)?.decidable);
    // A goes away: it stops holding the hook (the hook reads EOF: the terminal's dialog decides).
    await a.server.close();
    expect(await hook.done).toBe('');
    const err = await caller(b.server)
      .approvals.decide({ id, behavior: 'allow' })
      .then(
        () => null,
        (e: unknown) => e as Error,
      );
    expect(err?.message).toMatch(/no server holds this hook any more: answer in the terminal/);
    // Closed here too (released, as a FIFO this server does not hold): the card says to answer in the terminal.
    expect(b.server.runtime.approvals.get(id)?.decidable).not.toBe(true);
    const audit = await caller(b.server).approvals.history({ sessionId: sid });
    expect(audit).toMatchObject([{ id, outcome: 'released', message: 'no server holds this hook any more' }]);
    const rows = await b.server.database.db.selectFrom('cluster_decisions').selectAll().execute();
    expect(rows).toMatchObject([
      { approval_id: id, claimed_by: null, result: expect.stringContaining('"ok":false') },
    ]);
  });

  it("B restarted while A goes on: A's events counted once (the replay, then the log from after it), and followed again", async () => {
    const { a, b, restartB } = await pair();
    await post(a.server, sessionStart('c-restart'));
    await post(b.server, prompt('c-restart', 'one'));
    await post(a.server, prompt('c-restart', 'two'));
    await waitFor(() => b.server.runtime.getSession('c-restart')?.totalPrompts === 2);
    await b.server.close();
    await post(a.server, prompt('c-restart', 'three (while B is down)'));
    const again = await restartB();
    await waitFor(() => again.runtime.getSession('c-restart')?.totalPrompts === 3, 20_000);
    await post(a.server, prompt('c-restart', 'four'));
    await waitFor(() => again.runtime.getSession('c-restart')?.totalPrompts === 4, 20_000);
    await again.services.cluster?.catchUp();
    await again.runtime.drain();
    expect(again.runtime.getSession('c-restart')?.totalPrompts).toBe(4);
    // Each once (their order may differ between servers: A may take its 'two' before it reads B's 'one').
    expect(promptsIn(again, 'c-restart').sort()).toEqual(['four', 'one', 'three (while B is down)', 'two']);
    expect(a.server.runtime.getSession('c-restart')?.totalPrompts).toBe(4);
  });

  it('B restarted before A wrote the rows of an event B had applied: the restarted B replays it, once (each row says what it holds)', async () => {
    // A checkpoints only when made to (an hour apart): the rows of A's events wait, as they do for up to 500 ms.
    const { a, b, restartB } = await pair(NO_POLL, {}, { ...NO_POLL, checkpointMs: 3_600_000 });
    await post(b.server, sessionStart('c-late'));
    await post(b.server, prompt('c-late', 'one (B)'));
    await b.server.runtime.drain();
    await post(a.server, prompt('c-late', 'two (A)'));
    await post(a.server, sessionStart('c-a-only'));
    await post(a.server, prompt('c-a-only', 'only A took this'));
    await waitFor(() => b.server.runtime.getSession('c-late')?.totalPrompts === 2);
    await waitFor(() => b.server.runtime.getSession('c-a-only')?.totalPrompts === 1);
    // B writes its checkpoint (and the watermark) as it stops; A has written none of its own events' rows yet.
    await b.server.close();
    const rows = await a.server.database.db.selectFrom('sessions').select(['id', 'total_prompts']).execute();
    expect(rows).toEqual([{ id: 'c-late', total_prompts: 1 }]);
    const again = await restartB();
    expect(promptsIn(again, 'c-late')).toEqual(['one (B)', 'two (A)']);
    expect(promptsIn(again, 'c-a-only')).toEqual(['only A took this']);
    // A writes its rows now; B, reading the log from where its load stopped, takes nothing twice.
    await post(a.server, prompt('c-late', 'three (A)'));
    await waitFor(() => again.runtime.getSession('c-late')?.totalPrompts === 3);
    await again.services.cluster?.catchUp();
    await again.runtime.drain();
    expect(promptsIn(again, 'c-late')).toEqual(['one (B)', 'two (A)', 'three (A)']);
    expect(again.runtime.getSession('c-a-only')?.totalPrompts).toBe(1);
    expect(again.services.cluster?.stats().prefix).toBe(await countEvents(again));
  });

  it("a user action on B (title, label, archive, delete) reaches A's memory, as B's: nothing of it is written by A", async () => {
    const { a, b, url } = await pair();
    await post(a.server, sessionStart('c-act'));
    await post(a.server, prompt('c-act', 'hello'));
    await waitFor(() => b.server.runtime.getSession('c-act')?.totalPrompts === 1);
    await a.server.runtime.drain();
    const plansOfA = written(a.server);
    await caller(b.server).sessions.setTitle({ sessionId: 'c-act', title: 'named on B' });
    await caller(b.server).sessions.setLabel({ sessionId: 'c-act', label: 'review' });
    await waitFor(() => a.server.runtime.getSession('c-act')?.label === 'review');
    expect(a.server.runtime.getSession('c-act')?.title).toBe('named on B');
    await caller(b.server).sessions.archive({ sessionId: 'c-act' });
    await waitFor(() => a.server.runtime.getSession('c-act')?.archived === true);
    await a.server.runtime.drain();
    // B wrote the rows of its actions; A changed only its memory (the session is B's to write now).
    expect(plansOfA.flat().filter((op) => op.op === 'session')).toEqual([]);
    await caller(b.server).sessions.delete({ sessionId: 'c-act' });
    await waitFor(() => a.server.runtime.getSession('c-act') === undefined);
    expect(b.server.services.cluster?.inputs.stats().published).toBe(4);
    expect(a.server.services.cluster?.inputs.stats().applied).toBe(4);
    // Inputs of servers that are not running any more (or were before this one started) are not applied again.
    const late = await startAgain(url, NO_POLL);
    await late.services.cluster?.inputs.catchUp();
    expect(late.services.cluster?.inputs.stats().applied).toBe(0);
    expect(late.runtime.getSession('c-act')).toBeUndefined();
  });
});
