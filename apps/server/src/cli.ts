/**
 * The `flightdeck` command line: start, setup, password, hooks.
 */
import { parseArgs } from 'node:util';
import { escapeControls } from '@flightdeck/hook-ingest';
import { AGENT_CLIS, type AgentCli } from '@flightdeck/shared-types';
import { hashPassword, validatePassword } from './auth.js';
import { askPassword, type CliIo, lineReader, readAllStdin, UsageError } from './cli-prompt.js';
import {
  ConfigError,
  type ConfigFile,
  type ConfigFlags,
  DEFAULT_PORT,
  type HookDensity,
  hookDensitySchema,
  loadConfig,
  type ResolvedConfig,
  writeConfigFile,
} from './config.js';
import { ensureHookToken, hookTokenPath, rotateHookToken } from './hook-token.js';
import { runHooksCli } from './hooks-admin.js';

export type { CliIo } from './cli-prompt.js';

const HELP = `Usage: flightdeck <command> [options]

Commands:
  start [--port N] [--host H] [--data-dir DIR] [--database postgres://…] [--no-open] [--debug]
                         Start the server (default port 3333, bound to 127.0.0.1; SQLite in the data
                         dir, or PostgreSQL with --database or \`database\` in config.json)
  setup                  Interactive setup (port, CLIs, hook density, password); non-interactive with
                         --yes [--port N] [--density high|medium|low] [--clis claude,codex,gemini]
                         [--password P | --password-stdin | --no-password] [--data-dir DIR]
  password set [--password-stdin] [--data-dir DIR]
  password clear [--data-dir DIR]
  hooks install|uninstall|status [--cli claude|codex|gemini|all] [--density high|medium|low] [--telemetry] [--dry-run]
                         --telemetry: also point Claude Code's OpenTelemetry at this server (uninstall
                         --telemetry: remove only that); status says where it points. On a forwarding
                         machine: install --telemetry --to URL --token T (the central server, the host token)
  hosts add <name> | list | revoke <name> [--data-dir DIR]
                         Per-host tokens for remote forwarders: add prints the new token once (stored
                         hashed); revoke stops that host at once (a running server follows within a second)
  forward --to URL --token T [--data-dir DIR]
                         On another machine: ship its hooks' events (the data dir's spool) to the central
                         Flightdeck at URL with the host token T (or FLIGHTDECK_HOST_TOKEN), exactly once
  hooks token [--rotate] [--data-dir DIR]
                         Print the hook token HTTP hook senders need once a password is set (made when
                         missing); --rotate replaces it (the running server follows within a second)
  doctor [--data-dir DIR] [--port N] [--host H] [--json]
                         Check the whole path of an event (config, data dir, spool, hooks, server, a
                         self-test event) and say what is wrong; exit code 0 when all is well, 1 otherwise
  import [--from DIR] [--cli claude|codex|gemini] [--data-dir DIR]
                         Import past sessions (~/.claude/projects; Codex and Gemini files are counted) with a
                         progress bar; through the running server when there is one, idempotent and resumable
  help, --help           Show this help
  --version              Print the version
`;

function parsePort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new UsageError(`--port must be 0..65535, got "${value}"`);
  return n;
}

function parseClis(value: string | undefined): AgentCli[] | undefined {
  if (value === undefined) return undefined;
  if (value === 'all') return [...AGENT_CLIS];
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const c of list) {
    if (!(AGENT_CLIS as readonly string[]).includes(c)) {
      throw new UsageError(`--clis: unknown CLI "${c}" (expected ${AGENT_CLIS.join(', ')} or all)`);
    }
  }
  if (list.length === 0) throw new UsageError('--clis must name at least one CLI');
  return list as AgentCli[];
}

function parseDensity(value: string | undefined): HookDensity | undefined {
  if (value === undefined) return undefined;
  const r = hookDensitySchema.safeParse(value);
  if (!r.success) throw new UsageError(`--density must be high, medium or low, got "${value}"`);
  return r.data;
}

async function cmdStart(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      database: { type: 'string' },
      'no-open': { type: 'boolean' },
      open: { type: 'boolean' },
      debug: { type: 'boolean' },
    },
    strict: true,
  });
  const flags: ConfigFlags = {
    port: parsePort(values.port),
    host: values.host,
    dataDir: values['data-dir'],
    database: values.database,
    debug: values.debug,
    open: values['no-open'] ? false : values.open,
  };
  const { runMain } = await import('./main.js');
  return runMain(flags, io);
}

