/**
 * Ingest throughput benchmark of the server's write path (`createWritePlanner` plans, the SQLite adapter's `write`
 * applies, one transaction per batch) on a real SQLite file (WAL, synchronous=NORMAL).
 *
 *   pnpm --filter @flightdeck/db bench [--events 100000] [--batch 500] [--sessions 20]
 *     [--core-state full|small] [--database sqlite|postgres] [--pg-stats]
 *
 * `--database postgres` applies the same plans through the PostgreSQL adapter, on a throwaway server started on a
 * loopback port (`test/support/postgres.ts`; `node scripts/ensure-postgres.mjs` installs Debian's `postgresql`).
 *
 * Simulates `--sessions` concurrent agents. Every hook event is stored raw, and the session it touches is
 * re-upserted with realistic ring buffers (50 prompts, 200 tool calls, 50 responses, 50 events). A tool call
 * is first written `running`, then `ok` in a later event. `--core-state full` also saves a core state JSON
 * that contains every session (worst case); `small` saves a few KB.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSession } from '@flightdeck/core';
import type { HookEnvelope, Session, ToolCall } from '@flightdeck/shared-types';
import { sql } from 'kysely';
import type { DatabaseAdapter } from '../src/adapter.js';
import {
  createWritePlanner,
  type IngestBatch,
  type IngestEvent,
  openPostgres,
  openSqlite,
  type WriteOp,
} from '../src/index.js';
import { startPostgres, topStatements } from '../test/support/postgres.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? (process.argv[i + 1] as string) : def;
}

const TOTAL = Number(arg('events', '100000'));
const BATCH = Number(arg('batch', '500'));
const SESSIONS = Number(arg('sessions', '20'));
const CORE = arg('core-state', 'small');
const DATABASE = arg('database', 'sqlite');
if (DATABASE !== 'sqlite' && DATABASE !== 'postgres') throw new Error('--database: sqlite or postgres');

/** `--pg-stats`: PostgreSQL's statements by total time at the end (`pg_stat_statements`). */
const PG_STATS = process.argv.includes('--pg-stats');

async function openDatabase(dir: string): Promise<{ h: DatabaseAdapter; stop(): void; url?: string }> {
  if (DATABASE === 'sqlite') return { h: await openSqlite({ file: join(dir, 'flightdeck.db') }), stop() {} };
  const server = await startPostgres({ statistics: PG_STATS });
  try {
    const url = server.url(await server.createDatabase());
    const stop = () => server.stop();
    return { h: await openPostgres({ url }), stop, url };
  } catch (err) {
    server.stop();
    throw err;
  }
}

async function count(h: DatabaseAdapter, table: 'hook_events' | 'tool_calls'): Promise<number> {
  const r = await sql<{ n: number }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(h.db);
  return Number(r.rows[0]?.n);
}

function push<T>(arr: T[], item: T, max: number): T[] {
  const next = [...arr, item];
  return next.length > max ? next.slice(next.length - max) : next;
}

function newSession(i: number, t: number): Session {
  const base = createSession({
    sessionId: `bench-${i}-${'x'.repeat(24)}`,
    cli: 'claude',
    projectPath: `/home/dev/src/project-${i % 5}`,
    source: 'terminal',
    now: t,
    status: 'working',
    trigger: 'PreToolUse',
    detail: 'bench',
  });
  return {
    ...base,
    title: `Bench session ${i}`,
    model: 'claude-sonnet-4-6',
    permissionMode: 'default',
    pid: 1000 + i,
  };
}

