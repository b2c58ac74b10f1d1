import {
  type FSWatcher,
  lstatSync,
  readdirSync,
  readFileSync,
  renameSync,
  type Stats,
  statSync,
  unlinkSync,
  watch,
  writeFileSync,
} from 'node:fs';
import { readdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { HookEnvelope } from '@flightdeck/shared-types';
import { DEFAULT_MAX_BODY_BYTES } from '../http/routes.js';
import { SELF_TEST_EVENT } from '../install/selfTest.js';
import { readProcStat } from '../proc.js';
import { validateEnvelope } from '../validate.js';
import { metaFromRecord, ttyName } from './envelope.js';
import { ensurePrivateDir, makePrivateFile, readRegularFile, tightenDir } from './files.js';
import { ensureHoldDir, HOLD_DIR, HOLD_HEADER, holdFifoPath, readBootId } from './hold.js';
import { createSpoolLock } from './lock.js';
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

/**
 * What `onBatch` may return (or resolve to): the records it could not store (e.g. a payload the database cannot
 * serialise). Their files move to `rejected/` with the reason; the batch's other files are deleted.
 */
export interface SpoolBatchOutcome {
  setAside?: ReadonlyArray<{ id: string; reason: string }>;
}

export interface SpoolReaderOptions {
  /** The spool directory the hook scripts write into. Created (0700) when missing. */
  dir: string;
  /**
   * Commits a batch. The record files are deleted only once it has committed: when it returns (synchronous),
   * or when the promise it returns resolves. Until then its records are in flight: never read or delivered
   * again. It may return (or resolve to) a {@link SpoolBatchOutcome} naming records it refused: those are set
   * aside into `rejected/`. If it throws or the promise rejects, the files stay and are delivered again later
   * (without asking `isDelivered` about them).
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
  /** Batches handed to `onBatch` and not yet settled before the reader waits. Default 2. */
  maxInFlight?: number;
  /** A record file larger than this is set aside unread. Default `DEFAULT_MAX_BODY_BYTES` (2 MB, the HTTP limit). */
  maxRecordBytes?: number;
  /** How long an incomplete record may stay incomplete before it is salvaged or rejected. Default 30 s. */
  graceMs?: number;
  /** Interval of the watcher/directory/lock health check. Default 5 s. */
  healthCheckMs?: number;
  /** Debounce after an fs.watch event (bursts collapse into one drain). Default 2 ms. */
  debounceMs?: number;
  /** Clock (unix ms). Default `Date.now`. */
  now?: () => number;
  /**
   * Whether this reader answers held hooks (default true: the server). False (the forwarder, whose central server
   * cannot answer a FIFO on this machine): its lock says so and the hook script does not hold.
   */
  holds?: boolean;
  /** Told about errors the reader recovered from (onBatch throwing, unreadable files, watcher failures). */
  onError?: (error: unknown, context: string) => void;
}

export interface SpoolReaderStats {
  running: boolean;
  watching: boolean;
  /** Pid of the other live process whose reader holds the spool's lock (this reader then reads nothing). */
  lockedBy: number | null;
  /** Records handed to `onBatch` (and committed, or in flight). */
  delivered: number;
  batches: number;
  /** Records skipped because `isDelivered` said they were already committed. */
  duplicates: number;
  /** Records (and other files with a record's name) moved to `rejected/`. */
  rejected: number;
  /** Installer self-test records acknowledged into `selftest/` instead of being delivered. */
  selfTests: number;
  /** Incomplete records older than the grace period that still parsed and were delivered. */
  salvaged: number;
  /** Times `onBatch` threw or rejected (the files stayed for a retry). */
  batchErrors: number;
  /** Records that were still being written at the last drain. */
  pending: number;
  /** Record files seen at the last directory listing. */
  backlog: number;
  /** Records handed to `onBatch` whose batch has not settled yet. */
  inFlight: number;
  inFlightBatches: number;
  /** Directory listings so far (a backlog is listed once, then read batch by batch). */
  listings: number;
  drains: number;
  lastDrainAt: number | null;
  lastBatchAt: number | null;
  lastError: string | null;
}

export interface SpoolReader {
  /**
   * Takes the spool's lock, creates the directory, reads what is there, then watches it (fs.watch + poll +
   * health check). While another live process holds the lock it reads nothing and retries on its health check.
   */
  start(): void;
  /** Stops watching and reading, waits for the batches in flight to settle, releases the lock. */
  stop(): Promise<void>;
  /**
   * Hands over every complete record available now, batch by batch, yielding to the event loop between
   * batches; resolves to how many records were handed over (once the last batch is handed over, not committed).
   * A call while a drain runs joins it (and makes it list the directory once more before it ends).
   */
  drain(): Promise<number>;
  stats(): SpoolReaderStats;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** The refusals of an `onBatch` outcome, by id (anything else it returns is ignored). */
function refusals(outcome: unknown): Map<string, string> {
  const out = new Map<string, string>();
  const list = (outcome as SpoolBatchOutcome | null | undefined)?.setAside;
  if (typeof outcome !== 'object' || outcome === null || !Array.isArray(list)) return out;
  for (const item of list as unknown[]) {
    const { id, reason } = (item ?? {}) as { id?: unknown; reason?: unknown };
    if (typeof id === 'string') out.set(id, String(reason ?? 'refused by the consumer').slice(0, 4000));
  }
  return out;
}

interface Candidate {
  name: RecordName;
  file: string;
}

/** One walk over a listing: who is held back by a record still being written. */
interface Pass {
  blocked: Set<string>;
  blockAll: boolean;
  pending: number;
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

function isEnoent(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
/** Longest stretch of synchronous work (listing, reading, deleting) before the reader yields to the event loop. */
const SLICE_MS = 8;

/** Call before each step of a long loop: it yields to the event loop once SLICE_MS have passed since the last time. */
function slicer(): () => Promise<void> | undefined {
  let start = performance.now();
  return () => {
    if (performance.now() - start < SLICE_MS) return undefined;
    return nextTurn().then(() => {
      start = performance.now();
    });
  };
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
  const maxInFlight = Math.max(1, options.maxInFlight ?? 2);
  const maxRecordBytes = Math.max(64, options.maxRecordBytes ?? DEFAULT_MAX_BODY_BYTES);
  const graceMs = options.graceMs ?? 30_000;
  const healthCheckMs = options.healthCheckMs ?? 5000;
  const debounceMs = options.debounceMs ?? 2;
  const now = options.now ?? Date.now;
  const onError = options.onError ?? (() => {});
  const currentBoot = readBootId();
  const pidMax = readPidMax();
  const host = hostname();
  const isLinux = process.platform === 'linux';
  const lock = createSpoolLock(dir, { holds: options.holds !== false });

  /** Ids committed whose file could not be deleted (skipped until the file is gone). */
  const committed = new Set<string>();
  /** Ids handed to an asynchronous `onBatch` that has not settled yet (skipped, never deleted). */
  const inFlight = new Set<string>();
  /** Ids that could not be moved to rejected/ (skipped). */
  const unmovable = new Set<string>();
  /** Ids of batches the consumer failed: delivered again without asking `isDelivered` (which may be wrong). */
  const retry = new Set<string>();
  const ttyCache = new Map<number, { start: number; tty: string | undefined }>();
  const missingPids = new Set<number>();

  let watcher: FSWatcher | null = null;
  let watchedIno = -1;
  let pollTimer: NodeJS.Timeout | null = null;
  let healthTimer: NodeJS.Timeout | null = null;
  let debounceTimer: NodeJS.Timeout | null = null;
  let running = false;
  let stopping = false;
  let holding = false;
  /** The drain in progress, which calls made meanwhile join. */
  let current: Promise<number> | null = null;
  /** A drain was asked for since the running one last listed the directory. */
  let again = false;
  /** Batch failures so far: a drain stops at the first one of its own time (the rest waits for a retry). */
  let failures = 0;
  let inFlightBatches = 0;
  let settleWaiters: Array<() => void> = [];

  const stats: SpoolReaderStats = {
    running: false,
    watching: false,
    lockedBy: null,
    delivered: 0,
    batches: 0,
    duplicates: 0,
    rejected: 0,
    salvaged: 0,
    selfTests: 0,
    batchErrors: 0,
    pending: 0,
    backlog: 0,
    inFlight: 0,
    inFlightBatches: 0,
    listings: 0,
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
    ensurePrivateDir(dir);
    try {
      ensureHoldDir(dir);
    } catch (err) {
      // Held hooks then make it themselves (or do not hold): never a reason not to read.
      report(err, `creating ${HOLD_DIR}/`);
    }
    // Left by an older version or another umask: what they hold is private too.
    tightenDir(join(dir, REJECTED_DIR));
    tightenDir(join(dir, SELF_TEST_DIR));
    const trailer = join(dir, TRAILER_FILE);
    let read: ReturnType<typeof readRegularFile>;
    try {
      read = readRegularFile(trailer, 64);
    } catch {
      read = { kind: 'refused', reason: 'unreadable' };
    }
    if (read.kind === 'ok' && read.buf.toString('latin1') === RECORD_TRAILER) {
      makePrivateFile(trailer);
      return;
    }
    // Missing, wrong, or not a regular file (never write into a FIFO or through a link): replace it.
    if (read.kind !== 'gone') unlinkSync(trailer);
    try {
      writeFileSync(trailer, RECORD_TRAILER, { encoding: 'latin1', flag: 'wx', mode: 0o600 });
    } catch (err) {
      // A hook created it meanwhile (with the same content).
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }

  /** Whether this reader may read: takes the lock, or confirms it still holds it (a lost lock stops reading). */
  function holdLock(): boolean {
    try {
      const state = lock.acquire();
      holding = state.held;
      stats.lockedBy = state.held ? null : state.lockedBy;
    } catch (err) {
      holding = false;
      stats.lockedBy = null;
      if (!isEnoent(err)) report(err, 'taking the spool lock');
    }
    return holding;
  }

  /** Terminal of the agent process, when it is still the process that sent the record. */
  function lookupTty(pid: number, up: number): string | undefined {
    if (!isLinux || pid <= 0) return undefined;
    const cached = ttyCache.get(pid);
    if (cached && cached.start <= up) return cached.tty;
    if (missingPids.has(pid)) return undefined;
    const stat = readProcStat(pid);
    if (!stat) {
      // Gone: not looked up again until the next listing (a backlog holds many records of dead agents).
      missingPids.add(pid);
      return undefined;
    }
    const start = stat.startTicks;
    const tty = ttyName(stat.ttyNr);
    if (ttyCache.size > 2000) ttyCache.clear();
    ttyCache.set(pid, { start, tty });
    // A process started after the event is a reused pid, not the sender.
    return start <= up + 1 ? tty : undefined;
  }

  function reject(c: Candidate, error: string): void {
    const rejectedDir = join(dir, REJECTED_DIR);
    try {
      ensurePrivateDir(rejectedDir);
      const target = join(rejectedDir, c.file);
      renameSync(join(dir, c.file), target);
      const errorFile = join(rejectedDir, `${c.file}.error.json`);
      writeFileSync(errorFile, `${JSON.stringify({ id: c.name.id, error, rejectedAt: now() })}\n`, {
        mode: 0o600,
      });
      makePrivateFile(errorFile);
      makePrivateFile(target);
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
      ensurePrivateDir(ackDir);
      const cutoff = now() - SELF_TEST_KEEP_MS;
      for (const old of readdirSync(ackDir)) {
        const p = join(ackDir, old);
        try {
          if (lstatSync(p).mtimeMs < cutoff) unlinkSync(p);
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

  async function list(): Promise<Candidate[]> {
    let files: string[];
    try {
      // Asynchronous: a listing of tens of thousands of names must not hold up the process.
      files = await readdir(dir);
    } catch (err) {
      if (isEnoent(err)) return [];
      throw err;
    }
    stats.listings++;
    missingPids.clear();
    let seen = 0;
    const byBoot = new Map<string, Candidate[]>();
    const slice = slicer();
    for (const file of files) {
      await slice();
      const name = parseRecordName(file);
      if (!name) continue;
      seen++;
      if (unmovable.has(name.id) || inFlight.has(name.id)) continue;
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
    stats.backlog = seen;
    // Within a boot, uptime then (wrap-aware) PID orders records; across boots the oldest file (the first
    // captured) decides and the current boot comes last.
    const groups: Array<{ rank: number; items: Candidate[] }> = [];
    for (const [boot, group] of byBoot) {
      const items = sortRecordNames(group, pidMax);
      let rank = Number.POSITIVE_INFINITY;
      if (boot !== currentBoot) {
        rank = 0;
        for (const c of items) {
          try {
            rank = lstatSync(join(dir, c.file)).mtimeMs;
            break;
          } catch {
            // vanished: the next one
          }
        }
      }
      groups.push({ rank, items });
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
    // A held PermissionRequest: the FIFO its hook waits on (opened by the server, never by the reader).
    const fifo = parsed.meta[HOLD_HEADER] === '1' ? holdFifoPath(dir, c.name.id) : null;
    const hold = fifo ? { hold: { fifo, pid: c.name.pid } } : {};
    const meta = metaFromRecord(parsed.meta, { sentAt, host, ...(tty ? { tty } : {}), ...hold });
    const checked = validateEnvelope({ cli: parsed.meta.cli, payload, meta });
    if (!checked.ok) return checked.error;
    return { id: c.name.id, envelope: checked.envelope, receivedAt };
  }

  /**
   * Reads candidates from `index` on into one batch (at most `maxBatch` records / `maxBatchBytes`), setting
   * aside what cannot be delivered and holding back what is still being written. Returns where it stopped.
   */
  async function readBatch(
    candidates: Candidate[],
    index: number,
    pass: Pass,
  ): Promise<{ index: number; batch: SpoolRecord[]; taken: Candidate[] }> {
    const batch: SpoolRecord[] = [];
    const taken: Candidate[] = [];
    const receivedAt = now();
    let batchBytes = 0;
    const slice = slicer();
    while (
      index < candidates.length &&
      batch.length < maxBatch &&
      batchBytes < maxBatchBytes &&
      !pass.blockAll
    ) {
      await slice();
      const c = candidates[index++]!;
      let read: ReturnType<typeof readRegularFile>;
      try {
        read = readRegularFile(join(dir, c.file), maxRecordBytes);
      } catch (err) {
        // Unreadable (permissions, I/O error): set it aside rather than stall the spool.
        report(err, `reading ${c.file}`);
        reject(c, `unreadable record: ${(err as Error).message}`);
        continue;
      }
      if (read.kind === 'gone') continue;
      if (read.kind === 'refused') {
        reject(c, `not a record: ${read.reason}`);
        continue;
      }
      const parsed = parseRecord(read.buf);
      if (parsed.kind === 'invalid') {
        reject(c, parsed.error);
        continue;
      }
      const sender = parsed.meta?.pid ?? null;
      if (sender !== null && pass.blocked.has(sender)) {
        pass.pending++;
        continue;
      }
      let salvage = false;
      if (parsed.kind === 'incomplete') {
        const age = receivedAt - read.stats.mtimeMs;
        if (age < graceMs) {
          // Still being written: hold back later records of the same agent. A record without its header
          // yet (the hook writes it right after creating the file) holds back everything, but only briefly:
          // after HEADERLESS_BLOCK_MS its writer is gone and it must not stall other agents.
          pass.pending++;
          if (sender !== null) pass.blocked.add(sender);
          else if (age < HEADERLESS_BLOCK_MS) pass.blockAll = true;
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
      taken.push(c);
      batchBytes += read.buf.length;
    }
    return { index, batch, taken };
  }

  /** After a commit: deletes the committed files, sets aside the refused ones; resolves to how many it set aside. */
  async function settle(taken: Candidate[], delivered: Set<string>, outcome: unknown): Promise<number> {
    const refused = refusals(outcome);
    let setAside = 0;
    const slice = slicer();
    for (const c of taken) {
      await slice();
      const id = c.name.id;
      retry.delete(id);
      const reason = delivered.has(id) ? refused.get(id) : undefined;
      if (reason !== undefined) {
        reject(c, `refused by the consumer: ${reason}`);
        setAside++;
        continue;
      }
      try {
        unlinkSync(join(dir, c.file));
      } catch (err) {
        if (!isEnoent(err)) {
          committed.add(id);
          report(err, `deleting ${c.file}`);
        }
      }
    }
    stats.delivered -= setAside;
    return setAside;
  }

  function batchFailed(err: unknown, fresh: SpoolRecord[]): void {
    failures++;
    stats.batchErrors++;
    for (const r of fresh) retry.add(r.id);
    report(err, 'onBatch');
  }

  function slotFreed(): void {
    const waiters = settleWaiters;
    settleWaiters = [];
    for (const w of waiters) w();
  }

  const slotFree = () => new Promise<void>((resolve) => settleWaiters.push(resolve));

  /** Hands a batch to `onBatch`; resolves to how many records it delivered, or -1 when it failed synchronously. */
  async function handOver(batch: SpoolRecord[], taken: Candidate[]): Promise<number> {
    let already: Set<string> = new Set();
    if (options.isDelivered) {
      // Records of a batch the consumer failed are delivered again without asking: a consumer that counted
      // them as delivered before its commit failed must not make the reader drop them.
      const ask = batch.filter((r) => !retry.has(r.id)).map((r) => r.id);
      try {
        if (ask.length > 0) already = options.isDelivered(ask);
      } catch (err) {
        report(err, 'isDelivered');
        failures++;
        stats.batchErrors++;
        return -1;
      }
    }
    const fresh = already.size > 0 ? batch.filter((r) => !already.has(r.id)) : batch;
    const freshIds = new Set(fresh.map((r) => r.id));
    let outcome: unknown;
    if (fresh.length > 0) {
      try {
        outcome = options.onBatch(fresh);
      } catch (err) {
        batchFailed(err, fresh);
        return -1;
      }
      stats.batches++;
      stats.lastBatchAt = now();
    }
    stats.duplicates += batch.length - fresh.length;
    stats.delivered += fresh.length;
    if (!isThenable(outcome)) return fresh.length - (await settle(taken, freshIds, outcome));
    // Committed later: keep the files (and skip them) until it has.
    for (const c of taken) inFlight.add(c.name.id);
    inFlightBatches++;
    stats.inFlight += taken.length;
    stats.inFlightBatches = inFlightBatches;
    const done = () => {
      for (const c of taken) inFlight.delete(c.name.id);
      inFlightBatches--;
      stats.inFlight -= taken.length;
      stats.inFlightBatches = inFlightBatches;
      slotFreed();
      releaseIfIdle();
    };
    Promise.resolve(outcome)
      .then(
        (result) => settle(taken, freshIds, result),
        (err: unknown) => {
          stats.delivered -= fresh.length;
          batchFailed(err, fresh);
        },
      )
      .catch((err: unknown) => report(err, 'settling a batch'))
      .finally(done);
    return fresh.length;
  }

  async function run(): Promise<number> {
    let total = 0;
    const failuresAtStart = failures;
    const halted = () => stopping || failures !== failuresAtStart;
    stats.drains++;
    stats.lastDrainAt = now();
    try {
      for (;;) {
        if (halted() || !holdLock()) break;
        again = false;
        // One listing per pass: a backlog of thousands of files is listed once, then read batch by batch.
        const candidates = await list();
        const pass: Pass = { blocked: new Set(), blockAll: false, pending: 0 };
        let delivered = 0;
        let index = 0;
        while (index < candidates.length && !pass.blockAll) {
          // At most maxInFlight batches parsed and not committed: wait for one to settle before reading more.
          while (inFlightBatches >= maxInFlight && !halted()) await slotFree();
          if (halted() || !holdLock()) return total;
          const read = await readBatch(candidates, index, pass);
          index = read.index;
          // Stopping: what was read stays on disk for the next reader.
          if (halted()) return total;
          if (read.batch.length > 0) {
            const n = await handOver(read.batch, read.taken);
            if (n < 0) return total;
            delivered += n;
            total += n;
          }
          // Let the rest of the process (HTTP, commits, broadcasts) run between batches.
          await nextTurn();
        }
        stats.pending = pass.pending;
        if (delivered === 0 && !again) break;
      }
    } catch (err) {
      report(err, 'drain');
    }
    return total;
  }

  function drain(): Promise<number> {
    again = true;
    // Started and locked out: only the health check tries again (a poll must not probe the lock every time).
    if (running && !holding && stats.lockedBy !== null) return Promise.resolve(0);
    if (!current) {
      current = run().finally(() => {
        current = null;
        releaseIfIdle();
      });
    }
    return current;
  }

  /** A reader that was not started holds the lock only while it drains and has batches in flight. */
  function releaseIfIdle(): void {
    if (running || !holding || current || inFlightBatches > 0) return;
    lock.release();
    holding = false;
  }

  function schedule(): void {
    if (!running || debounceTimer) return;
    debounceTimer = setTimeout(() => {
      debounceTimer = null;
      void drain();
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
    // Locked out: see whether the holder is gone.
    if (!holding) holdLock();
    void drain();
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
      holdLock();
      void drain();
      startWatcher();
      pollTimer = setInterval(() => void drain(), pollMs);
      pollTimer.unref?.();
      healthTimer = setInterval(healthCheck, healthCheckMs);
      healthTimer.unref?.();
    },
    async stop() {
      running = false;
      stats.running = false;
      if (pollTimer) clearInterval(pollTimer);
      if (healthTimer) clearInterval(healthTimer);
      if (debounceTimer) clearTimeout(debounceTimer);
      pollTimer = healthTimer = debounceTimer = null;
      closeWatcher();
      stopping = true;
      slotFreed();
      try {
        if (current) await current;
        while (inFlightBatches > 0) await slotFree();
      } finally {
        stopping = false;
        if (holding) lock.release();
        holding = false;
      }
    },
    drain,
    stats: () => ({ ...stats }),
  };
}
