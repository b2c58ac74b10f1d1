/**
 * End to end with the real Claude Code CLI: hooks installed by `flightdeck hooks install` into a throwaway
 * config dir, `claude -p` talking to a scripted fake of the Anthropic Messages API on loopback (it asks for one
 * Bash tool call, then answers), the hook script spooling every event, and the server turning them into a live
 * session seen by a WebSocket subscriber.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTRPCClient, createWSClient, httpBatchLink, splitLink, wsLink } from '@trpc/client';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { runHooksCli } from '../src/ingest.js';
import type { AppRouter } from '../src/router/index.js';
import { startTestServer, tmpDir, waitFor } from './helpers.js';

const CLAUDE_BIN = fileURLToPath(
  new URL('../../../packages/hook-ingest/node_modules/.bin/claude', import.meta.url),
);
const tmp = tmpDir('fd-claude-e2e-');
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  tmp.remove();
});

function sse(events: Array<Record<string, unknown>>): string {
  return events.map((e) => `event: ${String(e.type)}\ndata: ${JSON.stringify(e)}\n\n`).join('');
}

function message(content: Array<Record<string, unknown>>, stopReason: string): string {
  const events: Array<Record<string, unknown>> = [
    {
      type: 'message_start',
      message: {
        id: `msg_${Math.random().toString(36).slice(2)}`,
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 12, output_tokens: 1 },
      },
    },
  ];
  content.forEach((block, index) => {
    if (block.type === 'tool_use') {
      events.push({ type: 'content_block_start', index, content_block: { ...block, input: {} } });
      events.push({
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) },
      });
    } else {
      events.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      events.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: block.text } });
    }
    events.push({ type: 'content_block_stop', index });
  });
  events.push({
    type: 'message_delta',
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: 8 },
  });
  events.push({ type: 'message_stop' });
  return sse(events);
}

/** Fake Messages API: with tools offered and no tool result yet → one Bash call; otherwise a short answer. */
async function fakeAnthropic(): Promise<string> {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url?.startsWith('/v1/messages')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
        return;
      }
      let parsed: { tools?: unknown[]; messages?: Array<{ content?: unknown }> } = {};
      try {
        parsed = JSON.parse(body) as typeof parsed;
      } catch {
        // keep defaults
      }
      const last = JSON.stringify(parsed.messages?.at(-1)?.content ?? '');
      const wantsTool = (parsed.tools?.length ?? 0) > 0 && !last.includes('tool_result');
      const reply = wantsTool
        ? message(
            [
              {
                type: 'tool_use',
                id: 'toolu_e2e_1',
                name: 'Bash',
                input: { command: 'echo flightdeck-e2e', description: 'say hi' },
              },
            ],
            'tool_use',
          )
        : message([{ type: 'text', text: 'All done.' }], 'end_turn');
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.end(reply);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('real Claude Code CLI → hooks → spool → server → live subscriber', () => {
  it('a prompt with a Bash tool call shows up live with its tool call, and ends', async () => {
    expect(existsSync(CLAUDE_BIN)).toBe(true);
    const home = join(tmp.dir, 'home');
    const configDir = join(tmp.dir, 'claude-config');
    const dataDir = join(tmp.dir, 'data');
    const project = join(tmp.dir, 'project');
    for (const d of [home, configDir, project]) mkdirSync(d, { recursive: true });
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, CLAUDE_CONFIG_DIR: configDir };

    let err = '';
    const installed = await runHooksCli(['install', '--cli', 'claude', '--density', 'high'], {
      stdout: { write: () => true } as unknown as NodeJS.WritableStream,
      stderr: {
        write: (s: string) => {
          err += s;
          return true;
        },
      } as unknown as NodeJS.WritableStream,
      env,
      dataDir,
    });
    expect(installed, err).toBe(0);

    const server = await startTestServer({ dataDir });
    cleanups.push(() => server.close());
    const wsClient = createWSClient({
      url: `${(server.url as string).replace('http', 'ws')}/trpc`,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    });
    cleanups.push(() => wsClient.close());
    const client = createTRPCClient<AppRouter>({
      links: [
        splitLink({
          condition: (op) => op.type === 'subscription',
          true: wsLink({ client: wsClient }),
          false: httpBatchLink({ url: `${server.url}/trpc` }),
        }),
      ],
    });
    const statuses: string[] = [];
    const sub = client.sessions.live.subscribe(undefined, {
      onData: ({ data }) => {
        if (data.type === 'session-upsert' && data.data.cli === 'claude') statuses.push(data.data.status);
      },
    });
    cleanups.push(() => sub.unsubscribe());

    const api = await fakeAnthropic();
    const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(
        CLAUDE_BIN,
        ['-p', 'say hi with echo', '--max-turns', '3', '--allowedTools', 'Bash(echo:*)'],
        {
          cwd: project,
          env: {
            ...env,
            ANTHROPIC_BASE_URL: api,
            ANTHROPIC_API_KEY: 'sk-ant-test-dummy',
            DISABLE_AUTOUPDATER: '1',
            DISABLE_TELEMETRY: '1',
            DISABLE_ERROR_REPORTING: '1',
            CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
      });
      child.stderr.on('data', (c: Buffer) => {
        out += c.toString();
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, out });
      });
    });
    expect(result.out).toContain('All done.');

    const session = await waitFor(
      () =>
        server.runtime
          .listSessions()
          .find(
            (s) => s.cli === 'claude' && s.status === 'ended' && s.toolLog.some((t) => t.tool === 'Bash'),
          ),
      20_000,
      100,
    );
    expect(session.projectPath).toBe(project);
    expect(session.promptHistory.map((p) => p.text)).toContain('say hi with echo');
    const bash = session.toolLog.find((t) => t.tool === 'Bash');
    expect(bash?.inputSummary).toContain('echo flightdeck-e2e');
    expect(bash?.status).toBe('ok');
    // the subscriber saw the session live, through its states, up to the end
    await waitFor(() => statuses.includes('ended'), 10_000);
    expect(statuses.length).toBeGreaterThan(2);
    // and everything is in SQLite
    const detail = await client.history.get.query({ sessionId: session.sessionId });
    expect(detail.toolCalls.map((t) => t.tool)).toContain('Bash');
  }, 150_000);
});
