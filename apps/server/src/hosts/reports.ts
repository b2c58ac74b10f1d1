/**
 * Host reports (issue 19): what each host's forwarder posts every few seconds. The latest report per host and a
 * bounded ring of its recent metric samples (for sparklines) are kept in memory; the latest also goes into the
 * host's row (`last_report`), so a restarted server shows the last known figures.
 */
import type { HostMetricSample, HostReport } from '@flightdeck/shared-types';

/** Samples kept per host: 120 reports, 10 minutes at the default 5 s. */
export const MAX_HOST_SAMPLES = 120;

export interface HostReports {
  /** Keeps `report` as host `host`'s latest, and its metrics as a sample. */
  record(host: string, report: HostReport, receivedAt: number): void;
  latest(host: string): { report: HostReport; receivedAt: number } | null;
  /** The host's samples, oldest first. */
  samples(host: string): HostMetricSample[];
}

export function createHostReports(max = MAX_HOST_SAMPLES): HostReports {
  const latest = new Map<string, { report: HostReport; receivedAt: number }>();
  const rings = new Map<string, HostMetricSample[]>();
  return {
    record(host, report, receivedAt) {
      latest.set(host, { report, receivedAt });
      let ring = rings.get(host);
      if (!ring) {
        ring = [];
        rings.set(host, ring);
      }
      ring.push({ receivedAt, metrics: report.metrics });
      if (ring.length > max) ring.splice(0, ring.length - max);
    },
    latest: (host) => latest.get(host) ?? null,
    samples: (host) => [...(rings.get(host) ?? [])],
  };
}
