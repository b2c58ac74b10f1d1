import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { reinstallCommand } from './delivery.js';
import {
  CODEX_HOLD_MAX_SECONDS,
  CODEX_HOLD_MIN_SECONDS,
  DEFAULT_CODEX_HOLD_SECONDS,
  DEFAULT_DENSITY,
  DENSITIES,
  type Density,
  INSTALL_CLIS,
  type InstallCli,
  parseVersion,
} from './density.js';
import { installHookScript, shellQuote } from './hookScript.js';
import { hooksStatus, installHooks, uninstallHooks } from './hooks.js';
import { readManifest } from './manifest.js';
import { InstallError } from './safeFs.js';
import { findInstalledHookCommand, runSelfTest } from './selfTest.js';
import { type InstallTargets, resolveInstallTargets } from './targets.js';
import {
  HOST_TOKEN_SHAPE,
  installTelemetry,
  remoteEndpoint,
  type TelemetryStatus,
  type TelemetryTarget,
  TelemetryUrlError,
  telemetryStatus,
  uninstallTelemetry,
} from './telemetry.js';
import { escapeControls } from './terminal.js';

export interface HooksCommandIo {
  env: Readonly<Record<string, string | undefined>>;
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  cwd: string;
  homedir: string;
  /** Hook script to install (default: the one shipped with this package). */
  hookScriptSource?: string;
  now?: () => Date;
  selfTestTimeoutMs?: number;
  /** How the self-test learns that its event arrived (default: poll the spool directory). */
  waitForMarker?: (marker: string, timeoutMs: number) => Promise<boolean>;
  /**
   * Where `--telemetry` points Claude Code's OpenTelemetry exporter (the Flightdeck server's URL) and the hook token
   * it sends; absent: `--telemetry` without `--to` is refused (only the `flightdeck` CLI knows the server's port).
   */
  telemetry?: TelemetryTarget;
  /** Installed version of a CLI (default: run `claude --version` from io.env PATH; others: null). */
  detectVersion?: (cli: InstallCli) => Promise<string | null>;
}

/**
 * `claude --version` (found via env.PATH, 5 s limit) → "2.1.328", or null when Claude Code is not
 * installed or answers oddly. Codex and Gemini need no version gate.
 */
