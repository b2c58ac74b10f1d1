import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../src/auth.js';
import { type CliIo, runCli } from '../src/cli.js';
import { readConfigFile } from '../src/config.js';
import { tmpDir } from './helpers.js';

const tmp = tmpDir('fd-cli-');
afterAll(() => tmp.remove());

function io(stdinText = '', env: NodeJS.ProcessEnv = {}): CliIo & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => {
    out += d.toString();
  });
  stderr.on('data', (d) => {
    err += d.toString();
  });
  return {
    stdin: Readable.from(stdinText ? [Buffer.from(stdinText)] : []),
    stdout,
    stderr,
    env: { HOME: tmp.dir, PATH: process.env.PATH, ...env },
    out: () => out,
    err: () => err,
  };
}

describe('flightdeck CLI', () => {
  it('help, unknown commands and bad flags', async () => {
    const a = io();
    expect(await runCli(['--help'], a)).toBe(0);
    expect(a.out()).toMatch(/flightdeck <command>/);
    const b = io();
    expect(await runCli(['launch'], b)).toBe(2);
    expect(b.err()).toMatch(/Unknown command "launch"/);
    const c = io();
    expect(await runCli(['setup', '--yes', '--port', 'abc', '--data-dir', join(tmp.dir, 'x')], c)).toBe(2);
    expect(c.err()).toMatch(/--port must be 0..65535/);
    const d = io();
    expect(
      await runCli(['setup', '--yes', '--clis', 'claude,vim', '--data-dir', join(tmp.dir, 'x')], d),
    ).toBe(2);
    expect(d.err()).toMatch(/unknown CLI "vim"/);
  });

  it('setup --yes writes config.json and installs the hooks into the CLI settings (temp HOME)', async () => {
    const dataDir = join(tmp.dir, 'data1');
    const a = io();
    const code = await runCli(
      [
        'setup',
        '--yes',
        '--port',
        '4545',
        '--density',
        'low',
        '--clis',
        'claude',
        '--password',
        'sekret-pw',
        '--data-dir',
        dataDir,
      ],
      a,
    );
    expect(code, a.err()).toBe(0);
    const { file } = readConfigFile(join(dataDir, 'config.json'));
    expect(file.port).toBe(4545);
    expect(file.hookDensity).toBe('low');
    expect(file.enabledClis).toEqual(['claude']);
    expect(await verifyPassword('sekret-pw', file.passwordHash as string)).toBe(true);
    const settings = readFileSync(join(tmp.dir, '.claude', 'settings.json'), 'utf8');
    expect(settings).toMatch(/flightdeck-hook/);
    expect(existsSync(join(dataDir, 'hooks'))).toBe(true);

    const st = io();
    const statusCode = await runCli(['hooks', 'status', '--cli', 'claude', '--data-dir', dataDir], st);
    expect(statusCode, st.err()).toBe(0);
    expect(st.out()).toMatch(/installed/);
  });

  it('interactive setup reads answers line by line', async () => {
    const dataDir = join(tmp.dir, 'data2');
    const a = io('4646\nclaude\nhigh\nyes\n48\nnone\n');
    expect(await runCli(['setup', '--data-dir', dataDir, '--skip-hooks'], a)).toBe(0);
    const { file } = readConfigFile(join(dataDir, 'config.json'));
    expect(file).toMatchObject({ port: 4646, hookDensity: 'high', debug: true, sessionRetentionHours: 48 });
    expect(file.passwordHash).toBeNull();
  });

  it('password set --password-stdin and password clear', async () => {
    const dataDir = join(tmp.dir, 'data3');
    const a = io('correct-horse\n');
    expect(await runCli(['password', 'set', '--password-stdin', '--data-dir', dataDir], a)).toBe(0);
    const hash = readConfigFile(join(dataDir, 'config.json')).file.passwordHash as string;
    expect(await verifyPassword('correct-horse', hash)).toBe(true);
    const short = io('abc\n');
    expect(await runCli(['password', 'set', '--password-stdin', '--data-dir', dataDir], short)).toBe(2);
    expect(short.err()).toMatch(/at least 4/);
    expect(await runCli(['password', 'clear', '--data-dir', dataDir], io())).toBe(0);
    expect(readConfigFile(join(dataDir, 'config.json')).file.passwordHash).toBeNull();
  });
});

