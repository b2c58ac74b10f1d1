/**
 * The store's test suite, written once against the port (`StorePort` over a `DatabaseAdapter`): every database
 * adapter runs it (store.test.ts: SQLite on a file and in memory). It looks at the database only through the
 * adapter's portable query builder, and at transactions only through the adapter's `write`.
 */
import { getOwn } from '@flightdeck/core';
import type { DatabaseAdapter, WriteOp } from '@flightdeck/db';
import type { HookEnvelope, Session } from '@flightdeck/shared-types';
import { afterEach, describe, expect, it } from 'vitest';
import { coreAdapter } from '../src/adapters.js';
import type { CoreState, IngestEvent, PreparedEvent, StorePort } from '../src/ports.js';
import { createRuntime } from '../src/runtime.js';
import { createStore, StoreBehindError, type StoreOptions } from '../src/store/index.js';
import { claudeEvent, prompt, sessionStart, waitFor } from './helpers.js';

export interface OpenedAdapter {
  adapter: DatabaseAdapter;
  /** Closes and removes what `open` made. */
  dispose(): Promise<void>;
}

const silent = { info() {}, warn() {}, error() {}, debug() {} };
const tick = () => new Promise((r) => setTimeout(r, 0));

const kinds = (ops: readonly WriteOp[]) => ops.map((o) => o.op);
/** The ingest id a raw-event write stores (null for other writes). */
const ingestIdOf = (op: WriteOp): string | null => (op.op === 'hookEvent' ? op.row.ingest_id : null);
/** The session row a session write stores. */
const sessionRowOf = (op: WriteOp) => (op.op === 'session' ? op.row : null);

type Table = 'hook_events' | 'sessions' | 'prompts' | 'tool_calls' | 'notes';

