/**
 * The metric samples behind the hosts' sparklines (issue 19), stored in `host_samples`, so that a restarted server
 * shows them again and every server sharing a PostgreSQL database shows the same ones, whichever server a host's
 * reports reach; and each host's last report (its row's `last_report`).
 *
 * Writes: the samples taken in `HOST_SAMPLE_FLUSH_MS` are saved together (one insert, on the main connection), then
 * the last report of each host that reported, one host after the other; the report never waits for them. A write per
 * report, not awaited, piles queries up on SQLite's one connection in a burst (Kysely's connection lock wakes every
 * waiter at each release): 12,000 reports handed to the service at once (a benchmark) held the event loop 60-77 s.
 *
 * Reads: the window is read from the database once (100 hosts x 120 samples: 50 ms on SQLite, 0.45 s on
 * PostgreSQL), then each read saves what is queued and reads only the rows received in the last
 * `HOST_SAMPLE_LATE_MS` (another server saves its rows up to a flush late), merged by row id into what this server
 * holds, the rows it holds not parsed again. Reading the whole window on every `hosts.list` cost 45-60 ms of CPU on
 * the event loop at 100 hosts (SQLite: 20 ms reading the rows, 20 ms parsing their JSON); the increment costs 4-7 ms
 * (`hosts.list` at 100 hosts, every host reporting every 5 s).
 *
 * Pruned every `HOST_SAMPLE_PRUNE_MS`: older than the window, and all but the newest `MAX_HOST_SAMPLES` of each host.
 */
import {
  HOST_SAMPLE_INSERT_ROWS,
  type HostSampleInput,
  hostSamples,
  hostSamplesSince,
  pruneHostSamples,
  type StoredHostSample,
  saveHostReport,
  saveHostSamples,
} from '@flightdeck/db';
import type { HostMetricSample, HostReport } from '@flightdeck/shared-types';
import type { Logger } from '../runtime.js';
import type { Db } from '../store/index.js';

/** Samples shown per host: 120 reports, 10 minutes at the forwarder's default 5 s. */
export const MAX_HOST_SAMPLES = 120;
/** Only the samples received this recently are shown (and kept). */
export const HOST_SAMPLE_WINDOW_MS = 10 * 60_000;
/**
 * Samples are saved at most this long after their report, all hosts' together: 100 hosts reporting every 5 s cost
 * one insert of ~20 rows a second, not 20 transactions.
 */
export const HOST_SAMPLE_FLUSH_MS = 1000;
/**
 * A read takes again the rows received this long before the previous read: another server saves its samples up
 * to `HOST_SAMPLE_FLUSH_MS` after it received them, by its own clock. A row later than that is not shown here
 * (another server's clock more than this behind, or its database write that long late).
 */
export const HOST_SAMPLE_LATE_MS = 30_000;
/** How often samples out of the window (or beyond `MAX_HOST_SAMPLES` of a host) are deleted. */
export const HOST_SAMPLE_PRUNE_MS = 60_000;

export interface HostSamples {
  /** Queues host `host`'s report: its metrics as a sample, the report as its last (saved within `HOST_SAMPLE_FLUSH_MS`). */
  add(host: string, report: HostReport, receivedAt: number): void;
  /**
   * Every host's samples in the window, oldest first (at most `MAX_HOST_SAMPLES` each), by host; when the database
   * cannot be read, those read before.
   */
  all(): Promise<Map<string, HostMetricSample[]>>;
  /** Host `host`'s samples in the window, oldest first, read from the database. */
  of(host: string): Promise<HostMetricSample[]>;
  /** Saves the queued samples and last reports now; resolves once the samples are in. */
  flush(): Promise<void>;
  /** Deletes the rows out of the window and beyond `MAX_HOST_SAMPLES` of a host. */
  prune(): Promise<number>;
  /** Stops the timers and saves what is queued; a report added later is saved at once. */
  stop(): Promise<void>;
}

export interface HostSamplesOptions {
  db: Db;
  log: Pick<Logger, 'warn'>;
  /** The clock of the window and of pruning. */
  now?: () => number;
  flushMs?: number;
  pruneMs?: number;
}

/** Receive time, then row id (the order the database reads them in). */
const byTime = (a: StoredHostSample, b: StoredHostSample) =>
  a.sample.receivedAt - b.sample.receivedAt || a.id - b.id;

