/**
 * Board frame-time benchmark: 500 live sessions, 200 hook events/s posted to a real server, the dashboard open in
 * headless Chromium (60 Hz). Measures, in the page, each frame's main-thread work (rAF start → after style, layout
 * and paint) and the interval between frames (rAF deltas), plus long tasks; prints p50/p95/p99/max.
 * Target: frame work p95 ≤ 16 ms (and frame intervals at ~16.7 ms, i.e. no dropped frames).
 *
 *   pnpm exec tsx scripts/bench-board.ts [--sessions 500] [--rate 200] [--seconds 10] [--json]
 *
 * Bounded: setup + measurement + teardown finish in well under a minute; a hard timeout aborts after 3 minutes.
 */
import { parseArgs } from 'node:util';
import { claude, ensureWebBuild, launchBrowser, startServer } from '../apps/web/e2e/harness.js';

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '500' },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
    'skip-build': { type: 'boolean', default: false },
    /** Record a CPU profile of the page during the run and print the hottest functions. */
    profile: { type: 'boolean', default: false },
  },
});
const SESSIONS = Number(values.sessions);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const TICK_MS = 50;
const HARD_TIMEOUT_MS = 180_000;

const hard = setTimeout(() => {
  console.error('bench-board: hard timeout reached, aborting');
  process.exit(2);
}, HARD_TIMEOUT_MS);
hard.unref();

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

const PROJECTS = ['acme-api', 'web-shop', 'billing', 'search', 'infra', 'mobile', 'docs', 'ml-pipeline'];
const TOOLS: Array<[string, (i: number) => Record<string, unknown>]> = [
  ['Bash', (i) => ({ command: `npm test -- --shard ${i % 7}`, description: 'Run tests' })],
  ['Read', (i) => ({ file_path: `/src/module-${i % 40}.ts` })],
  [
    'Edit',
    (i) => ({
      file_path: `/src/module-${i % 40}.ts`,
      old_string: `let v = ${i};`,
      new_string: `let v = ${i + 1};`,
    }),
  ],
  ['Grep', (i) => ({ pattern: `TODO-${i % 13}`, path: '/src' })],
];

interface Envelope {
  cli: 'claude';
  payload: Record<string, unknown>;
  meta: Record<string, unknown>;
}
const env = (payload: Record<string, unknown>): Envelope => ({
  cli: 'claude',
  payload,
  meta: { sentAt: Date.now() },
});

