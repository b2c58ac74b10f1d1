/**
 * Held approvals end to end: a real server (port 0, a data dir with its spool), real FIFOs in the spool's hold/
 * directory and real `sh` readers that wait on them like the hook does; decisions through the tRPC client over
 * HTTP. What the reader prints is what Claude Code would read on the hook's stdout.
 */
import { HOLD_GONE_GRACE_MS } from '@flightdeck/core';
import type { HookEnvelope } from '@flightdeck/shared-types';
import { createTRPCClient, createWSClient, httpLink, TRPCClientError, wsLink } from '@trpc/client';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { AppRouter } from '../src/router/index.js';
import type { RunningServer } from '../src/server.js';
import { claudeEvent, sessionStart, startTestServer, tmpDir, waitFor } from './helpers.js';
import { type FifoReader, makeHoldFifo, recordId, startFifoReader } from './hold-fifo.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanups.reverse()) await f();
  cleanups.length = 0;
});

const BASH = { command: 'rm -rf build' };
const ALLOW = '{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"allow"}}}';

async function serverIn(
  dataDir: string,
  file: Parameters<typeof startTestServer>[0] = {},
): Promise<RunningServer> {
  const server = await startTestServer({ dataDir, transcripts: false, ...file });
  let closed = false;
  const close = server.close.bind(server);
  server.close = async () => {
    if (!closed) await close();
    closed = true;
  };
  cleanups.push(() => server.close());
  return server;
}

function clientOf(server: RunningServer, headers: Record<string, string> = {}) {
  return createTRPCClient<AppRouter>({ links: [httpLink({ url: `${server.url}/trpc`, headers })] });
}

let ingestN = 0;
async function send(server: RunningServer, env: HookEnvelope): Promise<void> {
  ingestN += 1;
  const r = await server.runtime.ingest(env, `t-${ingestN}`);
  expect(r.refused).toBeUndefined();
}

/** A Claude session running Bash, then its PermissionRequest held on a FIFO with a reader waiting. */
async function held(
  server: RunningServer,
  dataDir: string,
  sid: string,
  n: number,
  input: Record<string, unknown> = BASH,
): Promise<{ id: string; reader: FifoReader }> {
  await send(server, sessionStart(sid));
  await send(
    server,
    claudeEvent(sid, 'PreToolUse', { tool_name: 'Bash', tool_input: input, tool_use_id: `tu-${n}` }),
  );
  const id = recordId(n);
  const path = makeHoldFifo(`${dataDir}/spool`, id);
  const reader = startFifoReader(path);
  cleanups.push(() => reader.child.kill('SIGKILL'));
  await send(
    server,
    claudeEvent(
      sid,
      'PermissionRequest',
      { tool_name: 'Bash', tool_input: input, permission_suggestions: [] },
      { hold: path, holdPid: reader.pid },
    ),
  );
  return { id, reader };
}

async function conflictOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TRPCClientError);
  const e = err as TRPCClientError<AppRouter>;
  expect(e.data?.code).toBe('CONFLICT');
  return e.message;
}

const tmp = () => {
  const t = tmpDir('fd-appr-');
  cleanups.push(() => t.remove());
  return t.dir;
};