/** Applies one synthetic hook event to a session, like the core would (a cheap stand-in). */
function step(
  s: Session,
  n: number,
  t: number,
): { session: Session; event: string; payload: Record<string, unknown> } {
  const phase = n % 10;
  // Ring sequence numbers as the core gives them: one per entry added or replaced.
  const seq = s.ringSeq;
  if (phase === 0) {
    const text = `Please refactor module ${n} and run the test suite; check the login flow and the cache layer ${n}`;
    return {
      session: {
        ...s,
        lastActivityAt: t,
        totalPrompts: s.totalPrompts + 1,
        promptHistory: push(s.promptHistory, { text, timestamp: t, promptId: `p-${n}`, seq: seq + 1 }, 50),
        events: push(
          s.events,
          { type: 'UserPromptSubmit', detail: text.slice(0, 80), timestamp: t, seq: seq + 2 },
          50,
        ),
        ringSeq: seq + 2,
      },
      event: 'UserPromptSubmit',
      payload: { prompt: text },
    };
  }
  if (phase === 9) {
    const text = `Done: refactored module ${n}. All ${n % 300} tests pass. `.repeat(8);
    return {
      session: {
        ...s,
        lastActivityAt: t,
        responseLog: push(s.responseLog, { text, timestamp: t, agentId: null, seq: seq + 1 }, 50),
        events: push(s.events, { type: 'Stop', detail: 'turn finished', timestamp: t, seq: seq + 2 }, 50),
        ringSeq: seq + 2,
      },
      event: 'Stop',
      payload: { last_assistant_message: text },
    };
  }
  if (phase % 2 === 1) {
    const call: ToolCall = {
      toolUseId: `toolu_${n}`,
      tool: n % 3 === 0 ? 'Bash' : 'Read',
      input:
        n % 3 === 0
          ? { command: `npm test -- --grep case-${n}` }
          : { file_path: `/home/dev/src/file-${n}.ts` },
      inputSummary: n % 3 === 0 ? `npm test -- --grep case-${n}` : `file-${n}.ts`,
      status: 'running',
      startedAt: t,
      endedAt: null,
      durationMs: null,
      result: null,
      error: null,
      agentId: null,
      seq: seq + 1,
    };
    return {
      session: {
        ...s,
        lastActivityAt: t,
        totalToolCalls: s.totalToolCalls + 1,
        toolLog: push(s.toolLog, call, 200),
        ringSeq: seq + 1,
      },
      event: 'PreToolUse',
      payload: { tool_name: call.tool, tool_input: call.input, tool_use_id: call.toolUseId },
    };
  }
  const last = s.toolLog[s.toolLog.length - 1];
  const toolLog = last
    ? [
        ...s.toolLog.slice(0, -1),
        {
          ...last,
          status: 'ok' as const,
          endedAt: t,
          durationMs: t - last.startedAt,
          result: 'ok '.repeat(30),
          seq: seq + 1,
        },
      ]
    : s.toolLog;
  return {
    session: { ...s, lastActivityAt: t, toolLog, ringSeq: last ? seq + 1 : seq },
    event: 'PostToolUse',
    payload: {
      tool_name: last?.tool ?? 'Bash',
      tool_use_id: last?.toolUseId,
      tool_response: { stdout: 'ok' },
    },
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'flightdeck-bench-'));
  const { h, stop, url } = await openDatabase(dir);
  try {
    const t0 = Date.UTC(2026, 10, 16, 9);
    const sessions = Array.from({ length: SESSIONS }, (_, i) => newSession(i, t0));
    // Warm up the ring buffers to their steady-state size so every upsert carries full buffers.
    for (let n = 0; n < 400 * SESSIONS; n++) {
      const i = n % SESSIONS;
      sessions[i] = step(sessions[i] as Session, n, t0 + n).session;
    }
    const planner = createWritePlanner();
    const record = (batch: IngestBatch, coreState?: unknown, now = 0): Promise<number> => {
      const ops: WriteOp[] = [];
      planner.batch(ops, batch);
      if (coreState !== undefined) ops.push({ op: 'coreState', state: JSON.stringify(coreState), at: now });
      return h.write(ops);
    };
    await record({ events: [], sessions });

    let seq = 0;
    let busyMs = 0;
    let cpuUs = 0;
    let batches = 0;
    const started = performance.now();
    while (seq < TOTAL) {
      const events: IngestEvent[] = [];
      const changed = new Set<number>();
      const size = Math.min(BATCH, TOTAL - seq);
      for (let k = 0; k < size; k++, seq++) {
        const i = (seq * 7 + (seq >> 4)) % SESSIONS;
        const s = sessions[i] as Session;
        const t = t0 + 1_000_000 + seq;
        const r = step(s, seq + 400 * SESSIONS, t);
        sessions[i] = r.session;
        changed.add(i);
        const envelope: HookEnvelope = {
          cli: 'claude',
          payload: {
            session_id: s.sessionId,
            hook_event_name: r.event,
            cwd: s.projectPath,
            transcript_path: `/home/dev/.claude/projects/x/${s.sessionId}.jsonl`,
            ...r.payload,
          },
          meta: { pid: s.pid ?? 1, sentAt: t - 2, termProgram: 'iTerm.app', tty: '/dev/ttys003' },
        };
        events.push({ ingestId: `${String(seq).padStart(12, '0')}-bench`, envelope, receivedAt: t });
      }
      const changedSessions = [...changed].map((i) => sessions[i] as Session);
      const coreState =
        CORE === 'full'
          ? { sessions: Object.fromEntries(sessions.map((s) => [s.sessionId, s])), teams: {} }
          : {
              teams: {},
              pendingResumes: {},
              pidIndex: Object.fromEntries(sessions.map((s) => [s.pid, s.sessionId])),
            };
      const b0 = performance.now();
      const c0 = process.cpuUsage();
      await record({ events, sessions: changedSessions }, coreState, t0 + seq);
      const c1 = process.cpuUsage(c0);
      cpuUs += c1.user + c1.system;
      busyMs += performance.now() - b0;
      batches++;
    }
    const wall = performance.now() - started;
    const rows = { n: await count(h, 'hook_events') };
    if (rows.n !== TOTAL) throw new Error(`unexpected duplicates: ${rows.n} raw events stored of ${TOTAL}`);
    const tools = { n: await count(h, 'tool_calls') };
    console.log(
      JSON.stringify(
        {
          database: DATABASE,
          events: TOTAL,
          batchSize: BATCH,
          sessions: SESSIONS,
          coreState: CORE,
          batches,
          recordMs: Math.round(busyMs),
          eventsPerSecond: Math.round((TOTAL / busyMs) * 1000),
          eventsPerCpuSecond: Math.round((TOTAL / cpuUs) * 1e6),
          loadAverage1m: Number(loadavg()[0]?.toFixed(2)),
          meanBatchMs: Number((busyMs / batches).toFixed(2)),
          wallMsIncludingSimulation: Math.round(wall),
          hookEventRows: rows.n,
          toolCallRows: tools.n,
        },
        null,
        2,
      ),
    );
  } finally {
    if (url && PG_STATS)
      for (const s of await topStatements(url, 12))
        console.log(
          `${s.totalMs.toFixed(0).padStart(7)} ms ${String(s.calls).padStart(6)} calls ${String(s.rows).padStart(7)} rows  ${s.query.replace(/\s+/g, ' ').slice(0, 140)}`,
        );
    await h.close();
    stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
