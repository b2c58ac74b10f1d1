import { afterEach, describe, expect, it } from 'vitest';
import {
  createWritePlanner,
  hookEventOp,
  listenPostgres,
  openPostgres,
  type PgListener,
  type PostgresAdapter,
  type WriteOp,
} from '../src/index.js';
import { count, hookEvent, makeSession, openTestDb, T0, type TestDb } from './helpers.js';

/** Notifications of `channel` on the database of `h`, once listening. */
async function listen(h: PostgresAdapter, channel: string) {
  const got: string[] = [];
  let ready: () => void = () => {};
  const connected = new Promise<void>((r) => {
    ready = r;
  });
  const listener = listenPostgres({
    url: h.url,
    ...(h.schema ? { schema: h.schema } : {}),
    channels: [channel],
    onNotify: (_c, payload) => got.push(payload),
    onConnected: () => ready(),
  });
  await connected;
  return { got, listener };
}

const until = async (check: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('the PostgreSQL writer thread (openPostgres({ writerThread }))', () => {
  let base: TestDb | null = null;
  let h: PostgresAdapter | null = null;
  let listener: PgListener | null = null;
  afterEach(async () => {
    await listener?.close();
    await h?.close();
    await base?.cleanup();
    listener = null;
    h = null;
    base = null;
  });

  it('commits in order on its own connection, rejects a failing plan with nothing written, falls back when it dies', async () => {
    const p = await openTestDb('postgres'); // creates and migrates the schema
    base = p;
    const errors: string[] = [];
    h = await openPostgres({
      url: p.url,
      ...(p.schema ? { schema: p.schema } : {}),
      writerThread: true,
      log: { error: (_o, msg) => errors.push(msg) },
    });
    expect(h.writeMode).toBe('thread');

    // Two plans sent at once: the second (a prompt of the session the first creates) commits after the first.
    const first: WriteOp[] = [];
    createWritePlanner().batch(first, {
      events: [hookEvent('t1', 'w', 'SessionStart')],
      sessions: [makeSession('w')],
    });
    const second: WriteOp[] = [
      { op: 'prompt', row: { session_id: 'w', text: 'by the thread', prompt_id: null, timestamp: T0 + 1 } },
    ];
    const [a, b] = await Promise.all([h.write(first), h.write(second)]);
    expect(a).toBeGreaterThanOrEqual(0);
    expect(b).toBeGreaterThanOrEqual(0);
    // Visible to the pool's connections as soon as the write resolves.
    expect(await count(h, 'hook_events')).toBe(1);
    expect(await count(h, 'prompts')).toBe(1);

    const orphan: WriteOp = {
      op: 'prompt',
      row: { session_id: 'no-such-session', text: 'x', prompt_id: null, timestamp: T0 },
    };
    await expect(h.write([hookEventOp(hookEvent('t2', 'x', 'Stop')), orphan])).rejects.toThrow(/foreign key/);
    expect(await count(h, 'hook_events')).toBe(1);

    await h.writerThread?.terminate();
    expect(h.writeMode).toBe('main');
    await h.write([hookEventOp(hookEvent('t3', 'w', 'Stop'))]);
    expect(await count(h, 'hook_events')).toBe(2);
    expect(errors).toEqual(['PostgreSQL writer thread exited; writing on the main thread from now on']);
  });

  it('NOTIFYs with each commit that stores raw events, on the thread and after a fall-back, and shows each plan first', async () => {
    const p = await openTestDb('postgres');
    base = p;
    h = await openPostgres({ url: p.url, ...(p.schema ? { schema: p.schema } : {}), writerThread: true });
    const heard = await listen(h, 'fd_thread_test');
    listener = heard.listener;
    const seen: string[][] = [];
    h.setEventNotify({
      channel: 'fd_thread_test',
      server: 'server-a',
      onWrite: (ops) => seen.push(ops.map((o) => o.op)),
    });

    await h.write([hookEventOp(hookEvent('n1', 's', 'SessionStart'))]);
    await until(() => heard.got.length === 1);
    expect(JSON.parse(heard.got[0] as string)).toMatchObject({ s: 'server-a' });
    // A plan without raw events tells nobody.
    await h.write([{ op: 'kv', key: 'k', value: 'v', at: T0 }]);
    expect(seen).toEqual([['hookEvent'], ['kv']]);

    await h.writerThread?.terminate();
    await h.write([hookEventOp(hookEvent('n2', 's', 'Stop'))]);
    await until(() => heard.got.length === 2);
    expect(heard.got.map((x) => JSON.parse(x).s)).toEqual(['server-a', 'server-a']);

    // No more notifications once removed.
    h.setEventNotify(null);
    await h.write([hookEventOp(hookEvent('n3', 's', 'Stop'))]);
    await new Promise((r) => setTimeout(r, 200));
    expect(heard.got).toHaveLength(2);
  });
});
