/**
 * Nothing lost, nothing doubled, one bad event never costs another: a payload no serializer can write (nested
 * thousands of levels deep) is refused alone on every ingest path, and retries carrying their sender's id are
 * stored once, also across a restart.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSqlite } from '@flightdeck/db';
import { HOOK_SCRIPT_PATH } from '@flightdeck/hook-ingest';
import type { HookEnvelope } from '@flightdeck/shared-types';
import type { FastifyBaseLogger } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createHookStatsPort, startSpoolReader } from '../src/ingest.js';
import type { Runtime } from '../src/runtime.js';
import type { RunningServer } from '../src/server.js';
import {
  claudeEvent,
  postHook,
  prompt,
  sessionStart,
  sqliteOf,
  startTestServer,
  tmpDir,
  waitFor,
} from './helpers.js';

/** `[[[…1…]]]` nested `levels` deep (built without recursion). */
function nested(levels: number): unknown {
  let x: unknown = 1;
  for (let i = 0; i < levels; i++) x = [x];
  return x;
}

function poisoned(sessionId: string): HookEnvelope {
  return claudeEvent(sessionId, 'UserPromptSubmit', { prompt: 'deep', x: nested(5000) });
}

/** JSON text of `value` with `"x": "DEEP"` replaced by `[[[…1…]]]` 5,000 levels deep (no recursive stringify). */
function deepJson(value: unknown): string {
  return JSON.stringify(value).replace('"DEEP"', `${'['.repeat(5000)}1${']'.repeat(5000)}`);
}

async function postText(url: string, path: string, body: string) {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { status: res.status, body: (await res.json()) as unknown };
}

const servers: RunningServer[] = [];
const dirs: Array<{ remove: () => void }> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const d of dirs.splice(0)) d.remove();
});

async function server(opts: Parameters<typeof startTestServer>[0] = {}) {
  const s = await startTestServer(opts);
  servers.push(s);
  return s;
}

async function storedIngestIds(dataDir: string): Promise<string[]> {
  const db = await openSqlite({ file: join(dataDir, 'flightdeck.db') });
  try {
    const rows = db.sqlite.prepare('SELECT ingest_id FROM hook_events ORDER BY id').all() as Array<{
      ingest_id: string;
    }>;
    return rows.map((r) => r.ingest_id);
  } finally {
    await db.close();
  }
}

async function storedSessionIds(s: RunningServer): Promise<string[]> {
  await s.runtime.drain();
  const rows = sqliteOf(s).prepare('SELECT session_id FROM hook_events ORDER BY id').all() as Array<{
    session_id: string;
  }>;
  return rows.map((r) => r.session_id);
}

