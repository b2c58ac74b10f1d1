/**
 * The host report loop of the forwarder (issue 19): every `intervalMs` (5 s by default) it posts the host's metrics
 * and the liveness of its agents' PIDs to `POST /api/hosts/report`. The PIDs are those of the events the server
 * acknowledged (so a PID is never reported before its session exists there); a PID found gone is reported dead for
 * `deadKeepMs` (a report may be lost), then forgotten. The PIDs are kept in `<data dir>/forwarder-pids.json`, so a
 * restarted forwarder still reports the agents it knew.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostPid, HostReport } from '@flightdeck/shared-types';
import { createMetricsSampler } from './metrics.js';

export const PIDS_FILE = 'forwarder-pids.json';
export const DEFAULT_REPORT_INTERVAL_MS = 5000;
/** How long a dead PID keeps being reported. */
export const DEAD_KEEP_MS = 60_000;

export interface HostReporterOptions {
  dataDir: string;
  /** The server's base URL. */
  url: string;
  token: string;
  intervalMs?: number;
  deadKeepMs?: number;
  isAlive?: (pid: number) => boolean;
  onError?: (error: unknown) => void;
  fetch?: typeof fetch;
  now?: () => number;
}

export interface HostReporter {
  /** PIDs of events the server acknowledged. */
  track(pids: Iterable<number>): void;
  /** One report now (the timer calls it). Resolves to whether the server took it. */
  reportNow(): Promise<boolean>;
  /** The report as it would be sent now. */
  build(): HostReport;
  start(): void;
  stop(): void;
}

export function pidIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function createHostReporter(options: HostReporterOptions): HostReporter {
  const now = options.now ?? Date.now;
  const isAlive = options.isAlive ?? pidIsAlive;
  const keep = options.deadKeepMs ?? DEAD_KEEP_MS;
  const doFetch = options.fetch ?? fetch;
  const endpoint = `${options.url.replace(/\/+$/, '')}/api/hosts/report`;
  const file = join(options.dataDir, PIDS_FILE);
  const sample = createMetricsSampler(options.dataDir, now);
  /** PID → when it was first found dead (null: alive when last checked). */
  const pids = new Map<number, number | null>();
  let dirty = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<boolean> | null = null;

  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (Array.isArray(saved)) {
      for (const p of saved) if (Number.isSafeInteger(p) && p > 0) pids.set(p, null);
    }
  } catch {}

  const save = () => {
    if (!dirty) return;
    dirty = false;
    const tmp = `${file}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify([...pids.keys()]), { mode: 0o600 });
      renameSync(tmp, file);
    } catch (err) {
      options.onError?.(err);
    }
  };

  const build = (): HostReport => {
    const t = now();
    const list: HostPid[] = [];
    for (const [pid, deadSince] of pids) {
      const alive = isAlive(pid);
      if (alive) {
        if (deadSince !== null) pids.set(pid, null);
      } else if (deadSince === null) {
        pids.set(pid, t);
      } else if (t - deadSince > keep) {
        pids.delete(pid);
        dirty = true;
        continue;
      }
      list.push({ pid, alive });
    }
    return { metrics: sample(), pids: list };
  };

  const send = async (): Promise<boolean> => {
    const report = build();
    save();
    try {
      const res = await doFetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
        body: JSON.stringify(report),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await res.text();
      if (res.status >= 200 && res.status < 300) return true;
      options.onError?.(new Error(`POST ${endpoint}: HTTP ${res.status}: ${text.slice(0, 300)}`));
    } catch (err) {
      options.onError?.(err);
    }
    return false;
  };

  return {
    track(list) {
      for (const pid of list) {
        if (!pids.has(pid)) {
          pids.set(pid, null);
          dirty = true;
        }
      }
    },
    reportNow() {
      // One report at a time: a slow server never piles them up.
      running ??= send().finally(() => {
        running = null;
      });
      return running;
    },
    build,
    start() {
      if (timer) return;
      timer = setInterval(() => void this.reportNow(), options.intervalMs ?? DEFAULT_REPORT_INTERVAL_MS);
      timer.unref?.();
      void this.reportNow();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
      save();
    },
  };
}
