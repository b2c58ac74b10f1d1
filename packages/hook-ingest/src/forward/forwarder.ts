/**
 * The forwarder (issue 19): on a remote machine, reads the same durable spool the hook script writes (the spool
 * reader: capture order, the spool's lock, records kept until acknowledged) and ships each batch to the central
 * server's `POST /api/hooks/batch` with the host's token. Exactly once end to end:
 * - a record's file is deleted only after a 2xx (the server answers after its commit);
 * - each envelope carries a sender id made from the forwarder's id and the record's id, so a batch sent again after
 *   a lost answer (or after the forwarder was killed between the server's commit and the delete) is recognised by
 *   the server as already stored;
 * - while the server or the network is down, the batch is retried with exponential backoff (250 ms doubling to 5 s
 *   by default) and every record stays on disk.
 * `meta.host` is left out: the server sets it to the host the token names. No hook holds here: the forwarder's spool
 * lock says `"hold":false`, so a permission hook records its question and lets the agent ask in its terminal at once
 * (a held approval's FIFO would be on this machine, where the central server cannot answer it); were a record held
 * all the same (an older hook script), its hold fields are left out.
 */
import type { HookEnvelope } from '@flightdeck/shared-types';
import { createSpoolReader, type SpoolReader, type SpoolRecord } from '../spool/reader.js';

export interface ForwarderOptions {
  /** The spool directory the hook scripts write into (`<data dir>/spool`). */
  spoolDir: string;
  /** The central server's base URL (`https://flightdeck.example:3333`). */
  url: string;
  /** The host's token (`flightdeck hosts add <name>` on the central server). */
  token: string;
  /** This forwarder's id (stable across restarts: `forwarderId` of ./identity.ts); prefixes each sender id. */
  forwarderId: string;
  /** First retry delay and its cap (ms). Default 250 and 5000. */
  backoff?: { minMs: number; maxMs: number };
  /** How long one POST may take before it counts as failed (ms). Default 30 s. */
  requestTimeoutMs?: number;
  /** Spool poll interval (ms). Default 500. */
  pollMs?: number;
  /** Records per batch (the server takes up to 1000). Default 500. */
  maxBatch?: number;
  /** Told about each batch the server acknowledged (the host report collects its agents' PIDs from them). */
  onShipped?: (records: SpoolRecord[]) => void;
  /** Told about failures it recovers from (a POST refused or failed, a record set aside). */
  onError?: (error: unknown, context: string) => void;
  fetch?: typeof fetch;
}

export interface ForwarderStats {
  /** Records acknowledged by the server (stored, or already stored). */
  shipped: number;
  /** Of those, records the server already had (a resend after a lost answer). */
  duplicates: number;
  /** Records the server refused as invalid: set aside into the spool's `rejected/` with its reason. */
  rejected: number;
  /** POSTs that failed (network, 5xx, 4xx): each was retried. */
  failures: number;
  /** The current retry delay (0: the last POST succeeded). */
  backoffMs: number;
  lastError: string | null;
}

export interface Forwarder {
  start(): void;
  /** Stops reading; a batch waiting to be retried stays on disk. */
  stop(): Promise<void>;
  stats(): ForwarderStats;
  /** The spool reader (its statistics, a drain on demand). */
  readonly reader: SpoolReader;
}

/** The sender id of a spool record: unique per forwarder and record, the same every time it is sent. */
export function senderIdOf(forwarderId: string, recordId: string): string {
  return `${forwarderId}.${recordId}`;
}

/** The envelope as the forwarder sends it: its sender id, without `meta.host` and the hold fields. */
export function forwardedEnvelope(forwarderId: string, record: SpoolRecord): HookEnvelope {
  const { host: _host, hold: _hold, holdPid: _holdPid, ...meta } = record.envelope.meta;
  return { ...record.envelope, meta, id: senderIdOf(forwarderId, record.id) };
}

interface BatchAnswer {
  accepted?: number;
  duplicates?: number;
  rejected?: Array<{ index: number; message: string }>;
}

class Stopped extends Error {}

