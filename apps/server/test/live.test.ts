import { getEventListeners } from 'node:events';
import type { Session, Team } from '@flightdeck/shared-types';
import { describe, expect, it } from 'vitest';
import { createLiveHub, type LiveHub, type LiveMessage } from '../src/live.js';
import { liveStream } from '../src/live-stream.js';

function fakeSource() {
  const sessions = new Map<string, Session>();
  const teams = new Map<string, Team>();
  return {
    sessions,
    teams,
    set(id: string, title: string) {
      sessions.set(id, { sessionId: id, title } as unknown as Session);
    },
    source: {
      getSession: (id: string) => sessions.get(id),
      getTeam: (id: string) => teams.get(id),
      snapshot: () => ({ sessions: [...sessions.values()], teams: [...teams.values()] }),
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function collect(hub: LiveHub, n: number): Promise<LiveMessage[]> {
  const sub = hub.subscribe();
  const out: LiveMessage[] = [];
  while (out.length < n) {
    const got = await sub.next(AbortSignal.timeout(2000));
    if (got === null || got === 'resync') break;
    out.push(...got);
  }
  sub.close();
  return out;
}

describe('live hub', () => {
  it('sends the first change at once (leading edge) and coalesces the rest of the window to the latest', async () => {
    const src = fakeSource();
    const hub = createLiveHub(src.source, { coalesceMs: 40 });
    const sub = hub.subscribe();
    src.set('a', 'v1');
    hub.sessionChanged('a');
    const first = await sub.next();
    expect(first).toEqual([{ seq: 1, type: 'session-upsert', data: { sessionId: 'a', title: 'v1' } }]);
    src.set('a', 'v2');
    hub.sessionChanged('a');
    src.set('a', 'v3');
    hub.sessionChanged('a');
    expect(hub.seq).toBe(1); // held in the window
    const t0 = performance.now();
    const second = await sub.next();
    expect(performance.now() - t0).toBeLessThan(200);
    expect(second).toEqual([{ seq: 2, type: 'session-upsert', data: { sessionId: 'a', title: 'v3' } }]);
    // another session is not held back by a's window
    src.set('b', 'b1');
    hub.sessionChanged('b');
    expect(hub.seq).toBe(3);
    await sleep(120);
    // a quiet period: next change of a goes out immediately again
    src.set('a', 'v4');
    hub.sessionChanged('a');
    expect(hub.seq).toBe(4);
    sub.close();
    hub.close();
  });

  it('under heavy load the window widens, bounding the message rate', async () => {
    const src = fakeSource();
    const hub = createLiveHub(src.source, { coalesceMs: 10, busyCoalesceMs: 300, busyRate: 5 });
    for (let i = 0; i < 10; i++) {
      src.set(`s${i}`, 't');
      hub.sessionChanged(`s${i}`);
    }
    src.set('a', 'a1');
    hub.sessionChanged('a');
    const afterFirst = hub.seq;
    src.set('a', 'a2');
    hub.sessionChanged('a');
    await sleep(60);
    expect(hub.seq).toBe(afterFirst); // a quiet hub would have flushed after 10 ms
    await sleep(400);
    expect(hub.seq).toBe(afterFirst + 1);
    expect(hub.since(afterFirst)?.[0]).toMatchObject({ type: 'session-upsert', data: { title: 'a2' } });
    hub.close();
  });

  it('replays exactly the messages after a seq, and null once the range left the log', () => {
    const src = fakeSource();
    const hub = createLiveHub(src.source, { coalesceMs: 0, logSize: 5 });
    for (let i = 1; i <= 8; i++) {
      src.set(`s${i}`, 't');
      hub.sessionChanged(`s${i}`);
    }
    expect(hub.seq).toBe(8);
    expect(hub.since(5)?.map((m) => m.seq)).toEqual([6, 7, 8]);
    expect(hub.since(3)?.map((m) => m.seq)).toEqual([4, 5, 6, 7, 8]);
    expect(hub.since(2)).toBeNull(); // 3 is gone
    expect(hub.since(8)).toEqual([]);
    expect(hub.since(9)).toBeNull(); // from the future (e.g. another server run)
    src.sessions.delete('s8');
    hub.sessionRemoved('s8');
    expect(hub.since(8)).toEqual([{ seq: 9, type: 'session-removed', data: { sessionId: 's8' } }]);
    hub.close();
  });

  it('event ids carry the server run, so ids of another run are not replayed', () => {
    const src = fakeSource();
    const a = createLiveHub(src.source);
    const b = createLiveHub(src.source);
    expect(a.parseEventId(a.eventId(7))).toBe(7);
    expect(b.parseEventId(a.eventId(7))).toBeNull();
    expect(a.parseEventId('garbage')).toBeNull();
    a.close();
    b.close();
  });

  it('a subscriber whose queue overflows gets a resync instead of an unbounded backlog', async () => {
    const src = fakeSource();
    const hub = createLiveHub(src.source, { coalesceMs: 0, subscriberQueueLimit: 10 });
    const slow = hub.subscribe();
    for (let i = 0; i < 50; i++) {
      src.set(`s${i}`, 't');
      hub.sessionChanged(`s${i}`);
    }
    expect(await slow.next()).toBe('resync');
    src.set('x', 't');
    hub.sessionChanged('x');
    expect(await slow.next()).toEqual([
      { seq: 51, type: 'session-upsert', data: { sessionId: 'x', title: 't' } },
    ]);
    slow.close();
    expect(hub.subscriberCount).toBe(0);
    hub.close();
  });

  it('liveStream: snapshot first, then live; resume yields only what was missed; unknown id → snapshot', async () => {
    const src = fakeSource();
    const hub = createLiveHub(src.source, { coalesceMs: 0 });
    src.set('a', 'a1');
    hub.sessionChanged('a');
    const ac = new AbortController();
    const it1 = liveStream(hub, undefined, ac.signal)[Symbol.asyncIterator]();
    const snap = (await it1.next()).value;
    expect(snap?.[0]).toBe(hub.eventId(1));
    expect(snap?.[1]).toMatchObject({ type: 'snapshot', seq: 1, data: { sessions: [{ sessionId: 'a' }] } });
    src.set('b', 'b1');
    hub.sessionChanged('b');
    const live = (await it1.next()).value;
    expect(live?.[1]).toMatchObject({ type: 'session-upsert', seq: 2, data: { sessionId: 'b' } });
    ac.abort();
    expect((await it1.next()).done).toBe(true);

    // missed 3 and 4 while away
    src.set('a', 'a2');
    hub.sessionChanged('a');
    src.set('c', 'c1');
    hub.sessionChanged('c');
    const ac2 = new AbortController();
    const it2 = liveStream(hub, hub.eventId(2), ac2.signal)[Symbol.asyncIterator]();
    const r1 = (await it2.next()).value;
    const r2 = (await it2.next()).value;
    expect([r1?.[1].seq, r2?.[1].seq]).toEqual([3, 4]);
    expect(r1?.[1].type).toBe('session-upsert');
    ac2.abort();
    await it2.return?.(undefined);

    const it3 = liveStream(hub, 'deadbeef:2', AbortSignal.timeout(1000))[Symbol.asyncIterator]();
    expect((await it3.next()).value?.[1].type).toBe('snapshot');
    await it3.return?.(undefined);
    expect(hub.subscriberCount).toBe(0);
    hub.close();
  });

  it('liveStream: a socket that does not drain holds the stream; the overflow turns into one resync snapshot', async () => {
    const src = fakeSource();
    const hub = createLiveHub(src.source, { coalesceMs: 0, subscriberQueueLimit: 20 });
    let buffered = 0;
    const it = liveStream(hub, undefined, AbortSignal.timeout(5000), () => buffered)[Symbol.asyncIterator]();
    expect((await it.next()).value?.[1].type).toBe('snapshot');
    buffered = 10 * 1024 * 1024; // the client stopped reading
    const pending = it.next();
    for (let i = 0; i < 100; i++) {
      src.set(`s${i}`, 't');
      hub.sessionChanged(`s${i}`);
    }
    await sleep(50);
    buffered = 0; // drained
    const first = (await pending).value?.[1];
    // the first queued batch was taken before the overflow; the rest comes back as a single snapshot
    const seen: string[] = [first?.type ?? ''];
    for (let i = 0; i < 30 && !seen.includes('snapshot'); i++)
      seen.push((await it.next()).value?.[1].type ?? '');
    expect(seen).toContain('snapshot');
    expect(seen.length).toBeLessThan(30);
    await it.return?.(undefined);
    hub.close();
  });

  it('a waiting next() ends when its signal aborts; one abort listener per signal however many messages', async () => {
    const src = fakeSource();
    const hub = createLiveHub(src.source, { coalesceMs: 0 });
    const sub = hub.subscribe();
    const ac = new AbortController();
    for (let i = 0; i < 50; i++) {
      src.set('a', `v${i}`);
      hub.sessionChanged('a');
      expect(await sub.next(ac.signal)).toHaveLength(1);
    }
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1);
    const waiting = sub.next(ac.signal);
    ac.abort();
    expect(await waiting).toBeNull();
    // a new signal (a new stream on the same subscriber) gets its own listener and is woken by its own abort
    const ac2 = new AbortController();
    const waiting2 = sub.next(ac2.signal);
    expect(getEventListeners(ac2.signal, 'abort')).toHaveLength(1);
    src.set('a', 'v50');
    hub.sessionChanged('a');
    expect(await waiting2).toHaveLength(1);
    // an earlier signal aborting while a later one waits neither ends nor loses that wait
    const ac3 = new AbortController();
    const waiting3 = sub.next(ac3.signal);
    ac2.abort();
    src.set('a', 'v51');
    hub.sessionChanged('a');
    expect(await waiting3).toEqual([
      { seq: 52, type: 'session-upsert', data: { sessionId: 'a', title: 'v51' } },
    ]);
    const waiting4 = sub.next(ac3.signal);
    ac3.abort();
    expect(await waiting4).toBeNull();
    sub.close();
  });

  it('collects in order across many sessions', async () => {
    const src = fakeSource();
    const hub = createLiveHub(src.source, { coalesceMs: 16 });
    const p = collect(hub, 100);
    for (let i = 0; i < 100; i++) {
      src.set(`s${i}`, 't');
      hub.sessionChanged(`s${i}`);
    }
    const got = await p;
    expect(got.map((m) => m.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    hub.close();
  });
});