async function postBatch(url: string, envelopes: Envelope[]): Promise<void> {
  const r = await fetch(`${url}/api/hooks/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ envelopes }),
  });
  if (!r.ok) throw new Error(`POST /api/hooks/batch → ${r.status}: ${await r.text()}`);
}

async function main(): Promise<void> {
  if (!values['skip-build']) ensureWebBuild();
  const server = await startServer();
  const browser = await launchBrowser();
  const cleanup = async () => {
    await browser.close().catch(() => undefined);
    await server.stop().catch(() => undefined);
  };
  // Never leave the server or the browser behind (Ctrl-C, a closed pipe, a timeout).
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => void cleanup().finally(() => process.exit(130)));
  }
  process.stdout.on('error', () => void cleanup().finally(() => process.exit(1)));
  try {
    const cwd = (i: number) => `/home/dev/src/${PROJECTS[i % PROJECTS.length]}`;
    const sid = (i: number) => `bench-${String(i).padStart(4, '0')}`;
    // 1. 500 sessions, each with a prompt.
    for (let start = 0; start < SESSIONS; start += 250) {
      const batch: Envelope[] = [];
      for (let i = start; i < Math.min(SESSIONS, start + 250); i++) {
        batch.push(env(claude.sessionStart(sid(i), cwd(i))));
        batch.push(env(claude.prompt(sid(i), cwd(i), `Task ${i}: make the build green`)));
      }
      await postBatch(server.url, batch);
    }

    // 2. The dashboard.
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    // Count what the live subscription delivers (messages, snapshots, bytes).
    const wire = { messages: 0, snapshots: 0, bytes: 0, measuring: false };
    page.on('websocket', (ws) => {
      ws.on('framereceived', (frame) => {
        if (!wire.measuring || typeof frame.payload !== 'string') return;
        wire.bytes += frame.payload.length;
        if (frame.payload.includes('"type":"snapshot"')) wire.snapshots++;
        else if (frame.payload.includes('"type":"session-upsert"')) wire.messages++;
      });
    });
    await page.goto(server.url);
    await page.locator('.conn--live').waitFor({ timeout: 20_000 });
    await page.waitForFunction(
      (n) =>
        [...document.querySelectorAll('.status-chip__count')].reduce(
          (a, e) => a + Number(e.textContent),
          0,
        ) >= n,
      SESSIONS,
      { timeout: 20_000 },
    );

    // 3. Start measuring, then drive 200 events/s for SECONDS.
    // A string, not a function: tsx's keepNames helper (__name) does not exist in the page.
    // For each frame: the interval since the previous frame (rAF delta, 16.7 ms at 60 Hz when nothing is dropped)
    // and the main-thread work of the frame (from the start of its rAF callbacks until a task posted from them runs,
    // i.e. after the store flush, style, layout and paint of that frame).
    await page.evaluate(`(() => {
      const b = { intervals: [], work: [], longTasks: [], stop: false };
      window.__bench = b;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) b.longTasks.push(e.duration);
      }).observe({ type: 'longtask', buffered: false });
      const ch = new MessageChannel();
      let frameStart = 0;
      ch.port1.onmessage = () => { b.work.push(performance.now() - frameStart); };
      let last = 0;
      const loop = (t) => {
        if (last) b.intervals.push(t - last);
        last = t;
        frameStart = performance.now();
        ch.port2.postMessage(0);
        if (!b.stop) requestAnimationFrame(loop);
      };
      requestAnimationFrame(loop);
    })()`);

    const cdp = values.profile ? await context.newCDPSession(page) : null;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.start');
    }

    wire.measuring = true;
    const perTick = Math.max(1, Math.round((RATE * TICK_MS) / 1000));
    const ticks = Math.round((SECONDS * 1000) / TICK_MS);
    let sent = 0;
    let n = 0;
    const started = Date.now();
    for (let t = 0; t < ticks; t++) {
      const batch: Envelope[] = [];
      for (let k = 0; k < perTick; k++, n++) {
        const i = (n * 7919) % SESSIONS; // spread over all sessions, visible ones included
        const [tool, input] = TOOLS[n % TOOLS.length]!;
        const id = `tu-${n}`;
        const phase = n % 5;
        if (phase === 4 && n % 25 === 4) batch.push(env(claude.permission(sid(i), cwd(i), tool, input(n))));
        else if (phase === 3)
          batch.push(env(claude.postTool(sid(i), cwd(i), tool, input(n), `tu-${n - 1}`, 'ok')));
        else if (phase === 4) batch.push(env(claude.stop(sid(i), cwd(i), `Done with step ${n}`)));
        else batch.push(env(claude.preTool(sid(i), cwd(i), tool, input(n), id)));
      }
      await postBatch(server.url, batch);
      sent += batch.length;
      const next = started + (t + 1) * TICK_MS;
      const wait = next - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const elapsed = (Date.now() - started) / 1000;
    if (cdp) {
      const { profile } = (await cdp.send('Profiler.stop')) as unknown as {
        profile: {
          nodes: Array<{
            id: number;
            callFrame: { functionName: string; url: string; lineNumber: number };
            hitCount?: number;
          }>;
          samples: number[];
          timeDeltas: number[];
        };
      };
      const self = new Map<number, number>();
      for (let i = 0; i < profile.samples.length; i++) {
        const id = profile.samples[i]!;
        self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
      }
      const byFn = new Map<string, number>();
      for (const node of profile.nodes) {
        const f = node.callFrame;
        const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
        byFn.set(key, (byFn.get(key) ?? 0) + (self.get(node.id) ?? 0) / 1000);
      }
      const top = [...byFn.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25);
      console.log('hottest functions (self ms):');
      for (const [k, v] of top) console.log(`  ${v.toFixed(0).padStart(7)}  ${k}`);
    }

    const result = (await page.evaluate(`(() => {
      window.__bench.stop = true;
      return window.__bench;
    })()`)) as { intervals: number[]; work: number[]; longTasks: number[] };
    const cards = await page.evaluate(() =>
      [...document.querySelectorAll('.status-chip__count')].reduce((a, e) => a + Number(e.textContent), 0),
    );
    await context.close();

    const stats = (xs: number[]) => {
      const sorted = [...xs].sort((x, y) => x - y);
      const r = (v: number) => Number(v.toFixed(2));
      return {
        p50: r(quantile(sorted, 0.5)),
        p95: r(quantile(sorted, 0.95)),
        p99: r(quantile(sorted, 0.99)),
        max: r(sorted[sorted.length - 1] ?? Number.NaN),
      };
    };
    const summary = {
      sessions: cards,
      eventsPosted: sent,
      eventsPerSecond: Math.round(sent / elapsed),
      seconds: Number(elapsed.toFixed(1)),
      frames: result.intervals.length,
      /** Main-thread work per frame (ms): the figure the target applies to. */
      frameWorkMs: stats(result.work),
      /** Interval between frames (ms); 16.7 at 60 Hz when no frame is dropped. */
      frameIntervalMs: stats(result.intervals),
      droppedFrames: result.intervals.filter((d) => d > 25).length,
      liveMessages: wire.messages,
      liveSnapshots: wire.snapshots,
      liveKiB: Math.round(wire.bytes / 1024),
      longTasks: result.longTasks.length,
      longestTaskMs: Number(Math.max(0, ...result.longTasks).toFixed(1)),
    };
    const pass = summary.frameWorkMs.p95 <= 16;
    if (values.json) console.log(JSON.stringify({ ...summary, pass }, null, 2));
    else {
      const f = (x: { p50: number; p95: number; p99: number; max: number }) =>
        `p50 ${x.p50} ms, p95 ${x.p95} ms, p99 ${x.p99} ms, max ${x.max} ms`;
      console.log(
        `bench-board: ${summary.sessions} sessions, ${summary.eventsPosted} events in ${summary.seconds} s (${summary.eventsPerSecond}/s), ${summary.frames} frames`,
      );
      console.log(`frame work     ${f(summary.frameWorkMs)}`);
      console.log(`frame interval ${f(summary.frameIntervalMs)} (60 Hz = 16.7 ms)`);
      console.log(
        `dropped frames (interval > 25 ms): ${summary.droppedFrames}; long tasks (> 50 ms): ${summary.longTasks}, longest ${summary.longestTaskMs} ms`,
      );
      console.log(
        `live subscription: ${summary.liveMessages} session updates, ${summary.liveSnapshots} snapshots, ${summary.liveKiB} KiB`,
      );
      console.log(pass ? 'PASS: frame work p95 ≤ 16 ms' : 'FAIL: frame work p95 > 16 ms');
    }
    process.exitCode = pass ? 0 : 1;
  } finally {
    await cleanup();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
