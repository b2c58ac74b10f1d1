/**
 * `flightdeck hooks install --cli claude --telemetry`: the OpenTelemetry `env` entries in Claude Code's real
 * settings.json (a sandboxed HOME), written without touching any other byte, a user's own OTEL settings left alone,
 * and removed exactly by uninstall.
 */
import { describe, expect, it } from 'vitest';
import {
  HOOKS_EXIT,
  type HooksCommandIo,
  parseHooksArgs,
  runHooksCommand,
  TELEMETRY_KEYS,
  UsageError,
} from '../src/install/index.js';
import { read, type Sandbox, useSandboxes, write } from './fixtures-install/helpers.js';

const box = useSandboxes();
const TOKEN = 'ab'.repeat(32);
const TARGET = { endpoint: 'http://127.0.0.1:3333', token: TOKEN };

async function run(b: Sandbox, argv: string[], telemetry: HooksCommandIo['telemetry'] | null = TARGET) {
  let out = '';
  let err = '';
  const code = await runHooksCommand([...argv, '--data-dir', b.targets.dataDir], {
    env: { ...b.env, PATH: process.env.PATH ?? '/usr/bin:/bin' },
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    cwd: b.root,
    homedir: '/nonexistent-home',
    detectVersion: async () => null,
    ...(telemetry ? { telemetry } : {}),
  });
  return { code, out, err };
}

const settings = (b: Sandbox) => JSON.parse(read(b.targets.files.claude)) as Record<string, unknown>;

const ENV = {
  CLAUDE_CODE_ENABLE_TELEMETRY: '1',
  OTEL_LOGS_EXPORTER: 'otlp',
  OTEL_METRICS_EXPORTER: 'otlp',
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:3333',
  OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer ${TOKEN}`,
};

describe('hooks install --telemetry (Claude Code settings.json)', () => {
  it('writes the env entries beside the hooks, keeps every other key, and uninstall restores the bytes', async () => {
    const b = box();
    const original = '{\n  "model": "opus",\n  "env": {\n    "FOO": "bar"\n  },\n  "theme": "dark"\n}\n';
    write(b.targets.files.claude, original);
    const r = await run(b, ['install', '--cli', 'claude', '--telemetry']);
    expect(r.code).toBe(HOOKS_EXIT.ok);
    expect(r.out).toContain('OpenTelemetry export to Flightdeck set up');
    const s = settings(b);
    expect(s.env).toEqual({ FOO: 'bar', ...ENV });
    expect(s.model).toBe('opus');
    expect(s.theme).toBe('dark');
    expect(s.hooks).toBeDefined();
    // again: nothing changes
    const before = read(b.targets.files.claude);
    expect((await run(b, ['install', '--cli', 'claude', '--telemetry'])).out).toContain('already up to date');
    expect(read(b.targets.files.claude)).toBe(before);

    // uninstall --telemetry: only the telemetry entries go, the hooks stay
    expect((await run(b, ['uninstall', '--telemetry'])).code).toBe(HOOKS_EXIT.ok);
    expect(settings(b).env).toEqual({ FOO: 'bar' });
    expect(settings(b).hooks).toBeDefined();
    // a plain uninstall removes the hooks (and telemetry, were it there): the original bytes
    await run(b, ['install', '--cli', 'claude', '--telemetry']);
    expect((await run(b, ['uninstall', '--cli', 'claude'])).code).toBe(HOOKS_EXIT.ok);
    expect(read(b.targets.files.claude)).toBe(original);
  });

  it('creates env when there is none and removes it again; a missing file is created', async () => {
    const b = box();
    const original = '{\n  "model": "opus"\n}\n';
    write(b.targets.files.claude, original);
    await run(b, ['install', '--telemetry']);
    expect(settings(b).env).toEqual(ENV);
    await run(b, ['uninstall', '--telemetry']);
    expect(settings(b).env).toBeUndefined();
    await run(b, ['uninstall']);
    expect(read(b.targets.files.claude)).toBe(original);

    const fresh = box();
    await run(fresh, ['install', '--telemetry']);
    expect(settings(fresh).env).toEqual(ENV);
  });

  it('a value the user set (their own collector) is left alone with a warning, and not removed', async () => {
    const b = box();
    write(
      b.targets.files.claude,
      JSON.stringify({
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com', OTEL_LOGS_EXPORTER: 'otlp' },
      }),
    );
    const r = await run(b, ['install', '--telemetry']);
    expect(r.out).toContain(
      'warning: telemetry: env.OTEL_EXPORTER_OTLP_ENDPOINT is set to "https://otel.example.com" already: left as it is',
    );
    expect((settings(b).env as Record<string, string>).OTEL_EXPORTER_OTLP_ENDPOINT).toBe(
      'https://otel.example.com',
    );
    await run(b, ['uninstall', '--telemetry']);
    // theirs stays; the ones with Flightdeck's values go (OTEL_LOGS_EXPORTER=otlp is one)
    expect(settings(b).env).toEqual({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com' });
  });

  it('an older port or token of Flightdeck is brought up to date', async () => {
    const b = box();
    await run(b, ['install', '--telemetry'], { endpoint: 'http://127.0.0.1:4000', token: 'cd'.repeat(32) });
    await run(b, ['install', '--telemetry']);
    expect(settings(b).env).toEqual(ENV);
  });

  it('without a hook token: no header, and the output explains', async () => {
    const b = box();
    const r = await run(b, ['install', '--telemetry'], { endpoint: 'http://127.0.0.1:3333', token: null });
    expect(r.out).toContain('no hook token in the data directory');
    const env = settings(b).env as Record<string, string>;
    expect(env.OTEL_EXPORTER_OTLP_HEADERS).toBeUndefined();
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://127.0.0.1:3333');
  });

  it('--dry-run writes nothing; without the server address (not run by flightdeck) it fails clearly', async () => {
    const b = box();
    write(b.targets.files.claude, '{}\n');
    const dry = await run(b, ['install', '--telemetry', '--dry-run']);
    expect(dry.out).toContain('claude: telemetry: would change');
    expect(dry.out).toContain('"OTEL_EXPORTER_OTLP_ENDPOINT":"http://127.0.0.1:3333"');
    expect(read(b.targets.files.claude)).toBe('{}\n');
    const r = await run(b, ['install', '--telemetry'], null);
    expect(r.code).toBe(HOOKS_EXIT.failed);
    expect(r.err).toContain('--telemetry needs the Flightdeck server address');
  });

  it('--telemetry is for claude, install and uninstall only', () => {
    expect(() => parseHooksArgs(['install', '--cli', 'codex', '--telemetry'])).toThrow(UsageError);
    expect(() => parseHooksArgs(['status', '--telemetry'])).toThrow(
      '--telemetry only applies to install and uninstall',
    );
    expect(parseHooksArgs(['install', '--telemetry']).telemetry).toBe(true);
    expect(TELEMETRY_KEYS).toEqual(Object.keys(ENV));
  });
});
