/**
 * The live subscriber of `pnpm bench:live`, in a process of its own: the arrival time of every message is taken
 * by an event loop that does nothing else (the generator's work — building and sending a thousand requests a
 * second — would otherwise delay it and count as the server's latency).
 *
 * `tsx scripts/bench-subscriber.ts <url> flightdeck|floor [summary|full]` with an IPC channel:
 * - flightdeck: subscribes to `sessions.live` through @flightdeck/client;
 * - floor: a plain WebSocket to `floor-server.mjs`, whose messages carry the posted envelope.
 * Sends `{ type: 'ready' }` once subscribed (flightdeck: after the first snapshot). Answers each
 * `{ type: 'poll' }` with a `PollReply`: the markers that arrived since the previous poll with their arrival
 * time, and the current view of every session. Times are `process.hrtime` in ms, one clock for every process
 * of the machine.
 */
import { spawn } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createFlightdeckClient } from '@flightdeck/client';
import { WebSocket } from 'ws';

export interface SessionView {
  totalToolCalls: number;
  totalPrompts: number;
  status: string;
  /** Highest marker number seen for the session (a marker superseded by a later one was coalesced). */
  latestMarker: number;
}

export interface PollReply {
  type: 'state';
  /** [marker, arrival ms] of markers first seen since the previous poll. */
  arrivals: Array<[string, number]>;
  views: Array<[string, SessionView]>;
  messages: number;
  snapshots: number;
  /** Average size of the sampled live messages (bytes). */
  averageBytes: number;
  /** This process's event-loop delay since the previous poll (ms). */
  loop: { p99: number; max: number };
  /**
   * [session, progress, arrival ms] for each view that raised a session's progress since the previous poll: the
   * number of PreToolUse/PostToolUse events of a session made only of such pairs that the view shows applied
   * (`2 × totalToolCalls`, less one while a tool runs). `pnpm bench:team` tells from it when each event was seen.
   */
  progress: Array<[string, number, number]>;
}

/** See `PollReply.progress`. */
const toolProgress = (s: { totalToolCalls: number; currentTool?: string | null }): number =>
  s.totalToolCalls * 2 - (s.currentTool ? 1 : 0);

export const hrMs = (): number => Number(process.hrtime.bigint() / 1000n) / 1000;

