import { join } from 'node:path';
import { type FlightdeckDatabase, openDatabase, type WriteOp } from '@flightdeck/db';
import type { HookEnvelope } from '@flightdeck/shared-types';
import { afterEach, describe, expect, it } from 'vitest';
import { coreAdapter } from '../src/adapters.js';
import { createStore } from '../src/db.js';
import type { CoreState, IngestEvent } from '../src/ports.js';
import { createRuntime } from '../src/runtime.js';
import { inlineSink, type OpSink, startWriterThread } from '../src/writer-thread.js';
import { claudeEvent, prompt, sessionStart, tmpDir } from './helpers.js';

const silent = { info() {}, warn() {}, error() {}, debug() {} };

/** A sink that applies for real (inline) but only when the test lets each transaction go, or fails it. */
function gatedSink(database: FlightdeckDatabase) {
  const real = inlineSink(database.sqlite);
  const writes: WriteOp[][] = [];
  const gates: Array<{ go: () => void; fail: (err: Error) => void }> = [];
  let open = false;
  const sink: OpSink = {
    mode: 'main',
    write(ops) {
      writes.push(ops);
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
    close: () => Promise.resolve(),
  };
  /** Lets every transaction waiting now, and every later one, through. */
  const openUp = () => {
    open = true;
    for (const gate of gates) gate.go();
  };
  return { sink, writes, gates, openUp };
}

const tick = () => new Promise((r) => setTimeout(r, 0));
const count = (d: FlightdeckDatabase, table: string) =>
  (d.sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
const kinds = (ops: WriteOp[]) => ops.map((op) => op[0]);

let ingestSeq = 0;
function reduceAll(state: CoreState, envelopes: HookEnvelope[]) {
  const events: IngestEvent[] = [];
  let next = state;
  const changed = new Set<string>();
  for (const envelope of envelopes) {
    ingestSeq += 1;
    events.push({ ingestId: `t-${ingestSeq}`, envelope, receivedAt: 1_800_000_000_000 + ingestSeq });
    const out = coreAdapter.reduce(next, { type: 'hook', envelope }, 1_800_000_000_000 + ingestSeq);
    next = out.state;
    for (const eff of out.effects) if (eff.type === 'session-changed') changed.add(eff.sessionId);
  }
  const batch = {
    events,
    sessions: [...changed].map((id) => next.sessions[id]).filter((s) => s !== undefined),
    removedSessionIds: [],
    rekeys: [],
    coreState: next,
    stateChanged: next !== state,
  };
  return { batch, next };
}

describe('store: group commits through a write-plan sink', () => {
  let database: FlightdeckDatabase | null = null;
  afterEach(async () => {
    await database?.close();
    database = null;
  });

  it('sends what was staged during a transaction as the next one, with one row per session, in order', async () => {
    database = await openDatabase(':memory:');
    const gated = gatedSink(database);
    const store = createStore(database, { sink: gated.sink });
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
    // One session row (the latest version) first, then both raw events and both new prompts.
    expect(kinds(second).filter((k) => k === 2)).toHaveLength(1);
    expect(second[0]?.[0]).toBe(2);
    expect(kinds(second).filter((k) => k === 1)).toHaveLength(2);
    expect(kinds(second).filter((k) => k === 3)).toHaveLength(2);
    expect((second[0] as [2, Record<string, unknown>])[1].total_prompts).toBe(3);
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
    database = await openDatabase(':memory:');
    const gated = gatedSink(database);
    const errors: string[] = [];
    const store = createStore(database, {
      sink: gated.sink,
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

  it('runtime: subscribers see a change before it is committed; the acknowledgement waits for the commit', async () => {
    database = await openDatabase(':memory:');
    const gated = gatedSink(database);
    const store = createStore(database, { sink: gated.sink });
    const runtime = createRuntime({ core: coreAdapter, store, log: silent, live: { coalesceMs: 0 } });
    runtime.start();
    const sub = runtime.hub.subscribe();
    let acked = false;
    const ack = runtime.ingest(sessionStart('s3'), 'ack-1').then(() => {
      acked = true;
    });
    const seen = await sub.next();
    expect(Array.isArray(seen) && seen.map((m) => m.type)).toEqual(['session-upsert']);
    expect(runtime.getSession('s3')?.status).toBeDefined();
    await tick();
    expect(acked).toBe(false);
    expect(count(database, 'sessions')).toBe(0);
    gated.gates[0]?.go();
    await ack;
    expect(count(database, 'sessions')).toBe(1);
    gated.openUp();
    sub.close();
    await runtime.stop();
  });
});

describe('database writer thread', () => {
  it('commits on its own connection; when the thread dies, writes go to the main connection', async () => {
    const tmp = tmpDir('fd-writer-');
    const file = join(tmp.dir, 'flightdeck.db');
    const database = await openDatabase(file);
    const errors: string[] = [];
    const log = { ...silent, error: (_o: unknown, msg?: string) => errors.push(String(msg)) };
    const sink = startWriterThread(database.sqlite, file, log, 50);
    const store = createStore(database, { sink, log });
    try {
      let state = coreAdapter.initialState();
      const a = reduceAll(state, [sessionStart('w1'), prompt('w1', 'written by the writer thread')]);
      state = a.next;
      await store.stage(a.batch);
      // Visible to the main connection as soon as the stage resolves.
      expect(count(database, 'hook_events')).toBe(2);
      expect(count(database, 'prompts')).toBe(1);
      expect(sink.mode).toBe('thread');
      await sink.terminate();
      const b = reduceAll(state, [prompt('w1', 'written on the main connection')]);
      await store.stage(b.batch);
      expect(count(database, 'prompts')).toBe(2);
      expect(sink.mode).toBe('main');
      expect(errors).toEqual(['database writer thread exited; writing on the main thread from now on']);
    } finally {
      await store.close();
      await database.close();
      tmp.remove();
    }
  });
});
