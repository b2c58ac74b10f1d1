/**
 * SSH hosts against a real OpenSSH server (issue 16): `sshd` started here on 127.0.0.1 (see sshd.ts), a Flightdeck
 * server on port 0 with its own known-hosts file and `~/.ssh` (a temp home holding the generated client key), tRPC
 * over the real wire, real PTYs running the real `ssh` client.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import stripAnsi from 'strip-ansi';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server.js';
import { startTestServer, tmpDir, waitFor } from './helpers.js';
import { freePort, startSshd, type TestSshd } from './sshd.js';
import { type Client, clientFor, watch } from './terminal-client.js';

const cleanups: Array<() => unknown> = [];
let sshd: TestSshd;
let server: RunningServer;
let client: Client;
let dir: string;
let log = '';
const SECRET = `sk-test-${Math.random().toString(36).slice(2)}-never-logged`;

beforeAll(async () => {
  const tmp = tmpDir('fd-ssh-');
  cleanups.push(tmp.remove);
  dir = tmp.dir;
  sshd = await startSshd(dir);
  cleanups.push(() => sshd.stop());
  const logStream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      log += chunk.toString();
      cb();
    },
  });
  server = await startTestServer({
    transcripts: false,
    dataDir: join(dir, 'data'),
    logger: { level: 'trace', stream: logStream },
    ssh: { home: sshd.home },
  });
  cleanups.push(() => server.close());
  client = clientFor(server.url as string, cleanups);
}, 30_000);

afterEach(async () => {
  for (const t of await client.terminals.list.query()) await client.terminals.close.mutate({ id: t.id });
});

afterAll(async () => {
  for (const f of cleanups.reverse()) await f();
});

const box = () => ({
  name: 'box',
  host: '127.0.0.1',
  port: sshd.port,
  user: sshd.user,
  auth: 'key' as const,
  identityFile: '~/.ssh/id_ed25519',
});

function ownKnownHosts(): string {
  const f = join(dir, 'data', 'ssh', 'known_hosts');
  return existsSync(f) ? readFileSync(f, 'utf8') : '';
}

/** `ssh-keygen -lf <host key>.pub` → `SHA256:…`. */
function keygenFingerprint(): string {
  return execFileSync('ssh-keygen', ['-lf', sshd.hostKeyPub], { encoding: 'utf8' }).split(' ')[1] as string;
}

async function refusal(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { message: string; data?: { code?: string } };
    return { code: e.data?.code, message: e.message };
  }
  throw new Error('expected a refusal');
}

/** The screen's lines, ANSI stripped (bash's bracketed-paste switches precede the output). */
function lines(text: string): string[] {
  return stripAnsi(text).split(/[\r\n]+/);
}