async function cmdSetup(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      yes: { type: 'boolean', short: 'y' },
      port: { type: 'string' },
      density: { type: 'string' },
      clis: { type: 'string' },
      password: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      'no-password': { type: 'boolean' },
      debug: { type: 'boolean' },
      'data-dir': { type: 'string' },
      'skip-hooks': { type: 'boolean' },
    },
    strict: true,
  });
  const rc = loadConfig({ dataDir: values['data-dir'] }, io.env);
  const current = rc.file;
  let port = parsePort(values.port) ?? current.port;
  let clis = parseClis(values.clis) ?? current.enabledClis;
  let density = parseDensity(values.density) ?? current.hookDensity;
  let debug = values.debug ?? current.debug;
  let passwordHash = current.passwordHash;
  let retention = current.sessionRetentionHours;

  if (values['no-password']) passwordHash = null;
  if (values.password !== undefined) {
    const problem = validatePassword(values.password);
    if (problem) throw new UsageError(problem);
    passwordHash = await hashPassword(values.password);
  }
  if (values['password-stdin']) {
    const pw = (await readAllStdin(io.stdin)).replace(/\r?\n$/, '');
    const problem = validatePassword(pw);
    if (problem) throw new UsageError(problem);
    passwordHash = await hashPassword(pw);
  }

  if (!values.yes) {
    io.stdout.write(`Flightdeck setup (data directory: ${rc.dataDir})\n`);
    const rl = lineReader(io);
    try {
      port = parsePort(await rl.ask('Server port', String(port))) ?? DEFAULT_PORT;
      clis = parseClis(await rl.ask('CLIs to hook (claude,codex,gemini or all)', clis.join(','))) ?? clis;
      density = parseDensity(await rl.ask('Hook density (high, medium, low)', density)) ?? density;
      debug = /^(y|yes|on|true)$/i.test(await rl.ask('Debug logging (yes/no)', debug ? 'yes' : 'no'));
      const ret = Number(
        await rl.ask(
          'History retention in hours (older prompts, tool calls and raw events are deleted)',
          String(retention),
        ),
      );
      if (!Number.isFinite(ret) || ret <= 0)
        throw new UsageError('retention must be a positive number of hours');
      retention = ret;
      if (values.password === undefined && !values['password-stdin'] && !values['no-password']) {
        const choice = await rl.ask(`Dashboard password (keep, set, none)`, passwordHash ? 'keep' : 'none');
        if (choice === 'none') passwordHash = null;
        else if (choice === 'set') {
          rl.close();
          const pw = await askPassword(io, true);
          const problem = validatePassword(pw);
          if (problem) throw new UsageError(problem);
          passwordHash = await hashPassword(pw);
        }
      }
    } finally {
      rl.close();
    }
  }

  const next: ConfigFile = {
    ...current,
    port,
    enabledClis: clis,
    hookDensity: density,
    debug,
    passwordHash,
    sessionRetentionHours: retention,
  };
  writeConfigFile(rc.configPath, next);
  io.stdout.write(`Saved ${rc.configPath}\n`);
  if (!values['skip-hooks']) {
    for (const cli of clis) {
      const code = await runHooksCli(['install', '--cli', cli, '--density', density], {
        ...io,
        dataDir: rc.dataDir,
      });
      if (code !== 0) return code;
    }
  }
  io.stdout.write(`Done. Start with: flightdeck start (http://127.0.0.1:${port})\n`);
  return 0;
}

async function cmdPassword(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: { 'password-stdin': { type: 'boolean' }, 'data-dir': { type: 'string' } },
    strict: true,
  });
  const rc = loadConfig({ dataDir: values['data-dir'] }, io.env);
  if (sub === 'set') {
    const pw = values['password-stdin']
      ? (await readAllStdin(io.stdin)).replace(/\r?\n$/, '')
      : await askPassword(io, true);
    const problem = validatePassword(pw);
    if (problem) throw new UsageError(problem);
    writeConfigFile(rc.configPath, { ...rc.file, passwordHash: await hashPassword(pw) });
    ensureHookToken(rc.dataDir);
    io.stdout.write(
      `Password set (${rc.configPath}). Every login ended: log in again in the browser.\n` +
        `Hook senders over HTTP now need the hook token (print it with: flightdeck hooks token).\n`,
    );
    return 0;
  }
  if (sub === 'clear') {
    writeConfigFile(rc.configPath, { ...rc.file, passwordHash: null });
    io.stdout.write(`Password cleared (${rc.configPath}). Every login ended.\n`);
    return 0;
  }
  throw new UsageError('usage: flightdeck password set|clear');
}

