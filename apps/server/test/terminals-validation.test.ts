/**
 * Terminals: every field that reaches a command line is validated (spec §8.6) and a refusal names the field;
 * nothing refused is ever run (each attempt would create a marker file if a shell ran it).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server.js';
import { startTestServer, tmpDir } from './helpers.js';
import { type Client, clientFor } from './terminal-client.js';

const cleanups: Array<() => unknown> = [];
let server: RunningServer;
let client: Client;
const dir = tmpDir();
const marker = join(dir.dir, 'pwned');
const touch = `touch ${marker}`;

beforeAll(async () => {
  server = await startTestServer({ transcripts: false });
  client = clientFor(server.url as string, cleanups);
});
afterAll(async () => {
  for (const f of cleanups.reverse()) await f();
  await server.close();
  dir.remove();
});

async function refusal(input: Record<string, unknown>): Promise<{ code: string; message: string }> {
  try {
    await client.terminals.create.mutate({ kind: 'local', cols: 80, rows: 24, ...input } as never);
  } catch (err) {
    if (!(err instanceof TRPCClientError)) throw err;
    return { code: String(err.data?.code), message: err.message };
  }
  throw new Error(`accepted: ${JSON.stringify(input)}`);
}

const attempts: Array<[field: string, input: Record<string, unknown>]> = [
  ['cwd', { cwd: `${dir.dir}; ${touch}` }],
  ['cwd', { cwd: `${dir.dir}$(${touch})` }],
  ['cwd', { cwd: `${dir.dir}\`${touch}\`` }],
  ['cwd', { cwd: `${dir.dir}\n${touch}` }],
  ['cwd', { cwd: `${dir.dir} && ${touch}` }],
  ['cwd', { cwd: 'relative/dir' }],
  ['cwd', { cwd: `/${'a'.repeat(1100)}` }],
  ['command', { command: `ls; ${touch}` }],
  ['command', { command: `ls | ${touch}` }],
  ['command', { command: `ls && ${touch}` }],
  ['command', { command: `$(${touch})` }],
  ['command', { command: `\`${touch}\`` }],
  ['command', { command: `ls > ${marker}` }],
  ['command', { command: `ls\n${touch}` }],
  ['command', { command: `sh -c "${touch}` }],
  ['command', { command: '-oProxyCommand=x' }],
  ['command', { command: `${'a'.repeat(600)}` }],
  ['tmuxTarget', { kind: 'tmux', tmuxTarget: `main; ${touch}` }],
  ['tmuxTarget', { kind: 'tmux', tmuxTarget: `$(${touch})` }],
  ['tmuxTarget', { kind: 'tmux', tmuxTarget: '-t' }],
  ['tmuxTarget', { kind: 'tmux', tmuxTarget: 'main window' }],
  ['tmuxTarget', { kind: 'tmux', tmuxTarget: '../etc/passwd#main' }],
  ['tmuxTarget', { kind: 'tmux', tmuxTarget: '/tmp/../etc/x#main' }],
  ['tmuxTarget', { kind: 'tmux', tmuxTarget: '-Lx#main' }],
  ['tmuxTarget', { kind: 'tmux' }],
  ['tmuxTarget', { kind: 'local', tmuxTarget: 'main' }],
  ['host', { host: `example.com; ${touch}` }],
  ['host', { host: '-oProxyCommand=touch' }],
  ['host', { host: 'a b' }],
  ['host', { host: 'example.com;id' }],
  ['host', { host: '$(id)' }],
  ['host', { host: 'example.com`id`' }],
  ['host', { host: `$(${touch})` }],
  ['env', { env: { 'A;B': 'x' } }],
  ['env', { env: { lower: 'x' } }],
  ['env', { env: { '1ABC': 'x' } }],
  ['env', { env: { 'A B': 'x' } }],
  ['env', { env: { 'LD_PRELOAD=/x.so X': 'x' } }],
  ['env', { env: { OK: 'nul\u0000inside' } }],
];

describe('terminals.create refuses injection attempts in every validated field', () => {
  it.each(attempts)('%s: %j', async (field, input) => {
    const r = await refusal(input);
    expect(r.code).toBe('BAD_REQUEST');
    expect(r.message).toContain(`${field}:`);
    expect(r.message).toMatch(new RegExp(`"path": \\[\\s*"${field}"`));
  });

  it('checks what zod cannot: the directory, the program, the tmux target, the host, SSH', async () => {
    expect(await refusal({ cwd: join(dir.dir, 'missing') })).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/^cwd: not a directory: /),
    });
    expect(await refusal({ command: 'no-such-program-fd --x' })).toMatchObject({
      code: 'BAD_REQUEST',
      message: 'command: program not found: no-such-program-fd',
    });
    expect(await refusal({ kind: 'tmux', tmuxTarget: 'fd-no-such-socket#nosuch' })).toMatchObject({
      code: 'BAD_REQUEST',
      message: 'tmuxTarget: no tmux session or pane fd-no-such-socket#nosuch',
    });
    expect(await refusal({ host: 'example.com' })).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/^host: example.com is not this machine/),
    });
    expect(await refusal({ kind: 'ssh', host: 'example.com' })).toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/^host: no configured SSH host named example.com/),
    });
  });

  it('ids, viewer ids and sizes are checked too; nothing refused ever ran', async () => {
    for (const call of [
      () => client.terminals.buffer.query({ id: `term-x;${touch}` }),
      () => client.terminals.input.mutate({ id: 'term-abc', viewerId: `v;${touch}`, data: 'x' }),
      () => client.terminals.resize.mutate({ id: 'term-abc', cols: 0, rows: 10 }),
      () => client.terminals.resize.mutate({ id: 'term-abc', cols: 80, rows: 100_000 }),
    ]) {
      await expect(call()).rejects.toMatchObject({ data: { code: 'BAD_REQUEST' } });
    }
    await expect(client.terminals.close.mutate({ id: 'term-abc' })).rejects.toMatchObject({
      data: { code: 'NOT_FOUND' },
      message: 'terminal not found: term-abc',
    });
    expect(await client.terminals.list.query()).toEqual([]);
    expect(existsSync(marker)).toBe(false);
  });
});
