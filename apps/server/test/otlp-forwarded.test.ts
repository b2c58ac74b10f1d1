/**
 * A forwarding machine's Claude Code exports its OpenTelemetry straight to the central server (issues 17 and 19):
 * a real central server, a host token made through its API, the forwarding machine's settings written by the real
 * CLI (`flightdeck hooks install --telemetry --to <central> --token <host token>`, a faked HOME), and the recorded
 * Claude Code export posted the way Claude Code's exporter does it, from what that settings.json says (endpoint +
 * `/v1/logs`, the `OTEL_EXPORTER_OTLP_HEADERS` pairs, `http/json`). The cost lands on that host's session.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { OtlpApiRequest } from '@flightdeck/shared-types';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { decodeOtlpLogs } from '../src/otlp/decode.js';
import { caller, postHook, sessionStart, startTestServer, tmpDir } from './helpers.js';

const RECORDED = fileURLToPath(
  new URL('../../../fixtures/otlp/claude-code-2.1.328/http-json/', import.meta.url),
);
const PASSWORD = 'correct horse battery';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** `flightdeck hooks …` on the forwarding machine (its own HOME and data dir). */
async function hooksCli(args: string[], home: string, dataDir: string) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d.toString()));
  stderr.on('data', (d) => (err += d.toString()));
  const code = await runCli(['hooks', ...args, '--data-dir', dataDir], {
    stdin: Readable.from([]),
    stdout,
    stderr,
    env: { HOME: home, PATH: process.env.PATH },
  });
  return { code, out, err };
}

/** What Claude Code's OTLP/HTTP exporter sends for `signal`, read from the `env` of its settings.json. */
function exportRequest(env: Record<string, string>, signal: 'logs' | 'metrics') {
  expect(env.CLAUDE_CODE_ENABLE_TELEMETRY).toBe('1');
  expect(env[`OTEL_${signal.toUpperCase()}_EXPORTER`]).toBe('otlp');
  expect(env.OTEL_EXPORTER_OTLP_PROTOCOL).toBe('http/json');
  // The exporter appends `v1/<signal>` to the base URL after a `/`; the headers are `key=value` pairs, comma
  // separated, values URL-decoded (OpenTelemetry's environment variable specification).
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT as string;
  const url = `${base.endsWith('/') ? base : `${base}/`}v1/${signal}`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const pair of (env.OTEL_EXPORTER_OTLP_HEADERS ?? '').split(',')) {
    const eq = pair.indexOf('=');
    if (eq > 0) headers[pair.slice(0, eq).trim()] = decodeURIComponent(pair.slice(eq + 1).trim());
  }
  return { url, headers };
}

describe("a forwarding machine's Claude Code exports to the central server with its host token", () => {
  it('settings written by `hooks install --telemetry --to --token`; the recorded export lands on that host’s session', async () => {
    const t = tmpDir('fd-otlp-fwd-');
    cleanups.push(t.remove);
    const central = await startTestServer({ dataDir: join(t.dir, 'central'), password: PASSWORD });
    cleanups.push(() => central.close());
    const api = caller(central, (await caller(central).auth.login({ password: PASSWORD })).token);
    const hostToken = (await api.hosts.createToken({ name: 'laptop' })).token;

    // The recorded export: its session, the cost and tokens of its api_request records.
    const logs = readFileSync(join(RECORDED, '01-logs.json'));
    const metrics = readFileSync(join(RECORDED, '02-metrics.json'));
    const decoded = decodeOtlpLogs({ contentType: 'application/json', body: logs });
    if (!decoded.ok) throw new Error(decoded.error);
    const calls = decoded.records.filter((r): r is OtlpApiRequest => r.kind === 'api-request');
    const sessionId = calls[0]?.sessionId as string;
    expect(calls).toHaveLength(2);
    const cost = calls.reduce((s, c) => s + (c.costUsd ?? 0), 0);
    expect(cost).toBeGreaterThan(0);

    // The session runs on the laptop: its forwarder delivered the SessionStart with the host token.
    const started = await postHook(central.url as string, sessionStart(sessionId), {
      authorization: `Bearer ${hostToken}`,
    });
    expect(started.status).toBe(202);

    // On the laptop: the installer, through the real CLI.
    const home = join(t.dir, 'laptop-home');
    const installed = await hooksCli(
      ['install', '--cli', 'claude', '--telemetry', '--to', `${central.url}/`, '--token', hostToken],
      home,
      join(t.dir, 'laptop-data'),
    );
    expect(installed.code, installed.err).toBe(0);
    const env = JSON.parse(readFileSync(join(home, '.claude', 'settings.json'), 'utf8')).env;
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(central.url);

    // Claude Code's exporter, as it reads those settings.
    for (const [signal, body] of [
      ['logs', logs],
      ['metrics', metrics],
    ] as const) {
      const req = exportRequest(env, signal);
      const res = await fetch(req.url, { method: 'POST', headers: req.headers, body });
      expect(res.status, await res.clone().text()).toBe(200);
      expect(await res.text()).toBe('{}'); // nothing dropped
    }
    const session = await api.sessions.get({ sessionId });
    expect(session.host).toBe('laptop');
    expect(session.usage.otel).toMatchObject({ requests: 2, costUsd: expect.closeTo(cost, 12) });
    expect(session.usage).toMatchObject({ source: 'otel', costUsd: expect.closeTo(cost, 12) });

    // Without the header the central server (a password is set) refuses the same export.
    const bare = exportRequest({ ...env, OTEL_EXPORTER_OTLP_HEADERS: '' }, 'logs');
    expect((await fetch(bare.url, { method: 'POST', headers: bare.headers, body: logs })).status).toBe(401);
  });
});