function main() {
  const [url, mode, view] = process.argv.slice(2);
  if (!url || (mode !== 'flightdeck' && mode !== 'floor')) {
    console.error('usage: bench-subscriber.ts <url> flightdeck|floor [summary|full]');
    process.exit(2);
  }
  const send = (msg: unknown) => process.send?.(msg);
  const seen = new Set<string>();
  let arrivals: Array<[string, number]> = [];
  let progress: Array<[string, number, number]> = [];
  const highest = new Map<string, number>();
  const progressed = (
    s: { sessionId: string; totalToolCalls: number; currentTool?: string | null },
    at: number,
  ) => {
    const p = toolProgress(s);
    if (p > (highest.get(s.sessionId) ?? 0)) {
      highest.set(s.sessionId, p);
      progress.push([s.sessionId, p, at]);
    }
  };
  const views = new Map<string, SessionView>();
  let messages = 0;
  let snapshots = 0;
  let sampledBytes = 0;
  let sampled = 0;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();

  const arrived = (marker: string | null | undefined, at: number, sessionId: string) => {
    if (!marker || seen.has(marker)) return;
    seen.add(marker);
    arrivals.push([marker, at]);
    const num = Number(marker.slice(1));
    const v = views.get(sessionId);
    if (v && num > v.latestMarker) v.latestMarker = num;
  };
  const setView = (s: {
    sessionId: string;
    totalToolCalls: number;
    totalPrompts: number;
    status: string;
  }) => {
    const v = views.get(s.sessionId);
    if (v) {
      v.totalToolCalls = s.totalToolCalls;
      v.totalPrompts = s.totalPrompts;
      v.status = s.status;
    } else
      views.set(s.sessionId, {
        totalToolCalls: s.totalToolCalls,
        totalPrompts: s.totalPrompts,
        status: s.status,
        latestMarker: 0,
      });
  };

  let close: () => Promise<void> = async () => {};
  if (mode === 'floor') {
    const socket = new WebSocket(url.replace(/^http/, 'ws'));
    socket.on('open', () => send({ type: 'ready' }));
    socket.on('message', (data: Buffer) => {
      const at = hrMs();
      messages += 1;
      const msg = JSON.parse(data.toString()) as {
        data: { payload: { session_id: string; prompt?: string } };
      };
      arrived(msg.data.payload.prompt, at, msg.data.payload.session_id);
    });
    close = async () => socket.close();
  } else {
    const client = createFlightdeckClient({ url });
    type Seen = {
      sessionId: string;
      totalToolCalls: number;
      totalPrompts: number;
      status: string;
      currentTool: string | null;
    };
    type Message =
      | { type: 'snapshot'; data: { sessions: Seen[] } }
      | { type: 'session-upsert'; data: Seen & { currentPrompt: string | null } }
      | { type: 'session-removed' | 'team-upsert' | 'team-removed' };
    const handlers = {
      onData: ({ data: msg }: { data: Message }) => {
        const at = hrMs();
        messages += 1;
        if (msg.type === 'snapshot') {
          snapshots += 1;
          for (const s of msg.data.sessions) {
            setView(s);
            progressed(s, at);
          }
          if (snapshots === 1) send({ type: 'ready' });
          return;
        }
        if (msg.type !== 'session-upsert') return;
        if (messages % 50 === 0) {
          sampledBytes += JSON.stringify(msg).length;
          sampled += 1;
        }
        setView(msg.data);
        progressed(msg.data, at);
        arrived(msg.data.currentPrompt, at, msg.data.sessionId);
      },
      onError: (err: unknown) => console.error('subscription error', err),
    };
    // `full`: whole sessions (`sessions.live`); default: the board's summaries (`sessions.liveSummary`).
    const sub =
      view === 'full'
        ? client.trpc.sessions.live.subscribe(undefined, handlers)
        : client.trpc.sessions.liveSummary.subscribe(undefined, handlers);
    close = async () => {
      sub.unsubscribe();
      await client.close();
    };
  }

  process.on('message', (msg: { type: string }) => {
    if (msg.type === 'poll') {
      const reply: PollReply = {
        type: 'state',
        arrivals,
        views: [...views],
        messages,
        snapshots,
        averageBytes: sampled ? sampledBytes / sampled : Number.NaN,
        loop: { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
        progress,
      };
      arrivals = [];
      progress = [];
      loop.reset();
      send(reply);
    } else if (msg.type === 'close') {
      void close().then(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
}

/** Starts the subscriber as a child process; resolves once it has subscribed, with `poll` and `close`. */
export async function startSubscriber(url: string, mode: 'flightdeck' | 'floor', view: 'summary' | 'full') {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), url, mode, view],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  // Waiting for the subscription, then one poll after another; all of them fail if the child exits.
  const replies: Array<{ resolve: (r: PollReply) => void; reject: (err: Error) => void }> = [];
  let exited: Error | null = null;
  const ready = new Promise<PollReply | null>((resolve, reject) => {
    replies.push({ resolve, reject });
  });
  child.on('message', (msg: { type: string }) => {
    if (msg.type === 'state' || msg.type === 'ready') replies.shift()?.resolve(msg as PollReply);
  });
  child.on('exit', (code, signal) => {
    exited = new Error(`the subscriber exited (${code ?? signal})`);
    for (const r of replies.splice(0)) r.reject(exited);
  });
  const timer = setTimeout(() => {
    replies.shift()?.reject(new Error('the subscriber did not subscribe in 30 s'));
    child.kill();
  }, 30_000);
  await ready.finally(() => clearTimeout(timer));
  return {
    pid: child.pid as number,
    poll: () =>
      new Promise<PollReply>((resolvePoll, reject) => {
        if (exited) return reject(exited);
        replies.push({ resolve: resolvePoll, reject });
        child.send({ type: 'poll' });
      }),
    close: async () => {
      if (exited) return;
      child.send({ type: 'close' });
      await new Promise((r) => child.once('exit', r));
    },
  };
}

// Run as the child process; imported (for its types and `hrMs`) it does nothing.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
