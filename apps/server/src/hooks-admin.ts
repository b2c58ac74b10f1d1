/**
 * Hook installation from the server: the dashboard's hooks procedures call the installer library of
 * @flightdeck/hook-ingest directly (typed results, no CLI output to parse); `flightdeck hooks …` runs its CLI.
 */
import { homedir } from 'node:os';
import {
  detectCliVersion,
  HOOK_SCRIPT_PATH,
  hooksStatus,
  INSTALL_CLIS,
  type InstallCli,
  InstallError,
  type InstallResult,
  installHookScript,
  installHooks,
  installTelemetry,
  resolveInstallTargets,
  runHooksCommand,
  uninstallHooks,
  uninstallTelemetry,
} from '@flightdeck/hook-ingest';
import { readHookToken } from './hook-token.js';
import type { HookCliOutcome, HookCommandOutcome, HooksAdmin } from './services.js';

function failure(cli: InstallCli, e: unknown): HookCliOutcome {
  return {
    ok: false,
    cli,
    error: e instanceof Error ? e.message : String(e),
    code: e instanceof InstallError ? e.code : 'UNEXPECTED',
  };
}

function outcome(results: HookCliOutcome[]): HookCommandOutcome {
  return {
    ok: results.every((r) => r.ok),
    results,
    errors: results
      .map((r) => (r.ok ? '' : `${r.cli}: ${r.error}`))
      .filter(Boolean)
      .join('\n'),
  };
}

/** Runs `op` for each CLI in turn; a CLI that fails (unparsable settings, read-only file, …) does not stop the rest. */
async function eachCli(
  clis: readonly InstallCli[],
  op: (cli: InstallCli) => Promise<InstallResult>,
): Promise<HookCommandOutcome> {
  const results: HookCliOutcome[] = [];
  for (const cli of clis) {
    try {
      results.push({ ok: true, ...(await op(cli)) });
    } catch (e) {
      results.push(failure(cli, e));
    }
  }
  return outcome(results);
}

/** Hook installation for the dashboard, through the installers of @flightdeck/hook-ingest. */
export function createHooksAdmin(dataDir: string | null, env: NodeJS.ProcessEnv = process.env): HooksAdmin {
  const targets = () =>
    resolveInstallTargets({ env, homedir: homedir(), ...(dataDir ? { dataDir } : {}), cwd: process.cwd() });
  return {
    async status() {
      const t = targets();
      return Promise.all(INSTALL_CLIS.map((cli) => hooksStatus({ cli, targets: t })));
    },
    async install(clis, density, dryRun) {
      const t = targets();
      let hookCommand: string;
      try {
        hookCommand = (await installHookScript({ targets: t, source: HOOK_SCRIPT_PATH, dryRun })).hookCommand;
      } catch (e) {
        return outcome(clis.map((cli) => failure(cli, e)));
      }
      return eachCli(clis, async (cli) =>
        installHooks({
          cli,
          density,
          targets: t,
          hookCommand,
          dryRun,
          cliVersion: await detectCliVersion(cli, env),
        }),
      );
    },
    async uninstall(clis, dryRun) {
      const t = targets();
      return eachCli(clis, (cli) => uninstallHooks({ cli, targets: t, dryRun }));
    },
    telemetry(enabled, endpoint, dryRun) {
      const file = targets().files.claude;
      if (!enabled) return uninstallTelemetry({ file, dryRun });
      const token = dataDir ? readHookToken(dataDir) : null;
      return installTelemetry({ file, target: { endpoint, token }, dryRun });
    },
  };
}

/** `flightdeck hooks …`: the installer CLI of @flightdeck/hook-ingest, with the shipped hook script and data dir. */
export async function runHooksCli(
  argv: string[],
  io: {
    stdout: NodeJS.WritableStream;
    stderr: NodeJS.WritableStream;
    env: NodeJS.ProcessEnv;
    dataDir: string;
    /** The server's port: where `--telemetry` points Claude Code's OpenTelemetry exporter. */
    port?: number;
  },
): Promise<number> {
  return runHooksCommand([...argv, '--data-dir', io.dataDir], {
    ...(io.port !== undefined
      ? { telemetry: { endpoint: `http://127.0.0.1:${io.port}`, token: readHookToken(io.dataDir) } }
      : {}),
    env: io.env,
    stdout: io.stdout,
    stderr: io.stderr,
    cwd: process.cwd(),
    homedir: homedir(),
    hookScriptSource: HOOK_SCRIPT_PATH,
  });
}
