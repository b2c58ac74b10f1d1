/**
 * Terminals with real PTYs over the real wire (issue 16): a server on port 0, tRPC over HTTP and a WebSocket.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server.js';
import { startTestServer, tmpDir, waitFor } from './helpers.js';
import { type Client, clientFor, isAlive, watch } from './terminal-client.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanups.reverse()) await f();
  cleanups.length = 0;
});

async function setup(terminals?: { max?: number; bufferBytes?: number }) {
  const server: RunningServer = await startTestServer({
    transcripts: false,
    ...(terminals ? { file: { terminals: { max: 10, bufferBytes: 128 * 1024, ...terminals } } } : {}),
  });
  cleanups.push(() => server.close());
  const client = clientFor(server.url as string, cleanups);
  return { server, client };
}

function shell(client: Client, cols = 80, rows = 24) {
  return client.terminals.create.mutate({ kind: 'local', command: 'sh', cols, rows, env: { PS1: '$ ' } });
}

describe('terminals', () => {
  it('runs a command, reports its exit code and keeps it listed as exited until closed', async () => {
    const { client } = await setup();
    const dir = tmpDir();
    cleanups.push(dir.remove);
    writeFileSync(join(dir.dir, 'bye.sh'), 'echo bye\nsleep 0.2\nexit 3\n');
    const t = await client.terminals.create.mutate({
      kind: 'local',
      command: 'sh bye.sh',
      cwd: dir.dir,
      cols: 80,
      rows: 24,
    });
    expect(t).toMatchObject({ kind: 'local', exit: null, writer: null, command: 'sh bye.sh', cwd: dir.dir });
    const code = await client.terminals.create.mutate({
      kind: 'local',
      command: 'sh -c "exit 3"',
      cols: 80,
      rows: 24,
    });
    const cv = watch(client, { id: code.id });
    await waitFor(() => cv.messages.some((m) => m.type === 'exit'));
    expect(cv.messages.find((m) => m.type === 'exit')).toEqual({ type: 'exit', code: 3, signal: null });
    expect(t.id).toMatch(/^term-/);
    const v = watch(client, { id: t.id });
    await waitFor(() => v.messages.some((m) => m.type === 'exit'));
    expect(v.messages.find((m) => m.type === 'exit')).toEqual({ type: 'exit', code: 3, signal: null });
    expect(v.text()).toContain('bye');
    const [listed] = await client.terminals.list.query();
    expect(listed?.id).toBe(t.id);
    expect(listed?.exit).toMatchObject({ code: 3, signal: null });
    await expect(client.terminals.input.mutate({ id: t.id, viewerId: 'a', data: 'x' })).rejects.toThrow(
      /has exited/,
    );
    // A viewer arriving later gets the replay and the exit.
    const late = watch(client, { id: t.id });
    await waitFor(() => late.messages.some((m) => m.type === 'exit'));
    expect(late.text()).toContain('bye');
  });

  it('gives the terminal its id and TERM, and announces an agent CLI to the core (one connecting card)', async () => {
    const { server, client } = await setup();
    const dir = tmpDir();
    cleanups.push(dir.remove);
    const fake = join(dir.dir, 'claude');
    writeFileSync(
      fake,
      '#!/bin/sh\necho "id=$FLIGHTDECK_TERMINAL_ID term=$TERM tmux=$' + '{TMUX:-none}"\nsleep 30\n',
    );
    chmodSync(fake, 0o755);
    const t = await client.terminals.create.mutate({
      kind: 'local',
      command: fake,
      cwd: dir.dir,
      cols: 80,
      rows: 24,
    });
    const v = watch(client, { id: t.id });
    await waitFor(() => v.text().includes('tmux='));
    expect(v.text()).toContain(`id=${t.id} term=xterm-256color tmux=none`);
    // told before create answers: the terminal comes back linked to its card
    const card = server.runtime.listSessions().find((s) => s.terminalId === t.id);
    expect(card).toBeDefined();
    if (!card) return;
    expect(t.sessionId).toBe(card.sessionId);
    expect(card).toMatchObject({
      status: 'connecting',
      cli: 'claude',
      projectPath: dir.dir,
      source: 'flightdeck',
    });
    const [listed] = await client.terminals.list.query();
    expect(listed?.sessionId).toBe(card.sessionId);
    // A plain shell is no agent: no card.
    const before = server.runtime.listSessions().length;
    await shell(client);
    expect(server.runtime.listSessions().length).toBe(before);
  });

  it('resizes the PTY (stty size inside shows it) and tells viewers', async () => {
    const { client } = await setup();
    const t = await shell(client, 80, 24);
    const v = watch(client, { id: t.id, viewerId: 'a' });
    await client.terminals.input.mutate({ id: t.id, viewerId: 'a', data: 'stty size\r' });
    await waitFor(() => v.text().includes('24 80'));
    const info = await client.terminals.resize.mutate({ id: t.id, cols: 100, rows: 30 });
    expect(info).toMatchObject({ cols: 100, rows: 30 });
    await waitFor(() => v.messages.some((m) => m.type === 'info' && m.info.cols === 100));
    await client.terminals.input.mutate({ id: t.id, viewerId: 'a', data: 'stty size\r' });
    await waitFor(() => v.text().includes('30 100'));
  });

  it('replays after a reconnect: only what was missed with lastEventId, everything on a fresh subscribe', async () => {
    const { server, client } = await setup();
    const t = await shell(client);
    const a = watch(client, { id: t.id, viewerId: 'a' });
    await client.terminals.input.mutate({ id: t.id, viewerId: 'a', data: 'echo one-$((40+2))\r' });
    await waitFor(() => a.text().includes('one-42'));
    await waitFor(() => a.text().endsWith('$ '));
    const last = a.lastId() as string;
    a.unsubscribe();
    await waitFor(async () => (await client.terminals.list.query())[0]?.viewers === 0);
    // the writer left: someone else may type
    await client.terminals.input.mutate({ id: t.id, viewerId: 'b', data: 'echo two-$((40+3))\r' });
    await waitFor(async () => (await client.terminals.buffer.query({ id: t.id })).text.includes('two-43'));
    const other = clientFor(server.url as string, cleanups);
    const resumed = watch(other, { id: t.id, viewerId: 'a', lastEventId: last });
    await waitFor(() => resumed.text().includes('two-43'));
    expect(resumed.messages[0]).toMatchObject({ type: 'hello', resumed: true, viewerId: 'a' });
    expect(resumed.text()).not.toContain('one-42');
    const fresh = watch(other, { id: t.id });
    await waitFor(() => fresh.text().includes('two-43'));
    expect(fresh.messages[0]).toMatchObject({ type: 'hello', resumed: false });
    expect(fresh.text()).toContain('one-42');
    // an id the terminal never gave is a full replay, not an empty one
    const bogus = watch(other, { id: t.id, lastEventId: '999999' });
    await waitFor(() => bogus.text().includes('two-43'));
    expect(bogus.messages[0]).toMatchObject({ type: 'hello', resumed: false });
    expect(bogus.text()).toContain('one-42');
  });

  it('bounds the replay buffer (config terminals.bufferBytes): the newest output, no more', async () => {
    const { client } = await setup({ bufferBytes: 4096 });
    const dir = tmpDir();
    cleanups.push(dir.remove);
    // (stays alive a moment: node-pty on Linux may drop the last output of a program that exits at once, node-pty#72)
    writeFileSync(join(dir.dir, 'lines.sh'), 'read go\nseq 1 20000\nsleep 30\n');
    const t = await client.terminals.create.mutate({
      kind: 'local',
      command: 'sh lines.sh',
      cwd: dir.dir,
      cols: 80,
      rows: 24,
    });
    const v = watch(client, { id: t.id, viewerId: 'v' });
    await waitFor(() => v.messages.length > 0);
    await client.terminals.input.mutate({ id: t.id, viewerId: 'v', data: 'go\r' });
    await waitFor(() => v.text().endsWith('\r\n20000\r\n'));
    expect(v.text().startsWith('go\r\n1\r\n2\r\n')).toBe(true);
    const { text } = await client.terminals.buffer.query({ id: t.id });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(4096);
    expect(Buffer.byteLength(text)).toBeGreaterThan(3000);
    expect(text.endsWith('\r\n20000\r\n')).toBe(true);
    expect(text).not.toContain('\r\n100\r\n');
    const late = watch(client, { id: t.id });
    await waitFor(() => late.text().endsWith('\r\n20000\r\n'));
    expect(late.text()).toBe(text);
    // resuming from the start (dropped since) is a full replay of the bounded buffer
    const early = watch(client, { id: t.id, lastEventId: '1' });
    await waitFor(() => early.text().endsWith('\r\n20000\r\n'));
    expect(early.messages[0]).toMatchObject({ type: 'hello', resumed: false });
    expect(early.text()).toBe(text);
  });

  it('one writer: a second viewer is refused until it takes over; keystrokes never interleave', async () => {
    const { server, client } = await setup();
    const other = clientFor(server.url as string, cleanups);
    const t = await client.terminals.create.mutate({ kind: 'local', command: 'cat', cols: 80, rows: 24 });
    const a = watch(client, { id: t.id, viewerId: 'alice' });
    const b = watch(other, { id: t.id, viewerId: 'bob' });
    await waitFor(() => a.messages.length > 0 && b.messages.length > 0);
    await client.terminals.input.mutate({ id: t.id, viewerId: 'alice', data: 'A' });
    await waitFor(() => b.messages.some((m) => m.type === 'info' && m.info.writer === 'alice'));
    // Both type at once: only the writer's keys arrive.
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0
          ? client.terminals.input.mutate({ id: t.id, viewerId: 'alice', data: 'A' })
          : other.terminals.input.mutate({ id: t.id, viewerId: 'bob', data: 'B' }),
      ),
    );
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused).toHaveLength(10);
    for (const r of refused)
      expect(String((r as PromiseRejectedResult).reason)).toMatch(
        /another viewer is typing: take over first/,
      );
    await client.terminals.input.mutate({ id: t.id, viewerId: 'alice', data: '\r' });
    await waitFor(() => a.text().includes('AAAAAAAAAAA\r\n'));
    expect(a.text()).not.toContain('B');
    const info = await other.terminals.takeover.mutate({ id: t.id, viewerId: 'bob' });
    expect(info.writer).toBe('bob');
    await waitFor(() => a.messages.some((m) => m.type === 'info' && m.info.writer === 'bob'));
    await expect(client.terminals.input.mutate({ id: t.id, viewerId: 'alice', data: 'A' })).rejects.toThrow(
      /take over first/,
    );
    await other.terminals.input.mutate({ id: t.id, viewerId: 'bob', data: 'BBB\r' });
    await waitFor(() => a.text().includes('BBB\r\n') && b.text().includes('BBB\r\n'));
    expect(a.text()).toBe(b.text());
  });

  it('close ends the process and every viewer stream; the server closes every PTY on shutdown', async () => {
    const { server, client } = await setup();
    const t = await shell(client);
    const v = watch(client, { id: t.id });
    await waitFor(() => v.messages.length > 0);
    expect(isAlive(t.pid as number)).toBe(true);
    expect(await client.terminals.close.mutate({ id: t.id })).toEqual({ id: t.id, closed: true });
    expect(isAlive(t.pid as number)).toBe(false);
    await waitFor(() => v.completed());
    expect(await client.terminals.list.query()).toEqual([]);
    await expect(client.terminals.buffer.query({ id: t.id })).rejects.toThrow(/terminal not found/);
    const u = await shell(client);
    const w = await client.terminals.create.mutate({
      kind: 'local',
      command: 'sleep 60',
      cols: 80,
      rows: 24,
    });
    expect(isAlive(u.pid as number) && isAlive(w.pid as number)).toBe(true);
    await server.close();
    expect(isAlive(u.pid as number)).toBe(false);
    expect(isAlive(w.pid as number)).toBe(false);
  });

  it('refuses past the limit (config terminals.max), with room again once one is closed', async () => {
    const { client } = await setup({ max: 2 });
    const a = await shell(client);
    await shell(client);
    await expect(shell(client)).rejects.toThrow(/terminal limit reached: 2 open/);
    expect(await client.terminals.list.query()).toHaveLength(2);
    await client.terminals.close.mutate({ id: a.id });
    await shell(client);
  });
});