export function createForwarder(options: ForwarderOptions): Forwarder {
  const minMs = options.backoff?.minMs ?? 250;
  const maxMs = options.backoff?.maxMs ?? 5000;
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const doFetch = options.fetch ?? fetch;
  const onError = options.onError ?? (() => {});
  const endpoint = `${options.url.replace(/\/+$/, '')}/api/hooks/batch`;
  const stats: ForwarderStats = {
    shipped: 0,
    duplicates: 0,
    rejected: 0,
    failures: 0,
    backoffMs: 0,
    lastError: null,
  };
  let stopping = false;
  /** Aborts a POST under way when the forwarder stops (its batch stays on disk). */
  let stopController = new AbortController();
  const wakers = new Set<() => void>();

  /** Waits `ms`, or rejects with `Stopped` as soon as the forwarder stops. */
  const sleep = (ms: number) =>
    new Promise<void>((resolve, reject) => {
      if (stopping) return reject(new Stopped());
      const wake = () => {
        clearTimeout(timer);
        wakers.delete(wake);
        reject(new Stopped());
      };
      const timer = setTimeout(() => {
        wakers.delete(wake);
        resolve();
      }, ms);
      wakers.add(wake);
    });

  const failed = (err: unknown, context: string) => {
    stats.failures++;
    stats.lastError = err instanceof Error ? err.message : String(err);
    stats.backoffMs = stats.backoffMs === 0 ? minMs : Math.min(maxMs, stats.backoffMs * 2);
    onError(err, context);
  };

  /** One POST of the batch: its answer on a 2xx, else throws (the caller retries). */
  async function post(body: string): Promise<BatchAnswer> {
    const res = await doFetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
      body,
      signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), stopController.signal]),
    });
    const text = await res.text();
    if (res.status < 200 || res.status >= 300) {
      let message = text.slice(0, 500);
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? message;
      } catch {}
      throw new Error(`POST ${endpoint}: HTTP ${res.status}: ${message}`);
    }
    return JSON.parse(text) as BatchAnswer;
  }

  /** Ships one batch, retrying until the server acknowledges it; resolves to the records it refused. */
  async function ship(records: SpoolRecord[]) {
    const envelopes = records.map((r) => forwardedEnvelope(options.forwarderId, r));
    const body = JSON.stringify({ envelopes });
    for (;;) {
      if (stats.backoffMs > 0) await sleep(stats.backoffMs);
      if (stopping) throw new Stopped();
      let answer: BatchAnswer;
      try {
        answer = await post(body);
      } catch (err) {
        if (stopping) throw new Stopped();
        failed(err, 'post');
        continue;
      }
      stats.backoffMs = 0;
      options.onShipped?.(records);
      const setAside = (answer.rejected ?? []).flatMap((r) => {
        const record = records[r.index];
        return record ? [{ id: record.id, reason: r.message }] : [];
      });
      stats.shipped += records.length - setAside.length;
      stats.duplicates += answer.duplicates ?? 0;
      stats.rejected += setAside.length;
      if (setAside.length > 0)
        onError(new Error(`${setAside.length} record(s) refused by the server`), 'rejected');
      return { setAside };
    }
  }

  const reader = createSpoolReader({
    dir: options.spoolDir,
    // The central server cannot answer a FIFO on this machine: hooks here ask in the terminal at once.
    holds: false,
    onBatch: ship,
    // One batch at a time: batches reach the server in capture order.
    maxInFlight: 1,
    maxBatch: Math.min(1000, options.maxBatch ?? 500),
    // Well under the batch route's body limit (16 MB).
    maxBatchBytes: 4 * 1024 * 1024,
    ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
    onError: (err, context) => {
      if (!(err instanceof Stopped)) onError(err, `spool: ${context}`);
    },
  });

  return {
    reader,
    start() {
      stopping = false;
      stopController = new AbortController();
      reader.start();
    },
    async stop() {
      stopping = true;
      stopController.abort();
      for (const wake of [...wakers]) wake();
      await reader.stop();
    },
    stats: () => ({ ...stats }),
  };
}