export async function count(adapter: Pick<DatabaseAdapter, 'db'>, table: Table): Promise<number> {
  const row = await adapter.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function watermark(adapter: DatabaseAdapter): Promise<number> {
  const row = await adapter.db
    .selectFrom('kv')
    .select('value')
    .where('key', '=', 'core.watermark')
    .executeTakeFirst();
  return row ? Number(row.value) : -1;
}

async function sessionField(adapter: DatabaseAdapter, id: string) {
  return adapter.db
    .selectFrom('sessions')
    .select(['total_prompts', 'title'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

/**
 * The adapter, with every transaction held at a gate the test opens (`go`), fails (`fail`), or never opens
 * (`crash`: the process died with these transactions in flight).
 */
export function gated(adapter: DatabaseAdapter) {
  const writes: WriteOp[][] = [];
  const gates: Array<{ go: () => void; fail: (err: Error) => void }> = [];
  let mode: 'held' | 'open' | 'crashed' = 'held';
  const wrapped: DatabaseAdapter = {
    dialect: adapter.dialect,
    db: adapter.db,
    fullTextSearch: (input) => adapter.fullTextSearch(input),
    searchSessions: (input) => adapter.searchSessions(input),
    get writeMode() {
      return adapter.writeMode;
    },
    get writerNice() {
      return adapter.writerNice;
    },
    write(ops) {
      writes.push([...ops]);
      if (mode === 'open') return adapter.write(ops);
      return new Promise<number>((resolve, reject) => {
        if (mode === 'crashed') return;
        let settled = false;
        gates.push({
          go: () => {
            if (settled) return;
            settled = true;
            adapter.write(ops).then(resolve, reject);
          },
          fail: (err) => {
            if (settled) return;
            settled = true;
            reject(err);
          },
        });
      });
    },
    close: () => adapter.close(),
  };
  return {
    adapter: wrapped,
    writes,
    gates,
    /** Lets every transaction waiting now, and every later one, through. */
    openUp() {
      mode = 'open';
      for (const gate of gates) gate.go();
    },
    /** No transaction waiting now or later ever reaches the database. */
    crash() {
      mode = 'crashed';
      gates.length = 0;
    },
  };
}

let ingestSeq = 0;
/** Reduces envelopes with the real core and returns the batch the runtime would stage. */
export function reduceAll(
  store: Pick<StorePort, 'prepareEvent'>,
  state: CoreState,
  envelopes: HookEnvelope[],
) {
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
    events.push(store.prepareEvent(event));
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

/** Registers the store's test suite for one database adapter. */
export function storeContract(name: string, open: () => Promise<OpenedAdapter>): void {
  describe(`store contract on ${name}`, () => {
    const disposers: Array<() => Promise<void>> = [];
    afterEach(async () => {
      for (const d of disposers.splice(0).reverse()) await d();
    });
    async function openAdapter(): Promise<DatabaseAdapter> {
      const opened = await open();
      disposers.push(opened.dispose);
      return opened.adapter;
    }
    /** A store on the adapter; stopped (not the adapter) after the test. */
    function storeOn(adapter: DatabaseAdapter, opts: StoreOptions = {}): StorePort {
      const store = createStore(adapter, opts);
      disposers.push(() => store.close(100));
      return store;
    }

    it('sends what was staged during a transaction as the next one, with one row per session, in order', async () => {
      const real = await openAdapter();
      const gate = gated(real);
      const store = storeOn(gate.adapter, { checkpointMs: 0 });
      let state = coreAdapter.initialState();
      const a = reduceAll(store, state, [sessionStart('s1'), prompt('s1', 'first')]);
      state = a.next;
      const committedA = store.stage(a.batch);
      await waitFor(() => gate.writes.length === 1);
      // While the first transaction is out, two more batches change the same session.
      const b = reduceAll(store, state, [prompt('s1', 'second')]);
      state = b.next;
      const c = reduceAll(store, state, [prompt('s1', 'third')]);
      state = c.next;
      const done: string[] = [];
      const committedB = store.stage(b.batch).then(() => done.push('b'));
      const committedC = store.stage(c.batch).then(() => done.push('c'));
      // Staged ids count as delivered before they are committed (the spool reader must not redeliver them).
      const bId = b.batch.events[0]?.ingestId ?? '';
      expect(await store.hasIngestIds([bId, 'never-sent'])).toEqual(new Set([bId]));
      await tick();
      expect(gate.writes).toHaveLength(1); // one transaction at a time
      gate.gates[0]?.go();
      await committedA;
      expect(done).toEqual([]);
      await waitFor(() => gate.writes.length === 2);
      const second = gate.writes[1] as WriteOp[];
      // Both raw events first, then one session row (the latest version) before both new prompts (they refer to
      // it) and their lifecycle entries, the session's runtime entry (a prompt records when its turn began), the
      // watermark last.
      expect(kinds(second)).toEqual([
        'hookEvent',
        'hookEvent',
        'session',
        'prompt',
        'prompt',
        'event',
        'event',
        'kv',
        'watermark',
      ]);
      expect(sessionRowOf(second[2] as WriteOp)?.total_prompts).toBe(3);
      expect(done).toEqual([]); // B and C wait for their own transaction
      gate.gates[1]?.go();
      await Promise.all([committedB, committedC]);
      expect(done).toEqual(['b', 'c']);
      expect(await count(real, 'hook_events')).toBe(4);
      expect(await count(real, 'prompts')).toBe(3);
      expect(store.stats()).toMatchObject({ writes: 2, failures: 0, pendingBatches: 0 });
      // Committed ids are found in the database (by a store that never staged them, too).
      expect(await createStore(real).hasIngestIds([bId, 'never-sent'])).toEqual(new Set([bId]));
    });

    it('retries a failed transaction with the same operations; its batches wait and nothing is lost', async () => {
      const real = await openAdapter();
      const gate = gated(real);
      const errors: string[] = [];
      const store = storeOn(gate.adapter, {
        checkpointMs: 0,
        retryDelayMs: () => 5,
        log: { error: (_o, msg) => errors.push(String(msg)) },
      });
      const a = reduceAll(store, coreAdapter.initialState(), [
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
      await waitFor(() => gate.gates.length === 1);
      gate.gates[0]?.fail(new Error('disk I/O error'));
      await waitFor(() => gate.writes.length === 2);
      expect(committed).toBe(false);
      expect(errors).toEqual(['database transaction failed; it will be retried']);
      expect(gate.writes[1]).toEqual(gate.writes[0]);
      expect(await count(real, 'hook_events')).toBe(0);
      gate.gates[1]?.go();
      await staged;
      expect(await count(real, 'hook_events')).toBe(2);
      expect(await count(real, 'tool_calls')).toBe(1);
      expect(store.stats()).toMatchObject({ writes: 1, failures: 1 });
    });

    it('writes raw events with every transaction and the state at most every checkpointMs, or when asked', async () => {
      const real = await openAdapter();
      let clock = 1_800_000_000_000;
      const store = storeOn(real, { checkpointMs: 60_000, now: () => clock });
      const afterCheckpoint = async () => (await createStore(real).load()).replay;
      let state = coreAdapter.initialState();
      const a = reduceAll(store, state, [sessionStart('c1'), prompt('c1', 'first')]);
      state = a.next;
      await store.stage(a.batch);
      // The first transaction checkpoints: rows, ring entries, then the watermark (id of the last raw event).
      expect([
        await count(real, 'hook_events'),
        await count(real, 'sessions'),
        await count(real, 'prompts'),
      ]).toEqual([2, 1, 1]);
      expect(await watermark(real)).toBe(2);
      expect(await afterCheckpoint()).toEqual([]);

      clock += 1000;
      const b = reduceAll(store, state, [prompt('c1', 'second')]);
      state = b.next;
      await store.stage(b.batch);
      // Acknowledged with its raw event; the state waits for the next checkpoint.
      expect(await count(real, 'hook_events')).toBe(3);
      expect(await count(real, 'prompts')).toBe(1);
      expect((await sessionField(real, 'c1')).total_prompts).toBe(1);
      expect(await watermark(real)).toBe(2);
      const replay = await afterCheckpoint();
      expect(replay.map((e) => e.ingestId)).toEqual([b.batch.events[0]?.ingestId]);
      expect(replay[0]?.envelope).toEqual(b.batch.events[0]?.envelope);

      clock += 60_000;
      const c = reduceAll(store, state, [prompt('c1', 'third')]);
      state = c.next;
      await store.stage(c.batch);
      // checkpointMs elapsed: this transaction carries the checkpoint.
      expect(await count(real, 'prompts')).toBe(3);
      expect((await sessionField(real, 'c1')).total_prompts).toBe(3);
      expect(await watermark(real)).toBe(4);

      clock += 1000;
      const d = reduceAll(store, state, [prompt('c1', 'fourth')]);
      await store.stage(d.batch);
      expect(await count(real, 'prompts')).toBe(3);
      await store.checkpoint();
      expect(await count(real, 'prompts')).toBe(4);
      expect((await sessionField(real, 'c1')).total_prompts).toBe(4);
      expect(await watermark(real)).toBe(5);
      expect(store.stats().checkpoints).toBe(3);
    });

    it('reads see every change acknowledged before them; a database that cannot catch up fails the read clearly', async () => {
      const real = await openAdapter();
      const gate = gated(real);
      gate.openUp();
      const store = storeOn(gate.adapter, { checkpointMs: 60_000, readWaitMs: 200 });
      let state = coreAdapter.initialState();
      const a = reduceAll(store, state, [sessionStart('q1')]);
      state = a.next;
      await store.stage(a.batch);
      const b = reduceAll(store, state, [prompt('q1', 'counted by the next read')]);
      state = b.next;
      await store.stage(b.batch);
      // Acknowledged (raw event committed), not checkpointed: what is committed lags, a read does not.
      expect(await store.peek(({ db }) => count({ db }, 'prompts'))).toBe(0);
      expect(await store.read(({ db }) => count({ db }, 'prompts'))).toBe(1);
      expect((await sessionField(real, 'q1')).total_prompts).toBe(1);

      // The database stops answering: the read waits for the checkpoint, then fails instead of reading stale rows.
      const held = gated(real);
      const stuck = storeOn(held.adapter, { checkpointMs: 60_000, readWaitMs: 200 });
      const c = reduceAll(stuck, state, [prompt('q1', 'not written yet')]);
      void stuck.stage(c.batch);
      const started = Date.now();
      await expect(stuck.read(({ db }) => count({ db }, 'prompts'))).rejects.toBeInstanceOf(StoreBehindError);
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
      held.openUp();
      expect(await stuck.read(({ db }) => count({ db }, 'prompts'))).toBe(2);
    });

    /** A runtime on a store that checkpoints once a minute, its batches cut by `turnBudgetMs`. */
    async function burstRuntime(turnBudgetMs: number | null) {
      const real = await openAdapter();
      const store = storeOn(real, { checkpointMs: 60_000, now: () => 1_800_000_000_000 });
      const runtime = await createRuntime({
        core: coreAdapter,
        store,
        log: silent,
        isAlive: () => true,
        turnBudgetMs,
      });
      return { real, store, runtime };
    }

    it('no ring entry leaves unwritten: a session is planned before its rings would push one out, even within one batch', async () => {
      // No time budget: the burst is one batch however slow this machine is.
      const { real, store, runtime } = await burstRuntime(null);
      // One batch: 130 prompts of one session, more than its 50-entry prompt and event rings hold.
      const burst = [
        sessionStart('c2'),
        ...Array.from({ length: 130 }, (_, i) => prompt('c2', `burst ${i}`)),
      ];
      await runtime.ingestMany(burst.map((envelope, i) => ({ envelope, ingestId: `burst-${i}` })));
      expect(await count(real, 'prompts')).toBe(130);
      const afterBurst = store.stats().checkpoints;
      // Then one at a time, each its own transaction: planned as the rings fill, not with every event.
      for (let i = 0; i < 60; i++) await runtime.ingest(prompt('c2', `one by one ${i}`), `single-${i}`);
      await store.checkpoint();
      expect(await count(real, 'prompts')).toBe(190);
      expect(store.stats().checkpoints - afterBurst).toBeLessThanOrEqual(10);
      await runtime.stop();
    });

    it('no ring entry leaves unwritten when a burst is worked off in many small batches', async () => {
      // A budget no batch fits in: every batch is the smallest (MIN_PER_TURN inputs).
      const { real, store, runtime } = await burstRuntime(1e-9);
      const burst = [
        sessionStart('c4'),
        ...Array.from({ length: 300 }, (_, i) => prompt('c4', `small batches ${i}`)),
      ];
      await runtime.ingestMany(burst.map((envelope, i) => ({ envelope, ingestId: `small-${i}` })));
      // The last batches' prompts may wait for the checkpoint (write-behind); none left the ring unwritten.
      await store.checkpoint();
      expect(await count(real, 'prompts')).toBe(300);
      await runtime.stop();
    });

    it('checkpoints at once when an input outside the event log changed the state', async () => {
      const real = await openAdapter();
      const store = storeOn(real, { checkpointMs: 60_000, now: () => 1_800_000_000_000 });
      const start = reduceAll(store, coreAdapter.initialState(), [sessionStart('c3')]);
      await store.stage(start.batch);
      const p = reduceAll(store, start.next, [prompt('c3', 'waits for the next checkpoint')]);
      await store.stage(p.batch);
      expect(store.stats().checkpoints).toBe(1);
      // A user action (no raw event) that changed the state: checkpointed with its own transaction.
      const renamed = coreAdapter.reduce(
        p.next,
        { type: 'user', action: { type: 'set-title', sessionId: 'c3', title: 'Renamed by hand' } },
        1_800_000_000_001,
      ).state;
      await store.stage({
        events: [],
        sessions: [getOwn(renamed.sessions, 'c3') as Session],
        removedSessionIds: [],
        rekeys: [],
        coreState: renamed,
        stateChanged: true,
        checkpoint: true,
      });
      expect(store.stats().checkpoints).toBe(2);
      expect(await sessionField(real, 'c3')).toEqual({ total_prompts: 1, title: 'Renamed by hand' });
    });

    it('never commits a session row without the watermark, also when a batch removes sessions', async () => {
      const real = await openAdapter();
      const gate = gated(real);
      gate.openUp();
      const store = storeOn(gate.adapter, { checkpointMs: 60_000, now: () => 1_800_000_000_000 });
      let state = coreAdapter.initialState();
      const a = reduceAll(store, state, [sessionStart('d1'), sessionStart('d2')]);
      state = a.next;
      await store.stage(a.batch);
      const b = reduceAll(store, state, [prompt('d2', 'changed before the removal')]);
      await store.stage(b.batch);
      expect(kinds(gate.writes[1] as WriteOp[])).toEqual(['hookEvent']);
      // A batch that removes a session plans the rows of the sessions changed since: they go out with a watermark.
      await store.stage({
        events: [],
        sessions: [],
        removedSessionIds: ['d1'],
        rekeys: [],
        coreState: b.next,
        stateChanged: false,
      });
      const third = kinds(gate.writes[2] as WriteOp[]);
      expect(third.slice(0, 2)).toEqual(['session', 'prompt']);
      expect(third).toContain('remove');
      expect(third.at(-1)).toBe('watermark');
      expect((await sessionField(real, 'd2')).total_prompts).toBe(1);
      expect(await count(real, 'sessions')).toBe(1);
    });

    it('plans a large checkpoint in slices; what is staged meanwhile goes out with the next transaction', async () => {
      const real = await openAdapter();
      const gate = gated(real);
      // A slice of 0 ms plans one session per event-loop turn.
      const store = storeOn(gate.adapter, {
        checkpointMs: 60_000,
        checkpointSliceMs: 0,
        now: () => 1_800_000_000_000,
      });
      let state = coreAdapter.initialState();
      const ids = ['k1', 'k2', 'k3', 'k4', 'k5'];
      const a = reduceAll(
        store,
        state,
        ids.map((id) => sessionStart(id)),
      );
      state = a.next;
      const committedA = store.stage(a.batch);
      await Promise.resolve(); // the flush starts planning the checkpoint: one session, the rest in later turns
      expect(gate.writes).toHaveLength(0);
      // Staged while the checkpoint is being planned (nothing has gone out yet).
      const b = reduceAll(store, state, [prompt('k1', 'staged during the checkpoint')]);
      state = b.next;
      const committedB = store.stage(b.batch);
      expect(gate.writes).toHaveLength(0);
      let turns = 0;
      while (gate.writes.length === 0) {
        await new Promise((r) => setImmediate(r));
        turns += 1;
      }
      // k1 was planned in the flush, k2…k5 one per turn; the hand-over to the writer has a turn of its own.
      expect(turns).toBe(5);
      const first = gate.writes[0] as WriteOp[];
      // The checkpoint carries what was staged before it started: A's five events and rows, then the watermark.
      expect(kinds(first).filter((k) => k === 'hookEvent')).toHaveLength(5);
      expect(kinds(first).filter((k) => k === 'session')).toHaveLength(5);
      expect(kinds(first).at(-1)).toBe('watermark');
      expect(first.some((op) => ingestIdOf(op) === b.batch.events[0]?.ingestId)).toBe(false);
      gate.openUp();
      await committedA;
      await committedB;
      // B's raw event alone: its session row waits for the next checkpoint.
      expect(kinds(gate.writes[1] as WriteOp[])).toEqual(['hookEvent']);
      expect(await count(real, 'hook_events')).toBe(6);
      expect((await sessionField(real, 'k1')).total_prompts).toBe(0);
      await store.checkpoint();
      expect((await sessionField(real, 'k1')).total_prompts).toBe(1);
      expect(await watermark(real)).toBe(6);
    });

    it('runtime: subscribers see a change before it is committed; the acknowledgement waits for the commit', async () => {
      const real = await openAdapter();
      const gate = gated(real);
      const store = storeOn(gate.adapter, { checkpointMs: 0 });
      const runtime = await createRuntime({ core: coreAdapter, store, log: silent, live: { coalesceMs: 0 } });
      runtime.start();
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
      expect(await count(real, 'sessions')).toBe(0);
      gate.gates[0]?.go();
      await ack;
      expect(await count(real, 'sessions')).toBe(1);
      gate.openUp();
      sub.close();
      await runtime.stop();
    });

    it('a restart replays the raw events after the last checkpoint: the state is the one acknowledged', async () => {
      const real = await openAdapter();
      let clock = 1_800_000_000_000;
      const now = () => clock;
      const start = async (adapter: DatabaseAdapter) => {
        const store = createStore(adapter, { checkpointMs: 60_000, now });
        const runtime = await createRuntime({
          core: coreAdapter,
          store,
          log: silent,
          now,
          isAlive: () => true,
        });
        return { store, runtime };
      };
      // Ring entries rebuilt from the database carry seq 0 (written: only later changes are numbered past the
      // session's ringSeq, which is kept): compared without it.
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
      const gate = gated(real);
      gate.openUp();
      // Not started: no timers or process checks of its own; it is never stopped (it "crashes").
      const first = await start(gate.adapter);
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
      // The crash: nothing the first store writes from now on reaches the database.
      gate.crash();

      const second = await start(real);
      expect(second.runtime.stats().replayedOnStart).toBe(5);
      expect(sorted(second.runtime.listSessions())).toEqual(sorted(first.runtime.listSessions()));
      expect(second.runtime.getSession('r1')?.title).toBe('Flaky test');
      expect(second.runtime.getSession('r1')?.toolLog.map((t) => [t.tool, t.status])).toEqual([
        ['Bash', 'ok'],
      ]);
      // Nothing doubled: the replay wrote no raw event; its checkpoint covers them all.
      await second.runtime.drain();
      expect(await count(real, 'hook_events')).toBe(7);
      expect(await count(real, 'tool_calls')).toBe(1);
      expect((await createStore(real).load()).replay).toEqual([]);
      await second.runtime.stop();
      await second.store.close();

      const third = await start(real);
      expect(third.runtime.stats().replayedOnStart).toBe(0);
      expect(sorted(third.runtime.listSessions())).toEqual(sorted(first.runtime.listSessions()));
      await third.runtime.stop();
      await third.store.close();
    });
  });
}