async function cmdHooks(args: string[], io: CliIo): Promise<number> {
  // --data-dir is ours (where the spool and the installed hook script live); the rest goes to the installer.
  const rest: string[] = [];
  let dataDir: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--data-dir') dataDir = args[++i];
    else if (a.startsWith('--data-dir=')) dataDir = a.slice('--data-dir='.length);
    else rest.push(a);
  }
  const rc = loadConfig({ dataDir }, io.env);
  if (rest[0] === 'token') return cmdHookToken(rest.slice(1), rc, io);
  return runHooksCli(rest, { ...io, dataDir: rc.dataDir, port: rc.port });
}

/** `flightdeck hooks token [--rotate]`: prints the hook token (made when missing), or a new one. */
function cmdHookToken(args: string[], rc: ResolvedConfig, io: CliIo): number {
  const { values } = parseArgs({ args, options: { rotate: { type: 'boolean' } }, strict: true });
  const token = values.rotate ? rotateHookToken(rc.dataDir) : ensureHookToken(rc.dataDir);
  io.stdout.write(`${token}\n`);
  if (values.rotate) {
    io.stderr.write(
      `New hook token written to ${hookTokenPath(rc.dataDir)}; the old one is refused as soon as the running server sees it (within a second).\n`,
    );
  }
  if (rc.file.passwordHash === null) {
    io.stderr.write(
      'No password is set: hook senders need no token until one is (flightdeck password set).\n',
    );
  }
  return 0;
}

async function cmdDoctor(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      'data-dir': { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      json: { type: 'boolean' },
    },
    strict: true,
  });
  const { runDoctor, formatDoctorReport } = await import('./doctor.js');
  const report = await runDoctor({
    flags: { dataDir: values['data-dir'], port: parsePort(values.port), host: values.host },
    env: io.env,
  });
  // escapeControls keeps JSON valid (DEL and C1 controls become \u escapes).
  io.stdout.write(
    values.json ? `${escapeControls(JSON.stringify(report, null, 2))}\n` : formatDoctorReport(report),
  );
  return report.ok ? 0 : 1;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'start':
        return await cmdStart(args, io);
      case 'setup':
        return await cmdSetup(args, io);
      case 'password':
        return await cmdPassword(args, io);
      case 'hooks':
        return await cmdHooks(args, io);
      case 'forward': {
        const { cmdForward } = await import('./cli-forward.js');
        return await cmdForward(args, io);
      }
      case 'hosts': {
        const { cmdHosts } = await import('./hosts/cli.js');
        return await cmdHosts(args, io);
      }
      case 'doctor':
        return await cmdDoctor(args, io);
      case 'import': {
        const { cmdImport } = await import('./import/cli.js');
        return await cmdImport(args, io);
      }
      case '--version':
      case 'version': {
        const { serverVersion } = await import('./server.js');
        io.stdout.write(`${serverVersion()}\n`);
        return 0;
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(HELP);
        return 0;
      default:
        io.stderr.write(`Unknown command "${command}".\n\n${HELP}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      io.stderr.write(`flightdeck: ${err.message}\n`);
      return 2;
    }
    if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`flightdeck: ${err.message}\n\n${HELP}`);
      return 2;
    }
    throw err;
  }
}

const isEntry = process.argv[1] !== undefined && /flightdeck(\.mjs)?$|cli\.ts$/.test(process.argv[1]);
if (isEntry) {
  // Before anything is written: whatever the command, what it creates (data directory, database, config.json,
  // hook token, backups, the installed hook script) is the owner's alone.
  process.umask(0o077);
  const code = await runCli(process.argv.slice(2), {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
  });
  if (code !== 0 || process.argv[2] !== 'start') process.exitCode = code;
}
