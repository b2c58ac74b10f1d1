/**
 * `flightdeck doctor`: checks the whole path an event takes (config → data dir → spool → installed hooks → the
 * server → a self-test event through the installed hook command) and says in plain words what is wrong and how to
 * fix it. Exit code 0 when every check passes, 1 otherwise. The probes are in `doctor-probes.ts`.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  escapeControls,
  findInstalledHookCommand,
  hooksStatus,
  type InstallCli,
  type InstallTargets,
  reinstallCommand,
  resolveInstallTargets,
  runSelfTest,
  shellQuote,
} from '@flightdeck/hook-ingest';
import {
  ConfigError,
  type ConfigFlags,
  DEFAULT_HOST,
  DEFAULT_PORT,
  loadConfig,
  resolveDataDir,
} from './config.js';
import {
  BACKLOG_STALE_MS,
  dirProblems,
  plural,
  probeServer,
  rejectedSummary,
  spoolBacklog,
  statOrNull,
  waitForAck,
} from './doctor-probes.js';

export interface DoctorCheck {
  name: string;
  ok: boolean;
  /** What was found, in plain words. */
  detail: string;
  /** What to do about it (failed checks). */
  fix?: string;
}

export interface DoctorReport {
  ok: boolean;
  dataDir: string;
  checks: DoctorCheck[];
}

export interface DoctorOptions {
  flags: ConfigFlags;
  env: NodeJS.ProcessEnv;
  /** How long the self-test event may take to be read by the server (default 10 s). */
  selfTestTimeoutMs?: number;
  /** How long the server may take to answer (default 3 s). */
  httpTimeoutMs?: number;
}

