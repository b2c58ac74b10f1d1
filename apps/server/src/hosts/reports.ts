/**
 * Host reports (issue 19): what each host's forwarder posts every few seconds. The latest report per host is kept
 * in memory (alerts read it at every report) and in the host's row (`last_report`), so a restarted server shows the
 * last known figures; its metrics become a sample of the host's sparklines. Both are written in batches (samples.ts).
 */
import type { HostReport } from '@flightdeck/shared-types';
import { createHostSamples, type HostSamples, type HostSamplesOptions } from './samples.js';

export interface HostReports {
  /** Keeps `report` as host `host`'s latest, and queues it for the database (its row, a sample). */
  record(host: string, report: HostReport, receivedAt: number): void;
  latest(host: string): { report: HostReport; receivedAt: number } | null;
  /** The hosts' metric samples. */
  samples: HostSamples;
}

export function createHostReports(opts: HostSamplesOptions): HostReports {
  const latest = new Map<string, { report: HostReport; receivedAt: number }>();
  const samples = createHostSamples(opts);
  return {
    record(host, report, receivedAt) {
      latest.set(host, { report, receivedAt });
      samples.add(host, report, receivedAt);
    },
    latest: (host) => latest.get(host) ?? null,
    samples,
  };
}
