import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { join } from 'node:path';
import { getOwn } from '@flightdeck/core';
import { hookEventOp, openSqlite, type SqliteAdapter, type WriteOp } from '@flightdeck/db';
import type { HookEnvelope, Session } from '@flightdeck/shared-types';
import { afterEach, describe, expect, it } from 'vitest';
import { coreAdapter } from '../src/adapters.js';
import { createStore, type OpSink, RING_GUARD_EVENTS } from '../src/db.js';
import type { CoreState, IngestEvent, PreparedEvent } from '../src/ports.js';
import { createRuntime } from '../src/runtime.js';
import { resolveGc, WRITER_NICE } from '../src/tuning.js';
import { claudeEvent, prompt, sessionStart, tmpDir, waitFor } from './helpers.js';

const silent = { info() {}, warn() {}, error() {}, debug() {} };

/** A sink that applies for real (inline) but only when the test lets each transaction go, or fails it. */
function gatedSink(database: SqliteAdapter) {
  const real = database;
  const writes: WriteOp[][] = [];
  const gates: Array<{ go: () => void; fail: (err: Error) => void }> = [];
  let open = false;
  const sink: OpSink = {
    writeMode: 'main',
    writerNice: null,
    write(ops) {
      writes.push([...ops]);
      if (open) return real.write(ops);
      return new Promise<number>((resolve, reject) => {
        let settled = false;
        gates.push({
          go: () => {
            if (settled) return;
            settled = true;
            real.write(ops).then(resolve, reject);
          },
          fail: (err) => {
            if (settled) return;
            settled = true;
            reject(err);
          },
        });
      });
    },
  };
  /** Lets every transaction waiting now, and every later one, through. */
  const openUp = () => {
    open = true;
    for (const gate of gates) gate.go();
  };
  return { sink, writes, gates, openUp };
}

