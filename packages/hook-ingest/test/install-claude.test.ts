import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { hooksStatus, resolveInstallTargets, runHooksCommand } from '../src/install/index.js';
import { listDir, read, type Sandbox, sandbox, write } from './fixtures-install/helpers.js';

const CLAUDE_BIN = fileURLToPath(new URL('../node_modules/.bin/claude', import.meta.url));

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Loopback stand-in for the Anthropic API: every request gets a non-retryable 400, so `-p` ends fast. */
async function fakeApi(): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          type: 'error',
          error: { type: 'invalid_request_error', message: 'flightdeck installer test' },
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

function runClaude(args: string[], env: Record<string, string>, cwd: string, timeoutMs: number) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(CLAUDE_BIN, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('real Claude Code CLI (2.1.328) accepts the installed settings', () => {
  it('loads the file, fires our hooks into the spool, and still runs the other tool hooks', async () => {
    expect(fs.existsSync(CLAUDE_BIN)).toBe(true);
    const b: Sandbox = sandbox();
    cleanups.push(() => b.cleanup());
    const configDir = path.join(b.root, 'claude-config');
    const foreignMark = path.join(b.root, 'foreign-hook-ran');
    const env = { ...b.env, CLAUDE_CONFIG_DIR: configDir };
    // A user's settings with another tool's hook and unrelated keys.
    write(
      path.join(configDir, 'settings.json'),
      `${JSON.stringify(
        {
          env: { FOO: 'bar' },
          permissions: { allow: ['Bash(ls:*)'], deny: [] },
          hooks: {
            SessionStart: [{ hooks: [{ type: 'command', command: `touch '${foreignMark}'`, timeout: 5 }] }],
          },
        },
        null,
        2,
      )}\n`,
    );
    let out = '';
    let err = '';
    const code = await runHooksCommand(['install', '--cli', 'claude', '--density', 'high'], {
      env,
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      cwd: b.root,
      homedir: b.home,
    });
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain(`installed 26 events (high) in ${path.join(configDir, 'settings.json')}`);

    const api = await fakeApi();
    const project = path.join(b.root, 'project');
    fs.mkdirSync(project);
    const result = await runClaude(
      ['-p', 'hello from the installer test', '--max-turns', '1'],
      {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: b.home,
        CLAUDE_CONFIG_DIR: configDir,
        ANTHROPIC_BASE_URL: api.url,
        ANTHROPIC_API_KEY: 'sk-ant-test-dummy',
        DISABLE_AUTOUPDATER: '1',
        DISABLE_TELEMETRY: '1',
        DISABLE_ERROR_REPORTING: '1',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        // deliberately no FLIGHTDECK_SPOOL: the installed script must find the data dir's spool itself
      },
      project,
      60_000,
    );
    expect(api.requests.some((r) => r.startsWith('POST /v1/messages'))).toBe(true);
    expect(result.stdout + result.stderr).toContain('flightdeck installer test');
    // Claude 2.1.328 validates settings and lists skipped entries ("Unknown hook event", "Invalid
    // command hook", …) on stderr; none of ours may be skipped.
    expect(result.stderr).not.toContain('settings entries were skipped');
    expect(result.stderr).not.toMatch(/ignored|invalid/i);

    // Our hook ran for each lifecycle event Claude fired, writing records into <dataDir>/spool.
    // Claude does not wait for a SessionEnd hook to finish, so poll (bounded) for complete records.
    // (StopFailure for the 400 is not fired reliably under load, so it is not required.)
    const wanted = ['SessionStart', 'UserPromptSubmit', 'SessionEnd'];
    let events: string[] = [];
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      events = listDir(b.targets.spoolDir)
        .filter((f) => f.endsWith('.rec'))
        .map((f) => read(path.join(b.targets.spoolDir, f)))
        .filter((t) => t.endsWith('\0FDEND\n') && t.includes('\0cli=claude\0'))
        .map((t) => /"hook_event_name":"(\w+)"/.exec(t)?.[1] ?? '?');
      if (wanted.every((e) => events.includes(e))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(events).toEqual(expect.arrayContaining(wanted));
    // The other tool's SessionStart hook still ran next to ours.
    expect(fs.existsSync(foreignMark)).toBe(true);

    const s = await hooksStatus({ cli: 'claude', targets: resolveInstallTargets({ env, homedir: b.home }) });
    expect(s).toMatchObject({ installed: true, missing: [], drift: [], other: 1 });
  }, 90_000);
});