export function detectCliVersion(
  cli: InstallCli,
  env: Readonly<Record<string, string | undefined>>,
): Promise<string | null> {
  if (cli !== 'claude') return Promise.resolve(null);
  return new Promise((resolve) => {
    const e: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) if (v !== undefined) e[k] = v;
    let out = '';
    const child = spawn('claude', ['--version'], { env: e, stdio: ['ignore', 'pipe', 'ignore'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    child.on('error', () => {
      clearTimeout(timer);
      resolve(null);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code === 0 ? parseVersion(out) : null);
    });
  });
}

/** Exit codes of `flightdeck hooks …`. */
export const HOOKS_EXIT = { ok: 0, failed: 1, usage: 2, unhealthy: 3 } as const;

const argsSchema = z.object({
  command: z.enum(['install', 'uninstall', 'status', 'help']),
  cli: z.enum([...INSTALL_CLIS, 'all']).optional(),
  density: z.enum(DENSITIES).optional(),
  dryRun: z.boolean(),
  selfTest: z.boolean(),
  telemetry: z.boolean().optional(),
  to: z.string().optional(),
  token: z.string().optional(),
  json: z.boolean(),
  dataDir: z.string().min(1).optional(),
  codexHold: z
    .string()
    .regex(/^\d{1,4}$/)
    .transform(Number)
    .pipe(z.number().int().min(CODEX_HOLD_MIN_SECONDS).max(CODEX_HOLD_MAX_SECONDS))
    .optional(),
});
export type HooksCommandArgs = z.infer<typeof argsSchema>;

/** The environment variable that may carry `--token` (kept out of the process list), as for `flightdeck forward`. */
export const HOST_TOKEN_ENV = 'FLIGHTDECK_HOST_TOKEN';

export const HOOKS_USAGE = `Usage: flightdeck hooks <install|uninstall|status> [options]

  install     add Flightdeck's hooks to the CLI's settings (repairs altered entries)
  uninstall   remove Flightdeck's hooks, leaving every other setting and hook untouched
  status      show what is installed, missing, or changed by someone else

Options:
  --cli claude|codex|gemini|all   which CLI (install: claude; uninstall/status: all that exist)
  --density high|medium|low       how many events to register (default: previous choice, else medium)
  --dry-run                       print the diff, write nothing
  --self-test                     send one synthetic event through the installed hook and check it arrived
  --data-dir <path>               Flightdeck data directory (default $FLIGHTDECK_DATA_DIR or ~/.flightdeck)
  --codex-hold <seconds>          install: how long Codex's permission hook waits for an answer from
                                  Flightdeck (${CODEX_HOLD_MIN_SECONDS}-${CODEX_HOLD_MAX_SECONDS}; default: previous choice, else ${DEFAULT_CODEX_HOLD_SECONDS}).
                                  Claude Code's waits up to an hour, its own dialog open meanwhile
  --telemetry                     claude only. install: also point Claude Code's OpenTelemetry export at
                                  Flightdeck (env entries in its settings.json: CLAUDE_CODE_ENABLE_TELEMETRY,
                                  OTEL_* with the endpoint and the hook token); uninstall: remove only those
                                  (a plain uninstall removes them too, wherever they point)
  --to <url> --token <host token> install --telemetry on a machine that forwards to a central Flightdeck
                                  (\`flightdeck forward\`): export straight to its receiver at <url>, with the
                                  host token (fdh_…, \`flightdeck hosts add <name>\` there; or ${HOST_TOKEN_ENV})
  --json                          machine-readable output

Exit codes: 0 ok, 1 failed, 2 usage error, 3 (status) not installed / missing events / drift.
`;

export class UsageError extends Error {}

/**
 * `--to URL --token T` → where Claude Code exports (the central server, its host token) and the warnings to print;
 * null without `--to`. Throws UsageError for a token that is not a host token.
 */
function remoteTarget(
  args: HooksCommandArgs,
  env: HooksCommandIo['env'],
): { target: TelemetryTarget; warnings: string[] } | null {
  if (args.to === undefined) return null;
  const token = args.token ?? env[HOST_TOKEN_ENV];
  if (token === undefined || !HOST_TOKEN_SHAPE.test(token)) {
    throw new UsageError(
      `--to needs --token (or ${HOST_TOKEN_ENV}) with a host token (fdh_…, from \`flightdeck hosts add <name>\` on the central server)`,
    );
  }
  const { endpoint, cleartext } = remoteEndpoint(args.to);
  const warnings = cleartext
    ? [
        `${endpoint} is plain http to another machine: the host token travels in clear on the network (use https, e.g. behind a TLS proxy)`,
      ]
    : [];
  return { target: { endpoint, token }, warnings };
}

/** One line for `hooks status`: where Claude Code's OpenTelemetry goes. */
export function telemetryLine(t: TelemetryStatus): string {
  if (t.endpoint === null)
    return t.enabled
      ? '  telemetry: enabled, but no OTEL_EXPORTER_OTLP_ENDPOINT\n'
      : '  telemetry: not set up (flightdeck hooks install --cli claude --telemetry)\n';
  const token = { hook: 'hook token', host: 'host token', none: 'no token', other: 'its own headers' }[
    t.token
  ];
  const where =
    t.points === 'local'
      ? `this machine's Flightdeck at ${t.endpoint} (${token})`
      : t.points === 'remote'
        ? `the central Flightdeck at ${t.endpoint} (${token})`
        : `${t.endpoint}, not a Flightdeck endpoint (left as the user set it)`;
  const off = t.enabled ? '' : '; CLAUDE_CODE_ENABLE_TELEMETRY is not 1, so Claude Code exports nothing';
  return `  telemetry: to ${where}${off}\n`;
}

/** Parse `hooks` sub-command arguments (a leading "hooks" is accepted). Throws UsageError. */
export function parseHooksArgs(argv: readonly string[]): HooksCommandArgs {
  const args = [...argv];
  if (args[0] === 'hooks') args.shift();
  const raw: Record<string, unknown> = { dryRun: false, selfTest: false, json: false };
  const valueFlags: Record<string, string> = {
    '--cli': 'cli',
    '--density': 'density',
    '--data-dir': 'dataDir',
    '--codex-hold': 'codexHold',
    '--to': 'to',
    '--token': 'token',
  };
  const boolFlags: Record<string, string> = {
    '--dry-run': 'dryRun',
    '--self-test': 'selfTest',
    '--telemetry': 'telemetry',
    '--json': 'json',
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--help' || a === '-h') {
      raw.command = 'help';
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const field = valueFlags[name];
    if (field) {
      if (raw[field] !== undefined) throw new UsageError(`${name} given twice`);
      const v = eq > 0 && a.startsWith('--') ? a.slice(eq + 1) : args[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} needs a value`);
      raw[field] = v;
      continue;
    }
    const bf = boolFlags[a];
    if (bf) {
      raw[bf] = true;
      continue;
    }
    if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    if (raw.command !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(a)}`);
    raw.command = a;
  }
  if (raw.command === undefined) throw new UsageError('missing sub-command: install, uninstall or status');
  const parsed = argsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue?.path[0] ?? '');
    const flag =
      field === 'command' ? 'sub-command' : `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    const allowed: Record<string, string> = {
      command: 'one of: install, uninstall, status',
      cli: `one of: ${INSTALL_CLIS.join(', ')}, all`,
      density: `one of: ${DENSITIES.join(', ')}`,
      codexHold: `a whole number of seconds from ${CODEX_HOLD_MIN_SECONDS} to ${CODEX_HOLD_MAX_SECONDS}`,
    };
    throw new UsageError(
      `invalid ${flag} ${JSON.stringify(raw[field])}${allowed[field] ? ` (expected ${allowed[field]})` : ''}`,
    );
  }
  if (parsed.data.dryRun && parsed.data.selfTest)
    throw new UsageError('--self-test cannot be combined with --dry-run');
  if (parsed.data.density && parsed.data.command !== 'install' && parsed.data.command !== 'status') {
    throw new UsageError('--density only applies to install and status');
  }
  if (parsed.data.telemetry) {
    if (parsed.data.command !== 'install' && parsed.data.command !== 'uninstall')
      throw new UsageError('--telemetry only applies to install and uninstall');
    if (parsed.data.cli !== undefined && parsed.data.cli !== 'claude')
      throw new UsageError('--telemetry only applies to --cli claude');
  }
  if (parsed.data.to !== undefined || parsed.data.token !== undefined) {
    if (parsed.data.command !== 'install' || !parsed.data.telemetry)
      throw new UsageError(
        `${parsed.data.to !== undefined ? '--to' : '--token'} only applies to install --telemetry`,
      );
    if (parsed.data.to === undefined)
      throw new UsageError('--token goes with --to <url> (the central Flightdeck the token is for)');
    try {
      remoteEndpoint(parsed.data.to);
    } catch (e) {
      if (e instanceof TelemetryUrlError) throw new UsageError(e.message);
      throw e;
    }
  }
  if (parsed.data.codexHold !== undefined && parsed.data.command !== 'install') {
    throw new UsageError('--codex-hold only applies to install');
  }
  return parsed.data;
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.stat(p);
    return true;
  } catch {
    return false;
  }
}

async function selectClis(
  args: HooksCommandArgs,
  targets: InstallTargets,
  io: HooksCommandIo,
): Promise<InstallCli[]> {
  const wanted = args.cli ?? (args.command === 'install' || args.telemetry ? 'claude' : 'all');
  if (wanted !== 'all') return [wanted];
  const out: InstallCli[] = [];
  for (const cli of INSTALL_CLIS) {
    if (await exists(targets.configDirs[cli])) out.push(cli);
    else if (!args.json) io.stdout.write(`${cli}: skipped (${targets.configDirs[cli]} not found)\n`);
  }
  return out;
}

/**
 * Plain words for hooks that write to another spool than this data dir's: what goes wrong and the one command
 * that fixes it (or the data dir to start the server with instead).
 */
export function misdeliveryWarning(
  cli: InstallCli,
  deliversTo: readonly string[],
  spoolDir: string,
  dataDir: string,
): string {
  const elsewhere = deliversTo.filter((d) => d !== spoolDir);
  const otherDataDirs = elsewhere.filter((d) => path.basename(d) === 'spool').map((d) => path.dirname(d));
  return (
    `  WARNING: ${cli} hooks deliver events to ${elsewhere.join(', ')}, not to ${spoolDir}.\n` +
    `  They are not sent to a server started with --data-dir ${shellQuote(dataDir)}: it takes them from there only while it runs and no other Flightdeck process reads that spool.\n` +
    `  Fix: ${reinstallCommand(cli, dataDir)}\n` +
    (otherDataDirs.length > 0
      ? `  (or start the server with the data dir the hooks use: flightdeck start --data-dir ${otherDataDirs.map(shellQuote).join(' / ')})\n`
      : '')
  );
}

/** Spool records (`*.rec`) in `dir` (0 when it does not exist). */
async function countRecords(dir: string): Promise<number> {
  try {
    return (await fs.readdir(dir)).filter((f) => f.endsWith('.rec')).length;
  } catch {
    return 0;
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * `flightdeck hooks install|uninstall|status …` — returns the exit code; all output goes to io.
 * Never throws for expected failures (invalid settings, read-only files, bad arguments).
 */
export async function runHooksCommand(argv: readonly string[], rawIo: HooksCommandIo): Promise<number> {
  // Everything printed may quote a user's file or path: control characters are escaped visibly (JSON stays valid:
  // only C1 controls and DEL are left raw by JSON.stringify, and their escapes mean the same in JSON).
  const io: HooksCommandIo = {
    ...rawIo,
    stdout: { write: (s: string) => rawIo.stdout.write(escapeControls(s)) },
    stderr: { write: (s: string) => rawIo.stderr.write(escapeControls(s)) },
  };
  let args: HooksCommandArgs;
  let remote: ReturnType<typeof remoteTarget>;
  try {
    args = parseHooksArgs(argv);
    remote = remoteTarget(args, io.env);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`flightdeck hooks: ${e.message}\n\n${HOOKS_USAGE}`);
      return HOOKS_EXIT.usage;
    }
    throw e;
  }
  if (args.command === 'help') {
    io.stdout.write(HOOKS_USAGE);
    return HOOKS_EXIT.ok;
  }
  const targets = resolveInstallTargets({
    env: io.env,
    homedir: io.homedir,
    dataDir: args.dataDir,
    cwd: io.cwd,
  });
  const clis = await selectClis(args, targets, io);
  if (clis.length === 0) {
    io.stderr.write(
      'flightdeck hooks: none of Claude Code, Codex or Gemini CLI was found; pass --cli to choose one\n',
    );
    return args.command === 'status' ? HOOKS_EXIT.unhealthy : HOOKS_EXIT.failed;
  }
  const out = (s: string) => {
    if (!args.json) io.stdout.write(s);
  };
  const json: unknown[] = [];
  let code: number = HOOKS_EXIT.ok;
  const fail = (cli: InstallCli, e: unknown) => {
    io.stderr.write(`${cli}: ${errorText(e)}\n`);
    json.push({
      cli,
      ok: false,
      error: errorText(e),
      code: e instanceof InstallError ? e.code : 'UNEXPECTED',
    });
    code = HOOKS_EXIT.failed;
  };

  const selfTest = async (cli: InstallCli) => {
    const command = await findInstalledHookCommand(cli, targets);
    if (!command) {
      io.stderr.write(`${cli}: self-test skipped: no Flightdeck hook registered in ${targets.files[cli]}\n`);
      code = HOOKS_EXIT.failed;
      return;
    }
    const r = await runSelfTest({
      cli,
      command,
      spoolDir: targets.spoolDir,
      env: io.env,
      // Where the installed hook really delivers: a hook writing to another data dir's spool fails the test.
      ownDestination: true,
      cwd: io.cwd,
      timeoutMs: io.selfTestTimeoutMs,
      waitForMarker: io.waitForMarker,
    });
    json.push({ cli, selfTest: r });
    if (r.ok) out(`${cli}: self-test ok (${r.durationMs} ms)\n`);
    else {
      io.stderr.write(`${cli}: self-test FAILED: ${r.detail}${r.stderr ? `\n${r.stderr.trim()}` : ''}\n`);
      code = HOOKS_EXIT.failed;
    }
  };

  /** Claude Code's telemetry entries (`--telemetry`; a plain uninstall removes them too). */
  const telemetry = async (command: 'install' | 'uninstall') => {
    const file = targets.files.claude;
    const target = remote?.target ?? io.telemetry;
    if (command === 'install' && !target) {
      throw new InstallError(
        'USAGE',
        file,
        '--telemetry needs the Flightdeck server address: run it as `flightdeck hooks install --cli claude --telemetry` (or give --to <url> --token <host token>)',
      );
    }
    const r =
      command === 'install' && target
        ? await installTelemetry({ file, target, dryRun: args.dryRun })
        : await uninstallTelemetry({ file, dryRun: args.dryRun });
    if (command === 'install') r.warnings.unshift(...(remote?.warnings ?? []));
    json.push({ ok: true, cli: 'claude', telemetry: r });
    const verb =
      command === 'install'
        ? `OpenTelemetry export to ${remote ? `the Flightdeck at ${remote.target.endpoint}` : 'Flightdeck'} set up`
        : 'OpenTelemetry export to Flightdeck removed';
    if (args.dryRun) out(r.changed ? `claude: telemetry: would change ${r.file}\n${r.diff}` : '');
    else if (r.changed)
      out(
        `claude: ${verb} in ${r.file}${command === 'install' ? ' (applies to Claude Code sessions started from now on)' : ''}\n`,
      );
    else if (command === 'install') out(`claude: telemetry entries in ${r.file} already up to date\n`);
    for (const w of r.warnings) out(`claude: warning: telemetry: ${w}\n`);
  };

  if (args.command === 'install') {
    let hookCommand: string;
    try {
      const script = await installHookScript({ targets, source: io.hookScriptSource, dryRun: args.dryRun });
      hookCommand = script.hookCommand;
      if (script.changed)
        out(`hook script ${args.dryRun ? 'would be written to' : 'written to'} ${script.path}\n`);
    } catch (e) {
      io.stderr.write(`flightdeck hooks: ${errorText(e)}\n`);
      return HOOKS_EXIT.failed;
    }
    for (const cli of clis) {
      try {
        const density: Density =
          args.density ??
          (await readManifest(targets.hooksDir, cli, targets.files[cli]))?.density ??
          DEFAULT_DENSITY;
        const cliVersion = await (io.detectVersion ?? ((c: InstallCli) => detectCliVersion(c, io.env)))(cli);
        const r = await installHooks({
          cli,
          density,
          targets,
          hookCommand,
          dryRun: args.dryRun,
          now: io.now,
          cliVersion,
          ...(args.codexHold !== undefined ? { codexHoldSeconds: args.codexHold } : {}),
        });
        json.push({ ok: true, ...r, density });
        if (args.dryRun) {
          out(
            r.changed
              ? `${cli}: would change ${r.file}\n${r.diff}`
              : `${cli}: ${r.file} already up to date\n`,
          );
        } else if (r.changed) {
          out(`${cli}: installed ${r.events.length} events (${density}) in ${r.file}\n`);
          if (r.backup) out(`${cli}: original saved to ${r.backup}\n`);
        } else {
          out(`${cli}: ${r.file} already up to date (${r.events.length} events, ${density})\n`);
        }
        for (const w of r.warnings) out(`${cli}: warning: ${w}\n`);
        if (args.telemetry) await telemetry('install');
        if (args.selfTest) await selfTest(cli);
      } catch (e) {
        fail(cli, e);
      }
    }
  } else if (args.command === 'uninstall') {
    for (const cli of clis) {
      try {
        if (cli === 'claude') await telemetry('uninstall');
        if (args.telemetry) continue;
        const r = await uninstallHooks({ cli, targets, dryRun: args.dryRun, now: io.now });
        json.push({ ok: true, ...r });
        if (args.dryRun)
          out(
            r.changed
              ? `${cli}: would change ${r.file}\n${r.diff}`
              : `${cli}: nothing to remove in ${r.file}\n`,
          );
        else
          out(
            r.changed
              ? `${cli}: removed Flightdeck hooks from ${r.file}\n`
              : `${cli}: nothing to remove in ${r.file}\n`,
          );
        if (r.backup) out(`${cli}: original saved to ${r.backup}\n`);
        for (const w of r.warnings) out(`${cli}: warning: ${w}\n`);
      } catch (e) {
        fail(cli, e);
      }
    }
  } else {
    for (const cli of clis) {
      const s = await hooksStatus({ cli, targets, density: args.density });
      if (s.error) {
        json.push(s);
        io.stderr.write(`${cli}: ${s.error}\n`);
        code = HOOKS_EXIT.failed;
        continue;
      }
      const tel = cli === 'claude' ? await telemetryStatus(s.file).catch(() => null) : null;
      json.push(tel ? { ...s, telemetry: tel } : s);
      out(`${cli}: ${s.file}${s.exists ? '' : ' (missing)'}\n`);
      out(
        `  ${s.installed ? `installed: ${s.events.length} events` : 'not installed'}` +
          `${s.recordedDensity ? ` (installed as ${s.recordedDensity})` : ''}; other hooks: ${s.other}\n`,
      );
      if (s.installed && s.missing.length > 0) out(`  missing for ${s.density}: ${s.missing.join(', ')}\n`);
      for (const d of s.drift) out(`  drift: ${d.event} ${d.kind}: ${d.detail}\n`);
      for (const m of s.missingScripts)
        out(`  hook script missing: ${m} (every hook call fails; run install)\n`);
      if (tel) out(telemetryLine(tel));
      for (const w of s.warnings) out(`  warning: ${w}\n`);
      if (s.deliversHere === false) out(misdeliveryWarning(cli, s.deliversTo, s.spoolDir, targets.dataDir));
      for (const p of s.deliveryProblems) out(`  warning: cannot tell where this hook delivers: ${p}\n`);
      const healthy =
        s.installed &&
        s.missing.length === 0 &&
        s.drift.length === 0 &&
        s.missingScripts.length === 0 &&
        s.deliversHere !== false;
      if (!healthy && code === HOOKS_EXIT.ok) code = HOOKS_EXIT.unhealthy;
      if (args.selfTest && s.installed) await selfTest(cli);
    }
    // Events stranded in another spool (the default one, or where hooks deliver): say where and what picks them up.
    const others = new Set<string>([path.join(targets.home, '.flightdeck', 'spool')]);
    for (const s of json as Array<{ deliversTo?: string[] }>)
      for (const d of s.deliversTo ?? []) others.add(d);
    others.delete(targets.spoolDir);
    for (const dir of others) {
      const n = await countRecords(dir);
      if (n > 0)
        out(
          `note: ${n === 1 ? '1 event waits' : `${n} events wait`} in ${dir}; a server started with --data-dir ${shellQuote(targets.dataDir)} picks them up and shows them\n`,
        );
    }
  }
  if (args.json) io.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  return code;
}
