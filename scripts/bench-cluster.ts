/**
 * `pnpm bench:cluster`: two Flightdeck servers on one PostgreSQL (a throwaway server, started as the tests start
 * it: Debian's `postgresql`, `node scripts/ensure-postgres.mjs`). Events are posted to server A's `POST /api/hooks`
 * at a steady rate (`--rate` per second, `--events` in all, spread over `--sessions` sessions); a subscriber of
 * server B's board stream (`sessions.liveSummary`, over a WebSocket, as the web app subscribes) notes when each
 * one arrives. Prints p50 / p99 / max of "posted on A → seen on B" (from the start of the POST: A's commit, its
 * NOTIFY, B's read of the event log, B's reduce and broadcast). The target is p99 ≤ 50 ms.
 *
 * Both servers and the subscriber run in this process (one event loop for all three: a conservative figure).
 */

import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFlightdeckClient } from '@flightdeck/client';
import { databaseCounters, startPostgres } from '@flightdeck/db/test-support/postgres';
import { configFileSchema, startServer } from '@flightdeck/server';
import { intArg } from './args.js';
import { benchServerOptions, postJson } from './bench-server.js';

const EVENTS = intArg('events', 500);
const RATE = intArg('rate', 100);
const SESSIONS = intArg('sessions', 10);
const TARGET_P99_MS = 50;

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const pg = await startPostgres();
  const dirs: string[] = [];
  const servers: Array<Awaited<ReturnType<typeof startServer>>> = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  try {
    const url = pg.url(await pg.createDatabase());
    for (const name of ['a', 'b']) {
      const dir = mkdtempSync(join(tmpdir(), `fd-bench-cluster-${name}-`));
      dirs.push(dir);
      servers.push(
        await startServer(
          benchServerOptions(configFileSchema, dir, { database: url, hookRateLimitPerSecond: 100_000 }),
        ),
      );
    }
    const [a, b] = servers as [(typeof servers)[0], (typeof servers)[0]];
    /** Per event: when its POST started, when A answered 202 (committed), when B's subscriber saw it. */
    const postedAt: number[] = [];
    const ackAt: number[] = [];
    const seenAt: number[] = [];
    /** Per session: the events not seen yet, in order. */
    const pendingOf = new Map<string, number[]>();
    let seenCount = 0;
    let ready = false;
    const fd = createFlightdeckClient({ url: b.url as string });
    type Message =
      | { type: 'snapshot' }
      | { type: 'session-upsert'; data: { sessionId: string; currentPrompt: string | null } }
      | { type: 'session-removed' | 'team-upsert' | 'team-removed' };
    const sub = fd.trpc.sessions.liveSummary.subscribe(
      {},
      {
        onData: ({ data }: { data: Message }) => {
          if (data.type === 'snapshot') ready = true;
          if (data.type !== 'session-upsert') return;
          // Two events of a session applied in one batch are broadcast as one change: a marker counts as seen
          // when it or a later one of its session arrives.
          const seen = Number(data.data.currentPrompt?.slice(1));
          const pending = pendingOf.get(data.data.sessionId);
          if (!pending || !Number.isInteger(seen)) return;
          const now = performance.now();
          while (pending.length > 0 && (pending[0] as number) <= seen) {
            seenAt[pending.shift() as number] = now;
            seenCount += 1;
          }
        },
        onError: (err: unknown) => console.error('subscription error', err),
      },
    );
    while (!ready) await sleep(10);

    const base = a.url as string;
    const envelope = (sessionId: string, event: string, extra: Record<string, unknown>) => ({
      cli: 'claude',
      payload: {
        session_id: sessionId,
        transcript_path: `/tmp/${sessionId}.jsonl`,
        cwd: '/home/dev/project',
        hook_event_name: event,
        ...extra,
      },
      meta: { sentAt: Date.now(), host: 'bench-a' },
    });
    for (let s = 0; s < SESSIONS; s++) {
      await postJson(
        agent,
        base,
        '/api/hooks',
        envelope(`bench-${s}`, 'SessionStart', { source: 'startup' }),
      );
    }
    await sleep(200);

    const interval = 1000 / RATE;
    const start = performance.now();
    const posts: Array<Promise<number>> = [];
    for (let i = 0; i < EVENTS; i++) {
      const due = start + i * interval;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const sessionId = `bench-${i % SESSIONS}`;
      const list = pendingOf.get(sessionId) ?? [];
      pendingOf.set(sessionId, list);
      list.push(i);
      const body = envelope(sessionId, 'UserPromptSubmit', { prompt: `m${i}` });
      postedAt[i] = performance.now();
      posts.push(
        postJson(agent, base, '/api/hooks', body).then((status) => {
          ackAt[i] = performance.now();
          return status;
        }),
      );
    }
    const statuses = await Promise.all(posts);
    const until = performance.now() + 5000;
    while (seenCount < EVENTS && performance.now() < until) await sleep(20);
    sub.unsubscribe();
    await fd.close();

    const seenIds = [...postedAt.keys()].filter((i) => seenAt[i] !== undefined);
    const spread = (values: number[]) => {
      const sorted = [...values].sort((x, y) => x - y);
      return { p50: pct(sorted, 50), p99: pct(sorted, 99), max: sorted[sorted.length - 1] ?? Number.NaN };
    };
    const line = (name: string, v: { p50: number; p99: number; max: number }) =>
      console.log(
        `${name.padEnd(34)} p50 ${v.p50.toFixed(2)} ms   p99 ${v.p99.toFixed(2)} ms   max ${v.max.toFixed(2)} ms`,
      );
    const total = spread(seenIds.map((i) => (seenAt[i] as number) - (postedAt[i] as number)));
    const commit = spread(postedAt.map((t, i) => (ackAt[i] ?? Number.NaN) - t));
    // The part this path adds to a commit: B saw it after A's commit (A's answer may be read after B's broadcast
    // in this one process: 0 then).
    const across = spread(seenIds.map((i) => Math.max(0, (seenAt[i] as number) - (ackAt[i] ?? Number.NaN))));
    const accepted = statuses.filter((st) => st === 202).length;
    console.log(`two servers on one PostgreSQL: ${EVENTS} events at ${RATE}/s over ${SESSIONS} sessions`);
    console.log(
      `accepted by A ${accepted}/${EVENTS}, seen on B ${seenCount}/${EVENTS}; load ${loadavg()[0]?.toFixed(2)}`,
    );
    line('posted on A → seen on B', total);
    line("posted on A → A's 202 (committed)", commit);
    line("A's 202 → seen on B", across);
    const counters = await databaseCounters(url);
    console.log(
      `PostgreSQL: ${counters.deadlocks} deadlocks, ${counters.rollbacks} transactions rolled back`,
    );
    const ok = seenCount === EVENTS && total.p99 <= TARGET_P99_MS;
    console.log(`target p99 ≤ ${TARGET_P99_MS} ms: ${ok ? 'met' : 'NOT met'}`);
    console.log(
      JSON.stringify({
        bench: 'cluster',
        events: EVENTS,
        rate: RATE,
        seen: seenCount,
        total,
        commit,
        across,
      }),
    );
    if (!ok) process.exitCode = 1;
  } finally {
    agent.destroy();
    for (const s of servers) await s.close().catch((err) => console.error(err));
    pg.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
