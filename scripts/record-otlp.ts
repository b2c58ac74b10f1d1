/**
 * Records what the real Claude Code CLI sends over OTLP/HTTP (logs and metrics), into `fixtures/otlp/`.
 *
 *   npx tsx scripts/record-otlp.ts [out-dir]   (default: fixtures/otlp/claude-code-<version>)
 *
 * For each protocol (`http/json`, then `http/protobuf`) it runs `claude -p` once (a Bash `echo` tool call, then a
 * text answer) against the scripted fake Anthropic API and a recording OTLP receiver, both on 127.0.0.1 port 0, in
 * a throwaway HOME. Every request body lands in `<out>/<protocol>/<nn>-<logs|metrics>.<json|pb>` as received,
 * except that the throwaway root is rewritten to a `/home/dev/...` path of the same length and identifying
 * attributes (user.id, user.email, user.account_uuid, organization.id) to fakes of the same length: protobuf stays
 * byte-valid. `<out>/<protocol>/api.json` lists what the fake API answered (model, usage).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startFakeAnthropic } from '../packages/hook-ingest/test/support/fake-anthropic.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('..', import.meta.url));
const cliDir = join(repo, 'packages/hook-ingest/node_modules/@anthropic-ai/claude-code');
const CLAUDE = join(repo, 'packages/hook-ingest/node_modules/.bin/claude');
const version = (JSON.parse(readFileSync(join(cliDir, 'package.json'), 'utf8')) as { version: string })
  .version;
const out = process.argv[2] ?? join(repo, 'fixtures/otlp', `claude-code-${version}`);
const API_KEY = 'sk-ant-test-dummy';

interface Received {
  path: string;
  contentType: string;
  body: Buffer;
}

/** A receiver that keeps every POST and answers 200 with an empty success (JSON or protobuf, as asked). */
async function startReceiver(): Promise<{ url: string; got: Received[]; close(): Promise<void> }> {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const contentType = String(req.headers['content-type'] ?? '');
      got.push({ path: req.url ?? '', contentType, body: Buffer.concat(chunks) });
      const json = contentType.includes('json');
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      res.end(json ? '{}' : Buffer.alloc(0));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    got,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** `s` padded (or cut) to `length` characters. */
function sameLength(s: string, length: number): string {
  return s.length >= length ? s.slice(0, length) : s + '0'.repeat(length - s.length);
}

/** Pairs (machine value → fake of the same byte length) found in the bodies. */
function replacements(root: string, bodies: Buffer[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [[root, sameLength('/home/dev/otlp', root.length)]];
  const text = bodies.map((b) => b.toString('latin1')).join('\n');
  const fakes: Record<string, string> = {
    'user.id': 'f'.repeat(64),
    'user.email': 'dev@example.test',
    'user.account_uuid': '00000000-0000-4000-8000-000000000001',
    'organization.id': '00000000-0000-4000-8000-000000000002',
  };
  for (const [key, fake] of Object.entries(fakes)) {
    // JSON: "key":"…" with a nested {"stringValue":"…"}; protobuf: the key, then a length-prefixed string.
    const json = new RegExp(`"${key.replace('.', '\\.')}","value":\\{"stringValue":"([^"]*)"`, 'g');
    for (const m of text.matchAll(json)) if (m[1]) pairs.push([m[1], sameLength(fake, m[1].length)]);
    for (let i = text.indexOf(key); i >= 0; i = text.indexOf(key, i + 1)) {
      // AnyValue { string_value = 1 } inside KeyValue { value = 2 }: 0x12 len 0x0a len <bytes>.
      const at = i + key.length;
      if (text.charCodeAt(at) !== 0x12 || text.charCodeAt(at + 2) !== 0x0a) continue;
      const len = text.charCodeAt(at + 3);
      const value = text.slice(at + 4, at + 4 + len);
      if (value) pairs.push([value, sameLength(fake, value.length)]);
    }
  }
  return pairs;
}

function scrub(body: Buffer, pairs: Array<[string, string]>): Buffer {
  let s = body.toString('latin1');
  for (const [from, to] of pairs) s = s.replaceAll(from, to);
  const outBuf = Buffer.from(s, 'latin1');
  if (outBuf.length !== body.length) throw new Error('scrubbing changed the length');
  return outBuf;
}

async function record(protocol: 'http/json' | 'http/protobuf'): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'fd-otlp-'));
  const receiver = await startReceiver();
  const api = await startFakeAnthropic((ctx) =>
    ctx.lastToolResultId
      ? [{ type: 'text', text: 'Done: the command printed otlp.' }]
      : [{ type: 'tool_use', name: 'Bash', input: { command: 'echo otlp', description: 'Print otlp' } }],
  );
  try {
    const home = join(root, 'home');
    const configDir = join(root, 'claude-config');
    const project = join(root, 'project');
    for (const d of [home, configDir, project]) mkdirSync(d, { recursive: true });
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      CLAUDE_CONFIG_DIR: configDir,
      LANG: 'C.UTF-8',
      ANTHROPIC_BASE_URL: api.url,
      ANTHROPIC_API_KEY: API_KEY,
      DISABLE_AUTOUPDATER: '1',
      DISABLE_ERROR_REPORTING: '1',
      CLAUDE_CODE_ENABLE_TELEMETRY: '1',
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      OTEL_LOGS_EXPORT_INTERVAL: '500',
    };
    const { stdout } = await run(
      CLAUDE,
      ['-p', 'Run echo otlp with Bash, then say done.', '--allowedTools', 'Bash(echo otlp)'],
      { cwd: project, env, timeout: 120_000 },
    );
    process.stdout.write(`${protocol}: claude said ${JSON.stringify(stdout.trim())}\n`);
    await new Promise((r) => setTimeout(r, 1500)); // late exports after exit, if any
    const dir = join(out, protocol.replace('/', '-'));
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const pairs = replacements(
      root,
      receiver.got.map((g) => g.body),
    );
    receiver.got.forEach((g, i) => {
      const kind = g.path.includes('metrics') ? 'metrics' : g.path.includes('logs') ? 'logs' : 'other';
      const ext = g.contentType.includes('json') ? 'json' : 'pb';
      const name = `${String(i + 1).padStart(2, '0')}-${kind}.${ext}`;
      writeFileSync(join(dir, name), scrub(g.body, pairs));
      process.stdout.write(`  ${name} ${g.path} ${g.contentType} ${g.body.length} bytes\n`);
    });
    // The fake answers every message with the same usage (its USAGE constant).
    const answered = api.requests.map((r) => ({
      model: r.ctx.body.model,
      side: r.side,
      usage: {
        input_tokens: 50,
        output_tokens: 20,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    }));
    writeFileSync(
      join(dir, 'api.json'),
      `${JSON.stringify({ cli: version, protocol, answered }, null, 2)}\n`,
    );
  } finally {
    await api.close();
    await receiver.close();
    rmSync(root, { recursive: true, force: true });
  }
}

await record('http/json');
await record('http/protobuf');
