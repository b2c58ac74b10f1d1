/**
 * Delivery check: do the installed hooks deliver to this server's spool, and are events waiting in a spool it does
 * not read? Run at start and every 30 s. The answer (`DeliveryReport`) is shown on the board (with a one-step fix:
 * `hooks.install` for the CLIs concerned) and by `hooks.status` / `system.info`.
 *
 * Nothing is stranded meanwhile: every other spool that installed hooks write to, or that holds records (at least
 * `$HOME/.flightdeck/spool` and `$FLIGHTDECK_DATA_DIR/spool`), is adopted: a spool reader of this server drains it
 * into this database. The spool reader's lock keeps two servers from reading one spool. An adopted spool that is
 * empty and that no installed hook writes to any more is let go (its lock released for its own server).
 */
import { readdirSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import {
  type HooksStatus,
  hooksStatus,
  INSTALL_CLIS,
  type InstallCli,
  parseRecordName,
  reinstallCommand,
  resolveInstallTargets,
} from '@flightdeck/hook-ingest';
import type { FastifyBaseLogger } from 'fastify';
import { type SpoolHandle, startSpoolReader } from './ingest.js';
import type { Runtime } from './runtime.js';
import type { HookStatsPort } from './services.js';

export const DELIVERY_CHECK_MS = 30_000;

export interface DeliveryCli {
  cli: InstallCli;
  installed: boolean;
  /** Spool directories its registered hooks write to. */
  deliversTo: string[];
  /** null: not installed, or the destination cannot be told. */
  deliversHere: boolean | null;
}

export interface ForeignSpool {
  dir: string;
  /** Records waiting in it at the last check. */
  records: number;
  /** Installed hooks of these CLIs write to it. */
  hooks: InstallCli[];
  /** This server reads it (its records are ingested here). */
  adopted: boolean;
  /** Records this server has taken from it. */
  delivered: number;
  /** Pid of another process that holds the spool's lock: it reads the spool, this server does not. */
  lockedBy: unknown;
}

export interface DeliveryReport {
  checkedAt: number;
  /** This server's own spool. */
  spoolDir: string;
  dataDir: string;
  /** True when every installed hook delivers here and no other spool holds records. */
  ok: boolean;
  clis: DeliveryCli[];
  /** CLIs whose installed hooks deliver to another spool. */
  misdirected: InstallCli[];
  foreignSpools: ForeignSpool[];
  /** Plain-words problems, one per line (empty when ok). */
  problems: string[];
  /** The one-step fix: reinstall the hooks of these CLIs so they deliver here (null when nothing to fix). */
  fix: { clis: InstallCli[]; commands: string[] } | null;
}

export interface DeliveryMonitorOptions {
  dataDir: string;
  runtime: Runtime;
  log: FastifyBaseLogger;
  hookStats: HookStatsPort;
  env?: NodeJS.ProcessEnv;
  intervalMs?: number;
  /** Poll interval of the adopted spools' readers. */
  pollMs?: number;
}

export interface DeliveryMonitor {
  /** The last report (null before the first check). */
  report(): DeliveryReport | null;
  /** Checks now (and adopts spools as needed). Concurrent calls share one check. */
  check(): Promise<DeliveryReport>;
  /** The other spools this server reads now (adopted), as resolved paths. */
  adoptedDirs(): string[];
  stop(): Promise<void>;
}

/** The directory with symlinks resolved (as given when it does not exist yet). */
function realDir(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return resolve(dir);
  }
}

