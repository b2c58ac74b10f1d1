/**
 * The typed client against a real server on 127.0.0.1:0: hooks POSTed over HTTP arrive on `sessions.live`
 * over a real WebSocket; resuming with lastEventId yields exactly what was missed; past the log → snapshot.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningServer, startServer } from '@flightdeck/server';
import { afterEach, describe, expect, it } from 'vitest';
import { createFlightdeckClient, type FlightdeckClient } from '../src/index.js';

/** The parts of the live messages these tests look at. */
type LiveData =
  | { seq: number; type: 'snapshot'; data: { sessions: Array<{ sessionId: string }>; teams: unknown[] } }
  | { seq: number; type: 'session-upsert'; data: { sessionId: string; projectPath: string } }
  | { seq: number; type: 'session-removed'; data: { sessionId: string } }
  | { seq: number; type: 'team-upsert'; data: { teamId: string } }
  | { seq: number; type: 'team-removed'; data: { teamId: string } };

interface Received {
  id: string;
  msg: LiveData;
}

interface HookEnvelope {
  cli: 'claude';
  payload: Record<string, unknown>;
  meta: { sentAt: number };
}

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function server(opts: { password?: string; logSize?: number } = {}): Promise<RunningServer> {
  const { configFileSchema } = await import('@flightdeck/server');
  let passwordHash: string | null = null;
  if (opts.password) {
    const { hashPassword } = await import('../../../apps/server/src/auth.js');
    passwordHash = await hashPassword(opts.password);
  }
  const s = await startServer({
    config: {
      port: 0,
      host: '127.0.0.1',
      debug: false,
      dataDir: null,
      configPath: null,
      file: configFileSchema.parse({ hookRateLimitPerSecond: 100_000, passwordHash }),
    },
    logger: false,
    webDist: null,
    live: { coalesceMs: 16, ...(opts.logSize ? { logSize: opts.logSize } : {}) },
  });
  open.push(s);
  return s;
}

function client(url: string, token?: string): FlightdeckClient {
  const c = createFlightdeckClient({ url, token: token ?? null, retryDelayMs: () => 50 });
  open.push(c);
  return c;
}

function envelope(sessionId: string, event: string, extra: Record<string, unknown> = {}): HookEnvelope {
  return {
    cli: 'claude',
    payload: {
      session_id: sessionId,
      cwd: '/home/dev/demo',
      hook_event_name: event,
      transcript_path: '/tmp/t.jsonl',
      ...extra,
    },
    meta: { sentAt: Date.now() },
  };
}