describe('flightdeck hooks install --telemetry', () => {
  it('points Claude Code at this server’s port with the stored hook token; uninstall removes it', async () => {
    const home = join(tmp.dir, 'home-otel');
    const dataDir = join(tmp.dir, 'data-otel');
    expect(
      await runCli(
        ['setup', '--yes', '--port', '4747', '--no-password', '--skip-hooks', '--data-dir', dataDir],
        io(),
      ),
    ).toBe(0);
    const tokenIo = io('', { HOME: home });
    expect(await runCli(['hooks', 'token', '--data-dir', dataDir], tokenIo)).toBe(0);
    const token = tokenIo.out().trim();
    const a = io('', { HOME: home });
    const code = await runCli(
      ['hooks', 'install', '--cli', 'claude', '--telemetry', '--data-dir', dataDir],
      a,
    );
    expect(code, a.err()).toBe(0);
    const file = join(home, '.claude', 'settings.json');
    const env = JSON.parse(readFileSync(file, 'utf8')).env;
    expect(env).toMatchObject({
      CLAUDE_CODE_ENABLE_TELEMETRY: '1',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4747',
      OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer ${token}`,
    });
    expect(
      await runCli(['hooks', 'uninstall', '--cli', 'claude', '--data-dir', dataDir], io('', { HOME: home })),
    ).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8')).env).toBeUndefined();
  });
});

describe('flightdeck hooks install --telemetry --to URL --token T (a forwarding machine)', () => {
  const HOST = `fdh_${'5a'.repeat(32)}`;
  const setup = (name: string) => {
    const home = join(tmp.dir, `home-${name}`);
    const dataDir = join(tmp.dir, `data-${name}`);
    const file = join(home, '.claude', 'settings.json');
    const cli = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
      const a = io('', { HOME: home, ...env });
      const code = await runCli(['hooks', ...args, '--data-dir', dataDir], a);
      return { code, out: a.out(), err: a.err() };
    };
    return { home, dataDir, file, cli, env: () => JSON.parse(readFileSync(file, 'utf8')).env };
  };
  const install = (url: string, token = HOST) => [
    'install',
    '--cli',
    'claude',
    '--telemetry',
    '--to',
    url,
    '--token',
    token,
  ];

  it('points Claude Code at the central server with the host token; again changes nothing; status; uninstall', async () => {
    const m = setup('central');
    const r = await m.cli(install('https://central.example.com:3333/'));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(
      'OpenTelemetry export to the Flightdeck at https://central.example.com:3333 set up',
    );
    expect(m.env()).toMatchObject({
      CLAUDE_CODE_ENABLE_TELEMETRY: '1',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://central.example.com:3333',
      OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer ${HOST}`,
    });
    // the hooks go to this machine's spool, which `flightdeck forward` ships
    expect(readFileSync(m.file, 'utf8')).toContain('flightdeck-hook');
    const before = readFileSync(m.file, 'utf8');
    const again = await m.cli(install('https://central.example.com:3333'));
    expect(again.code, again.err).toBe(0);
    expect(again.out).toContain('already up to date');
    expect(readFileSync(m.file, 'utf8')).toBe(before);
    const status = await m.cli(['status', '--cli', 'claude']);
    expect(status.out).toContain(
      'telemetry: to the central Flightdeck at https://central.example.com:3333 (host token)',
    );
    expect((await m.cli(['uninstall', '--cli', 'claude', '--telemetry'])).code).toBe(0);
    expect(m.env()).toBeUndefined();
    expect(readFileSync(m.file, 'utf8')).toContain('flightdeck-hook');
  });

  it("the user's own collector is left alone (no token beside it), and uninstall leaves it", async () => {
    const m = setup('own');
    mkdirSync(join(m.home, '.claude'), { recursive: true });
    writeFileSync(
      m.file,
      JSON.stringify({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com' } }),
    );
    const r = await m.cli(install('https://central.example.com'));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('env.OTEL_EXPORTER_OTLP_ENDPOINT is set to "https://otel.example.com" already');
    expect(m.env().OTEL_EXPORTER_OTLP_ENDPOINT).toBe('https://otel.example.com');
    expect(readFileSync(m.file, 'utf8')).not.toContain(HOST);
    expect((await m.cli(['uninstall', '--cli', 'claude'])).code).toBe(0);
    expect(m.env()).toEqual({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com' });
  });

  it('a bad URL or token is refused with a clear message and nothing is written', async () => {
    const m = setup('bad');
    const url = await m.cli(install('ftp://central.example.com'));
    expect(url.code).toBe(2);
    expect(url.err).toContain('--to must be an http(s) URL');
    const token = await m.cli(install('https://central.example.com', 'not-a-host-token'));
    expect(token.code).toBe(2);
    expect(token.err).toContain('a host token (fdh_');
    expect(existsSync(m.file)).toBe(false);
    expect(existsSync(m.dataDir)).toBe(false);
    // plain http to another machine: written, with the warning
    const clear = await m.cli(install('http://192.0.2.7:3333'));
    expect(clear.code, clear.err).toBe(0);
    expect(clear.out).toContain('the host token travels in clear');
  });
});