function countRecords(dir: string): number {
  try {
    return readdirSync(dir).filter((f) => parseRecordName(f) !== null).length;
  } catch {
    return 0;
  }
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function startDeliveryMonitor(opts: DeliveryMonitorOptions): DeliveryMonitor {
  const env = opts.env ?? process.env;
  const targets = resolveInstallTargets({
    env,
    homedir: homedir(),
    dataDir: opts.dataDir,
    cwd: process.cwd(),
  });
  const ownSpool = resolve(targets.spoolDir);
  const adopted = new Map<string, SpoolHandle>();
  let last: DeliveryReport | null = null;
  let running: Promise<DeliveryReport> | null = null;
  let stopped = false;

  /** Spools worth watching besides ours: the default ones (where hooks deliver without --data-dir). */
  const defaultSpools = (): string[] => {
    const out = [resolve(targets.home, '.flightdeck', 'spool')];
    const fromEnv = env.FLIGHTDECK_DATA_DIR?.trim();
    if (fromEnv) out.push(resolve(fromEnv, 'spool'));
    return out;
  };

  async function adopt(dir: string): Promise<void> {
    if (adopted.has(dir) || stopped) return;
    const handle = await startSpoolReader({
      dir,
      runtime: opts.runtime,
      log: opts.log,
      hookStats: opts.hookStats,
      ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}),
    });
    adopted.set(dir, handle);
    opts.log.warn({ spool: dir }, 'delivery: reading events from a spool of another data dir');
  }

  async function run(): Promise<DeliveryReport> {
    const statuses: HooksStatus[] = await Promise.all(
      INSTALL_CLIS.map((cli) => hooksStatus({ cli, targets })),
    );
    // One reader per directory: a spool reached through a symlink is the same spool (ours included).
    const ownReal = realDir(ownSpool);
    const clis: DeliveryCli[] = statuses.map((s) => ({
      cli: s.cli,
      installed: s.installed,
      deliversTo: s.deliversTo,
      deliversHere:
        s.deliversHere === false && s.deliversTo.every((d) => realDir(d) === ownReal) ? true : s.deliversHere,
    }));
    const hooksByReal = new Map<string, InstallCli[]>();
    for (const c of clis) {
      for (const d of c.deliversTo) {
        const real = realDir(d);
        if (real !== ownReal) hooksByReal.set(real, [...(hooksByReal.get(real) ?? []), c.cli]);
      }
    }
    const candidates = new Map<string, string>();
    for (const dir of [...adopted.keys(), ...clis.flatMap((c) => c.deliversTo), ...defaultSpools()]) {
      const real = realDir(dir);
      if (real !== ownReal && !candidates.has(real)) candidates.set(real, dir);
    }
    const foreignSpools: ForeignSpool[] = [];
    for (const [real, dir] of candidates) {
      const hooks = hooksByReal.get(real) ?? [];
      const records = countRecords(dir);
      // Hooks write there (more will come) or records wait there: read them here rather than strand them.
      if (hooks.length > 0 || records > 0) await adopt(dir);
      else if (adopted.has(dir)) {
        // Empty and no hook writes there any more: let go (and of its lock, so a server of that data dir can
        // read its own spool again). A record that turns up later is adopted again at the next check.
        await adopted.get(dir)?.stop();
        adopted.delete(dir);
        continue;
      }
      const handle = adopted.get(dir);
      const stats = handle?.reader.stats() as (Record<string, unknown> & { delivered: number }) | undefined;
      const lockedBy = stats?.lockedBy ?? null;
      if (!handle && records === 0) continue;
      foreignSpools.push({
        dir,
        records,
        hooks,
        adopted: handle !== undefined && !lockedBy,
        delivered: stats?.delivered ?? 0,
        lockedBy,
      });
    }
    const misdirected = clis.filter((c) => c.deliversHere === false).map((c) => c.cli);
    const problems: string[] = [];
    for (const cli of misdirected) {
      const c = clis.find((x) => x.cli === cli)!;
      const dirs = c.deliversTo.filter((d) => realDir(d) !== ownReal);
      const readHere = dirs.every((d) => foreignSpools.some((f) => f.dir === d && f.adopted));
      problems.push(
        `${cli} hooks deliver events to ${dirs.join(', ')}, not to this server's spool (${ownSpool})${
          readHere ? '; this server reads them from there until the hooks are fixed' : ''
        }.`,
      );
    }
    for (const f of foreignSpools) {
      if (f.lockedBy) {
        problems.push(
          `Events in ${f.dir}${f.records > 0 ? ` (${f.records} waiting now)` : ''} go to another Flightdeck process (pid ${String(f.lockedBy)}), not to this server.`,
        );
      } else if (f.records > 0 && f.hooks.length === 0) {
        problems.push(
          `${plural(f.records, 'event')} were waiting in ${f.dir}; this server is picking them up.`,
        );
      }
    }
    const report: DeliveryReport = {
      checkedAt: Date.now(),
      spoolDir: ownSpool,
      dataDir: targets.dataDir,
      ok: problems.length === 0,
      clis,
      misdirected,
      foreignSpools,
      problems,
      fix:
        misdirected.length > 0
          ? { clis: misdirected, commands: misdirected.map((c) => reinstallCommand(c, targets.dataDir)) }
          : null,
    };
    if (!report.ok && JSON.stringify(report.problems) !== JSON.stringify(last?.problems ?? [])) {
      opts.log.warn(
        { problems: report.problems, fix: report.fix?.commands },
        'delivery: hooks and server disagree',
      );
    }
    last = report;
    return report;
  }

  const check = (): Promise<DeliveryReport> => {
    running ??= run()
      .catch((err: unknown) => {
        opts.log.warn({ err }, 'delivery check failed');
        return (
          last ?? {
            checkedAt: Date.now(),
            spoolDir: ownSpool,
            dataDir: targets.dataDir,
            ok: true,
            clis: [],
            misdirected: [],
            foreignSpools: [],
            problems: [],
            fix: null,
          }
        );
      })
      .finally(() => {
        running = null;
      });
    return running;
  };

  const timer = setInterval(() => void check(), opts.intervalMs ?? DELIVERY_CHECK_MS);
  timer.unref();
  void check();

  return {
    report: () => last,
    check,
    adoptedDirs: () => [...adopted.keys()],
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
      for (const h of adopted.values()) await h.stop();
      adopted.clear();
    },
  };
}
