/**
 * Kill-target forgery: a hook event is a claim by whoever sent it, so `sessions.kill` signals only a process
 * verified to be that session's agent (recorded when the session was first seen from its PID: boot, start time,
 * uid, command line, executable). Real processes, a real server on 127.0.0.1, real SQLite files.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getOwn } from '@flightdeck/core';
import { openSqlite } from '@flightdeck/db';
import { afterAll, describe, expect, it } from 'vitest';
import { runHooksCli } from '../src/hooks-admin.js';
import { createUnsupportedInspector, looksLikeAgent } from '../src/process-identity.js';
import { appRouter } from '../src/router/index.js';
import type { RunningServer } from '../src/server.js';
import { createCallerFactory } from '../src/trpc.js';
import { postHook, sessionStart, startTestServer, tmpDir, waitFor } from './helpers.js';

const tmp = tmpDir('fd-kill-');
const started: number[] = [];
afterAll(() => {
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  tmp.remove();
});

let scripts = 0;
/** A node script file called `name` (what `claude` is when installed from npm: node running a file of that name). */
function script(name: string, body = 'setInterval(() => {}, 1000);'): string {
  scripts += 1;
  const dir = join(tmp.dir, `bin-${scripts}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, body);
  return file;
}

function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
  } catch {
    return [];
  }
}

/** Running (a zombie is dead: it only waits for a reaper). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Starts `argv` outside this process's tree, as an agent started from a terminal is: its launcher (`sh`) exits
 * at once, so it is nobody's child here.
 */
async function spawnUnrelated(argv: string[]): Promise<number> {
  const r = spawnSync('sh', ['-c', '"$@" >/dev/null 2>&1 </dev/null & echo $!', 'sh', ...argv], {
    encoding: 'utf8',
  });
  const pid = Number(r.stdout.trim());
  expect(pid).toBeGreaterThan(1);
  started.push(pid);
  await waitFor(() => cmdline(pid).join(' ') === argv.join(' '));
  return pid;
}

/** A fake Claude Code: `node …/claude`. */
const fakeClaude = (body?: string) => spawnUnrelated([process.execPath, script('claude', body)]);

function callerFor(s: RunningServer, token: string | null = null) {
  return createCallerFactory(appRouter)({
    services: s.services,
    token,
    ip: '127.0.0.1',
    setHeader: null,
    bufferedAmount: () => 0,
  });
}

/** Sends the session's first event over HTTP and waits until the server has decided about its process. */
async function seen(s: RunningServer, sessionId: string, pid: number, sentAt = Date.now()) {
  // With a password the hook endpoint wants the hook token too.
  const headers: Record<string, string> = s.services.auth.required()
    ? { authorization: `Bearer ${s.services.auth.hookTokens.ensure()}` }
    : {};
  const r = await postHook(s.url as string, sessionStart(sessionId, { pid, sentAt }), headers);
  expect(r.status).toBe(202);
  return waitFor(() => getOwn(s.runtime.state.runtime, sessionId)?.process);
}

async function expectRefused(s: RunningServer, sessionId: string, pid: number, reason: RegExp) {
  const caller = callerFor(s);
  const before = JSON.stringify(await caller.sessions.get({ sessionId }));
  const err = await caller.sessions.kill({ sessionId, confirm: true }).then(
    () => null,
    (e: { code?: string; message?: string }) => e,
  );
  expect(err?.code).toBe('PRECONDITION_FAILED');
  expect(err?.message).toMatch(new RegExp(`^process ${pid} is not the agent of this session \\(`));
  expect(err?.message).toMatch(reason);
  await s.runtime.drain();
  expect(JSON.stringify(await caller.sessions.get({ sessionId }))).toBe(before);
}

const exited = (pid: number, ms = 5000) => waitFor(() => !alive(pid), ms);

describe('sessions.kill signals only the verified agent', () => {
  it('kills an agent seen from its pid; the event log names who killed it', async () => {
    const s = await startTestServer({ password: 'correct horse battery' });
    try {
      const pid = await fakeClaude();
      const rec = await seen(s, 'agent-1', pid);
      expect(rec.identity).toMatchObject({
        pid,
        cmdline: [process.execPath, expect.stringMatching(/\/claude$/)],
      });
      const token = s.services.auth.tokens.issue();
      await callerFor(s, token).sessions.kill({ sessionId: 'agent-1', confirm: true });
      expect(await exited(pid)).toBe(true);
      expect(s.runtime.getSession('agent-1')?.events.at(-1)).toMatchObject({
        type: 'kill',
        detail: `Killed from the dashboard by 127.0.0.1 (authenticated): SIGTERM sent to ${pid}`,
      });
    } finally {
      await s.close();
    }
  });

  it('an agent that ignores SIGTERM gets the SIGKILL after 3 s, still verified', async () => {
    const s = await startTestServer();
    try {
      const ready = join(tmp.dir, 'stubborn.ready');
      const pid = await fakeClaude(
        `process.on('SIGTERM', () => {}); require('node:fs').writeFileSync(${JSON.stringify(ready)}, '');
         setInterval(() => {}, 1000);`,
      );
      await waitFor(() => existsSync(ready));
      await seen(s, 'stubborn', pid);
      await callerFor(s).sessions.kill({ sessionId: 'stubborn', confirm: true });
      await new Promise((r) => setTimeout(r, 1000));
      expect(alive(pid)).toBe(true);
      expect(await exited(pid, 6000)).toBe(true);
      expect(s.runtime.getSession('stubborn')?.events.map((e) => e.detail)).toContain(
        `Process ${pid} still alive after SIGTERM: SIGKILL`,
      );
    } finally {
      await s.close();
    }
  });

  it('forged pids are refused, the target lives and the session is unchanged', async () => {
    const s = await startTestServer();
    try {
      const sleeper = await spawnUnrelated(['sleep', '1000']);
      const child = spawn(process.execPath, [script('claude')], { stdio: 'ignore' });
      started.push(child.pid as number);
      await waitFor(() => cmdline(child.pid as number).length === 2);
      // A grandchild (the server's child is a shell that runs it and waits: `; :` keeps sh from exec'ing it).
      const shell = spawn('sh', ['-c', `'${process.execPath}' '${script('claude')}'; :`], {
        stdio: 'ignore',
      });
      started.push(shell.pid as number);
      const grandchild = await waitFor(() => {
        const out = spawnSync('pgrep', ['-P', String(shell.pid)])
          .stdout.toString()
          .trim();
        const pid = Number(out.split('\n')[0]);
        return pid > 0 && cmdline(pid).length === 2 ? pid : null;
      });
      started.push(grandchild);
      const targets: Array<[string, number, RegExp]> = [
        ['unrelated', sleeper, /its command line does not run claude: "sleep 1000"/],
        ['init', 1, /pid 1 is not an agent process/],
        ['server', process.pid, /it is the Flightdeck server itself/],
        ['runner', process.ppid, /it is an ancestor of the Flightdeck server/],
        ['own-child', child.pid as number, /it is a child of the Flightdeck server/],
        ['own-grandchild', grandchild, /it is a child of the Flightdeck server/],
      ];
      for (const [id, pid, reason] of targets) {
        const rec = await seen(s, `forged-${id}`, pid);
        expect(rec.identity).toBeNull();
        await expectRefused(s, `forged-${id}`, pid, reason);
      }
      // over the wire: 412 with the reason
      const res = await fetch(`${s.url}/trpc/sessions.kill`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sessionId: 'forged-unrelated', confirm: true }),
      });
      expect(res.status).toBe(412);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
        `process ${sleeper} is not the agent of this session (its command line does not run claude: "sleep 1000")`,
      );
      for (const pid of [sleeper, process.ppid, child.pid as number]) expect(alive(pid)).toBe(true);
      // and as Codex and Gemini: a fake Claude is not their agent
      const claude = await fakeClaude();
      const codex = await postHook(s.url as string, {
        cli: 'codex',
        payload: {
          session_id: 'forged-codex',
          hook_event_name: 'SessionStart',
          cwd: '/p',
          source: 'startup',
        },
        meta: { pid: claude, sentAt: Date.now() },
      });
      expect(codex.status).toBe(202);
      await waitFor(() => getOwn(s.runtime.state.runtime, 'forged-codex')?.process);
      await expectRefused(s, 'forged-codex', claude, /its command line does not run codex/);
      expect(alive(claude)).toBe(true);
    } finally {
      await s.close();
    }
  });

  it('a process that started after the event that named it (a reused pid) is not recorded', async () => {
    const s = await startTestServer();
    try {
      const pid = await fakeClaude();
      const rec = await seen(s, 'late', pid, Date.now() - 60_000);
      expect(rec.refused).toMatch(/started after the event that named it/);
      await expectRefused(s, 'late', pid, /a reused pid/);
      expect(alive(pid)).toBe(true);
    } finally {
      await s.close();
    }
  });

  it('the signal itself is checked again: a record that no longer matches the process is not signalled', async () => {
    const s = await startTestServer();
    try {
      const pid = await fakeClaude();
      const rec = await seen(s, 'raced', pid);
      const identity = rec.identity as NonNullable<typeof rec.identity>;
      // As if the agent had exited and its pid been reused between the check and the signal.
      await s.runtime.dispatch({
        type: 'process-identified',
        sessionId: 'raced',
        pid,
        identity: { ...identity, startTicks: identity.startTicks + 1 },
        refused: null,
      });
      const r = await s.runtime.dispatch({ type: 'user', action: { type: 'kill', sessionId: 'raced' } });
      expect(r.effects.some((e) => e.type === 'kill-pid')).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(alive(pid)).toBe(true);
    } finally {
      await s.close();
    }
  });

  it('without /proc (macOS) nothing is recorded and kill answers why', async () => {
    const s = await startTestServer({ processes: createUnsupportedInspector('darwin') });
    try {
      const pid = await fakeClaude();
      await seen(s, 'mac', pid);
      await expectRefused(s, 'mac', pid, /cannot be verified on darwin \(no \/proc\)/);
      expect(alive(pid)).toBe(true);
    } finally {
      await s.close();
    }
  });
});

describe('the record survives a restart', () => {
  const kvKey = (id: string) => `core.runtime:${id}`;

  it('restarted on the same file database, the kill is still verified', async () => {
    const dir = join(tmp.dir, 'restart-ok');
    mkdirSync(dir);
    const pid = await fakeClaude();
    const s1 = await startTestServer({ dataDir: dir });
    await seen(s1, 'kept', pid);
    await s1.close();
    const s2 = await startTestServer({ dataDir: dir });
    try {
      expect(getOwn(s2.runtime.state.runtime, 'kept')?.process?.identity?.pid).toBe(pid);
      await callerFor(s2).sessions.kill({ sessionId: 'kept', confirm: true });
      expect(await exited(pid)).toBe(true);
    } finally {
      await s2.close();
    }
  });

  it('another process with the recorded pid (a different start time) is refused after a restart', async () => {
    const dir = join(tmp.dir, 'restart-reused');
    mkdirSync(dir);
    const pid = await fakeClaude();
    const s1 = await startTestServer({ dataDir: dir });
    await seen(s1, 'reused', pid);
    await s1.close();
    // The recorded process "died and another took its pid": the stored start time no longer matches.
    const db = await openSqlite({ file: join(dir, 'flightdeck.db') });
    const row = db.sqlite.prepare('SELECT value FROM kv WHERE key = ?').get(kvKey('reused')) as {
      value: string;
    };
    const entry = JSON.parse(row.value);
    entry.process.identity.startTicks -= 1;
    db.sqlite.prepare('UPDATE kv SET value = ? WHERE key = ?').run(JSON.stringify(entry), kvKey('reused'));
    await db.close();
    const s2 = await startTestServer({ dataDir: dir });
    try {
      await s2.runtime.drain();
      await expectRefused(s2, 'reused', pid, /start time changed: another process has that pid now/);
      expect(alive(pid)).toBe(true);
    } finally {
      await s2.close();
    }
  });
});

describe('Flightdeck started from inside an agent', () => {
  it('the agent is an ancestor of the server: not recorded', async () => {
    // A fake `claude` whose child runs the real inspector: the claude is that process's parent.
    const inspector = fileURLToPath(new URL('../src/process-identity.ts', import.meta.url));
    const probe = script(
      'probe.mjs',
      `import { createProcInspector } from ${JSON.stringify(inspector)};
       console.log(JSON.stringify(createProcInspector().identify(process.ppid, 'claude', Date.now())));`,
    );
    const parent = script(
      'claude',
      `const r = require('node:child_process').spawnSync(process.execPath, ['--import', 'tsx', ${JSON.stringify(probe)}], { encoding: 'utf8', cwd: ${JSON.stringify(fileURLToPath(new URL('..', import.meta.url)))} });
       process.stdout.write(r.stdout + r.stderr);`,
    );
    const r = spawnSync(process.execPath, [parent], { encoding: 'utf8', timeout: 60_000 });
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1) as string)).toEqual({
      ok: false,
      reason: 'it is an ancestor of the Flightdeck server',
    });
  });
});

describe('what counts as the agent CLI', () => {
  const npm = '/home/u/project/node_modules';
  it.each([
    ['claude', ['claude']],
    ['claude', ['claude', '--resume']],
    ['claude', ['/home/u/.local/bin/claude']],
    ['claude', [`${npm}/.bin/../@anthropic-ai/claude-code/bin/claude.exe`, '-p', 'hi']],
    ['claude', ['node', '/usr/lib/node_modules/@anthropic-ai/claude-code/cli.js']],
    ['claude', ['/usr/bin/node', '--no-warnings', '/opt/tools/claude']],
    ['codex', ['codex']],
    ['codex', ['node', '/usr/lib/node_modules/@openai/codex/bin/codex.js']],
    ['codex', ['/usr/lib/node_modules/@openai/codex/vendor/x86_64-unknown-linux-musl/codex/codex', 'exec']],
    ['gemini', ['gemini']],
    [
      'gemini',
      ['node', '--max-old-space-size=8192', '/usr/lib/node_modules/@google/gemini-cli/dist/index.js'],
    ],
  ] as const)('%s: %j', (cli, argv) => {
    expect(looksLikeAgent(argv, cli)).toBe(true);
  });

  it.each([
    ['claude', []],
    ['claude', ['sleep', '1000']],
    ['claude', ['vim', 'claude']],
    ['claude', ['node', '/srv/app/server.js', 'claude']],
    ['claude', ['bash', '-c', 'claude']],
    ['claude', ['codex']],
    ['codex', ['claude']],
    ['gemini', ['node', '/usr/lib/node_modules/@anthropic-ai/claude-code/cli.js']],
  ] as const)('not %s: %j', (cli, argv) => {
    expect(looksLikeAgent(argv, cli)).toBe(false);
  });
});

describe('the real Claude Code CLI', () => {
  it('a running `claude` seen through its own hooks is recorded and killed from the dashboard', async () => {
    const bin = fileURLToPath(
      new URL('../../../packages/hook-ingest/node_modules/.bin/claude', import.meta.url),
    );
    expect(existsSync(bin)).toBe(true);
    const root = join(tmp.dir, 'real-claude');
    const home = join(root, 'home');
    const configDir = join(root, 'claude-config');
    const dataDir = join(root, 'data');
    const project = join(root, 'project');
    for (const d of [home, configDir, dataDir, project]) mkdirSync(d, { recursive: true });
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, CLAUDE_CONFIG_DIR: configDir };
    const installed = await runHooksCli(['install', '--cli', 'claude', '--density', 'high'], {
      stdout: { write: () => true } as unknown as NodeJS.WritableStream,
      stderr: { write: () => true } as unknown as NodeJS.WritableStream,
      env,
      dataDir,
    });
    expect(installed).toBe(0);
    // An API that accepts the connection and never answers: the agent keeps running, waiting for it.
    const sockets = new Set<Socket>();
    const api = createServer((sock) => {
      sockets.add(sock);
      sock.on('error', () => {});
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    const s = await startTestServer({ dataDir });
    try {
      const wrapper = spawnSync(
        'sh',
        ['-c', '"$@" >/dev/null 2>&1 </dev/null & echo $!', 'sh', bin, '-p', 'hi'],
        {
          encoding: 'utf8',
          cwd: project,
          env: {
            ...env,
            ANTHROPIC_BASE_URL: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
            ANTHROPIC_API_KEY: 'sk-ant-test-dummy',
            DISABLE_AUTOUPDATER: '1',
            DISABLE_TELEMETRY: '1',
            DISABLE_ERROR_REPORTING: '1',
            CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
          },
        },
      );
      started.push(Number(wrapper.stdout.trim()));
      const session = await waitFor(
        () => s.runtime.listSessions().find((x) => x.cli === 'claude' && x.pid !== null),
        60_000,
        100,
      );
      const pid = session.pid as number;
      started.push(pid);
      const rec = await waitFor(() => getOwn(s.runtime.state.runtime, session.sessionId)?.process, 10_000);
      expect(rec.refused).toBeNull();
      expect(rec.identity?.cmdline.join(' ')).toMatch(/claude/);
      expect(alive(pid)).toBe(true);
      await callerFor(s).sessions.kill({ sessionId: session.sessionId, confirm: true });
      expect(await exited(pid, 10_000)).toBe(true);
    } finally {
      await s.close();
      for (const sock of sockets) sock.destroy();
      await new Promise<void>((r) => api.close(() => r()));
    }
  }, 120_000);
});
