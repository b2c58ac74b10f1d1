import {
  closeSync,
  type FSWatcher,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  type Stats,
  statSync,
  unlinkSync,
  watch,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { HookEnvelope } from '@flightdeck/shared-types';
import { SELF_TEST_EVENT } from '../install/selfTest.js';
import { validateEnvelope } from '../validate.js';
import { metaFromRecord, ttyName } from './envelope.js';
import {
  type ParsedRecord,
  parseRecord,
  parseRecordName,
  RECORD_TRAILER,
  type RecordName,
  sortRecordNames,
} from './record.js';

export interface SpoolRecord {
  /** The record id (file name without `.rec`): unique, ordered by capture time; use it as `ingest_id`. */
  id: string;
  envelope: HookEnvelope;
  /** Unix ms when the reader picked the record up. */
  receivedAt: number;
}

export interface SpoolReaderOptions {
  /** The spool directory the hook scripts write into. Created when missing. */
  dir: string;
  /**
   * Commits a batch. The record files are deleted only once it has committed: when it returns (synchronous),
   * or when the promise it returns resolves. Until then its records are in flight: never read or delivered
   * again. If it throws or the promise rejects, the files stay and the batch is retried on the next drain.
   */
  onBatch: (records: SpoolRecord[]) => unknown;
  /**
   * Which of these ids were already committed (e.g. the server's `hook_events.ingest_id`). Those records are
   * deleted without being delivered again: a crash between commit and delete never delivers twice.
   */
  isDelivered?: (ids: string[]) => Set<string>;
  /** Fallback poll interval (fs.watch can miss events). Default 500 ms. */
  pollMs?: number;
  /** Most records per `onBatch` call. Default 500. */
  maxBatch?: number;
  /** A batch stops growing once its records total this many bytes (large payloads). Default 32 MiB. */
  maxBatchBytes?: number;
  /** How long an incomplete record may stay incomplete before it is salvaged or rejected. Default 30 s. */
  graceMs?: number;
  /** Interval of the watcher/directory health check. Default 5 s. */
  healthCheckMs?: number;
  /** Debounce after an fs.watch event (bursts collapse into one drain). Default 2 ms. */
  debounceMs?: number;
  /** Clock (unix ms). Default `Date.now`. */
  now?: () => number;
  /** Told about errors the reader recovered from (onBatch throwing, unreadable files, watcher failures). */
  onError?: (error: unknown, context: string) => void;
}

export interface SpoolReaderStats {
  running: boolean;
  watching: boolean;
  /** Records handed to `onBatch` (and committed). */
  delivered: number;
  batches: number;
  /** Records skipped because `isDelivered` said they were already committed. */
  duplicates: number;
  /** Records moved to `rejected/`. */
  rejected: number;
  /** Installer self-test records acknowledged into `selftest/` instead of being delivered. */
  selfTests: number;
  /** Incomplete records older than the grace period that still parsed and were delivered. */
  salvaged: number;
  /** Times `onBatch` threw (the files stayed for a retry). */
  batchErrors: number;
  /** Records that were still being written at the last drain. */
  pending: number;
  drains: number;
  lastDrainAt: number | null;
  lastBatchAt: number | null;
  lastError: string | null;
}

export interface SpoolReader {
  /** Creates the directory, reads what is there, then watches it (fs.watch + poll + health check). */
  start(): void;
  /** Stops watching, after a final drain. */
  stop(): void;
  /** Delivers every complete record available now; returns how many were delivered. */
  drain(): number;
  stats(): SpoolReaderStats;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

interface Candidate {
  name: RecordName;
  file: string;
}

const TRAILER_FILE = '.trailer';
/** How long a record without a complete header may hold back other records. */
const HEADERLESS_BLOCK_MS = 2000;
const REJECTED_DIR = 'rejected';
/** Where self-test records go once read: `flightdeck hooks … --self-test` looks for its marker there. */
const SELF_TEST_DIR = 'selftest';
/** Acknowledged self-test records older than this are removed. */
const SELF_TEST_KEEP_MS = 60 * 60 * 1000;

function readPidMax(): number {
  try {
    const n = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim());
    return Number.isInteger(n) && n > 300 ? n : 32768;
  } catch {
    return process.platform === 'darwin' ? 99999 : 32768;
  }
}

function readCurrentBoot(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().slice(0, 8);
  } catch {
    return '00000000';
  }
}

