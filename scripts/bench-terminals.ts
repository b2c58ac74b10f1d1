/**
 * `pnpm bench:terminals`: terminals through the server and a WebSocket.
 *
 * The server runs in a child process (this script with `--serve`: file SQLite in a temp data dir, 127.0.0.1 port 0)
 * and reports its RSS every 100 ms over IPC; this process is the browser side, through @flightdeck/client (input
 * and output over the WebSocket, as the web app does).
 * 1. Keystroke → echo: a terminal running `cat` (the PTY echoes each key); one key at a time through
 *    `terminals.input`, timed until its echo arrives in `terminals.output`. p50 / p99 (target p99 ≤ 10 ms). Keys go
 *    alternately over the WebSocket (the clients' way) and over HTTP (their way before): both under the same load.
 * 2. Throughput: a PTY printing 100 MB (`head -c … /dev/zero | tr '\0' x`, then `END`) to 1 and to 5 viewers (each
 *    a process of its own with its own WebSocket, as browsers are). Per viewer: MB/s from the first output to `END`, bytes received, resyncs (a viewer that
 *    fell behind its bound gets the replay instead: fewer bytes); the server's peak RSS (target ≥ 20 MB/s per
 *    viewer, RSS bounded, no viewer starved), and the average size of the messages a viewer got.
 * For context it also times a plain HTTP query the same way (the floor) and prints the load average: on a shared
 * machine the figures move with it.
 * Options: --keys=<n> (default 500), --mb=<n> (default 100).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFlightdeckClient } from '@flightdeck/client';
import { intArg } from './args.js';
import { benchServerOptions } from './bench-server.js';

const KEYS = intArg('keys', 500);
const MB = intArg('mb', 100);

async function serve(): Promise<void> {
  const { configFileSchema, startServer } = await import('@flightdeck/server');
  const dataDir = mkdtempSync(join(tmpdir(), 'fd-bench-terminals-'));
  const server = await startServer(benchServerOptions(configFileSchema, dataDir));
  const cpuMs = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
  setInterval(() => process.send?.({ rss: process.memoryUsage().rss, cpuMs: cpuMs() }), 100).unref();
  process.send?.({ url: server.url });
  process.on('message', async (m: { stop?: boolean }) => {
    if (!m.stop) return;
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

type Fd = ReturnType<typeof createFlightdeckClient>;

interface Pcts {
  p50: number;
  p99: number;
  max: number;
}

function pcts(values: number[]): Pcts {
  const s = [...values].sort((a, b) => a - b);
  return { p50: pct(s, 50), p99: pct(s, 99), max: s[s.length - 1] ?? Number.NaN };
}

/** The machine's floor for the same path without a PTY: one HTTP query (`system.health`) at a time. */
async function httpFloor(fd: Fd): Promise<Pcts> {
  const times: number[] = [];
  for (let i = 0; i < KEYS + 20; i++) {
    const t0 = performance.now();
    await fd.trpc.system.health.query();
    if (i >= 20) times.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 2));
  }
  return pcts(times);
}

