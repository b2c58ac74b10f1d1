/**
 * How healthy a host looks, from its metrics: each metric as a share (%) with a warn and a danger threshold
 * (defaults from the fleet portal of `000-fleet-portal-knowledge-pack.md`), and whether the host is online (heard
 * from within the offline time). Pure; shown by the dashboard's Hosts view and used by the host alert rules.
 */

import type { HostMetrics } from './hosts.js';

/** The metrics of a host, each a share in %: CPU busy, memory used, load per core (1 min), disk used, swap used. */
export const HOST_METRICS = ['cpu', 'memory', 'load', 'disk', 'swap'] as const;
export type HostMetric = (typeof HOST_METRICS)[number];

export interface MetricThreshold {
  /** From this share (%) the metric is a warning. */
  warn: number;
  /** From this share (%) it is in danger. */
  danger: number;
}

export type HostThresholds = Record<HostMetric, MetricThreshold>;

export const DEFAULT_HOST_THRESHOLDS: HostThresholds = {
  cpu: { warn: 50, danger: 80 },
  memory: { warn: 70, danger: 85 },
  load: { warn: 50, danger: 80 },
  disk: { warn: 70, danger: 85 },
  swap: { warn: 30, danger: 60 },
};

export const HOST_METRIC_LABELS: Record<HostMetric, string> = {
  cpu: 'CPU',
  memory: 'Memory',
  load: 'Load',
  disk: 'Disk',
  swap: 'Swap',
};

export type MetricLevel = 'ok' | 'warn' | 'danger';

/** The level of a share (%) against its thresholds; `null` (not reported) is never a warning. */
export function metricLevel(percent: number | null, t: MetricThreshold): MetricLevel {
  if (percent === null || !Number.isFinite(percent)) return 'ok';
  if (percent >= t.danger) return 'danger';
  if (percent >= t.warn) return 'warn';
  return 'ok';
}

/** `used / total` as a share (%), or null when the total is unknown or zero (no swap, say). */
export function sharePercent(
  used: number | null | undefined,
  total: number | null | undefined,
): number | null {
  if (used == null || total == null || !(total > 0) || !Number.isFinite(used)) return null;
  return Math.min(100, Math.max(0, (used / total) * 100));
}

/** Load per core (1 minute) as a share (%), capped at 100. */
export function loadPercent(
  load1: number | null | undefined,
  cores: number | null | undefined,
): number | null {
  if (load1 == null || cores == null || !(cores > 0) || !Number.isFinite(load1)) return null;
  return Math.min(100, Math.max(0, (load1 / cores) * 100));
}

/** Default time without a report after which a host is offline. */
export const DEFAULT_HOST_OFFLINE_AFTER_MS = 30_000;

export type HostConnection = 'online' | 'offline' | 'never';

/** Whether a host is online at `now`: heard from within `offlineAfterMs` (`never`: not heard from yet). */
export function hostConnection(
  lastSeenAt: number | null,
  now: number,
  offlineAfterMs: number,
): HostConnection {
  if (lastSeenAt === null) return 'never';
  return now - lastSeenAt <= offlineAfterMs ? 'online' : 'offline';
}

/** A metric of a report as a share (%), or null when the host did not report it (no swap, say). */
export function metricPercent(m: HostMetrics, metric: HostMetric): number | null {
  switch (metric) {
    case 'cpu':
      return m.cpuPercent;
    case 'memory':
      return sharePercent(m.memory.used, m.memory.total);
    case 'load':
      return loadPercent(m.load[0], m.cpuCount);
    case 'disk':
      return sharePercent(m.disk.used, m.disk.total);
    case 'swap':
      return sharePercent(m.swap.used, m.swap.total);
  }
}

/** Every metric of a report as a share (%). */
export function metricPercents(m: HostMetrics): Record<HostMetric, number | null> {
  return {
    cpu: metricPercent(m, 'cpu'),
    memory: metricPercent(m, 'memory'),
    load: metricPercent(m, 'load'),
    disk: metricPercent(m, 'disk'),
    swap: metricPercent(m, 'swap'),
  };
}