/** Reads a whole file with its stats from one descriptor. */
function readWithStats(path: string): { buf: Buffer; stats: Stats } | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const stats = fstatSync(fd);
    const chunks: Buffer[] = [];
    let total = 0;
    let size = Math.max(stats.size, 4096);
    for (;;) {
      const chunk = Buffer.allocUnsafe(size);
      const n = readSync(fd, chunk, 0, size, total);
      if (n <= 0) break;
      chunks.push(n === size ? chunk : chunk.subarray(0, n));
      total += n;
      size = 65536;
    }
    return { buf: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total), stats };
  } finally {
    closeSync(fd);
  }
}

function isEnoent(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/**
 * Reads the spool directory the hook scripts write into and hands complete records, in capture order, to
 * `onBatch`. See the package README for the guarantees.
 */
export function createSpoolReader(options: SpoolReaderOptions): SpoolReader {
  const dir = options.dir;
  const pollMs = options.pollMs ?? 500;
  const maxBatch = Math.max(1, options.maxBatch ?? 500);
  const maxBatchBytes = Math.max(1, options.maxBatchBytes ?? 32 * 1024 * 1024);
  const graceMs = options.graceMs ?? 30_000;
  const healthCheckMs = options.healthCheckMs ?? 5000;
  const debounceMs = options.debounceMs ?? 2;
  const now = options.now ?? Date.now;
  const onError = options.onError ?? (() => {});
  const currentBoot = readCurrentBoot();
  const pidMax = readPidMax();
  const host = hostname();
  const isLinux = process.platform === 'linux';

  /** Ids committed whose file could not be deleted (skipped until the file is gone). */
  const committed = new Set<string>();
  /** Ids handed to an asynchronous `onBatch` that has not committed yet (skipped, never deleted). */
  const inFlight = new Set<string>();
  /** Ids that could not be moved to rejected/ (skipped). */
  const unmovable = new Set<string>();
  const ttyCache = new Map<number, { start: number; tty: string | undefined }>();

  let watcher: FSWatcher | null = null;
  let watchedIno = -1;
  let pollTimer: NodeJS.Timeout | null = null;
  let healthTimer: NodeJS.Timeout | null = null;
  let debounceTimer: NodeJS.Timeout | null = null;
  let running = false;
  let draining = false;

  const stats: SpoolReaderStats = {
    running: false,
    watching: false,
    delivered: 0,
    batches: 0,
    duplicates: 0,
    rejected: 0,
    salvaged: 0,
    selfTests: 0,
    batchErrors: 0,
    pending: 0,
    drains: 0,
    lastDrainAt: null,
    lastBatchAt: null,
    lastError: null,
  };

  function report(err: unknown, context: string): void {
    stats.lastError = `${context}: ${err instanceof Error ? err.message : String(err)}`;
    try {
      onError(err, context);
    } catch {
      // a failing error callback must not break the reader
    }
  }

  function ensureDir(): void {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const trailer = join(dir, TRAILER_FILE);
    try {
      if (readFileSync(trailer, 'latin1') === RECORD_TRAILER) return;
    } catch {
      // missing: (re)create it below
    }
    writeFileSync(trailer, RECORD_TRAILER, { encoding: 'latin1', mode: 0o600 });
  }

  /** Terminal of the agent process, when it is still the process that sent the record. */
  function lookupTty(pid: number, up: number): string | undefined {
    if (!isLinux || pid <= 0) return undefined;
    const cached = ttyCache.get(pid);
    if (cached && cached.start <= up) return cached.tty;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const start = Number(fields[19]);
      const tty = ttyName(Number(fields[4]));
      if (ttyCache.size > 2000) ttyCache.clear();
      ttyCache.set(pid, { start, tty });
      // A process started after the event is a reused pid, not the sender.
      return start <= up + 1 ? tty : undefined;
    } catch {
      return undefined;
    }
  }

  function reject(c: Candidate, error: string): void {
    const rejectedDir = join(dir, REJECTED_DIR);
    try {
      mkdirSync(rejectedDir, { recursive: true, mode: 0o700 });
      renameSync(join(dir, c.file), join(rejectedDir, c.file));
      writeFileSync(
        join(rejectedDir, `${c.file}.error.json`),
        `${JSON.stringify({ id: c.name.id, error, rejectedAt: now() })}\n`,
        { mode: 0o600 },
      );
      stats.rejected++;
    } catch (err) {
      if (!isEnoent(err)) {
        unmovable.add(c.name.id);
        stats.rejected++;
        report(err, `moving ${c.file} to rejected/`);
      }
    }
  }

  /**
   * A self-test event is proof that the hook works, not agent activity: it is never delivered. It is moved to
   * `selftest/` (where the installer's marker waiter finds it); old acknowledgements are pruned.
   */
  function acknowledgeSelfTest(c: Candidate): void {
    const ackDir = join(dir, SELF_TEST_DIR);
    try {
      mkdirSync(ackDir, { recursive: true });
      const cutoff = now() - SELF_TEST_KEEP_MS;
      for (const old of readdirSync(ackDir)) {
        const p = join(ackDir, old);
        try {
          if (statSync(p).mtimeMs < cutoff) unlinkSync(p);
        } catch {
          // vanished meanwhile
        }
      }
      renameSync(join(dir, c.file), join(ackDir, c.file));
      stats.selfTests++;
    } catch (err) {
      if (!isEnoent(err)) {
        unmovable.add(c.name.id);
        report(err, `moving ${c.file} to ${SELF_TEST_DIR}/`);
      }
    }
  }

  function list(): Candidate[] {
    let files: string[];
    try {
      files = readdirSync(dir);
    } catch (err) {
      if (isEnoent(err)) return [];
      throw err;
    }
    const byBoot = new Map<string, Candidate[]>();
    for (const file of files) {
      const name = parseRecordName(file);
      if (!name || unmovable.has(name.id) || inFlight.has(name.id)) continue;
      if (committed.has(name.id)) {
        // Committed earlier but the delete failed: retry it, never deliver it again.
        try {
          unlinkSync(join(dir, file));
          committed.delete(name.id);
        } catch (err) {
          if (isEnoent(err)) committed.delete(name.id);
        }
        continue;
      }
      let group = byBoot.get(name.boot);
      if (!group) {
        group = [];
        byBoot.set(name.boot, group);
      }
      group.push({ name, file });
    }
    // Within a boot, uptime then (wrap-aware) PID orders records; across boots the oldest file decides and the
    // current boot comes last.
    const groups: Array<{ rank: number; items: Candidate[] }> = [];
    for (const [boot, group] of byBoot) {
      let rank = Number.POSITIVE_INFINITY;
      if (boot !== currentBoot) {
        for (const c of group) {
          try {
            rank = Math.min(rank, statSync(join(dir, c.file)).mtimeMs);
          } catch {
            // vanished
          }
        }
        if (!Number.isFinite(rank)) rank = 0;
      }
      groups.push({ rank, items: sortRecordNames(group, pidMax) });
    }
    groups.sort((a, b) => a.rank - b.rank);
    return groups.flatMap((g) => g.items);
  }

  function toRecord(
    c: Candidate,
    parsed: Extract<ParsedRecord, { kind: 'complete' | 'incomplete' }>,
    st: Stats,
    receivedAt: number,
  ): SpoolRecord | string {
    if (!parsed.meta || !parsed.payload) return 'record header is incomplete';
    let payload: unknown;
    try {
      payload = JSON.parse(parsed.payload.toString('utf8'));
    } catch (err) {
      return `payload is not JSON: ${(err as Error).message}`;
    }
    const pid = Number(parsed.meta.pid);
    const sameBoot = c.name.boot === currentBoot;
    const sentAt = st.birthtimeMs > 0 ? st.birthtimeMs : st.mtimeMs;
    const tty = sameBoot ? lookupTty(pid, c.name.up) : undefined;
    const meta = metaFromRecord(parsed.meta, { sentAt, host, ...(tty ? { tty } : {}) });
    const checked = validateEnvelope({ cli: parsed.meta.cli, payload, meta });
    if (!checked.ok) return checked.error;
    return { id: c.name.id, envelope: checked.envelope, receivedAt };
  }

  /** Deletes the files of a committed batch (a file that cannot be deleted is remembered as committed). */
  function removeFiles(files: string[], batch: SpoolRecord[]): void {
    for (let i = 0; i < files.length; i++) {
      try {
        unlinkSync(join(dir, files[i]!));
      } catch (err) {
        if (!isEnoent(err)) {
          committed.add(batch[i]!.id);
          report(err, `deleting ${files[i]}`);
        }
      }
    }
  }

  function drainOnce(candidates: Candidate[]): { delivered: number; ok: boolean } {
    let delivered = 0;
    let index = 0;
    const blocked = new Set<string>();
    let blockAll = false;
    let pending = 0;
    while (index < candidates.length && !blockAll) {
      const batch: SpoolRecord[] = [];
      const files: string[] = [];
      const receivedAt = now();
      let batchBytes = 0;
      while (
        index < candidates.length &&
        batch.length < maxBatch &&
        batchBytes < maxBatchBytes &&
        !blockAll
      ) {
        const c = candidates[index++]!;
        let read: ReturnType<typeof readWithStats>;
        try {
          read = readWithStats(join(dir, c.file));
        } catch (err) {
          // Unreadable (permissions, a directory, I/O error): set it aside rather than stall the spool.
          report(err, `reading ${c.file}`);
          reject(c, `unreadable record: ${(err as Error).message}`);
          continue;
        }
        if (!read) continue;
        const parsed = parseRecord(read.buf);
        if (parsed.kind === 'invalid') {
          reject(c, parsed.error);
          continue;
        }
        const sender = parsed.meta?.pid ?? null;
        if (sender !== null && blocked.has(sender)) {
          pending++;
          continue;
        }
        let salvage = false;
        if (parsed.kind === 'incomplete') {
          const age = receivedAt - read.stats.mtimeMs;
          if (age < graceMs) {
            // Still being written: hold back later records of the same agent. A record without its header
            // yet (the hook writes it right after creating the file) holds back everything, but only briefly:
            // after HEADERLESS_BLOCK_MS its writer is gone and it must not stall other agents.
            pending++;
            if (sender !== null) blocked.add(sender);
            else if (age < HEADERLESS_BLOCK_MS) blockAll = true;
            continue;
          }
          salvage = true;
        }
        const record = toRecord(c, parsed, read.stats, receivedAt);
        if (typeof record === 'string') {
          reject(c, salvage ? `incomplete record abandoned by its writer; ${record}` : record);
          continue;
        }
        if (record.envelope.payload.hook_event_name === SELF_TEST_EVENT) {
          acknowledgeSelfTest(c);
          continue;
        }
        if (salvage) stats.salvaged++;
        batch.push(record);
        files.push(c.file);
        batchBytes += read.buf.length;
      }
      if (batch.length === 0) continue;
      let already: Set<string> = new Set();
      if (options.isDelivered) {
        try {
          already = options.isDelivered(batch.map((r) => r.id));
        } catch (err) {
          report(err, 'isDelivered');
          stats.batchErrors++;
          stats.pending = pending + batch.length;
          return { delivered, ok: false };
        }
      }
      const fresh = already.size > 0 ? batch.filter((r) => !already.has(r.id)) : batch;
      let outcome: unknown;
      if (fresh.length > 0) {
        try {
          outcome = options.onBatch(fresh);
        } catch (err) {
          stats.batchErrors++;
          report(err, 'onBatch');
          stats.pending = pending + batch.length;
          return { delivered, ok: false };
        }
        stats.batches++;
        stats.lastBatchAt = now();
      }
      stats.duplicates += batch.length - fresh.length;
      stats.delivered += fresh.length;
      delivered += fresh.length;
      if (isThenable(outcome)) {
        // Committed later: keep the files (and skip them) until it has.
        const ids = batch.map((r) => r.id);
        for (const id of ids) inFlight.add(id);
        outcome.then(
          () => {
            for (const id of ids) inFlight.delete(id);
            removeFiles(files, batch);
          },
          (err: unknown) => {
            for (const id of ids) inFlight.delete(id);
            stats.batchErrors++;
            stats.delivered -= fresh.length;
            report(err, 'onBatch');
            schedule();
          },
        );
      } else removeFiles(files, batch);
    }
    stats.pending = pending;
    return { delivered, ok: true };
  }

  function drain(): number {
    if (draining) return 0;
    draining = true;
    let total = 0;
    try {
      stats.drains++;
      stats.lastDrainAt = now();
      for (;;) {
        const candidates = list();
        if (candidates.length === 0) {
          stats.pending = 0;
          break;
        }
        const { delivered, ok } = drainOnce(candidates);
        total += delivered;
        if (!ok || delivered === 0) break;
      }
    } catch (err) {
      report(err, 'drain');
    } finally {
      draining = false;
    }
    return total;
  }

  function schedule(): void {
    if (!running || debounceTimer) return;
    debounceTimer = setTimeout(() => {
      debounceTimer = null;
      drain();
    }, debounceMs);
    debounceTimer.unref?.();
  }

  function startWatcher(): void {
    if (watcher) return;
    try {
      watchedIno = statSync(dir).ino;
      watcher = watch(dir, { persistent: false }, (_event, file) => {
        if (!file || String(file).endsWith('.rec')) schedule();
      });
      watcher.on('error', (err) => {
        report(err, 'fs.watch');
        closeWatcher();
      });
      stats.watching = true;
    } catch (err) {
      report(err, 'fs.watch');
      watcher = null;
      stats.watching = false;
    }
  }

  function closeWatcher(): void {
    if (watcher) {
      try {
        watcher.close();
      } catch {
        // already closed
      }
    }
    watcher = null;
    stats.watching = false;
  }

  function healthCheck(): void {
    try {
      // The directory may have been deleted and recreated: a watcher on the old inode sees nothing.
      ensureDir();
      const ino = statSync(dir).ino;
      if (!watcher || ino !== watchedIno) {
        closeWatcher();
        startWatcher();
      }
    } catch (err) {
      report(err, 'health check');
    }
    drain();
  }

  return {
    start() {
      if (running) return;
      running = true;
      stats.running = true;
      try {
        ensureDir();
      } catch (err) {
        report(err, 'creating the spool directory');
      }
      drain();
      startWatcher();
      pollTimer = setInterval(drain, pollMs);
      pollTimer.unref?.();
      healthTimer = setInterval(healthCheck, healthCheckMs);
      healthTimer.unref?.();
    },
    stop() {
      running = false;
      stats.running = false;
      if (pollTimer) clearInterval(pollTimer);
      if (healthTimer) clearInterval(healthTimer);
      if (debounceTimer) clearTimeout(debounceTimer);
      pollTimer = healthTimer = debounceTimer = null;
      closeWatcher();
      drain();
    },
    drain,
    stats: () => ({ ...stats }),
  };
}
