/**
 * The hosts of a server (issue 19): their tokens (tokens.ts), followed in the table every second; their reports
 * (reports.ts): metrics (the samples behind the sparklines stored in `host_samples`: samples.ts), and agent PIDs
 * their forwarders found gone, which end those sessions (`process-gone`); and what `hosts.list` shows of each,
 * `offline` when not heard from for `hostOfflineAfterMs`. Alert rules on host conditions (core `host-alerts.ts`) are
 * evaluated every refresh and at each report, and sent by the alert service.
 */
import { type CoreAlertRule, EMPTY_HOST_ALERT_STATE, evaluateHostAlerts } from '@flightdeck/core';
import {
  type AlertChannel,
  type AlertFired,
  type HostConnection,
  type HostMetricSample,
  type HostMetrics,
  type HostReport,
  hostConnection,
  hostReportSchema,
  metricPercents,
  type Session,
} from '@flightdeck/shared-types';
import type { CoreInput } from '../ports.js';
import type { Logger } from '../runtime.js';
import type { Db } from '../store/index.js';
import { createHostReports } from './reports.js';
import { createHostTokens, type HostTokens } from './tokens.js';

/** How often the hosts table is read again (a revoke by the CLI or by another server is followed within this). */
export const HOSTS_REFRESH_MS = 1000;

export interface HostView {
  name: string;
  createdAt: number;
  lastSeenAt: number | null;
  revoked: boolean;
  revokedAt: number | null;
  /** Heard from (events or reports) within `hostOfflineAfterMs`, not since then, or never. */
  connection: HostConnection;
  /** `connection` is not `online`. */
  offline: boolean;
  /** Sessions of this host the server holds that have not ended. */
  agentCount: number;
  /** The latest metrics reported, with when they arrived (after a restart: the report stored in the host's row). */
  metrics: (HostMetrics & { receivedAt: number }) | null;
  /** Metric samples of the last `HOST_SAMPLE_WINDOW_MS`, oldest first (at most `MAX_HOST_SAMPLES`; samples.ts). */
  samples: HostMetricSample[];
}

/** Where host alerts come from and go: the alert service's host rules and its channels. */
export interface HostAlertSink {
  hostRules(): CoreAlertRule[];
  deliver(alert: AlertFired, channels: readonly AlertChannel[]): void;
}

export interface HostsService {
  tokens: HostTokens;
  list(now: number): Promise<HostView[]>;
  /** Host `name`'s recent metric samples, oldest first; null when there is no such host. */
  metrics(name: string): Promise<HostMetricSample[] | null>;
  /** Takes host `host`'s report: keeps its metrics, ends its sessions whose PIDs are gone. */
  report(host: string, report: HostReport, receivedAt: number): Promise<{ ended: number }>;
  /** Stops the timers; the reports queued are saved. */
  stop(): Promise<void>;
}

/** The report kept in a host's row (what a restarted server shows until the host reports again). */
function storedReport(
  json: string | null,
  at: number | null,
): { report: HostReport; receivedAt: number } | null {
  if (json === null || at === null) return null;
  try {
    const parsed = hostReportSchema.safeParse(JSON.parse(json));
    return parsed.success ? { report: parsed.data, receivedAt: at } : null;
  } catch {
    return null;
  }
}

export async function startHosts(opts: {
  db: Db;
  sessions: () => Iterable<Session>;
  dispatch: (input: CoreInput) => Promise<unknown>;
  offlineAfterMs: () => number;
  log: Logger;
  refreshMs?: number;
  /** Alert rules on host conditions and where they go (the alert service); evaluated at every refresh and report. */
  alerts?: HostAlertSink;
  now?: () => number;
}): Promise<HostsService> {
  const now = opts.now ?? Date.now;
  const tokens = createHostTokens(opts.db, (err) => opts.log.warn({ err }, 'hosts: last seen not written'));
  const reports = createHostReports({ db: opts.db, log: opts.log, now });
  await tokens.refresh();
  let alertState = EMPTY_HOST_ALERT_STATE;
  const evaluateAlerts = () => {
    if (!opts.alerts) return;
    const subjects = tokens.list().map((h) => {
      const latest = reports.latest(h.name) ?? storedReport(h.lastReport, h.lastSeenAt);
      return {
        name: h.name,
        lastSeenAt: tokens.lastSeen(h.name),
        revoked: h.revokedAt !== null,
        latest: latest
          ? { receivedAt: latest.receivedAt, percents: metricPercents(latest.report.metrics) }
          : null,
      };
    });
    const r = evaluateHostAlerts(opts.alerts.hostRules(), subjects, now(), alertState);
    alertState = r.state;
    for (const f of r.fires) opts.alerts.deliver(f.alert, f.channels);
  };
  const timer = setInterval(() => {
    tokens
      .refresh()
      .then(evaluateAlerts)
      .catch((err) => opts.log.warn({ err }, 'hosts: table not read'));
  }, opts.refreshMs ?? HOSTS_REFRESH_MS);
  timer.unref();
  return {
    tokens,
    async list(now) {
      const samples = await reports.samples.all();
      const agents = new Map<string, number>();
      for (const s of opts.sessions()) {
        if (s.host && s.status !== 'ended') agents.set(s.host, (agents.get(s.host) ?? 0) + 1);
      }
      const offlineAfter = opts.offlineAfterMs();
      return tokens.list().map((h) => {
        const lastSeenAt = tokens.lastSeen(h.name);
        const latest = reports.latest(h.name) ?? storedReport(h.lastReport, h.lastSeenAt);
        const connection = hostConnection(lastSeenAt, now, offlineAfter);
        return {
          name: h.name,
          createdAt: h.createdAt,
          lastSeenAt,
          revoked: h.revokedAt !== null,
          revokedAt: h.revokedAt,
          connection,
          offline: connection !== 'online',
          agentCount: agents.get(h.name) ?? 0,
          metrics: latest ? { ...latest.report.metrics, receivedAt: latest.receivedAt } : null,
          samples: samples.get(h.name) ?? [],
        };
      });
    },
    metrics: async (name) => (tokens.isHost(name) ? reports.samples.of(name) : null),
    async report(host, report, receivedAt) {
      reports.record(host, report, receivedAt);
      tokens.seen(host, receivedAt);
      evaluateAlerts();
      const dead = new Set(report.pids.filter((p) => !p.alive).map((p) => p.pid));
      if (dead.size === 0) return { ended: 0 };
      // Only the PIDs of this host's live sessions become inputs (a report may name many old ones).
      const gone = new Set<number>();
      for (const s of opts.sessions()) {
        if (s.host === host && s.pid !== null && s.status !== 'ended' && dead.has(s.pid)) gone.add(s.pid);
      }
      for (const pid of gone) await opts.dispatch({ type: 'process-gone', host, pid });
      return { ended: gone.size };
    },
    async stop() {
      clearInterval(timer);
      await reports.samples.stop();
    },
  };
}