const tick = () => new Promise((r) => setTimeout(r, 0));
const count = (d: SqliteAdapter, table: string) =>
  (d.sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
const kinds = (ops: WriteOp[]) => ops.map((op) => op.op);
/** The kinds of write operations, by a short name. */
const OP = {
  hook: 'hookEvent',
  session: 'session',
  prompt: 'prompt',
  event: 'event',
  kv: 'kv',
  watermark: 'watermark',
  remove: 'remove',
} as const;

let ingestSeq = 0;
function reduceAll(state: CoreState, envelopes: HookEnvelope[]) {
  const events: PreparedEvent[] = [];
  let next = state;
  const changed = new Set<string>();
  for (const envelope of envelopes) {
    ingestSeq += 1;
    const event: IngestEvent = {
      ingestId: `t-${ingestSeq}`,
      envelope,
      receivedAt: 1_800_000_000_000 + ingestSeq,
    };
    events.push({ ...event, prepared: hookEventOp(event) });
    const out = coreAdapter.reduce(next, { type: 'hook', envelope }, 1_800_000_000_000 + ingestSeq);
    next = out.state;
    for (const eff of out.effects) if (eff.type === 'session-changed') changed.add(eff.sessionId);
  }
  const batch = {
    events,
    sessions: [...changed].map((id) => getOwn(next.sessions, id)).filter((s) => s !== undefined),
    removedSessionIds: [],
    rekeys: [],
    coreState: next,
    stateChanged: next !== state,
  };
  return { batch, next };
}

describe('store: group commits through a write-plan sink', () => {
  // These tests checkpoint with every transaction (checkpointMs 0); the checkpoint policy has its own tests below.
  let database: SqliteAdapter | null = null;
  afterEach(async () => {
    await database?.close();
    database = null;
  });

  it('sends what was staged during a transaction as the next one, with one row per session, in order', async () => {
    database = await openSqlite({ file: ':memory:' });
    const gated = gatedSink(database);
    const store = createStore(database, { sink: gated.sink, checkpointMs: 0 });
    let state = coreAdapter.initialState();
    const a = reduceAll(state, [sessionStart('s1'), prompt('s1', 'first')]);
    state = a.next;
    const committedA = store.stage(a.batch);
    await tick();
    expect(gated.writes).toHaveLength(1);
    // While the first transaction is out, two more batches change the same session.
    const b = reduceAll(state, [prompt('s1', 'second')]);
    state = b.next;
    const c = reduceAll(state, [prompt('s1', 'third')]);
    state = c.next;
    const done: string[] = [];
    const committedB = store.stage(b.batch).then(() => done.push('b'));
    const committedC = store.stage(c.batch).then(() => done.push('c'));
    // Staged ids count as delivered before they are committed (the spool reader must not redeliver them).
    expect(store.hasIngestIds([b.batch.events[0]?.ingestId ?? ''])).toEqual(
      new Set([b.batch.events[0]?.ingestId]),
    );
    await tick();
    expect(gated.writes).toHaveLength(1); // one transaction at a time
    gated.gates[0]?.go();
    await committedA;
    expect(done).toEqual([]);
    await tick();
    expect(gated.writes).toHaveLength(2);
    const second = gated.writes[1] as WriteOp[];
    // Both raw events first, then one session row (the latest version) before both new prompts (they refer to
    // it) and their lifecycle entries, the session's runtime entry (a prompt records when its turn began), the
    // watermark last.
    expect(kinds(second)).toEqual([
      OP.hook,
      OP.hook,
      OP.session,
      OP.prompt,
      OP.prompt,
      OP.event,
      OP.event,
      OP.kv,
      OP.watermark,
    ]);
    expect((second[2] as Extract<WriteOp, { op: 'session' }>).row.total_prompts).toBe(3);
    expect(done).toEqual([]); // B and C wait for their own transaction
    gated.gates[1]?.go();
    await Promise.all([committedB, committedC]);
    expect(done).toEqual(['b', 'c']);
    expect(count(database, 'hook_events')).toBe(4);
    expect(count(database, 'prompts')).toBe(3);
    expect(store.stats()).toMatchObject({ writes: 2, failures: 0, pendingBatches: 0 });
    await store.settled();
  });

  it('retries a failed transaction with the same operations; its batches wait and nothing is lost', async () => {
    database = await openSqlite({ file: ':memory:' });
    const gated = gatedSink(database);
    const errors: string[] = [];
    const store = createStore(database, {
      sink: gated.sink,
      checkpointMs: 0,
      retryDelayMs: () => 5,
      log: { error: (_o, msg) => errors.push(String(msg)) },
    });
    const a = reduceAll(coreAdapter.initialState(), [
      sessionStart('s2'),
      claudeEvent('s2', 'PreToolUse', {
        tool_name: 'Bash',
        tool_input: { command: 'ls' },
        tool_use_id: 'tu1',
      }),
    ]);
    let committed = false;
    const staged = store.stage(a.batch).then(() => {
      committed = true;
    });
    await tick();
    gated.gates[0]?.fail(new Error('disk I/O error'));
    await new Promise((r) => setTimeout(r, 30));
    expect(committed).toBe(false);
    expect(errors).toEqual(['database transaction failed; it will be retried']);
    expect(gated.writes).toHaveLength(2);
    expect(gated.writes[1]).toEqual(gated.writes[0]);
    expect(count(database, 'hook_events')).toBe(0);
    gated.gates[1]?.go();
    await staged;
    expect(count(database, 'hook_events')).toBe(2);
    expect(count(database, 'tool_calls')).toBe(1);
    expect(store.stats()).toMatchObject({ writes: 1, failures: 1 });
  });

  /** A started runtime on an in-memory database whose transactions wait at the gate. */
  async function gatedRuntime() {
    const db = await openSqlite({ file: ':memory:' });
    database = db;
    const gated = gatedSink(db);
    const store = createStore(db, { sink: gated.sink, checkpointMs: 0 });
    const runtime = createRuntime({ core: coreAdapter, store, log: silent, live: { coalesceMs: 0 } });
    runtime.start();
    return { db, gated, runtime };
  }

  it('runtime: subscribers see a change before it is committed; the acknowledgement waits for the commit', async () => {
    const { db, gated, runtime } = await gatedRuntime();
    const sub = runtime.hub.subscribe();
    let acked = false;
    const inputsBefore = runtime.inputCount();
    const ack = runtime.ingest(sessionStart('s3'), 'ack-1').then(() => {
      acked = true;
    });
    const seen = await sub.next();
    expect(Array.isArray(seen) && seen.map((m) => m.type)).toEqual(['session-upsert']);
    expect(runtime.getSession('s3')?.status).toBeDefined();
    // counted once processed (what the idle collector watches), before the commit; start-up inputs (timers,
    // liveness) may be counted too
    expect(runtime.inputCount()).toBeGreaterThan(inputsBefore);
    expect(runtime.inputCount()).toBe(runtime.stats().inputs);
    await tick();
    expect(acked).toBe(false);
    expect(count(db, 'sessions')).toBe(0);
    gated.gates[0]?.go();
    await ack;
    expect(count(db, 'sessions')).toBe(1);
    // A reader waits for a checkpoint, but not forever when the database does not answer.
    const held = runtime.ingest(prompt('s3', 'held back'), 'ack-2');
    const started = Date.now();
    await runtime.sync(50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(count(db, 'prompts')).toBe(0);
    gated.openUp();
    await held;
    await runtime.sync();
    expect(count(db, 'prompts')).toBe(1);
    sub.close();
    await runtime.stop();
  });

  it('runtime: an event waiting for its commit keeps its acknowledgement alive, not its envelope', async () => {
    const { db, gated, runtime } = await gatedRuntime();
    const gc = resolveGc();
    if (!gc) throw new Error('no way to run a garbage collection here');
    const refs: Array<WeakRef<object>> = [];
    const acks: Array<Promise<unknown>> = [];
    // In a function of its own, so that nothing of the test keeps the envelopes.
    (() => {
      const one = sessionStart('wr-1');
      const many = [prompt('wr-1', 'first'), prompt('wr-1', 'second')];
      for (const e of [one, ...many]) refs.push(new WeakRef(e), new WeakRef(e.payload));
      acks.push(runtime.ingest(one, 'wr-a'));
      acks.push(runtime.ingestMany(many.map((envelope, i) => ({ envelope, ingestId: `wr-b${i}` }))));
    })();
    // Reduced and broadcast; their transactions wait at the gate.
    await waitFor(() => runtime.getSession('wr-1')?.totalPrompts === 2);
    expect(gated.writes.length).toBeGreaterThan(0);
    await gc();
    expect(refs.filter((r) => r.deref() !== undefined)).toHaveLength(0);
    gated.openUp();
    const [a, b] = (await Promise.all(acks)) as [{ ingestId: string }, Array<{ ingestId: string }>];
    expect(a.ingestId).toBe('wr-a');
    expect(b.map((r) => r.ingestId)).toEqual(['wr-b0', 'wr-b1']);
    expect(count(db, 'hook_events')).toBe(3);
    await runtime.stop();
  });
});

describe('store: checkpoints of the state', () => {
  let database: SqliteAdapter | null = null;
  afterEach(async () => {
    await database?.close();
    database = null;
  });
  const watermark = (d: SqliteAdapter) =>
    Number(
      (
        d.sqlite.prepare("SELECT value FROM kv WHERE key = 'core.watermark'").get() as
          | { value: number }
          | undefined
      )?.value ?? -1,
    );
  const totalPrompts = (d: SqliteAdapter, id: string) =>
    (d.sqlite.prepare('SELECT total_prompts AS n FROM sessions WHERE id = ?').get(id) as { n: number }).n;

  it('writes raw events with every transaction and the state at most every checkpointMs, or when asked', async () => {
    database = await openSqlite({ file: ':memory:' });
    let clock = 1_800_000_000_000;
    const store = createStore(database, { checkpointMs: 60_000, now: () => clock });
    let state = coreAdapter.initialState();
    const a = reduceAll(state, [sessionStart('c1'), prompt('c1', 'first')]);
    state = a.next;
    await store.stage(a.batch);
    // The first transaction checkpoints: rows, ring entries, then the watermark (id of the last raw event).
    expect([count(database, 'hook_events'), count(database, 'sessions'), count(database, 'prompts')]).toEqual(
      [2, 1, 1],
    );
    expect(watermark(database)).toBe(2);
    expect(store.eventsAfterCheckpoint()).toEqual([]);

    clock += 1000;
    const b = reduceAll(state, [prompt('c1', 'second')]);
    state = b.next;
    await store.stage(b.batch);
    // Acknowledged with its raw event; the state waits for the next checkpoint.
    expect(count(database, 'hook_events')).toBe(3);
    expect(count(database, 'prompts')).toBe(1);
    expect(totalPrompts(database, 'c1')).toBe(1);
    expect(watermark(database)).toBe(2);
    expect(store.eventsAfterCheckpoint().map((e) => e.ingestId)).toEqual([b.batch.events[0]?.ingestId]);
    expect(store.eventsAfterCheckpoint()[0]?.envelope).toEqual(b.batch.events[0]?.envelope);

    clock += 60_000;
    const c = reduceAll(state, [prompt('c1', 'third')]);
    state = c.next;
    await store.stage(c.batch);
    // checkpointMs elapsed: this transaction carries the checkpoint.
    expect(count(database, 'prompts')).toBe(3);
    expect(totalPrompts(database, 'c1')).toBe(3);
    expect(watermark(database)).toBe(4);

    clock += 1000;
    const d = reduceAll(state, [prompt('c1', 'fourth')]);
    await store.stage(d.batch);
    expect(count(database, 'prompts')).toBe(3);
    await store.checkpoint();
    expect(count(database, 'prompts')).toBe(4);
    expect(totalPrompts(database, 'c1')).toBe(4);
    expect(watermark(database)).toBe(5);
    expect(store.stats().checkpoints).toBe(3);
    await store.settled();
  });

  it('checkpoints at once when a session nears its ring capacity or an unlogged input changed the state', async () => {
    database = await openSqlite({ file: ':memory:' });
    const store = createStore(database, { checkpointMs: 60_000, now: () => 1_800_000_000_000 });
    let state = coreAdapter.initialState();
    const start = reduceAll(state, [sessionStart('c2')]);
    state = start.next;
    await store.stage(start.batch);
    expect(store.stats().checkpoints).toBe(1);
    for (let i = 1; i < RING_GUARD_EVENTS; i++) {
      const p = reduceAll(state, [prompt('c2', `prompt ${i}`)]);
      state = p.next;
      await store.stage(p.batch);
    }
    expect(store.stats().checkpoints).toBe(1);
    expect(count(database, 'prompts')).toBe(0);
    const last = reduceAll(state, [prompt('c2', 'the one that fills the guard')]);
    state = last.next;
    await store.stage(last.batch);
    expect(store.stats().checkpoints).toBe(2);
    expect(count(database, 'prompts')).toBe(RING_GUARD_EVENTS);

    // A user action (no raw event) that changed the state: checkpointed with its own transaction.
    const renamed = coreAdapter.reduce(
      state,
      { type: 'user', action: { type: 'set-title', sessionId: 'c2', title: 'Renamed by hand' } },
      1_800_000_000_001,
    ).state;
    await store.stage({
      events: [],
      sessions: [getOwn(renamed.sessions, 'c2') as Session],
      removedSessionIds: [],
      rekeys: [],
      coreState: renamed,
      stateChanged: true,
      checkpoint: true,
    });
    expect(store.stats().checkpoints).toBe(3);
    expect(database.sqlite.prepare("SELECT title FROM sessions WHERE id = 'c2'").get()).toEqual({
      title: 'Renamed by hand',
    });
  });

  it('never commits a session row without the watermark, also when a batch removes sessions', async () => {
    database = await openSqlite({ file: ':memory:' });
    const gated = gatedSink(database);
    gated.openUp();
    const store = createStore(database, {
      sink: gated.sink,
      checkpointMs: 60_000,
      now: () => 1_800_000_000_000,
    });
    let state = coreAdapter.initialState();
    const a = reduceAll(state, [sessionStart('d1'), sessionStart('d2')]);
    state = a.next;
    await store.stage(a.batch);
    const b = reduceAll(state, [prompt('d2', 'changed before the removal')]);
    await store.stage(b.batch);
    expect(kinds(gated.writes[1] as WriteOp[])).toEqual([OP.hook]);
    // A batch that removes a session plans the rows of the sessions changed since: they go out with a watermark.
    await store.stage({
      events: [],
      sessions: [],
      removedSessionIds: ['d1'],
      rekeys: [],
      coreState: b.next,
      stateChanged: false,
    });
    const third = kinds(gated.writes[2] as WriteOp[]);
    expect(third.slice(0, 2)).toEqual([OP.session, OP.prompt]);
    expect(third).toContain(OP.remove);
    expect(third.at(-1)).toBe(OP.watermark);
    expect(totalPrompts(database, 'd2')).toBe(1);
    expect(count(database, 'sessions')).toBe(1);
  });

  it('plans a large checkpoint in slices; what is staged meanwhile goes out with the next transaction', async () => {
    database = await openSqlite({ file: ':memory:' });
    const gated = gatedSink(database);
    // A slice of 0 ms plans one session per event-loop turn.
    const store = createStore(database, {
      sink: gated.sink,
      checkpointMs: 60_000,
      checkpointSliceMs: 0,
      now: () => 1_800_000_000_000,
    });
    let state = coreAdapter.initialState();
    const ids = ['k1', 'k2', 'k3', 'k4', 'k5'];
    const a = reduceAll(
      state,
      ids.map((id) => sessionStart(id)),
    );
    state = a.next;
    const committedA = store.stage(a.batch);
    await Promise.resolve(); // the flush starts planning the checkpoint: one session, the rest in later turns
    expect(gated.writes).toHaveLength(0);
    // Staged while the checkpoint is being planned (nothing has gone out yet).
    const b = reduceAll(state, [prompt('k1', 'staged during the checkpoint')]);
    state = b.next;
    const committedB = store.stage(b.batch);
    expect(gated.writes).toHaveLength(0);
    let turns = 0;
    while (gated.writes.length === 0) {
      await new Promise((r) => setImmediate(r));
      turns += 1;
    }
    // k1 was planned in the flush, k2…k5 one per turn; the hand-over to the writer has a turn of its own.
    expect(turns).toBe(5);
    const first = gated.writes[0] as WriteOp[];
    // The checkpoint carries what was staged before it started: A's five events and rows, then the watermark.
    expect(kinds(first).filter((k) => k === OP.hook)).toHaveLength(5);
    expect(kinds(first).filter((k) => k === OP.session)).toHaveLength(5);
    expect(kinds(first).at(-1)).toBe(OP.watermark);
    expect(
      first.some((op) => op.op === 'hookEvent' && op.row.ingest_id === b.batch.events[0]?.ingestId),
    ).toBe(false);
    gated.openUp();
    await committedA;
    await committedB;
    const second = gated.writes[1] as WriteOp[];
    // B's raw event alone: its session row waits for the next checkpoint.
    expect(kinds(second)).toEqual([OP.hook]);
    expect(count(database, 'hook_events')).toBe(6);
    expect(totalPrompts(database, 'k1')).toBe(0);
    await store.checkpoint();
    expect(totalPrompts(database, 'k1')).toBe(1);
    expect(watermark(database)).toBe(6);
  });

  it('a restart replays the raw events after the last checkpoint: the state is the one acknowledged', async () => {
    const tmp = tmpDir('fd-replay-');
    const file = join(tmp.dir, 'flightdeck.db');
    const crashDir = join(tmp.dir, 'crash');
    mkdirSync(crashDir);
    let clock = 1_800_000_000_000;
    const now = () => clock;
    const open = async (f: string) => {
      const d = await openSqlite({ file: f });
      const store = createStore(d, { checkpointMs: 60_000, now });
      const runtime = createRuntime({ core: coreAdapter, store, log: silent, now, isAlive: () => true });
      runtime.start();
      return { d, store, runtime };
    };
    // Ring entries rebuilt from the database carry seq 0 (they are written): compared without it. `ringSeq` is.
    const unseq = <T extends { seq: number }>(ring: T[]) => ring.map(({ seq: _, ...e }) => e);
    const sorted = (list: Session[]) =>
      [...list]
        .sort((x, y) => x.sessionId.localeCompare(y.sessionId))
        .map((s) => ({
          ...s,
          promptHistory: unseq(s.promptHistory),
          toolLog: unseq(s.toolLog),
          responseLog: unseq(s.responseLog),
          events: unseq(s.events),
        }));
    const first = await open(file);
    try {
      let n = 0;
      const send = async (envelope: HookEnvelope) => {
        clock += 7;
        n += 1;
        await first.runtime.ingest(envelope, `r-${n}`, clock);
      };
      await send(sessionStart('r1'));
      await send(prompt('r1', 'fix the flaky test'));
      // Checkpointed at once: a user action is not in the event log.
      await first.runtime.dispatch({
        type: 'user',
        action: { type: 'set-title', sessionId: 'r1', title: 'Flaky test' },
      });
      const tool = { tool_name: 'Bash', tool_input: { command: 'pnpm test' }, tool_use_id: 'tu-r1' };
      await send(claudeEvent('r1', 'PreToolUse', tool));
      await send(claudeEvent('r1', 'PostToolUse', { ...tool, tool_response: { stdout: 'ok' } }));
      await send(sessionStart('r2'));
      await send(prompt('r2', 'write the changelog'));
      await send(claudeEvent('r2', 'Stop', { last_assistant_message: 'Done: CHANGELOG.md updated.' }));
      // Everything above is acknowledged; the last checkpoint is older than five of the events.
      expect(first.store.eventsAfterCheckpoint()).toHaveLength(5);
      // The crash: the database files as they are on disk now (committed transactions only).
      for (const suffix of ['', '-wal'])
        copyFileSync(file + suffix, join(crashDir, `flightdeck.db${suffix}`));

      const second = await open(join(crashDir, 'flightdeck.db'));
      try {
        expect(second.runtime.stats().replayedOnStart).toBe(5);
        expect(sorted(second.runtime.listSessions())).toEqual(sorted(first.runtime.listSessions()));
        expect(second.runtime.getSession('r1')?.title).toBe('Flaky test');
        expect(second.runtime.getSession('r1')?.toolLog.map((t) => [t.tool, t.status])).toEqual([
          ['Bash', 'ok'],
        ]);
        // Nothing doubled: the replay wrote no raw event; its checkpoint covers them all.
        await second.runtime.drain();
        expect(count(second.d, 'hook_events')).toBe(7);
        expect(count(second.d, 'tool_calls')).toBe(1);
        expect(second.store.eventsAfterCheckpoint()).toEqual([]);
        await second.runtime.stop();
        await second.store.close();
      } finally {
        await second.d.close();
      }
      const third = await open(join(crashDir, 'flightdeck.db'));
      expect(third.runtime.stats().replayedOnStart).toBe(0);
      expect(sorted(third.runtime.listSessions())).toEqual(sorted(first.runtime.listSessions()));
      await third.runtime.stop();
      await third.store.close();
      await third.d.close();
    } finally {
      await first.runtime.stop();
      await first.store.close();
      await first.d.close();
      tmp.remove();
    }
  });
});

describe('database writer thread', () => {
  it('commits on its own connection; when the thread dies, writes go to the main connection', async () => {
    const tmp = tmpDir('fd-writer-');
    const file = join(tmp.dir, 'flightdeck.db');
    const errors: string[] = [];
    const log = { ...silent, error: (_o: unknown, msg?: string) => errors.push(String(msg)) };
    const database = await openSqlite({ file, writerThread: { checkpointMs: 50 }, log });
    const store = createStore(database, { log, checkpointMs: 0 });
    try {
      let state = coreAdapter.initialState();
      const a = reduceAll(state, [sessionStart('w1'), prompt('w1', 'written by the writer thread')]);
      state = a.next;
      await store.stage(a.batch);
      // Visible to the main connection as soon as the stage resolves.
      expect(count(database, 'hook_events')).toBe(2);
      expect(count(database, 'prompts')).toBe(1);
      expect(database.writeMode).toBe('thread');
      await database.writerThread?.terminate();
      const b = reduceAll(state, [prompt('w1', 'written on the main connection')]);
      await store.stage(b.batch);
      expect(count(database, 'prompts')).toBe(2);
      expect(database.writeMode).toBe('main');
      expect(store.stats().mode).toBe('main');
      expect(errors).toEqual(['database writer thread exited; writing on the main thread from now on']);
    } finally {
      await store.close();
      await database.close();
      tmp.remove();
    }
  });

  it.runIf(process.platform === 'linux')(
    'runs at a lower CPU priority than the event loop: its own thread only, not the process',
    async () => {
      // `nice` of every thread of this process (field 19 of /proc/<pid>/task/<tid>/stat; the name in field 2 may
      // hold spaces, so count from the closing parenthesis).
      const niceOf = (stat: string) => Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      const threads = () =>
        readdirSync('/proc/self/task').map((tid) =>
          niceOf(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')),
        );
      const own = () => niceOf(readFileSync('/proc/thread-self/stat', 'utf8'));
      const base = own();
      expect(base).toBeLessThan(WRITER_NICE);
      expect(getPriority(process.pid)).toBeLessThan(WRITER_NICE);
      const atWriterNice = threads().filter((n) => n === WRITER_NICE).length;

      const tmp = tmpDir('fd-writer-nice-');
      const file = join(tmp.dir, 'flightdeck.db');
      const database = await openSqlite({ file, writerThread: { nice: WRITER_NICE, checkpointMs: 50 } });
      const store = createStore(database, { log: silent, checkpointMs: 0 });
      try {
        expect(await waitFor(() => database.writerNice)).toBe(WRITER_NICE);
        // One more thread at the writer's nice; this thread and the process keep theirs.
        expect(threads().filter((n) => n === WRITER_NICE).length).toBe(atWriterNice + 1);
        expect(own()).toBe(base);
        expect(getPriority(process.pid)).toBeLessThan(WRITER_NICE);
        // And it still writes.
        const a = reduceAll(coreAdapter.initialState(), [sessionStart('n1')]);
        await store.stage(a.batch);
        expect(count(database, 'hook_events')).toBe(1);
        expect(store.stats().nice).toBe(WRITER_NICE);
      } finally {
        await store.close();
        await database.close();
        tmp.remove();
      }
    },
  );
});
