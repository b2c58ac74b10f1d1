/**
 * `terminals.launch` / `terminals.resume` (issue 16) with real PTYs over the wire, the agent CLIs being scripts on
 * the terminal's PATH that print their argv and environment: the first prompt is one argv element after `--`
 * whatever it holds, the terminal id is in the agent's environment, exactly one card is linked to the terminal,
 * launches in tmux run in their own tmux server, and every refused input starts nothing.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configFileSchema } from '../src/config.js';
import { LAUNCH_TMUX_SESSION, launchTmuxSocket } from '../src/terminals/launch.js';
import { claudeEvent, startTestServer, tmpDir, waitFor } from './helpers.js';
import { clientFor, watch } from './terminal-client.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanups.reverse()) await f();
  cleanups.length = 0;
});

/** A directory with fake `claude`, `codex` and `gemini` that print each argv element as `<arg>` and the terminal id. */
function fakeClis(): { bin: string; project: string; root: string } {
  const dir = tmpDir('fd-launch-');
  cleanups.push(dir.remove);
  const bin = join(dir.dir, 'bin');
  const project = join(dir.dir, 'project');
  mkdirSync(bin);
  mkdirSync(project);
  for (const cli of ['claude', 'codex', 'gemini']) {
    writeFileSync(
      join(bin, cli),
      `#!/bin/sh\necho "${cli} id=$FLIGHTDECK_TERMINAL_ID pwd=$(pwd) key=$` +
        `{FAKE_KEY:-none}"\nfor a in "$@"; do printf '<%s>\\n' "$a"; done\necho END\nsleep 60\n`,
    );
    chmodSync(join(bin, cli), 0o755);
  }
  return { bin, project, root: dir.dir };
}

/** An executable `my-claude` script in a directory of its own (removed after the test). */
function myClaude(body: string): { other: { dir: string }; mine: string } {
  const other = tmpDir('fd-launch-cli-');
  cleanups.push(other.remove);
  const mine = join(other.dir, 'my-claude');
  writeFileSync(mine, body);
  chmodSync(mine, 0o755);
  return { other, mine };
}