describe('a poisoned event is refused alone', () => {
  it('runtime: an event the store cannot serialize is refused; the events queued with it are stored once', async () => {
    const s = await server({ listen: false });
    // Straight into the runtime (no edge validation): the store itself must refuse it without harming the batch.
    const results = await Promise.all([
      s.runtime.ingest(sessionStart('good-1'), 'id-1'),
      s.runtime.ingest(prompt('good-1', 'before'), 'id-2'),
      s.runtime.ingest(poisoned('bad'), 'id-3'),
      s.runtime.ingest(prompt('good-1', 'after'), 'id-4'),
      s.runtime.ingest(sessionStart('good-2'), 'id-5'),
    ]);
    expect(results.map((r) => r.refused === undefined)).toEqual([true, true, false, true, true]);
    expect(results[2]?.refused).toMatch(/cannot be stored/);
    expect(await storedSessionIds(s)).toEqual(['good-1', 'good-1', 'good-1', 'good-2']);
    // It changed nothing: no session was made for it.
    expect(s.runtime.getSession('bad')).toBeUndefined();
    expect(s.runtime.stats().refused).toBe(1);
    // The ids of refused events are not "delivered": a spool reader must not delete such a record as a duplicate.
    expect(await s.runtime.isDelivered(['id-3', 'id-4'])).toEqual(new Set(['id-4']));
  });

  it('HTTP: the poisoned envelope gets a 4xx naming the problem; concurrent requests are not affected', async () => {
    const s = await server();
    const url = s.url as string;
    const [a, bad, b] = await Promise.all([
      postHook(url, sessionStart('http-1')),
      postText(url, '/api/hooks', deepJson(claudeEvent('http-bad', 'UserPromptSubmit', { x: 'DEEP' }))),
      postHook(url, sessionStart('http-2')),
    ]);
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/payload: nested deeper than 100 levels/);
    expect((await storedSessionIds(s)).sort()).toEqual(['http-1', 'http-2']);
  });

  it('batch: each envelope is judged alone; the good ones are stored once, a retry duplicates nothing', async () => {
    const s = await server();
    const url = s.url as string;
    const envelopes = [
      { ...sessionStart('batch-1'), id: 'fwd-1' },
      { ...claudeEvent('batch-bad', 'UserPromptSubmit', { x: 'DEEP' }), id: 'fwd-2' },
      { ...prompt('batch-1', 'hello'), id: 'fwd-3' },
      { cli: 'vim', payload: {}, id: 'fwd-4' },
      { ...sessionStart('batch-2'), id: 'fwd-5' },
    ];
    const post = (body: unknown) =>
      fetch(`${url}/api/hooks/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: deepJson(body),
      });
    const [first, single] = await Promise.all([
      post({ envelopes }),
      postHook(url, sessionStart('unrelated')),
    ]);
    expect(single.status).toBe(202);
    expect(first.status).toBe(202);
    const body = (await first.json()) as {
      ok: boolean;
      accepted: number;
      duplicates: number;
      rejected: Array<{ index: number; message: string }>;
    };
    expect(body.ok).toBe(false);
    expect(body.accepted).toBe(3);
    expect(body.duplicates).toBe(0);
    expect(body.rejected.map((r) => r.index)).toEqual([1, 3]);
    expect(body.rejected[0]?.message).toMatch(/^envelopes\.1: payload: nested deeper than 100 levels/);
    expect(body.rejected[1]?.message).toMatch(/^envelopes\.3: cli: /);
    // The sender retries the whole batch (it never saw the answer): nothing is stored twice.
    const retry = (await (await post({ envelopes })).json()) as { accepted: number; duplicates: number };
    expect(retry).toMatchObject({ accepted: 3, duplicates: 3 });
    expect((await storedSessionIds(s)).sort()).toEqual(['batch-1', 'batch-1', 'batch-2', 'unrelated']);
  });

  it('spool: three events, a poisoned one, three more, written by the real hook while the server is down', async () => {
    const dir = tmpDir('fd-poison-');
    dirs.push(dir);
    const spool = join(dir.dir, 'spool');
    const hook = (payload: unknown) => {
      const r = spawnSync('sh', [HOOK_SCRIPT_PATH, 'claude'], {
        input: deepJson(payload),
        env: { ...process.env, FLIGHTDECK_SPOOL: spool },
      });
      expect(r.status).toBe(0);
    };
    for (const id of ['p-1', 'p-2', 'p-3']) hook(sessionStart(id).payload);
    hook({ session_id: 'B', hook_event_name: 'UserPromptSubmit', x: 'DEEP' });
    for (const id of ['p-4', 'p-5', 'p-6']) hook(sessionStart(id).payload);
    const s = await server({ dataDir: dir.dir });
    await waitFor(() => s.runtime.listSessions().length === 6);
    await waitFor(() => readdirSync(spool).filter((f) => f.endsWith('.rec')).length === 0);
    expect((await storedSessionIds(s)).sort()).toEqual(['p-1', 'p-2', 'p-3', 'p-4', 'p-5', 'p-6']);
    const rejected = join(spool, 'rejected');
    expect(existsSync(rejected)).toBe(true);
    const reasons = readdirSync(rejected).filter((f) => f.endsWith('.error.json'));
    expect(reasons).toHaveLength(1);
    const reason = JSON.parse(readFileSync(join(rejected, reasons[0] as string), 'utf8')) as {
      error: string;
    };
    expect(reason.error).toMatch(/nested deeper than 100 levels/);
  });
});

describe('prototype keys in a hook body', () => {
  it('are refused with a message that names them, on every hook entry point', async () => {
    const s = await server();
    const url = s.url as string;
    const payload = JSON.stringify(sessionStart('proto').payload).replace(
      '{',
      '{"__proto__":{"polluted":true},',
    );
    for (const [path, body] of [
      ['/api/hooks', `{"cli":"claude","payload":${payload}}`],
      ['/api/hooks?cli=claude', payload],
      ['/api/hooks/batch', `{"envelopes":[{"cli":"claude","payload":${payload}}]}`],
    ] as const) {
      const r = await postText(url, path, body);
      expect(r.status).toBe(400);
      expect((r.body as { message: string }).message).toMatch(/"__proto__"/);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(s.runtime.getSession('proto')).toBeUndefined();
  });
});

describe('spool wiring', () => {
  it('records the runtime refuses are set aside with the reason, the others deleted once stored', async () => {
    const dir = tmpDir('fd-setaside-');
    dirs.push(dir);
    const spool = join(dir.dir, 'spool');
    for (const id of ['keep-1', 'refuse-me', 'keep-2']) {
      const r = spawnSync('sh', [HOOK_SCRIPT_PATH, 'claude'], {
        input: JSON.stringify(sessionStart(id).payload),
        env: { ...process.env, FLIGHTDECK_SPOOL: spool },
      });
      expect(r.status).toBe(0);
    }
    const seen: string[] = [];
    // Only the runtime's answer is played here (a refusal cannot be provoked through validation any more).
    const runtime = {
      isDelivered: () => new Set<string>(),
      ingestRecords: async (records: Array<{ id: string; envelope: HookEnvelope }>) =>
        records.map((r) => {
          const sid = String(r.envelope.payload.session_id);
          seen.push(sid);
          return sid === 'refuse-me'
            ? { ingestId: r.id, duplicate: false, rejected: [], refused: 'event cannot be stored: test' }
            : { ingestId: r.id, duplicate: false, rejected: [] };
        }),
    } as unknown as Runtime;
    const log = { warn() {} } as unknown as FastifyBaseLogger;
    const handle = await startSpoolReader({ dir: spool, runtime, log, hookStats: createHookStatsPort() });
    try {
      await waitFor(() => readdirSync(spool).filter((f) => f.endsWith('.rec')).length === 0);
    } finally {
      await handle.stop();
    }
    expect(seen).toEqual(['keep-1', 'refuse-me', 'keep-2']);
    const reasons = readdirSync(join(spool, 'rejected')).filter((f) => f.endsWith('.error.json'));
    expect(reasons).toHaveLength(1);
    const reason = readFileSync(join(spool, 'rejected', reasons[0] as string), 'utf8');
    expect(reason).toMatch(/event cannot be stored: test/);
  });
});

describe('retries are idempotent', () => {
  it('a single POST retried with the same id is stored once, also after a restart in between', async () => {
    const dir = tmpDir('fd-idem-');
    dirs.push(dir);
    const first = await startTestServer({ dataDir: dir.dir });
    const start = { ...sessionStart('idem-1'), id: 'sender-41' };
    const envelope = { ...prompt('idem-1', 'only once'), id: 'sender-42' };
    expect((await postHook(first.url as string, start)).status).toBe(202);
    expect((await postHook(first.url as string, envelope)).status).toBe(202);
    // The client timed out and retries, twice at once.
    const again = await Promise.all([
      postHook(first.url as string, envelope),
      postHook(first.url as string, envelope),
    ]);
    expect(again.map((r) => r.status)).toEqual([202, 202]);
    expect(first.runtime.getSession('idem-1')?.promptHistory).toHaveLength(1);
    await first.close();
    const second = await server({ dataDir: dir.dir });
    expect((await postHook(second.url as string, envelope)).status).toBe(202);
    expect(second.runtime.getSession('idem-1')?.promptHistory).toHaveLength(1);
    // Another event with another id is stored as usual.
    expect((await postHook(second.url as string, { ...prompt('idem-1', 'x'), id: 'sender-43' })).status).toBe(
      202,
    );
    expect(second.runtime.getSession('idem-1')?.promptHistory).toHaveLength(2);
    await second.runtime.drain();
    expect(await storedIngestIds(dir.dir)).toEqual(['ev:sender-41', 'ev:sender-42', 'ev:sender-43']);
  });

  it('an id that is not printable ASCII, or too long, is refused with a message', async () => {
    const s = await server();
    for (const id of ['', 'with space', 'x'.repeat(129), 'é']) {
      const r = await postHook(s.url as string, { ...sessionStart('idem-bad'), id } as HookEnvelope);
      expect(r.status).toBe(400);
      expect(JSON.stringify(r.body)).toMatch(/id/);
    }
  });
});
