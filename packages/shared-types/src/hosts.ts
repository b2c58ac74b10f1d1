/**
 * Hosts (issue 19): machines that send hook events with their own token through a forwarder, and the reports their
 * forwarders post (`POST /api/hosts/report`). One source of truth for the forwarder, the server and the web.
 */
import { z } from 'zod';

/** A host's name: what its events carry as `meta.host` (a hostname: letters, digits, `.`, `_`, `-`). */
export const hostNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(253, 'must be at most 253 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a hostname (letters, digits, ".", "_", "-")');

const bytes = z.number().int().nonnegative();

/** Used and total, in bytes. */
export const usedTotalSchema = z.object({ used: bytes, total: bytes });

/** What a host measured of itself at `at`. */
export const hostMetricsSchema = z.object({
  /** Unix ms when measured (the host's clock). */
  at: z.number().int().nonnegative(),
  /** CPU busy % over the last interval (0..100, all cores together). */
  cpuPercent: z.number().min(0).max(100),
  cpuCount: z.number().int().positive(),
  memory: usedTotalSchema,
  swap: usedTotalSchema,
  /** The data directory's filesystem. */
  disk: usedTotalSchema,
  /** Load averages over 1, 5 and 15 minutes. */
  load: z.tuple([z.number().nonnegative(), z.number().nonnegative(), z.number().nonnegative()]),
});

/** An agent process of the host and whether it still runs. */
export const hostPidSchema = z.object({ pid: z.number().int().positive(), alive: z.boolean() });

export const MAX_REPORTED_PIDS = 10_000;

/** The body of `POST /api/hosts/report`: the host's metrics and the liveness of its agents' PIDs. */
export const hostReportSchema = z.object({
  metrics: hostMetricsSchema,
  pids: z.array(hostPidSchema).max(MAX_REPORTED_PIDS),
});

export type UsedTotal = z.infer<typeof usedTotalSchema>;
export type HostMetrics = z.infer<typeof hostMetricsSchema>;
export type HostPid = z.infer<typeof hostPidSchema>;
export type HostReport = z.infer<typeof hostReportSchema>;

/** A metric sample kept for sparklines: the server's receive time and the host's figures. */
export interface HostMetricSample {
  receivedAt: number;
  metrics: HostMetrics;
}