async function setup(max = 10, cli: Record<string, string> = {}) {
  const server = await startTestServer({
    transcripts: false,
    file: { terminals: { max, bufferBytes: 128 * 1024, cli } },
  });
  cleanups.push(() => server.close());
  const client = clientFor(server.url as string, cleanups);
  const clis = fakeClis();
  const env = { PATH: `${clis.bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, FAKE_KEY: 'secret-value' };
  return { server, client, clis, env };
}

/** Launches (80×24) and waits for the fake CLI's END; the screen's text with `\n` line ends. */
async function launchAndRead(
  client: ReturnType<typeof clientFor>,
  input: { cli: 'claude' | 'codex' | 'gemini'; cwd: string; prompt: string; env: Record<string, string> },
) {
  const t = await client.terminals.launch.mutate({ ...input, cols: 80, rows: 24 });
  const v = watch(client, { id: t.id });
  await waitFor(() => v.text().includes('END'));
  return { t, text: v.text().replaceAll('\r\n', '\n') };
}

/** Ends a launch's own tmux server (closing the terminal only detaches from it). */
function killTmuxServer(socket: string): void {
  try {
    execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  } catch {
    // already gone
  }
}

const EVIL = `--version; touch pwned $(touch pwned2) \`touch pwned3\` | & > x\nsecond line`;

describe('terminals.launch', () => {
  it('runs the CLI from argv with the prompt as one element after --, the terminal id in its env, and one card', async () => {
    const { server, client, clis, env } = await setup();
    const t = await client.terminals.launch.mutate({
      cli: 'claude',
      cwd: clis.project,
      prompt: EVIL,
      permissionMode: 'acceptEdits',
      env,
      cols: 100,
      rows: 30,
    });
    expect(t).toMatchObject({ kind: 'local', cwd: clis.project, command: 'claude', tmuxTarget: null });
    const v = watch(client, { id: t.id });
    await waitFor(() => v.text().includes('END'));
    const text = v.text().replaceAll('\r\n', '\n');
    expect(text).toContain(`claude id=${t.id} pwd=${clis.project} key=secret-value`);
    expect(text).toContain(`<--permission-mode>\n<acceptEdits>\n<-->\n<${EVIL}>\nEND`);
    for (const f of ['pwned', 'pwned2', 'pwned3', 'x']) expect(existsSync(join(clis.project, f))).toBe(false);
    // Exactly one card, a connecting placeholder linked to the terminal, which lists it.
    const card = await waitFor(() => server.runtime.listSessions().find((s) => s.terminalId === t.id));
    expect(server.runtime.listSessions()).toHaveLength(1);
    expect(card).toMatchObject({
      status: 'connecting',
      cli: 'claude',
      projectPath: clis.project,
      source: 'flightdeck',
    });
    expect((await client.terminals.list.query()).find((x) => x.id === t.id)?.sessionId).toBe(card.sessionId);
  });

  it('passes the prompt the way each CLI takes it (codex after --, gemini as --prompt-interactive=)', async () => {
    const { client, clis, env } = await setup();
    for (const [cli, expected] of [
      ['codex', `<-->\n<-x hi>\nEND`],
      ['gemini', `<--prompt-interactive=-x hi>\nEND`],
    ] as const) {
      const { t, text } = await launchAndRead(client, { cli, cwd: clis.project, prompt: '-x hi', env });
      expect(text).toContain(`${cli} id=${t.id}`);
      expect(text).toContain(expected);
    }
  });

  it('in tmux: the agent runs in a new session of its own tmux server, with the id and env, attached from the terminal', async () => {
    const { server, client, clis, env } = await setup();
    const t = await client.terminals.launch.mutate({
      cli: 'claude',
      cwd: clis.project,
      prompt: 'hello there',
      tmux: true,
      env,
      cols: 100,
      rows: 30,
    });
    const socket = launchTmuxSocket(t.id);
    cleanups.push(() => killTmuxServer(socket));
    expect(t).toMatchObject({ kind: 'tmux', tmuxTarget: `${socket}#${LAUNCH_TMUX_SESSION}` });
    const v = watch(client, { id: t.id });
    await waitFor(() => v.text().includes('END'), 10_000);
    const pane = execFileSync('tmux', ['-L', socket, 'capture-pane', '-p', '-t', LAUNCH_TMUX_SESSION], {
      encoding: 'utf8',
    });
    expect(pane).toContain(`claude id=${t.id} pwd=${clis.project} key=secret-value`);
    expect(pane).toContain('<-->\n<hello there>\nEND');
    const card = await waitFor(() => server.runtime.listSessions().find((s) => s.terminalId === t.id));
    expect(card.status).toBe('connecting');
    expect(server.runtime.listSessions()).toHaveLength(1);
    // Closing the terminal detaches: the agent keeps running in its tmux session.
    await client.terminals.close.mutate({ id: t.id });
    expect(await client.terminals.list.query()).toEqual([]);
    const after = execFileSync('tmux', ['-L', socket, 'capture-pane', '-p', '-t', LAUNCH_TMUX_SESSION], {
      encoding: 'utf8',
    });
    expect(after).toContain('<hello there>\nEND');
  });

  it('refuses bad input, naming the field, and starts nothing (no terminal, no card)', async () => {
    const { server, client, clis, env } = await setup();
    const base = { cwd: clis.project, env, cols: 80, rows: 24 };
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...base, cli: 'codex', permissionMode: 'acceptEdits' }, /permissionMode: only for claude/],
      [{ ...base, cli: 'bash' }, /cli/],
      [{ ...base, cli: 'claude', permissionMode: 'yolo' }, /permissionMode/],
      [{ ...base, cli: 'claude', cwd: `${clis.project};touch x` }, /cwd: shell metacharacters/],
      [{ ...base, cli: 'claude', cwd: 'relative/dir' }, /cwd: must be absolute/],
      [{ ...base, cli: 'claude', cwd: join(clis.root, 'missing') }, /cwd: not a directory/],
      [{ ...base, cli: 'claude', prompt: 'a\u0000b' }, /prompt: must not contain NUL/],
      [{ ...base, cli: 'claude', prompt: '' }, /prompt: empty/],
      [{ ...base, cli: 'claude', env: { 'BAD-KEY': 'x' } }, /env: keys must match/],
      [{ ...base, cli: 'claude', env: { PATH: '/nonexistent' } }, /cli: claude is not installed/],
      [{ ...base, cli: 'claude', command: 'sh' }, /Unrecognized key/],
    ];
    for (const [input, message] of cases) {
      await expect(
        client.terminals.launch.mutate(input as Parameters<typeof client.terminals.launch.mutate>[0]),
        JSON.stringify(input),
      ).rejects.toThrow(message);
    }
    expect(await client.terminals.list.query()).toEqual([]);
    expect(server.runtime.listSessions()).toEqual([]);
  });

  it('runs the CLI configured in terminals.cli (an absolute path) instead of the one on PATH; refuses bad paths', async () => {
    const { other, mine } = myClaude('#!/bin/sh\necho "configured claude $*"\necho END\nsleep 60\n');
    const { client, clis, env } = await setup(10, { claude: mine });
    const { text } = await launchAndRead(client, { cli: 'claude', cwd: clis.project, prompt: 'hi', env });
    expect(text).toContain('configured claude -- hi');
    const missing = await setup(10, { claude: join(other.dir, 'nope') });
    await expect(
      missing.client.terminals.launch.mutate({ cli: 'claude', cwd: clis.project, env, cols: 80, rows: 24 }),
    ).rejects.toThrow(/cli: claude is not at .*nope \(config terminals.cli.claude\)/);
    for (const bad of ['claude', 'bin/claude', '/usr/bin/claude; rm -rf x', '/opt/../bin/claude', '/a b'])
      expect(() => configFileSchema.parse({ terminals: { cli: { claude: bad } } }), bad).toThrow();
    expect(() => configFileSchema.parse({ terminals: { cli: { bash: '/bin/bash' } } })).toThrow();
  });

  it('terminals.clis says which CLIs a launch would find: the configured path, else the first on PATH', async () => {
    const { other, mine } = myClaude('#!/bin/sh\necho hi\n');
    const missing = join(other.dir, 'nope');
    const { client, clis } = await setup(10, { claude: mine, codex: missing });
    const path = process.env.PATH;
    cleanups.push(() => {
      process.env.PATH = path;
    });
    process.env.PATH = clis.bin;
    expect(await client.terminals.clis.query()).toEqual([
      { cli: 'claude', found: true, path: mine, configured: true },
      // configured to a file that is not there: not found, even though one is on PATH
      { cli: 'codex', found: false, path: null, configured: true },
      { cli: 'gemini', found: true, path: join(clis.bin, 'gemini'), configured: false },
    ]);
    process.env.PATH = other.dir;
    expect((await client.terminals.clis.query()).map((c) => c.found)).toEqual([true, false, false]);
  });

  it('counts against the terminal limit (§8.7)', async () => {
    const { client, clis, env } = await setup(1);
    await client.terminals.launch.mutate({ cli: 'claude', cwd: clis.project, env, cols: 80, rows: 24 });
    await expect(
      client.terminals.launch.mutate({ cli: 'claude', cwd: clis.project, env, cols: 80, rows: 24 }),
    ).rejects.toThrow(/terminal limit reached: 1 open/);
    await expect(client.terminals.resume.mutate({ sessionId: 'x', cols: 80, rows: 24 })).rejects.toThrow(
      /terminal limit reached|no session/,
    );
  });
});