/** `terminals.input` as the client sent it before keystrokes went over the WebSocket: an HTTP batch of one. */
async function inputOverHttp(
  url: string,
  input: { id: string; viewerId: string; data: string },
): Promise<void> {
  const res = await fetch(`${url}/trpc/terminals.input?batch=1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ 0: input }),
  });
  if (!res.ok) throw new Error(`terminals.input over HTTP: ${res.status} ${await res.text()}`);
}

/** Keystroke → echo, keys sent alternately over the WebSocket (as the clients do) and over HTTP (as they did). */
async function keystrokes(fd: Fd, url: string): Promise<{ ws: Pcts; http: Pcts }> {
  const t = await fd.trpc.terminals.create.mutate({ kind: 'local', command: 'cat', cols: 120, rows: 40 });
  let waiting: { key: string; resolve: () => void } | null = null;
  let ready: () => void = () => {};
  const started = new Promise<void>((r) => {
    ready = r;
  });
  const sub = fd.trpc.terminals.output.subscribe(
    { id: t.id, viewerId: 'bench' },
    {
      onData: ({ data: m }) => {
        if (m.type === 'hello') ready();
        if (m.type === 'data' && waiting && m.data.includes(waiting.key)) {
          const w = waiting;
          waiting = null;
          w.resolve();
        }
      },
    },
  );
  await started;
  const times = { ws: [] as number[], http: [] as number[] };
  const alphabet = 'abcdefghijklmnopqrstuvwxyz';
  for (let i = 0; i < 2 * (KEYS + 20); i++) {
    const key = alphabet[i % alphabet.length] as string;
    const echoed = new Promise<void>((resolve) => {
      waiting = { key, resolve };
    });
    const input = { id: t.id, viewerId: 'bench', data: key };
    const mode = i % 2 === 0 ? 'ws' : 'http';
    const t0 = performance.now();
    if (mode === 'ws') await fd.trpc.terminals.input.mutate(input);
    else await inputOverHttp(url, input);
    await echoed;
    if (i >= 40) times[mode].push(performance.now() - t0); // the first 20 of each warm up
    if (i % 60 === 59) await fd.trpc.terminals.input.mutate({ ...input, data: '\r' });
    await new Promise((r) => setTimeout(r, 2));
  }
  sub.unsubscribe();
  await fd.trpc.terminals.close.mutate({ id: t.id });
  return { ws: pcts(times.ws), http: pcts(times.http) };
}

interface ViewerResult {
  mbPerS: number;
  bytes: number;
  resyncs: number;
  messages: number;
  /** CPU time the viewer's process spent from its first output to `END`. */
  cpuMs: number;
}

/** One viewer in a process of its own (as each browser is): subscribes, reports its figures over IPC at `END`. */
async function view(url: string, id: string, viewerId: string): Promise<void> {
  const fd = createFlightdeckClient({ url });
  let first = 0;
  let bytes = 0;
  let hellos = 0;
  let messages = 0;
  let cpu0 = process.cpuUsage();
  const sub = fd.trpc.terminals.output.subscribe(
    { id, viewerId },
    {
      onData: ({ data: m }) => {
        if (m.type === 'hello') {
          hellos += 1;
          if (hellos === 1) process.send?.({ subscribed: true });
        }
        if (m.type !== 'data') return;
        if (!first) {
          first = performance.now();
          cpu0 = process.cpuUsage();
        }
        bytes += m.data.length;
        messages += 1;
        if (m.data.includes('END')) {
          const s = (performance.now() - first) / 1000;
          sub.unsubscribe();
          const cpu = process.cpuUsage(cpu0);
          const cpuMs = (cpu.user + cpu.system) / 1000;
          process.send?.({
            result: { mbPerS: bytes / 1e6 / s, bytes, resyncs: hellos - 1, messages, cpuMs },
          });
        }
      },
    },
  );
}

async function throughput(url: string, viewers: number, dir: string): Promise<ViewerResult[]> {
  const total = MB * 1_000_000;
  // waits for a line before printing, so every viewer is subscribed when the output starts
  writeFileSync(
    join(dir, 'flood.sh'),
    `read go\nhead -c ${total} /dev/zero | tr '\\0' x\necho\necho END\nsleep 60\n`,
  );
  const fd = createFlightdeckClient({ url });
  const t = await fd.trpc.terminals.create.mutate({
    kind: 'local',
    command: 'sh flood.sh',
    cwd: dir,
    cols: 120,
    rows: 40,
  });
  const procs = Array.from({ length: viewers }, (_, i) =>
    fork(process.argv[1] as string, [`--view=${url} ${t.id} v${i}`], {
      execArgv: process.execArgv,
      stdio: 'inherit',
    }),
  );
  const subscribed = procs.map(
    (p) => new Promise((r) => p.on('message', (m: { subscribed?: boolean }) => m.subscribed && r(true))),
  );
  const results = procs.map(
    (p) =>
      new Promise<ViewerResult>((r) =>
        p.on('message', (m: { result?: ViewerResult }) => m.result && r(m.result)),
      ),
  );
  await Promise.all(subscribed);
  await fd.trpc.terminals.input.mutate({ id: t.id, viewerId: 'bench', data: 'go\r' });
  const out = await Promise.all(results);
  for (const p of procs) p.kill();
  await fd.trpc.terminals.close.mutate({ id: t.id });
  return out;
}

async function main(): Promise<void> {
  const child: ChildProcess = fork(process.argv[1] as string, ['--serve'], {
    execArgv: process.execArgv,
    stdio: 'inherit',
  });
  let peakRss = 0;
  let serverCpuMs = 0;
  const url = await new Promise<string>((resolve) => {
    child.on('message', (m: { url?: string; rss?: number; cpuMs?: number }) => {
      if (m.cpuMs) serverCpuMs = m.cpuMs;
      if (m.url) resolve(m.url);
      if (m.rss) peakRss = Math.max(peakRss, m.rss);
    });
  });
  const dir = mkdtempSync(join(tmpdir(), 'fd-bench-flood-'));
  try {
    const fd = createFlightdeckClient({ url });
    const k = await keystrokes(fd, url);
    const ms = (p: Pcts) =>
      `p50 ${p.p50.toFixed(2)} ms, p99 ${p.p99.toFixed(2)} ms, max ${p.max.toFixed(2)} ms`;
    console.log(
      `keystroke → echo (${KEYS} keys each way, alternately, cat in a PTY, echo over the WebSocket): ` +
        `input over the WebSocket ${ms(k.ws)} (target p99 ≤ 10 ms: ${k.ws.p99 <= 10 ? 'met' : 'NOT met'}); ` +
        `input over HTTP (before) ${ms(k.http)}`,
    );
    const f = await httpFloor(fd);
    console.log(
      `floor, an HTTP query alone (system.health): ${ms(f)}; load average now ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${cpus().length} cores`,
    );
    for (const n of [1, 5]) {
      const rssBefore = peakRss;
      peakRss = 0;
      const cpuBefore = serverCpuMs;
      const r = await throughput(url, n, dir);
      const rates = r.map((v) => v.mbPerS);
      console.log(
        `${MB} MB to ${n} viewer(s): per viewer ${rates.map((x) => x.toFixed(1)).join(', ')} MB/s ` +
          `(min ${Math.min(...rates).toFixed(1)}; target ≥ 20: ${Math.min(...rates) >= 20 ? 'met' : 'NOT met'}); ` +
          `bytes ${r.map((v) => (v.bytes / 1e6).toFixed(1)).join(', ')} MB; ` +
          `KiB a message ${r.map((v) => (v.bytes / v.messages / 1024).toFixed(0)).join(', ')}; resyncs ${r.map((v) => v.resyncs).join(', ')}; ` +
          `server peak RSS ${(peakRss / 1048576).toFixed(0)} MiB (before: ${(rssBefore / 1048576).toFixed(0)} MiB); ` +
          `CPU ms a MB: server ${((serverCpuMs - cpuBefore) / MB).toFixed(1)}, viewer ` +
          `${r.map((v) => (v.cpuMs / MB).toFixed(1)).join(', ')}`,
      );
    }
  } finally {
    child.send({ stop: true });
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
}

const viewArg = process.argv.find((a) => a.startsWith('--view='));
if (process.argv.includes('--serve')) void serve();
else if (viewArg) {
  const [url, id, viewerId] = viewArg.slice('--view='.length).split(' ') as [string, string, string];
  void view(url, id, viewerId);
} else
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
