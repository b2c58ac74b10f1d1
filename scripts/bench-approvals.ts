/**
 * `pnpm bench:approvals`: how long a decision from the dashboard takes to reach the waiting hook.
 *
 * Starts the server (in this process, file SQLite in a temp data dir, listening on 127.0.0.1 port 0), makes 20
 * held approvals the way the hook does (a FIFO `mkfifo -m 600 <spool>/hold/<record id>` and a real `sh` reader
 * blocked on it: `exec 3<"$F"; IFS= read -r l <&3; printf "%s" "$l"`), each a PermissionRequest whose envelope
 * carries `meta.hold` (as the spool reader sets it), then decides them one by one through @flightdeck/client
 * (`approvals.decide` over HTTP). For each: the time from the mutation call to the moment the reader process
 * printed its line (its stdout reaching this process), and to the mutation's answer (after the reply is in the
 * FIFO and the decision is committed). Prints p50 / p99 / max; the target is p99 ≤ 20 ms.
 *
 * The server shares this process's event loop with the client (an envelope with `meta.hold` can only be handed
 * to the runtime directly: HTTP ingest drops it), so the figures include the client's own work.
 * Options: --count=<n> (default 20), --rounds=<n> (default 5: each round makes and decides `count` approvals).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFlightdeckClient } from '@flightdeck/client';
import { configFileSchema, startServer } from '@flightdeck/server';
import { intArg } from './args.js';

const COUNT = intArg('count', 20);
const ROUNDS = intArg('rounds', 5);
const TARGET_P99_MS = 20;

interface Reader {
  child: ChildProcess;
  gotLine: Promise<number>;
}

function startReader(path: string): Reader {
  const child = spawn('sh', ['-c', 'exec 3<"$F"; IFS= read -r l <&3; printf "%s" "$l"'], {
    env: { F: path, PATH: process.env.PATH ?? '/usr/bin:/bin' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const gotLine = new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', () => resolve(performance.now()));
    child.once('close', () => reject(new Error('reader exited without a line')));
  });
  gotLine.catch(() => undefined);
  return { child, gotLine };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function summary(name: string, values: number[]): { p50: number; p99: number } {
  const s = [...values].sort((a, b) => a - b);
  const r = { p50: pct(s, 50), p99: pct(s, 99), max: s[s.length - 1] ?? Number.NaN };
  console.log(
    `${name.padEnd(34)} p50 ${r.p50.toFixed(2)} ms   p99 ${r.p99.toFixed(2)} ms   max ${r.max.toFixed(2)} ms`,
  );
  return r;
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'fd-bench-approvals-'));
  const spool = join(dataDir, 'spool');
  const server = await startServer({
    config: {
      port: 0,
      host: '127.0.0.1',
      debug: false,
      dataDir,
      configPath: join(dataDir, 'config.json'),
      file: configFileSchema.parse({ hookRateLimitPerSecond: 100_000, transcripts: { enabled: false } }),
    },
    logger: false,
    webDist: null,
    delivery: false,
    transcripts: false,
  });
  const fd = createFlightdeckClient({ url: server.url as string });
  const toLine: number[] = [];
  const toAnswer: number[] = [];
  const readers: Reader[] = [];
  let n = 0;
  try {
    mkdirSync(join(spool, 'hold'), { recursive: true, mode: 0o700 });
    for (let round = 0; round < ROUNDS; round++) {
      const ids: Array<{ id: string; reader: Reader }> = [];
      for (let i = 0; i < COUNT; i++) {
        n += 1;
        const id = `abcdef01-${String(n).padStart(12, '0')}-${10_000 + n}`;
        const path = join(spool, 'hold', id);
        execFileSync('mkfifo', ['-m', '600', path]);
        const reader = startReader(path);
        readers.push(reader);
        const sid = `bench-${n}`;
        const payload = { session_id: sid, cwd: '/home/dev/bench' };
        const input = { command: `echo ${n}` };
        const send = (hook_event_name: string, extra: Record<string, unknown>, meta = {}) =>
          server.runtime.ingest(
            { cli: 'claude', payload: { ...payload, hook_event_name, ...extra }, meta },
            `bench-${n}-${hook_event_name}`,
          );
        await send('SessionStart', { source: 'startup' });
        await send('PreToolUse', { tool_name: 'Bash', tool_input: input, tool_use_id: `tu-${n}` });
        await send(
          'PermissionRequest',
          { tool_name: 'Bash', tool_input: input, permission_suggestions: [] },
          { hold: path, holdPid: reader.child.pid },
        );
        ids.push({ id, reader });
      }
      const pending = (await fd.approvals.list.query()).filter((v) => v.decidable).length;
      if (pending !== COUNT) throw new Error(`expected ${COUNT} decidable approvals, got ${pending}`);
      // Let every reader reach its read (they are blocked on the FIFO the server holds open).
      await new Promise((r) => setTimeout(r, 100));
      for (const { id, reader } of ids) {
        const t0 = performance.now();
        await fd.approvals.decide.mutate({ id, behavior: 'allow', via: 'api' });
        const answered = performance.now();
        const got = await reader.gotLine;
        toLine.push(got - t0);
        toAnswer.push(answered - t0);
      }
    }
    console.log(
      `${ROUNDS} rounds × ${COUNT} held approvals, decided one by one (approvals.decide over HTTP)`,
    );
    const line = summary('mutation call → reader has its line', toLine);
    summary('mutation call → mutation answered', toAnswer);
    const ok = line.p99 <= TARGET_P99_MS;
    console.log(`target p99 ≤ ${TARGET_P99_MS} ms: ${ok ? 'met' : 'NOT met'}`);
    if (!ok) process.exitCode = 1;
  } finally {
    for (const r of readers) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    await fd.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