/** Runs `echo ok` with the very ssh options a terminal on `name` gets (no Flightdeck check before it). */
function sshDirect(name: string): { status: number | null; stderr: string; stdout: string } {
  const ssh = server.services.terminals?.ssh;
  if (!ssh) throw new Error('no ssh service');
  const args = ssh.argv(ssh.find(name), process.env as Record<string, string>, [], false);
  const r = spawnSync('ssh', [...args, 'echo ok'], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

function psArgs(): string {
  return execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
}

describe('ssh hosts', () => {
  it('refuses an untrusted host, shows the fingerprint ssh-keygen shows, trusts only that fingerprint', async () => {
    await client.ssh.addHost.mutate(box());
    const [listed] = await client.ssh.hosts.query();
    expect(listed).toMatchObject({
      name: 'box',
      port: sshd.port,
      hostKey: { state: 'unknown' },
      error: null,
    });

    const untrusted = await refusal(
      client.terminals.create.mutate({ kind: 'ssh', host: 'box', command: 'echo hi', cols: 80, rows: 24 }),
    );
    expect(untrusted.code).toBe('PRECONDITION_FAILED');
    expect(untrusted.message).toMatch(/^host: box .* is not trusted yet: check its host key fingerprint/);
    expect(await client.terminals.list.query()).toEqual([]);
    // The ssh client is the second lock: with the same options it refuses the unknown key by itself.
    const direct = sshDirect('box');
    expect(direct.status).toBe(255);
    expect(direct.stderr).toMatch(/Host key verification failed/);
    expect(direct.stdout).not.toContain('ok');

    const shown = await client.ssh.hostKey.query({ host: 'box' });
    expect(shown).toEqual({
      host: 'box',
      type: 'ssh-ed25519',
      fingerprint: keygenFingerprint(),
      state: 'unknown',
    });
    expect(untrusted.message).toContain(shown.fingerprint);

    const wrong = `SHA256:${'A'.repeat(43)}`;
    const refused = await refusal(client.ssh.trust.mutate({ host: 'box', fingerprint: wrong }));
    expect(refused).toMatchObject({ code: 'BAD_REQUEST' });
    expect(refused.message).toMatch(/^fingerprint: .* is not the key box offers now .*: nothing trusted$/);
    expect(ownKnownHosts()).toBe('');
    expect((await client.ssh.hostKey.query({ host: 'box' })).state).toBe('unknown');

    expect(await client.ssh.trust.mutate({ host: 'box', fingerprint: shown.fingerprint })).toMatchObject({
      state: 'trusted',
      fingerprint: shown.fingerprint,
    });
    expect(ownKnownHosts()).toMatch(new RegExp(`^\\[127\\.0\\.0\\.1\\]:${sshd.port} ssh-ed25519 `));
    const [after] = await client.ssh.hosts.query();
    expect(after?.hostKey?.state).toBe('trusted');
    expect(sshDirect('box')).toMatchObject({ status: 0, stdout: 'ok\n' });

    // A host that cannot be reached is listed with why, not trusted or refused silently.
    await client.ssh.addHost.mutate({ ...box(), name: 'gone', port: await freePort() });
    const gone = (await client.ssh.hosts.query()).find((h) => h.name === 'gone');
    expect(gone).toMatchObject({
      hostKey: null,
      error: expect.stringMatching(/^host: no host key from 127\.0\.0\.1:/),
    });
    await client.ssh.removeHost.mutate({ host: 'gone' });
  });

  it('runs a command on the trusted host (typed after the prompt, quoted) and its output comes back', async () => {
    const spaced = join(dir, "it's a dir");
    mkdirSync(spaced);
    const t = await client.terminals.create.mutate({
      kind: 'ssh',
      host: 'box',
      cwd: spaced,
      command: 'pwd',
      cols: 120,
      rows: 24,
    });
    expect(t).toMatchObject({ kind: 'ssh', host: 'box', exit: null });
    const v = watch(client, { id: t.id });
    // The typed line holds the directory quoted; only `pwd`'s output is the directory alone on a line.
    await waitFor(() => lines(v.text()).includes(spaced), 15_000);
    expect(v.text()).toContain(`cd '${dir}/it'\\''s a dir' && 'pwd'`);
    // ssh ran from argv with strict host-key checking and no prompts.
    const argv = readFileSync(`/proc/${t.pid}/cmdline`, 'utf8').split('\0');
    expect(argv).toEqual(expect.arrayContaining(['StrictHostKeyChecking=yes', 'BatchMode=yes', '-t', '--']));
    expect(argv.at(-2)).toBe('127.0.0.1');
    await client.terminals.close.mutate({ id: t.id });

    const echo = await client.terminals.create.mutate({
      kind: 'ssh',
      host: 'box',
      command: 'echo "hello from" ssh',
      cols: 120,
      rows: 24,
    });
    const e = watch(client, { id: echo.id });
    await waitFor(() => lines(e.text()).includes('hello from ssh'), 15_000);
    await client.terminals.close.mutate({ id: echo.id });
  });

  it('an env value reaches the remote shell through the PTY environment only: not in ps, argv or the log', async () => {
    const t = await client.terminals.create.mutate({
      kind: 'ssh',
      host: 'box',
      env: { FD_TEST_SECRET: SECRET },
      cols: 120,
      rows: 24,
    });
    const v = watch(client, { id: t.id });
    await waitFor(() => /[#$%>]\s*$/.test(v.text().trimEnd()), 15_000);
    // `printenv` splits the name so the typed line itself never holds the value.
    await client.terminals.input.mutate({ id: t.id, viewerId: 'w', data: 'printenv FD_TEST_""SECRET\r' });
    await waitFor(() => v.text().includes(SECRET), 10_000);
    const argv = readFileSync(`/proc/${t.pid}/cmdline`, 'utf8');
    expect(argv).toContain('SendEnv=FD_TEST_SECRET');
    expect(argv).not.toContain(SECRET);
    expect(psArgs()).not.toContain(SECRET);
    expect(JSON.stringify(await client.terminals.list.query())).not.toContain(SECRET);
    expect(log.length).toBeGreaterThan(0);
    expect(log).not.toContain(SECRET);
    await client.terminals.close.mutate({ id: t.id });
  });

  it('lists tmux panes on the host and attaches to one over ssh', async () => {
    const socket = `fdssh-${process.pid}`;
    execFileSync('tmux', ['-L', socket, 'new-session', '-d', '-s', 'work', '-x', '80', '-y', '24', 'sh']);
    try {
      const panes = await client.ssh.tmuxSessions.query({ host: 'box', socket });
      expect(panes).toEqual([
        expect.objectContaining({ session: 'work', window: 0, pane: 0, target: `${socket}#work:0.0` }),
      ]);
      expect(await client.ssh.tmuxSessions.query({ host: 'box', socket: `${socket}-none` })).toEqual([]);
      const t = await client.terminals.create.mutate({
        kind: 'ssh',
        host: 'box',
        tmuxTarget: panes[0]?.target as string,
        cols: 80,
        rows: 24,
      });
      const v = watch(client, { id: t.id });
      await waitFor(async () => {
        const clients = execFileSync('tmux', ['-L', socket, 'list-clients'], { encoding: 'utf8' });
        return clients.trim().length > 0;
      }, 15_000);
      await client.terminals.input.mutate({ id: t.id, viewerId: 'w', data: 'echo in-the-""pane\r' });
      await waitFor(() => v.text().includes('in-the-pane'), 10_000);
      const pane = execFileSync('tmux', ['-L', socket, 'capture-pane', '-p', '-t', 'work'], {
        encoding: 'utf8',
      });
      expect(pane).toContain('in-the-pane');
      await client.terminals.close.mutate({ id: t.id });
    } finally {
      execFileSync('tmux', ['-L', socket, 'kill-server']);
    }
  });

  it('agent auth: refused without SSH_AUTH_SOCK, then logs in with the key held by a real ssh-agent', async () => {
    await client.ssh.addHost.mutate({ ...box(), name: 'box-agent', auth: 'agent', identityFile: undefined });
    const saved = process.env.SSH_AUTH_SOCK;
    delete process.env.SSH_AUTH_SOCK;
    try {
      const r = await refusal(
        client.terminals.create.mutate({
          kind: 'ssh',
          host: 'box-agent',
          command: 'echo hi',
          cols: 80,
          rows: 24,
        }),
      );
      expect(r).toMatchObject({ code: 'PRECONDITION_FAILED' });
      expect(r.message).toMatch(/^auth: box-agent uses the ssh agent but the server has no SSH_AUTH_SOCK/);
      const sock = join(dir, 'agent.sock');
      const out = execFileSync('ssh-agent', ['-a', sock, '-s'], { encoding: 'utf8' });
      const pid = Number(/SSH_AGENT_PID=(\d+)/.exec(out)?.[1]);
      try {
        execFileSync('ssh-add', ['-q', sshd.clientKey], { env: { ...process.env, SSH_AUTH_SOCK: sock } });
        process.env.SSH_AUTH_SOCK = sock;
        const t = await client.terminals.create.mutate({
          kind: 'ssh',
          host: 'box-agent',
          command: 'echo "via the" agent',
          cols: 80,
          rows: 24,
        });
        const v = watch(client, { id: t.id });
        await waitFor(() => lines(v.text()).includes('via the agent'), 15_000);
        expect(readFileSync(`/proc/${t.pid}/cmdline`, 'utf8')).not.toContain('IdentitiesOnly');
      } finally {
        process.kill(pid, 'SIGTERM');
      }
    } finally {
      if (saved === undefined) delete process.env.SSH_AUTH_SOCK;
      else process.env.SSH_AUTH_SOCK = saved;
      await client.ssh.removeHost.mutate({ host: 'box-agent' });
    }
  });

  it('lists the private keys in ~/.ssh with their fingerprints, never their contents', async () => {
    const keys = await client.ssh.keys.query();
    const fp = execFileSync('ssh-keygen', ['-lf', sshd.clientKey], { encoding: 'utf8' }).split(' ')[1];
    expect(keys).toEqual([
      { file: 'id_ed25519', path: '~/.ssh/id_ed25519', type: 'ED25519', bits: 256, fingerprint: fp },
    ]);
    expect(JSON.stringify(keys)).not.toContain('PRIVATE KEY');
  });

  it('refuses injection attempts in host, user, port, identityFile, cwd, command and tmuxTarget by name', async () => {
    const marker = join(dir, 'pwned');
    const touch = `touch ${marker}`;
    const add = (patch: Record<string, unknown>) =>
      refusal(client.ssh.addHost.mutate({ ...box(), name: 'evil', ...patch } as never));
    for (const [patch, field] of [
      [{ host: `h;${touch}` }, 'host'],
      [{ host: '-oProxyCommand=touch' }, 'host'],
      [{ host: 'root@127.0.0.1' }, 'host'],
      [{ host: 'a b' }, 'host'],
      [{ user: `u$(${touch})` }, 'user'],
      [{ user: '-oProxyCommand=x' }, 'user'],
      [{ user: 'x'.repeat(129) }, 'user'],
      [{ port: 0 }, 'port'],
      [{ port: 65536 }, 'port'],
      [{ identityFile: '~/.ssh/../../etc/passwd' }, 'identityFile'],
      [{ identityFile: 'id_ed25519' }, 'identityFile'],
      [{ identityFile: '~/.ssh/missing' }, 'identityFile'],
      [{ identityFile: '/etc' }, 'identityFile'],
      [{ name: '-x' }, 'name'],
    ] as const) {
      const r = await add(patch);
      expect(r.code, JSON.stringify(patch)).toBe('BAD_REQUEST');
      expect(r.message, JSON.stringify(patch)).toMatch(new RegExp(`${field}: `));
    }
    expect((await client.ssh.hosts.query()).map((h) => h.name)).toEqual(['box']);

    const create = (patch: Record<string, unknown>) =>
      refusal(
        client.terminals.create.mutate({ kind: 'ssh', host: 'box', cols: 80, rows: 24, ...patch } as never),
      );
    for (const [patch, field] of [
      [{ cwd: `/tmp;${touch}` }, 'cwd'],
      [{ cwd: '/tmp/$(id)' }, 'cwd'],
      [{ command: `echo ok; ${touch}` }, 'command'],
      [{ command: 'echo `id`' }, 'command'],
      [{ tmuxTarget: `work;${touch}` }, 'tmuxTarget'],
      [{ host: `box;${touch}` }, 'host'],
    ] as const) {
      const r = await create(patch);
      expect(r.code, JSON.stringify(patch)).toBe('BAD_REQUEST');
      expect(r.message, JSON.stringify(patch)).toMatch(new RegExp(`${field}: `));
    }
    const unknown = await create({ host: 'nobox' });
    expect(unknown).toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/^host: no configured SSH host named nobox/),
    });
    const prompt = await refusal(
      client.terminals.launch.mutate({
        cli: 'claude',
        host: 'box',
        cwd: dir,
        prompt: `hi\n${touch}\n`,
        cols: 80,
        rows: 24,
      }),
    );
    expect(prompt).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/prompt: on an SSH host, no control characters/),
    });
    expect(await client.terminals.list.query()).toEqual([]);
    expect(existsSync(marker)).toBe(false);
  });

  it('launches an agent CLI on the host: one line typed, quoted, the id in the environment, keys by SendEnv', async () => {
    const prompt = `say 'hi' $HOME; echo nope`;
    const t = await client.terminals.launch.mutate({
      cli: 'claude',
      host: 'box',
      cwd: dir,
      prompt,
      env: { FD_TEST_SECRET: SECRET },
      cols: 200,
      rows: 24,
    });
    expect(t).toMatchObject({ kind: 'ssh', host: 'box', command: 'claude' });
    const v = watch(client, { id: t.id });
    // No agent CLI on this test host: the remote shell runs the typed line and says so, which shows what ran there.
    await waitFor(() => /env: .?claude.?: No such file or directory/.test(v.text()), 15_000);
    const typed = `cd '${dir}' && env 'FLIGHTDECK_TERMINAL_ID=${t.id}' 'claude' '--' 'say '\\''hi'\\'' $HOME; echo nope'`;
    expect(v.text()).toContain(typed);
    expect(v.text()).not.toMatch(/^nope\r?$/m);
    await client.terminals.input.mutate({ id: t.id, viewerId: 'w', data: 'printenv FD_TEST_""SECRET\r' });
    await waitFor(() => v.text().includes(SECRET), 10_000);
    expect(readFileSync(`/proc/${t.pid}/cmdline`, 'utf8')).not.toContain(SECRET);
    expect(log).not.toContain(SECRET);
    // The core got the terminal (a connecting card waits for the agent's first hook event).
    await waitFor(() => server.runtime.listSessions().some((s) => s.terminalId === t.id), 5000);
    await client.terminals.close.mutate({ id: t.id });
  });

  it('launches in tmux on the host: its own tmux server there, the CLI as argv after --', async () => {
    const t = await client.terminals.launch.mutate({
      cli: 'claude',
      host: 'box',
      cwd: dir,
      tmux: true,
      cols: 200,
      rows: 24,
    });
    const socket = `fd-${t.id}`;
    try {
      expect(t).toMatchObject({ kind: 'ssh', host: 'box', tmuxTarget: `${socket}#agent` });
      const v = watch(client, { id: t.id });
      const typed = `cd '${dir}' && env 'FLIGHTDECK_TERMINAL_ID=${t.id}' 'tmux' '-L' '${socket}' 'new-session' '-s' 'agent' '--' 'claude'`;
      await waitFor(() => stripAnsi(v.text()).includes(typed), 15_000);
    } finally {
      await client.terminals.close.mutate({ id: t.id });
      spawnSync('tmux', ['-L', socket, 'kill-server']);
    }
  });

  it('refuses a host whose key changed (and the ssh client would too)', async () => {
    await sshd.rekey();
    const k = await client.ssh.hostKey.query({ host: 'box' });
    expect(k).toMatchObject({ state: 'changed', fingerprint: keygenFingerprint() });
    const r = await refusal(
      client.terminals.create.mutate({ kind: 'ssh', host: 'box', command: 'echo hi', cols: 80, rows: 24 }),
    );
    expect(r).toMatchObject({ code: 'PRECONDITION_FAILED' });
    expect(r.message).toMatch(/^host: the host key of box .* CHANGED/);
    // … and the ssh client refuses it by itself with the options a terminal gets.
    const direct = sshDirect('box');
    expect(direct.status).toBe(255);
    expect(direct.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED/);
    expect(await refusal(client.ssh.tmuxSessions.query({ host: 'box' }))).toMatchObject({
      code: 'PRECONDITION_FAILED',
    });
    expect(await client.terminals.list.query()).toEqual([]);
    // Removing the host keeps nothing behind in the config.
    await client.ssh.removeHost.mutate({ host: 'box' });
    expect(await client.ssh.hosts.query()).toEqual([]);
  });
});
