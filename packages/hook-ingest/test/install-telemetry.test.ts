/**
 * `flightdeck hooks install --cli claude --telemetry`: the OpenTelemetry `env` entries in Claude Code's real
 * settings.json (a sandboxed HOME), written without touching any other byte, a user's own OTEL settings left alone,
 * and removed exactly by uninstall.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  HOOKS_EXIT,
  type HooksCommandIo,
  isFlightdeckValue,
  parseHooksArgs,
  remoteEndpoint,
  runHooksCommand,
  TELEMETRY_KEYS,
  TelemetryUrlError,
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

describe('hooks install --telemetry --to URL --token T (a machine that forwards to a central Flightdeck)', () => {
  const HOST = `fdh_${'0f'.repeat(32)}`;
  const CENTRAL = 'https://central.example.com:8443';
  const REMOTE = {
    ...ENV,
    OTEL_EXPORTER_OTLP_ENDPOINT: CENTRAL,
    OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer ${HOST}`,
  };
  const to = (url = `${CENTRAL}/`, token = HOST) => [
    'install',
    '--cli',
    'claude',
    '--telemetry',
    '--to',
    url,
    '--token',
    token,
  ];
  const mode600 = (b: Sandbox) => fs.chmodSync(b.targets.files.claude, 0o600);

  it('writes the central endpoint (no trailing slash) and the host token; again changes nothing; status and uninstall', async () => {
    const b = box();
    const original = '{\n  "env": {\n    "FOO": "bar"\n  }\n}\n';
    write(b.targets.files.claude, original);
    mode600(b);
    const r = await run(b, to());
    expect(r.code, r.err).toBe(HOOKS_EXIT.ok);
    expect(r.out).toContain(`claude: OpenTelemetry export to the Flightdeck at ${CENTRAL} set up`);
    expect(r.out).not.toContain('warning: telemetry');
    expect(settings(b).env).toEqual({ FOO: 'bar', ...REMOTE });
    const before = read(b.targets.files.claude);
    const again = await run(b, to());
    expect(again.out).toContain('telemetry entries in');
    expect(again.out).toContain('already up to date');
    expect(read(b.targets.files.claude)).toBe(before);

    const status = await run(b, ['status', '--cli', 'claude']);
    expect(status.out).toContain(`  telemetry: to the central Flightdeck at ${CENTRAL} (host token)\n`);
    const json = JSON.parse((await run(b, ['status', '--cli', 'claude', '--json'])).out);
    expect(json[0].telemetry).toEqual({
      file: b.targets.files.claude,
      enabled: true,
      endpoint: CENTRAL,
      points: 'remote',
      token: 'host',
    });

    expect((await run(b, ['uninstall', '--telemetry'])).code).toBe(HOOKS_EXIT.ok);
    expect(settings(b).env).toEqual({ FOO: 'bar' });
    expect((await run(b, ['status', '--cli', 'claude'])).out).toContain(
      '  telemetry: not set up (flightdeck hooks install --cli claude --telemetry)\n',
    );
    expect((await run(b, ['uninstall'])).code).toBe(HOOKS_EXIT.ok);
    expect(read(b.targets.files.claude)).toBe(original);
  });

  it('the token may come from FLIGHTDECK_HOST_TOKEN; a path prefix is kept', async () => {
    const b = box({ FLIGHTDECK_HOST_TOKEN: HOST });
    const r = await run(b, ['install', '--telemetry', '--to', 'https://proxy.example.com/flightdeck//']);
    expect(r.code, r.err).toBe(HOOKS_EXIT.ok);
    expect(settings(b).env).toMatchObject({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://proxy.example.com/flightdeck',
      OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer ${HOST}`,
    });
  });

  it('local → central → local: each install takes over what the previous one wrote, and nothing of it is left', async () => {
    const b = box();
    await run(b, ['install', '--telemetry']);
    expect(settings(b).env).toEqual(ENV);
    await run(b, to());
    expect(settings(b).env).toEqual(REMOTE);
    await run(b, to('https://other-central.example.com'));
    expect((settings(b).env as Record<string, string>).OTEL_EXPORTER_OTLP_ENDPOINT).toBe(
      'https://other-central.example.com',
    );
    // back to this machine's server, whose data dir has no hook token: the host token does not stay behind
    const r = await run(b, ['install', '--telemetry'], { endpoint: 'http://127.0.0.1:3333', token: null });
    expect(r.out).not.toContain('left as it is');
    const { OTEL_EXPORTER_OTLP_HEADERS: _gone, ...withoutHeader } = ENV;
    expect(settings(b).env).toEqual(withoutHeader);
  });

  it("the user's own collector is left alone and gets no token; uninstall leaves it", async () => {
    const b = box();
    const theirs = { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com', FOO: 'bar' };
    write(b.targets.files.claude, JSON.stringify({ env: theirs }));
    mode600(b);
    const r = await run(b, to());
    expect(r.code).toBe(HOOKS_EXIT.ok);
    expect(r.out).toContain(
      'warning: telemetry: env.OTEL_EXPORTER_OTLP_ENDPOINT is set to "https://otel.example.com" already: left as it is',
    );
    expect(r.out).toContain(
      'warning: telemetry: env.OTEL_EXPORTER_OTLP_HEADERS not written: the endpoint is not Flightdeck',
    );
    const env = settings(b).env as Record<string, string>;
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('https://otel.example.com');
    expect(env.OTEL_EXPORTER_OTLP_HEADERS).toBeUndefined();
    expect(read(b.targets.files.claude)).not.toContain(HOST);
    expect((await run(b, ['status', '--cli', 'claude'])).out).toContain(
      '  telemetry: to https://otel.example.com, not a Flightdeck endpoint (left as the user set it)\n',
    );
    await run(b, ['uninstall', '--telemetry']);
    expect(settings(b).env).toEqual(theirs);
  });

  it("a remote endpoint with the user's own header (even a token of Flightdeck's shape) is theirs, both kept", async () => {
    for (const header of ['Authorization=Bearer sk-their-own', `Authorization=Bearer ${'ab'.repeat(32)}`]) {
      const b = box();
      const theirs = {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector.example.com',
        OTEL_EXPORTER_OTLP_HEADERS: header,
      };
      write(b.targets.files.claude, JSON.stringify({ env: theirs }));
      const r = await run(b, to());
      expect(r.out).toContain('env.OTEL_EXPORTER_OTLP_HEADERS is set to');
      expect(settings(b).env).toMatchObject(theirs);
      await run(b, ['uninstall', '--telemetry']);
      expect(settings(b).env).toEqual(theirs);
    }
  });

  it('plain http to another machine: a warning that the token travels in clear (not for loopback or https)', async () => {
    const b = box();
    const clear = await run(b, to('http://10.0.0.1:3333'));
    expect(clear.code).toBe(HOOKS_EXIT.ok);
    expect(clear.out).toContain(
      'claude: warning: telemetry: http://10.0.0.1:3333 is plain http to another machine: the host token travels in clear',
    );
    expect((settings(b).env as Record<string, string>).OTEL_EXPORTER_OTLP_ENDPOINT).toBe(
      'http://10.0.0.1:3333',
    );
    for (const url of ['http://127.0.0.1:4000', 'http://localhost:4000/', 'https://10.0.0.1']) {
      expect((await run(b, to(url))).out).not.toContain('travels in clear');
    }
  });

  it('a settings file other users can read gets a warning about the token in it', async () => {
    const b = box();
    write(b.targets.files.claude, '{}\n');
    fs.chmodSync(b.targets.files.claude, 0o644);
    const r = await run(b, to());
    expect(r.out).toContain('is readable by other users (mode 644), and so is the token in it: chmod 600 it');
    mode600(b);
    expect((await run(b, to())).out).not.toContain('readable by other users');
  });

  it('--dry-run shows the diff and writes nothing', async () => {
    const b = box();
    write(b.targets.files.claude, '{}\n');
    const dry = await run(b, [...to(), '--dry-run']);
    expect(dry.code).toBe(HOOKS_EXIT.ok);
    expect(dry.out).toContain('claude: telemetry: would change');
    expect(dry.out).toContain(`"OTEL_EXPORTER_OTLP_ENDPOINT":"${CENTRAL}"`);
    expect(read(b.targets.files.claude)).toBe('{}\n');
  });

  it('a bad URL or token, or --to/--token where they do not apply, is refused clearly and nothing is written', async () => {
    const cases: Array<[string[], string]> = [
      [to('ftp://central.example.com'), '--to must be an http(s) URL (e.g. https://flightdeck.example.com'],
      [to('central.example.com:3333'), '--to must be an http(s) URL'],
      [to('not a url'), '--to must be an http(s) URL'],
      [to('https://user:pw@central.example.com'), '--to must not carry credentials'],
      [to('https://central.example.com/?x=1'), 'without a query or fragment'],
      [to('https://central.example.com/v1/logs'), 'the exporter appends /v1/logs itself'],
      [to(CENTRAL, 'abc'), '--to needs --token (or FLIGHTDECK_HOST_TOKEN) with a host token (fdh_'],
      [to(CENTRAL, 'ab'.repeat(32)), '--to needs --token'],
      [['install', '--telemetry', '--to', CENTRAL], '--to needs --token'],
      [['install', '--telemetry', '--token', HOST], '--token goes with --to <url>'],
      [['install', '--to', CENTRAL, '--token', HOST], '--to only applies to install --telemetry'],
      [['uninstall', '--telemetry', '--to', CENTRAL], '--to only applies to install --telemetry'],
    ];
    for (const [argv, message] of cases) {
      const b = box();
      write(b.targets.files.claude, '{}\n');
      const r = await run(b, argv);
      expect(r.code, argv.join(' ')).toBe(HOOKS_EXIT.usage);
      expect(r.err, argv.join(' ')).toContain(message);
      expect(read(b.targets.files.claude)).toBe('{}\n');
      expect(fs.existsSync(b.targets.hooksDir)).toBe(false);
    }
  });

  it('ownership is read from the file alone: the endpoint and the header vouch for each other', () => {
    const host = `Authorization=Bearer ${HOST}`;
    const hook = `Authorization=Bearer ${TOKEN}`;
    const E = 'OTEL_EXPORTER_OTLP_ENDPOINT';
    const H = 'OTEL_EXPORTER_OTLP_HEADERS';
    expect(isFlightdeckValue(E, 'http://127.0.0.1:3333')).toBe(true);
    expect(isFlightdeckValue(E, CENTRAL)).toBe(false);
    expect(isFlightdeckValue(E, CENTRAL, { [H]: host })).toBe(true);
    expect(isFlightdeckValue(E, CENTRAL, { [H]: hook })).toBe(false);
    expect(isFlightdeckValue(E, `${CENTRAL}/`, { [H]: host })).toBe(false);
    expect(isFlightdeckValue(H, host, { [E]: CENTRAL })).toBe(true);
    expect(isFlightdeckValue(H, hook, { [E]: 'http://localhost:3333' })).toBe(true);
    expect(isFlightdeckValue(H, hook, { [E]: CENTRAL })).toBe(false);
    expect(isFlightdeckValue(H, hook)).toBe(true);
    expect(remoteEndpoint('HTTPS://Central.Example.com:443/')).toEqual({
      endpoint: 'https://central.example.com',
      cleartext: false,
    });
    expect(() => remoteEndpoint('mailto:a@b')).toThrow(TelemetryUrlError);
  });
});