describe('approvals over tRPC with real FIFOs', () => {
  it('list shows it decidable with its rendering; allow writes exactly the reply line; a second decide is CONFLICT', async () => {
    const dir = tmp();
    const server = await serverIn(dir);
    const client = clientOf(server);
    const { id, reader } = await held(server, dir, 'sa', 1);
    const list = await client.approvals.list.query();
    expect(list).toEqual([
      expect.objectContaining({
        id,
        sessionId: 'sa',
        cli: 'claude',
        tool: 'Bash',
        kind: 'approval',
        decidable: true,
        notDecidableReason: null,
        rendering: { kind: 'command', title: 'Bash wants to run', text: 'rm -rf build' },
        toolInput: BASH,
      }),
    ]);
    expect(server.runtime.getSession('sa')?.pendingApproval).toMatchObject({ id, decidable: true });
    expect(await client.approvals.decide.mutate({ id, behavior: 'allow', via: 'browser' })).toEqual({
      id,
      outcome: 'allowed',
    });
    expect(await reader.done).toBe(ALLOW);
    expect(await conflictOf(client.approvals.decide.mutate({ id, behavior: 'deny' }))).toBe(
      'already allowed from the browser',
    );
    expect(await client.approvals.list.query()).toEqual([]);
    expect(await client.approvals.history.query({ sessionId: 'sa' })).toEqual([
      expect.objectContaining({
        id,
        outcome: 'allowed',
        tool: 'Bash',
        summary: 'Approve Bash: rm -rf build',
        by: { address: '127.0.0.1', authenticated: false },
        via: 'browser',
        remember: null,
      }),
    ]);
  });

  it('deny for the session with a message: the reader gets the deny line', async () => {
    const dir = tmp();
    const server = await serverIn(dir);
    const client = clientOf(server);
    const { id, reader } = await held(server, dir, 'sd', 2);
    await client.approvals.decide.mutate({ id, behavior: 'deny', message: 'not now', interrupt: true });
    expect(JSON.parse(await reader.done)).toEqual({
      hookSpecificOutput: {
        hookEventName: 'PermissionRequest',
        decision: { behavior: 'deny', message: 'not now', interrupt: true },
      },
    });
  });

  it('the hook goes away (answered in the terminal): closed as terminal within ~1 s; a late decide says so', async () => {
    const dir = tmp();
    const server = await serverIn(dir);
    const client = clientOf(server);
    const { id, reader } = await held(server, dir, 'st', 3);
    reader.child.kill('SIGTERM');
    await reader.done;
    // Closed at once (no longer decidable); which answer the terminal gave is not known yet, so the card keeps its
    // wait for the grace, then goes back to work when nothing (a transcript interrupt) said otherwise.
    await waitFor(
      async () => !(await client.approvals.list.query()).some((a) => a.id === id && a.decidable),
      1500,
    );
    expect(await conflictOf(client.approvals.decide.mutate({ id, behavior: 'allow' }))).toBe(
      'already answered in the terminal',
    );
    expect(await client.approvals.history.query({})).toEqual([
      expect.objectContaining({ id, outcome: 'terminal', by: null, via: null }),
    ]);
    await waitFor(async () => (await client.approvals.list.query()).length === 0, HOLD_GONE_GRACE_MS + 2000);
    expect((await client.sessions.get.query({ sessionId: 'st' })).status).toBe('working');
  });

  it('the hold times out: timed_out, the reader reads EOF', async () => {
    const dir = tmp();
    const server = await serverIn(dir, { file: { approvals: { holdSeconds: { claude: 1 } } } });
    const client = clientOf(server);
    await waitFor(() => server.runtime.state.config?.holdSeconds?.claude === 1);
    const { id, reader } = await held(server, dir, 'so', 4);
    expect(await reader.done).toBe('');
    await waitFor(async () => (await client.approvals.history.query({})).length === 1, 3000);
    expect(await client.approvals.history.query({})).toEqual([
      expect.objectContaining({ id, outcome: 'timed_out' }),
    ]);
    expect(await conflictOf(client.approvals.decide.mutate({ id, behavior: 'allow' }))).toMatch(
      /timed out|answer in the terminal/,
    );
  });

  it('server close releases the hook (EOF); after a restart the approval is closed as released', async () => {
    const dir = tmp();
    const first = await serverIn(dir);
    const { id, reader } = await held(first, dir, 'sr', 5);
    await first.close();
    expect(await reader.done).toBe('');
    const second = await serverIn(dir);
    const client = clientOf(second);
    await waitFor(async () => (await client.approvals.history.query({})).length === 1, 3000);
    expect(await client.approvals.history.query({})).toEqual([
      expect.objectContaining({ id, outcome: 'released', message: 'server restarted' }),
    ]);
    expect((await client.approvals.list.query()).filter((v) => v.decidable)).toEqual([]);
    expect(await conflictOf(client.approvals.decide.mutate({ id, behavior: 'allow' }))).toMatch(
      /No longer held|released/,
    );
  });

  it('a Gemini approval is listed, not decidable, and a decide is refused with where to answer', async () => {
    const dir = tmp();
    const server = await serverIn(dir);
    const client = clientOf(server);
    await send(server, {
      cli: 'gemini',
      payload: {
        session_id: 'g1',
        cwd: '/home/dev/g',
        hook_event_name: 'Notification',
        notification_type: 'ToolPermission',
        message: 'Gemini wants to run a command',
        details: { title: 'Shell', command: 'ls -la' },
      },
      meta: {},
    });
    const [view] = await client.approvals.list.query();
    expect(view).toMatchObject({
      sessionId: 'g1',
      cli: 'gemini',
      decidable: false,
      notDecidableReason: 'Gemini CLI has no permission hook: answer in the terminal',
    });
    expect(await conflictOf(client.approvals.decide.mutate({ id: view!.id, behavior: 'allow' }))).toBe(
      'Gemini CLI has no permission hook: answer in the terminal',
    );
    expect(await conflictOf(client.approvals.decide.mutate({ id: 'nope', behavior: 'allow' }))).toBe(
      'no such approval',
    );
  });
});