/** Records waiting longer than this mean the spool is backed up: nobody is reading it. */
export async function runDoctor(opts: DoctorOptions): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  const add = (c: DoctorCheck) => checks.push(c);

  // 1. config
  let dataDir: string;
  let host = DEFAULT_HOST;
  let port = DEFAULT_PORT;
  let enabledClis: InstallCli[] = ['claude'];
  try {
    const rc = loadConfig(opts.flags, opts.env);
    dataDir = rc.dataDir;
    host = rc.host;
    port = rc.port;
    enabledClis = rc.file.enabledClis;
    add({
      name: 'config',
      ok: true,
      detail: rc.exists ? `${rc.configPath} is readable` : `no ${rc.configPath} yet: defaults apply`,
    });
  } catch (err) {
    dataDir = resolveDataDir(opts.flags, opts.env);
    if (opts.flags.port !== undefined) port = opts.flags.port;
    if (opts.flags.host !== undefined) host = opts.flags.host;
    add({
      name: 'config',
      ok: false,
      detail: err instanceof ConfigError ? err.message : String(err),
      fix: `correct ${join(dataDir, 'config.json')} (or run flightdeck setup --data-dir ${shellQuote(dataDir)})`,
    });
  }
  const spool = resolve(dataDir, 'spool');
  const startCmd = `flightdeck start --data-dir ${shellQuote(dataDir)}`;

  // 2. data dir
  const dataSt = await statOrNull(dataDir);
  if (!dataSt) {
    add({ name: 'data dir', ok: false, detail: `${dataDir} does not exist`, fix: startCmd });
  } else {
    const { problems, fixes } = await dirProblems(dataDir, dataSt);
    add(
      problems.length === 0
        ? { name: 'data dir', ok: true, detail: `${dataDir} exists, owner-only, writable` }
        : { name: 'data dir', ok: false, detail: problems.join('; '), fix: fixes.join(' && ') },
    );
  }

  // 3. server (checked before the spool: a backlog means something else with and without a server)
  const server = await probeServer(host, port, opts.httpTimeoutMs ?? 3000);
  const sameDir = server.dataDir === null || resolve(server.dataDir) === resolve(dataDir);
  const serverCheck: DoctorCheck = !server.reachable
    ? { name: 'server', ok: false, detail: server.detail, fix: startCmd }
    : sameDir
      ? { name: 'server', ok: true, detail: server.detail }
      : {
          name: 'server',
          ok: false,
          detail: `the server at ${server.url} uses the data dir ${server.dataDir}, not ${dataDir}`,
          fix: `run doctor with --data-dir ${shellQuote(server.dataDir ?? '')}, or stop that server and run ${startCmd}`,
        };

  // 4. spool
  const spoolSt = await statOrNull(spool);
  if (!spoolSt) {
    add({
      name: 'spool',
      ok: false,
      detail: `${spool} does not exist: no server has run with this data dir yet`,
      fix: startCmd,
    });
  } else {
    const { problems, fixes } = await dirProblems(spool, spoolSt);
    const backlog = await spoolBacklog(spool);
    const rejected = await rejectedSummary(spool);
    const age = backlog.oldestMs === null ? 0 : Date.now() - backlog.oldestMs;
    if (backlog.count > 0 && age > BACKLOG_STALE_MS) {
      problems.push(
        `${plural(backlog.count, 'event')} wait in the spool, the oldest for ${Math.round(age / 1000)} s: ${
          serverCheck.ok ? 'the server is not taking them' : 'no server reads them (they are kept, not lost)'
        }`,
      );
      fixes.push(serverCheck.ok ? 'check the server log for spool reader errors' : startCmd);
    }
    const notes = [
      `backlog ${backlog.count}`,
      `rejected ${rejected.count}${rejected.newest ? ` (newest: ${rejected.newest})` : ''}`,
    ].join(', ');
    add(
      problems.length === 0
        ? { name: 'spool', ok: true, detail: `${spool} exists, owner-only, writable; ${notes}` }
        : { name: 'spool', ok: false, detail: `${problems.join('; ')}; ${notes}`, fix: fixes.join(' && ') },
    );
  }

  // 5. hooks of every enabled CLI: installed, their script present, delivering to this data dir's spool
  const targets: InstallTargets = resolveInstallTargets({ env: opts.env, homedir: homedir(), dataDir });
  const elsewhere = new Set<string>();
  for (const cli of enabledClis) {
    const s = await hooksStatus({ cli, targets });
    const name = `hooks (${cli})`;
    const fix = reinstallCommand(cli, dataDir);
    if (s.error) add({ name, ok: false, detail: s.error, fix: `repair ${s.file}, then ${fix}` });
    else if (!s.installed) add({ name, ok: false, detail: `not installed in ${s.file}`, fix });
    else if (s.missingScripts.length > 0)
      add({
        name,
        ok: false,
        detail: `the hook script ${s.missingScripts.join(', ')} is missing: every hook call fails`,
        fix,
      });
    else if (s.deliversHere === false) {
      for (const d of s.deliversTo) if (d !== spool) elsewhere.add(d);
      add({
        name,
        ok: false,
        detail: `hooks deliver events to ${s.deliversTo.filter((d) => d !== spool).join(', ')}, not to ${spool}: a server with this data dir does not get them`,
        fix,
      });
    } else if (s.missing.length > 0 || s.drift.length > 0) {
      const what = [
        s.missing.length > 0 ? `missing events: ${s.missing.join(', ')}` : '',
        ...s.drift.map((d) => `${d.event} ${d.kind}: ${d.detail}`),
      ].filter(Boolean);
      add({ name, ok: false, detail: what.join('; '), fix });
    } else if (s.deliversHere === null) {
      add({
        name,
        ok: false,
        detail: `cannot tell where the hooks deliver: ${s.deliveryProblems.join('; ')}`,
        fix,
      });
    } else {
      add({
        name,
        ok: true,
        detail: `${plural(s.events.length, 'event')} registered in ${s.file}, delivering to ${spool}`,
      });
    }
  }

  checks.push(serverCheck);

  // 6. self-test: one synthetic event through the installed hook command, taken by the running server's reader
  let command: string | null = null;
  let cli: InstallCli | null = null;
  for (const c of enabledClis) {
    command = await findInstalledHookCommand(c, targets);
    if (command) {
      cli = c;
      break;
    }
  }
  if (!command || !cli) {
    add({
      name: 'self-test',
      ok: false,
      detail: 'not run: no Flightdeck hook is installed',
      fix: reinstallCommand(enabledClis[0] ?? 'claude', dataDir),
    });
  } else if (!serverCheck.ok) {
    add({
      name: 'self-test',
      ok: false,
      detail: 'not run: no server of this data dir is running to take the event',
      fix: startCmd,
    });
  } else {
    let ackDir: string | null = null;
    const own = join(spool, 'selftest');
    if (elsewhere.size > 0) {
      // Ask the server to look now: it reads the spools that installed hooks write to (delivery.ts).
      await fetch(`${server.url}/trpc/hooks.status`, {
        signal: AbortSignal.timeout(opts.httpTimeoutMs ?? 3000),
      })
        .then((res) => res.arrayBuffer())
        .catch(() => undefined);
    }
    const r = await runSelfTest({
      cli,
      command,
      spoolDir: spool,
      env: opts.env,
      ownDestination: true,
      timeoutMs: opts.selfTestTimeoutMs ?? 10_000,
      waitForMarker: async (marker, timeoutMs) => {
        ackDir = await waitForAck(
          [own, ...[...elsewhere].map((d) => join(d, 'selftest'))],
          marker,
          timeoutMs,
        );
        return ackDir !== null;
      },
    });
    if (!r.ok) {
      add({
        name: 'self-test',
        ok: false,
        detail: `the event sent through \`${command}\` did not reach the server${
          elsewhere.size > 0 ? ` (the hooks deliver to ${[...elsewhere].join(', ')})` : ''
        }: ${r.detail}${r.stderr ? ` (${r.stderr.trim()})` : ''}`,
        fix:
          elsewhere.size > 0
            ? reinstallCommand(cli, dataDir)
            : 'check the server log for spool reader errors',
      });
    } else if (ackDir !== own) {
      add({
        name: 'self-test',
        ok: false,
        detail: `the event reached the server only through ${ackDir}, a spool of another data dir that it reads for now`,
        fix: reinstallCommand(cli, dataDir),
      });
    } else {
      add({
        name: 'self-test',
        ok: true,
        detail: `an event sent through the ${cli} hook reached the server in ${r.durationMs} ms`,
      });
    }
  }
  return { ok: checks.every((c) => c.ok), dataDir, checks };
}

/** The report as terminal text (control characters from paths and files escaped). */
export function formatDoctorReport(report: DoctorReport): string {
  const lines = [`Flightdeck doctor (data dir ${report.dataDir})`];
  const width = Math.max(...report.checks.map((c) => c.name.length));
  for (const c of report.checks) {
    lines.push(`${c.ok ? '✓' : '✗'} ${c.name.padEnd(width)}  ${c.detail}`);
    if (!c.ok && c.fix) lines.push(`  ${' '.repeat(width)}  fix: ${c.fix}`);
  }
  const failed = report.checks.filter((c) => !c.ok).length;
  lines.push(failed === 0 ? 'All checks passed.' : `${plural(failed, 'problem')} found.`);
  return `${escapeControls(lines.join('\n'))}\n`;
}
