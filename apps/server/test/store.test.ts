/**
 * The store's contract suite (store-contract.ts) on SQLite, in memory and on a file; then what only the SQLite
 * adapter has: its writer thread.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { coreAdapter } from '../src/adapters.js';
import { createRuntime } from '../src/runtime.js';
import { createStore, openSqlite } from '../src/store/index.js';
import { resolveGc, WRITER_NICE } from '../src/tuning.js';
import { prompt, sessionStart, startTestServer, tmpDir, waitFor } from './helpers.js';
import { count, gated, reduceAll, storeContract } from './store-contract.js';

const silent = { info() {}, warn() {}, error() {}, debug() {} };

storeContract('SQLite in memory', async () => {
  const adapter = await openSqlite({ file: ':memory:' });
  return { adapter, dispose: () => adapter.close() };
});

storeContract('a SQLite file', async () => {
  const tmp = tmpDir('fd-store-');
  const adapter = await openSqlite({ file: join(tmp.dir, 'flightdeck.db') });
  return {
    adapter,
    dispose: async () => {
      await adapter.close();
      tmp.remove();
    },
  };
});

describe('store on SQLite: memory', () => {
  it('an event waiting for its commit keeps its acknowledgement alive, not its envelope', async () => {
    const real = await openSqlite({ file: ':memory:' });
    const gate = gated(real);
    const store = createStore(gate.adapter, { checkpointMs: 0 });
    const runtime = await createRuntime({ core: coreAdapter, store, log: silent, live: { coalesceMs: 0 } });
    runtime.start();
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
    expect(gate.writes.length).toBeGreaterThan(0);
    await gc();
    expect(refs.filter((r) => r.deref() !== undefined)).toHaveLength(0);
    gate.openUp();
    const [a, b] = (await Promise.all(acks)) as [{ ingestId: string }, Array<{ ingestId: string }>];
    expect(a.ingestId).toBe('wr-a');
    expect(b.map((r) => r.ingestId)).toEqual(['wr-b0', 'wr-b1']);
    expect(await count(real, 'hook_events')).toBe(3);
    await runtime.stop();
    await store.close();
    await real.close();
  });
});

describe('store on SQLite: its writer thread', () => {
  it('commits on its own connection; when the thread dies, writes go to the main connection', async () => {
    const tmp = tmpDir('fd-writer-');
    const file = join(tmp.dir, 'flightdeck.db');
    const errors: string[] = [];
    const log = { ...silent, error: (_o: unknown, msg?: string) => errors.push(String(msg)) };
    const adapter = await openSqlite({ file, writerThread: { checkpointMs: 50 }, log });
    const store = createStore(adapter, { log, checkpointMs: 0 });
    try {
      let state = coreAdapter.initialState();
      const a = reduceAll(store, state, [sessionStart('w1'), prompt('w1', 'written by the writer thread')]);
      state = a.next;
      await store.stage(a.batch);
      // Visible to the main connection as soon as the stage resolves.
      expect(await count(adapter, 'hook_events')).toBe(2);
      expect(await count(adapter, 'prompts')).toBe(1);
      expect(adapter.writeMode).toBe('thread');
      await adapter.writerThread?.terminate();
      const b = reduceAll(store, state, [prompt('w1', 'written on the main connection')]);
      await store.stage(b.batch);
      expect(await count(adapter, 'prompts')).toBe(2);
      expect(adapter.writeMode).toBe('main');
      expect(store.stats().mode).toBe('main');
      expect(errors).toEqual(['database writer thread exited; writing on the main thread from now on']);
    } finally {
      await store.close();
      await adapter.close();
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
      const adapter = await openSqlite({ file, writerThread: { nice: WRITER_NICE, checkpointMs: 50 } });
      const store = createStore(adapter, { log: silent, checkpointMs: 0 });
      try {
        expect(await waitFor(() => adapter.writerNice)).toBe(WRITER_NICE);
        // One more thread at the writer's nice; this thread and the process keep theirs.
        expect(threads().filter((n) => n === WRITER_NICE).length).toBe(atWriterNice + 1);
        expect(own()).toBe(base);
        expect(getPriority(process.pid)).toBeLessThan(WRITER_NICE);
        // And it still writes.
        const a = reduceAll(store, coreAdapter.initialState(), [sessionStart('n1')]);
        await store.stage(a.batch);
        expect(await count(adapter, 'hook_events')).toBe(1);
        expect(store.stats().nice).toBe(WRITER_NICE);
      } finally {
        await store.close();
        await adapter.close();
        tmp.remove();
      }
    },
  );
});

describe('a checkpoint that cannot be loaded', () => {
  it.runIf(process.platform === 'linux')(
    'fails the start with the reason and leaves no writer thread or open database behind',
    async () => {
      const tmp = tmpDir('fd-bad-checkpoint-');
      try {
        const adapter = await openSqlite({ file: join(tmp.dir, 'flightdeck.db') });
        await adapter.write([{ op: 'coreState', state: '{ not json', at: 1_800_000_000_000 }]);
        await adapter.close();
        const threadsBefore = readdirSync('/proc/self/task').length;
        await expect(startTestServer({ dataDir: tmp.dir })).rejects.toThrow(SyntaxError);
        // The writer thread the start opened is gone again.
        await waitFor(() => readdirSync('/proc/self/task').length <= threadsBefore);
        expect(readdirSync('/proc/self/task').length).toBeLessThanOrEqual(threadsBefore);
      } finally {
        tmp.remove();
      }
    },
  );
});