async function post(url: string, env: HookEnvelope, hookToken?: string): Promise<number> {
  const res = await fetch(`${url}/api/hooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(hookToken ? { authorization: `Bearer ${hookToken}` } : {}),
    },
    body: JSON.stringify(env),
  });
  await res.arrayBuffer();
  return res.status;
}

function watch(c: FlightdeckClient, lastEventId?: string) {
  const received: Received[] = [];
  let notify: (() => void) | null = null;
  const sub = c.trpc.sessions.live.subscribe(lastEventId ? { lastEventId } : undefined, {
    onData: (d) => {
      received.push({ id: d.id, msg: d.data as LiveData });
      notify?.();
    },
  });
  const until = async (pred: (r: Received[]) => boolean, timeoutMs = 10_000) => {
    const end = Date.now() + timeoutMs;
    while (!pred(received)) {
      if (Date.now() > end)
        throw new Error(`timed out; got ${JSON.stringify(received.map((r) => [r.id, r.msg.type]))}`);
      await new Promise<void>((r) => {
        notify = r;
        setTimeout(r, 50);
      });
    }
  };
  return { received, until, stop: () => sub.unsubscribe() };
}

const upserts = (r: Received[], id: string) =>
  r.filter((x) => x.msg.type === 'session-upsert' && x.msg.data.sessionId === id);

describe('@flightdeck/client over the real wire', () => {
  it('a hook POSTed to /api/hooks shows up on sessions.live (snapshot first)', async () => {
    const s = await server();
    const c = client(s.url as string);
    const w = watch(c);
    await w.until((r) => r.length >= 1);
    expect(w.received[0]?.msg.type).toBe('snapshot');
    expect(await post(s.url as string, envelope('wire-1', 'SessionStart', { source: 'startup' }))).toBe(202);
    await w.until((r) => upserts(r, 'wire-1').length > 0);
    const up = upserts(w.received, 'wire-1')[0]?.msg;
    expect(up?.type === 'session-upsert' && up.data.projectPath).toBe('/home/dev/demo');
    // queries over HTTP through the same client (directly on the client, or through `.trpc`)
    const list = await c.sessions.list.query();
    expect((await c.trpc.sessions.list.query()).length).toBe(list.length);
    expect(list.map((x) => x.sessionId)).toContain('wire-1');
    w.stop();
  });

  it('resuming with lastEventId yields exactly the missed messages, then live', async () => {
    const s = await server();
    const url = s.url as string;
    const c = client(url);
    const w1 = watch(c);
    await w1.until((r) => r.length >= 1); // snapshot: subscribed
    await post(url, envelope('r-1', 'SessionStart'));
    await w1.until((r) => upserts(r, 'r-1').length > 0);
    const lastId = w1.received.at(-1)?.id as string;
    w1.stop();
    // while away: three sessions change
    for (const id of ['r-2', 'r-3', 'r-4']) expect(await post(url, envelope(id, 'SessionStart'))).toBe(202);
    const w2 = watch(c, lastId);
    await w2.until((r) => r.length >= 3);
    const missed = w2.received.slice(0, 3).map((x) => x.msg);
    expect(missed.map((m) => m.type)).toEqual(['session-upsert', 'session-upsert', 'session-upsert']);
    expect(missed.map((m) => (m.type === 'session-upsert' ? m.data.sessionId : ''))).toEqual([
      'r-2',
      'r-3',
      'r-4',
    ]);
    const seqs = missed.map((m) => m.seq);
    expect(seqs).toEqual([seqs[0], (seqs[0] ?? 0) + 1, (seqs[0] ?? 0) + 2]);
    expect(w2.received.some((x) => x.msg.type === 'snapshot')).toBe(false);
    await post(url, envelope('r-5', 'SessionStart'));
    await w2.until((r) => upserts(r, 'r-5').length > 0);
    w2.stop();
  });

  it('resuming from an id that left the replay log gets a fresh snapshot', async () => {
    const s = await server({ logSize: 5 });
    const url = s.url as string;
    const c = client(url);
    const w1 = watch(c);
    await w1.until((r) => r.length >= 1);
    await post(url, envelope('p-0', 'SessionStart'));
    await w1.until((r) => upserts(r, 'p-0').length > 0);
    const lastId = w1.received.at(-1)?.id as string;
    w1.stop();
    for (let i = 1; i <= 10; i++) await post(url, envelope(`p-${i}`, 'SessionStart'));
    const w2 = watch(c, lastId);
    await w2.until((r) => r.length >= 1);
    const first = w2.received[0]?.msg;
    expect(first?.type).toBe('snapshot');
    if (first?.type === 'snapshot') expect(first.data.sessions).toHaveLength(11);
    w2.stop();
  });

  it('after the socket drops, the client reconnects and resumes without gaps or a snapshot', async () => {
    const s = await server();
    const url = s.url as string;
    const c = client(url);
    const w = watch(c);
    await w.until((r) => r.length >= 1);
    for (let i = 0; i < 5; i++) await post(url, envelope(`d-${i}`, 'SessionStart'));
    await w.until((r) => upserts(r, 'd-4').length > 0);
    for (const ws of s.app.websocketServer.clients) ws.terminate();
    for (let i = 5; i < 10; i++) await post(url, envelope(`d-${i}`, 'SessionStart'));
    await w.until((r) => upserts(r, 'd-9').length > 0, 10_000);
    const seqs = w.received.filter((x) => x.msg.type !== 'snapshot').map((x) => x.msg.seq);
    expect(w.received.filter((x) => x.msg.type === 'snapshot')).toHaveLength(1);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => (seqs[0] ?? 0) + i));
    for (let i = 0; i < 10; i++) expect(upserts(w.received, `d-${i}`)).toHaveLength(1);
    w.stop();
  });

  it('with a password: the token authenticates queries and the WebSocket (connectionParams)', async () => {
    const s = await server({ password: 'letmein!' });
    const url = s.url as string;
    const anon = client(url);
    await expect(anon.trpc.sessions.list.query()).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
    const { token } = await anon.trpc.auth.login.mutate({ password: 'letmein!' });
    const c = client(url, token as string);
    expect(await c.trpc.auth.status.query()).toEqual({ passwordRequired: true, authenticated: true });
    const w = watch(c);
    await w.until((r) => r.length >= 1);
    expect(w.received[0]?.msg.type).toBe('snapshot');
    // With a password, hook senders over HTTP need the hook token (not the login token).
    expect(await post(url, envelope('auth-1', 'SessionStart'), token as string)).toBe(401);
    expect(await post(url, envelope('auth-1', 'SessionStart'), s.services.auth.hookTokens.ensure())).toBe(
      202,
    );
    await w.until((r) => upserts(r, 'auth-1').length > 0);
    w.stop();
  });

  it('history search through the client', async () => {
    const s = await server();
    const url = s.url as string;
    await post(url, envelope('h-1', 'SessionStart'));
    await post(
      url,
      envelope('h-1', 'UserPromptSubmit', { prompt: 'upgrade the websocket library', prompt_id: 'p1' }),
    );
    const c = client(url);
    const found = await c.trpc.history.search.query({ query: 'websocket' });
    expect(found.items.map((i) => i.sessionId)).toEqual(['h-1']);
  });

  it('terminal keystrokes go over the WebSocket; an input too big for one WebSocket message goes over HTTP', async () => {
    const s = await server();
    let opens = 0;
    let closes = 0;
    const c = createFlightdeckClient({
      url: s.url as string,
      retryDelayMs: () => 50,
      onOpen: () => {
        opens += 1;
      },
      onClose: () => {
        closes += 1;
      },
    });
    open.push(c);
    // Raw mode, no echo: the tty's line discipline neither drops nor doubles a long paste.
    const dir = mkdtempSync(join(tmpdir(), 'fd-client-term-'));
    open.push({ close: async () => rmSync(dir, { recursive: true, force: true }) });
    writeFileSync(join(dir, 'raw.sh'), 'stty raw -echo\nexec cat\n');
    const t = await c.terminals.create.mutate({
      kind: 'local',
      command: 'sh raw.sh',
      cwd: dir,
      cols: 120,
      rows: 40,
    });
    // Nothing subscribed yet: the keystroke itself opens the (lazy) socket.
    await c.terminals.input.mutate({ id: t.id, viewerId: 'me', data: 'a' });
    expect(opens).toBe(1);
    let text = '';
    let hellos = 0;
    const sub = c.terminals.output.subscribe(
      { id: t.id, viewerId: 'me' },
      {
        onData: ({ data: m }) => {
          if (m.type === 'hello') hellos += 1;
          if (m.type === 'data') text += m.data;
        },
      },
    );
    await expect.poll(() => hellos).toBe(1);
    // 33,000 characters (under the input's 65,536) but 65 KB of UTF-8: over the server's 64 KiB WebSocket message.
    const line = `${'é'.repeat(99)}\r`;
    await c.terminals.input.mutate({ id: t.id, viewerId: 'me', data: line.repeat(330) });
    await expect.poll(() => text.match(/é{99}\r/g)?.length ?? 0, { timeout: 20_000 }).toBe(330);
    expect({ opens, closes, hellos }).toEqual({ opens: 1, closes: 0, hellos: 1 });
    sub.unsubscribe();
  }, 30_000);
});