describe('approvals.live', () => {
  it('a snapshot, then opened and closed; a client resuming from its last id gets what it missed', async () => {
    const dir = tmp();
    const server = await serverIn(dir);
    const wsClient = createWSClient({
      url: `${(server.url as string).replace('http', 'ws')}/trpc`,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    });
    cleanups.push(() => wsClient.close());
    const ws = createTRPCClient<AppRouter>({ links: [wsLink({ client: wsClient })] });
    const got: Array<{ id: string; data: { type: string } }> = [];
    const sub = ws.approvals.live.subscribe(undefined, { onData: (d) => got.push(d) });
    cleanups.push(() => sub.unsubscribe());
    await waitFor(() => got.length === 1);
    expect(got[0]?.data).toEqual({ type: 'snapshot', approvals: [] });
    const { id, reader } = await held(server, dir, 'sl', 8);
    await waitFor(() => got.some((m) => m.data.type === 'opened'));
    const opened = got.find((m) => m.data.type === 'opened');
    expect(opened?.data).toMatchObject({ type: 'opened', approval: { id, decidable: true } });
    await clientOf(server).approvals.decide.mutate({ id, behavior: 'allow' });
    await reader.done;
    await waitFor(() => got.some((m) => m.data.type === 'closed'));
    expect(got.at(-1)?.data).toEqual({ type: 'closed', id, sessionId: 'sl', outcome: 'allowed' });
    // Resumed after the snapshot: the messages since, not a snapshot.
    const again: Array<{ type: string }> = [];
    const sub2 = ws.approvals.live.subscribe(
      { lastEventId: got[0]?.id },
      { onData: (d) => again.push(d.data) },
    );
    cleanups.push(() => sub2.unsubscribe());
    await waitFor(() => again.length >= 2);
    expect(again.map((m) => m.type)).toEqual(['opened', 'closed']);
  });
});

describe('approvals: who may decide', () => {
  it('without a login (password set) decide is refused and nothing is written', async () => {
    const dir = tmp();
    const server = await serverIn(dir, { password: 'correct horse battery' });
    const { id, reader } = await held(server, dir, 'sp', 6);
    const err = await clientOf(server)
      .approvals.decide.mutate({ id, behavior: 'allow' })
      .then(
        () => null,
        (e: unknown) => e as TRPCClientError<AppRouter>,
      );
    expect(err?.data?.code).toBe('UNAUTHORIZED');
    expect(server.runtime.approvals.get(id)?.decidable).toBe(true);
    expect(reader.gotAt()).toBeNull();
  });

  it('a cross-origin POST to approvals.decide is refused (403) and nothing is written', async () => {
    const dir = tmp();
    const server = await serverIn(dir);
    const { id, reader } = await held(server, dir, 'sx', 7);
    const res = await fetch(`${server.url}/trpc/approvals.decide`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
      body: JSON.stringify({ id, behavior: 'allow' }),
    });
    expect(res.status).toBe(403);
    expect(server.runtime.approvals.get(id)?.decidable).toBe(true);
    // The same request from the dashboard's own origin goes through.
    const ok = await fetch(`${server.url}/trpc/approvals.decide`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: server.url as string },
      body: JSON.stringify({ id, behavior: 'allow' }),
    });
    expect(ok.status).toBe(200);
    expect(await reader.done).toBe(ALLOW);
  });
});