describe('terminals.resume', () => {
  it('refuses unknown sessions and cards that never got a Claude session id, starting nothing', async () => {
    const { server, client, clis, env } = await setup();
    await expect(client.terminals.resume.mutate({ sessionId: 'nope', cols: 80, rows: 24 })).rejects.toThrow(
      /sessionId: no session nope/,
    );
    const t = await client.terminals.launch.mutate({
      cli: 'claude',
      cwd: clis.project,
      env,
      cols: 80,
      rows: 24,
    });
    const card = await waitFor(() => server.runtime.listSessions().find((s) => s.terminalId === t.id));
    await expect(
      client.terminals.resume.mutate({ sessionId: card.sessionId, env, cols: 80, rows: 24 }),
    ).rejects.toThrow(/is not a Claude session id/);
    await expect(
      client.terminals.resume.mutate({ sessionId: card.sessionId, env: { 'a b': '' }, cols: 80, rows: 24 }),
    ).rejects.toThrow(/env: keys must match/);
    expect(await client.terminals.list.query()).toHaveLength(1);
  });

  it('runs claude --resume <id> in the session directory; the same card takes the terminal, in tmux too', async () => {
    const { server, client, clis, env } = await setup();
    const sid = '0f8fad5b-d9cb-469f-a165-70867728950e';
    await server.runtime.ingestRecords([
      { id: 'r1', envelope: claudeEvent(sid, 'SessionStart', { source: 'startup', cwd: clis.project }) },
    ]);
    await waitFor(() => server.runtime.getSession(sid));
    const t = await client.terminals.resume.mutate({ sessionId: sid, env, cols: 80, rows: 24 });
    expect(t).toMatchObject({
      kind: 'local',
      cwd: clis.project,
      command: `claude --resume ${sid}`,
      sessionId: sid,
    });
    const v = watch(client, { id: t.id });
    await waitFor(() => v.text().includes('END'));
    expect(v.text().replaceAll('\r\n', '\n')).toContain(
      `claude id=${t.id} pwd=${clis.project} key=secret-value\n<--resume>\n<${sid}>\nEND`,
    );
    expect(server.runtime.getSession(sid)?.terminalId).toBe(t.id);
    expect(server.runtime.listSessions()).toHaveLength(1);
    // While that terminal runs, a second resume would run two processes on one session: refused, nothing started.
    await expect(client.terminals.resume.mutate({ sessionId: sid, env, cols: 80, rows: 24 })).rejects.toThrow(
      /still runs in terminal/,
    );
    expect(await client.terminals.list.query()).toHaveLength(1);
    await client.terminals.close.mutate({ id: t.id });
    const t2 = await client.terminals.resume.mutate({ sessionId: sid, tmux: true, env, cols: 80, rows: 24 });
    const socket = launchTmuxSocket(t2.id);
    cleanups.push(() => killTmuxServer(socket));
    expect(t2).toMatchObject({
      kind: 'tmux',
      tmuxTarget: `${socket}#${LAUNCH_TMUX_SESSION}`,
      sessionId: sid,
    });
    const v2 = watch(client, { id: t2.id });
    await waitFor(() => v2.text().includes('END'), 10_000);
    const pane = execFileSync('tmux', ['-L', socket, 'capture-pane', '-p', '-t', LAUNCH_TMUX_SESSION], {
      encoding: 'utf8',
    });
    expect(pane).toContain(
      `claude id=${t2.id} pwd=${clis.project} key=secret-value\n<--resume>\n<${sid}>\nEND`,
    );
    expect(server.runtime.getSession(sid)?.terminalId).toBe(t2.id);
    expect(server.runtime.listSessions()).toHaveLength(1);
  });
});