export function createHostSamples(opts: HostSamplesOptions): HostSamples {
  const now = opts.now ?? Date.now;
  const windowStart = () => Math.max(0, now() - HOST_SAMPLE_WINDOW_MS);
  let queued: HostSampleInput[] = [];
  let lastReports = new Map<string, { report: HostReport; receivedAt: number }>();
  /** The sample inserts, one after the other (a read waits for them), and the last reports' updates after them. */
  let saving: Promise<void> = Promise.resolve();
  let savingReports: Promise<void> = Promise.resolve();
  let flushTimer: NodeJS.Timeout | null = null;
  let stopped = false;

  const flush = (): Promise<void> => {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = null;
    const batch = queued;
    const reports = lastReports;
    queued = [];
    lastReports = new Map();
    if (batch.length === 0) return saving;
    saving = saving.then(() =>
      saveHostSamples(opts.db, batch).then(
        () => {},
        (err) => opts.log.warn({ err, samples: batch.length }, 'hosts: metric samples not stored'),
      ),
    );
    savingReports = Promise.all([saving, savingReports]).then(async () => {
      for (const [host, r] of reports) {
        await saveHostReport(opts.db, host, JSON.stringify(r.report), r.receivedAt).catch((err) =>
          opts.log.warn({ err, host }, 'hosts: report not stored'),
        );
      }
    });
    return saving;
  };

  // What this server holds of the table: each host's rows in the window, by receive time then id.
  const held = new Map<string, StoredHostSample[]>();
  const heldIds = new Set<number>();
  /** Where the next read starts (null: the whole window). */
  let readFrom: number | null = null;

  const merge = (rows: Map<string, StoredHostSample[]>, from: number) => {
    for (const [host, fresh] of rows) {
      const list = held.get(host) ?? [];
      let sorted = true;
      for (const row of fresh) {
        if (heldIds.has(row.id)) continue;
        const last = list.at(-1);
        if (last && byTime(last, row) > 0) sorted = false;
        list.push(row);
        heldIds.add(row.id);
      }
      if (!sorted) list.sort(byTime);
      held.set(host, list);
    }
    for (const [host, list] of held) {
      let drop = Math.max(0, list.length - MAX_HOST_SAMPLES);
      while (drop < list.length && (list[drop] as StoredHostSample).sample.receivedAt < from) drop++;
      for (const row of list.splice(0, drop)) heldIds.delete(row.id);
      if (list.length === 0) held.delete(host);
    }
  };

  const read = async () => {
    await flush();
    const at = now();
    const from = windowStart();
    const since = readFrom === null ? from : Math.max(from, readFrom);
    merge(await hostSamplesSince(opts.db, since, MAX_HOST_SAMPLES, heldIds), from);
    readFrom = at - HOST_SAMPLE_LATE_MS;
  };
  // One read at a time; a caller arriving during one waits for the next (its own report may be after the first).
  let reading: Promise<void> | null = null;
  let next: Promise<void> | null = null;
  const refresh = (): Promise<void> => {
    if (!reading) {
      reading = read().finally(() => {
        reading = null;
      });
      return reading;
    }
    next ??= reading
      .catch(() => {})
      .then(() => {
        next = null;
        return refresh();
      });
    return next;
  };

  const prune = () => pruneHostSamples(opts.db, { before: windowStart(), keep: MAX_HOST_SAMPLES });
  const pruneNow = () =>
    void prune().catch((err) => opts.log.warn({ err }, 'hosts: old metric samples not pruned'));
  pruneNow();
  const pruneTimer = setInterval(pruneNow, opts.pruneMs ?? HOST_SAMPLE_PRUNE_MS);
  pruneTimer.unref();

  return {
    add(host, report, receivedAt) {
      queued.push({ host, receivedAt, metrics: report.metrics });
      lastReports.set(host, { report, receivedAt });
      // A full statement's worth (a burst) goes at once; else within HOST_SAMPLE_FLUSH_MS.
      if (stopped || queued.length >= HOST_SAMPLE_INSERT_ROWS) void flush();
      else if (!flushTimer) {
        flushTimer = setTimeout(flush, opts.flushMs ?? HOST_SAMPLE_FLUSH_MS);
        flushTimer.unref();
      }
    },
    async all() {
      // The database not read: what this server holds (told to the log).
      await refresh().catch((err) => opts.log.warn({ err }, 'hosts: metric samples not read'));
      const out = new Map<string, HostMetricSample[]>();
      for (const [host, list] of held)
        out.set(
          host,
          list.map((row) => row.sample),
        );
      return out;
    },
    async of(host) {
      await flush();
      return hostSamples(opts.db, host, windowStart(), MAX_HOST_SAMPLES);
    },
    flush,
    prune,
    async stop() {
      stopped = true;
      clearInterval(pruneTimer);
      await flush();
      await savingReports;
    },
  };
}
