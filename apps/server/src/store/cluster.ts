/**
 * Several Flightdeck servers on one PostgreSQL (issue 19): what one server ingests reaches the browsers of every
 * other. The event log (`hook_events`) is shared and is the truth; each server keeps its own in-memory core state,
 * a projection of every server's events plus its own local inputs (timers, user actions).
 *
 * - Every transaction that stores raw events NOTIFYs `flightdeck_events` with `{s: server id, id: highest event
 *   id}` (ids only), inside the transaction: PostgreSQL sends it on commit, and only if it commits. The ingest ids
 *   of those events are remembered (before the commit) as this server's own.
 * - Every server LISTENs on a connection of its own (`listenPostgres`, reconnecting after a loss). On a notification
 *   from another server, after every (re)connect and on a slow safety poll it reads the rows after the last one it
 *   saw, skips its own, and hands the others to its runtime as already-stored inputs (`Runtime.applyForeign`):
 *   reduced and broadcast, never stored again, and of their effects only timers run (the PIDs, held hooks, alerts
 *   and terminals belong to the server that took the event in).
 * - A notification is never replayed, so the rows are the truth: ids are taken from a sequence before commit, so a
 *   row with a smaller id can become visible after a larger one (two servers committing at once). The ids skipped
 *   when the cursor moves are kept as gaps and read again until they appear or `GAP_MS` passes (a rolled-back or
 *   conflicting insert uses an id that never appears).
 *
 * Held approvals decided on a server that does not hold the hook: cluster-approvals.ts.
 */
import { randomBytes } from 'node:crypto';
import {
  type LoggedHookEvent,
  listenPostgres,
  notifyPostgres,
  type PgListener,
  type PostgresAdapter,
  toLoggedEvent,
} from '@flightdeck/db';
import { z } from 'zod';
import type { StorePort } from '../ports.js';
import type { Logger, Runtime } from '../runtime.js';
import { catchUpLoop } from './catch-up.js';
import { type ClusterApprovals, createClusterApprovals } from './cluster-approvals.js';
import { type ClusterInputs, createClusterInputs, INPUTS_CHANNEL } from './cluster-inputs.js';
import { createIdCursor } from './id-cursor.js';
import type { StoreOptions } from './options.js';

export const EVENTS_CHANNEL = 'flightdeck_events';
export const APPROVALS_CHANNEL = 'flightdeck_approvals';
/** Interval of the safety poll: what a lost notification (there is none in normal operation) waits at most. */
export const SAFETY_POLL_MS = 2000;
/** How long an id skipped by the cursor is looked for before it is taken as never coming. */
export const GAP_MS = 30_000;
/** Rows read per query. */
const READ_BATCH = 2000;
/** How long an own ingest id is remembered when the reader never meets its row (pruned before it was read). */
const OWN_ID_MS = 10 * 60_000;

const eventsNotice = z.object({ s: z.string().max(64), id: z.number().int().nonnegative().nullable() });

export interface ClusterOptions {
  /** This server's id in notifications and decision rows (default: random). */
  serverId?: string;
  log: Logger;
  safetyPollMs?: number;
  gapMs?: number;
  /** How long a decision waits for the server holding the hook to claim it (default `UNCLAIMED_MS`). */
  unclaimedMs?: number;
  /** Delay before the LISTEN connection is made again, by failures in a row (default: 50 ms doubling to 2 s). */
  listenRetryMs?: (failures: number) => number;
  now?: () => number;
  /** Longest time between this server's checkpoints (tests; default the store's). */
  checkpointMs?: number;
}

export interface ClusterStats {
  serverId: string;
  /** The LISTEN connection is up. */
  listening: boolean;
  /** Times it connected (more than 1: it was lost and came back). */
  connections: number;
  /** Highest event id read. */
  cursor: number;
  /** Every event id up to this is in this server's state (store/applied.ts). */
  prefix: number;
  /** Ids skipped by the cursor and still looked for. */
  gaps: number;
  /** Events of other servers applied here. */
  applied: number;
  /** Backend pid of the LISTEN connection (null while disconnected). */
  listenerPid: number | null;
}

export interface Cluster {
  readonly serverId: string;
  /** The store's options here: each session row records which logged events it holds (store/applied.ts). */
  readonly storeOptions: StoreOptions;
  /**
   * The store with its `load` and `stage` watched: the events weighed on start are not read again, and another
   * server's event counts as held once a staged batch reduced it.
   */
  trackLoad(store: StorePort): StorePort;
  /** Starts listening and reading for `runtime` (after it is created: its state holds what was loaded). */
  start(runtime: Runtime): void;
  /** Decisions of held approvals whose hook another server holds. */
  readonly approvals: ClusterApprovals;
  /** Inputs outside the event log (user actions, usage, processes gone), shared with the other servers. */
  readonly inputs: ClusterInputs;
  /** Reads the event log now (tests; the notifications and the safety poll do it otherwise). */
  catchUp(): Promise<void>;
  stats(): ClusterStats;
  close(): Promise<void>;
}

type Db = PostgresAdapter['db'];

async function maxEventId(db: Db): Promise<number> {
  const r = await db
    .selectFrom('hook_events')
    .select((eb) => eb.fn.max('id').as('m'))
    .executeTakeFirst();
  return Number(r?.m ?? 0);
}

/**
 * Prepares a server on a shared PostgreSQL before its store loads: the highest event id now (what the load will
 * include at least) and the transaction hook (own ingest ids, the NOTIFY). `start` then listens.
 */
export async function prepareCluster(database: PostgresAdapter, o: ClusterOptions): Promise<Cluster> {
  const { db } = database;
  const log = o.log;
  const now = o.now ?? Date.now;
  const serverId = o.serverId ?? randomBytes(6).toString('hex');
  const gapMs = o.gapMs ?? GAP_MS;
  /** Ingest ids this server stored (or is storing): their rows are skipped. */
  const own = new Map<string, number>();
  /** Other servers' events read and handed to the runtime, not staged yet: ingest id → event id. */
  const pending = new Map<string, number>();
  const cursor = createIdCursor(await maxEventId(db), gapMs);
  let applied = 0;
  let runtime: Runtime | null = null;
  let listener: PgListener | null = null;
  let poll: NodeJS.Timeout | null = null;
  let closed = false;

  // Each plan with raw events NOTIFYs on commit (on the database's writer thread); its ingest ids are marked this
  // server's own when it is handed to the writer, before the notification can bring them back.
  database.setEventNotify({
    channel: EVENTS_CHANNEL,
    server: serverId,
    onWrite(ops) {
      const t = now();
      for (const op of ops) if (op.op === 'hookEvent') own.set(op.row.ingest_id, t);
    },
  });

  function expire(at: number) {
    for (const [id, since] of own) if (at - since > OWN_ID_MS) own.delete(id);
  }

  /**
   * One read: the ids (and ingest ids) after the cursor and in the gaps first, then whole rows only for the other
   * servers' events (this server's own, often most of them, are never fetched).
   */
  async function readOnce(): Promise<boolean> {
    const { from, gapIds } = cursor.pending(now());
    const ids = await db
      .selectFrom('hook_events')
      .select(['id', 'ingest_id'])
      .where((eb) =>
        gapIds.length > 0 ? eb.or([eb('id', '>', from), eb('id', 'in', gapIds)]) : eb('id', '>', from),
      )
      .orderBy('id')
      .limit(READ_BATCH)
      .execute();
    const at = now();
    const wanted: number[] = [];
    for (const r of ids) {
      if (cursor.take(r.id, at) && !own.delete(r.ingest_id)) wanted.push(r.id);
    }
    expire(at);
    if (wanted.length === 0) return ids.length === READ_BATCH;
    const rows = await db
      .selectFrom('hook_events')
      .select(['id', 'ingest_id', 'cli', 'payload', 'meta', 'received_at'])
      .where('id', 'in', wanted)
      .orderBy('id')
      .execute();
    const foreign: LoggedHookEvent[] = [];
    for (const r of rows) {
      try {
        foreign.push(toLoggedEvent(r));
      } catch (err) {
        log.warn({ err, id: r.id }, 'cluster: a stored event could not be read; skipped');
      }
    }
    if (foreign.length > 0 && runtime) {
      applied += foreign.length;
      for (const e of foreign) pending.set(e.ingestId, e.id);
      runtime.applyForeign(foreign).catch((err) => {
        for (const e of foreign) pending.delete(e.ingestId);
        log.warn({ err }, "cluster: another server's events were not applied");
      });
    }
    return ids.length === READ_BATCH;
  }

  /** Reads until nothing is left; a call while reading makes the running read go round once more. */
  const catchUp = catchUpLoop(
    readOnce,
    (err) =>
      log.warn({ err }, 'cluster: reading the event log failed (read again on the next notice or poll)'),
    () => closed,
  );

  function onEventsNotice(payload: string) {
    let notice: z.infer<typeof eventsNotice>;
    try {
      notice = eventsNotice.parse(JSON.parse(payload));
    } catch {
      log.warn(
        { payload: payload.slice(0, 200) },
        'cluster: notification not understood; reading all the same',
      );
      void catchUp();
      return;
    }
    if (notice.s === serverId) return;
    if (notice.id === null || notice.id > cursor.position || cursor.gapCount > 0) void catchUp();
  }

  /** Every event id up to this is in the state staged so far: read (this server's) or applied (another's). */
  function prefix(): number {
    let p = cursor.prefix();
    for (const id of pending.values()) if (id <= p) p = id - 1;
    return p;
  }

  const approvals = createClusterApprovals({
    db,
    serverId,
    log,
    now,
    runtime: () => runtime,
    ...(o.unclaimedMs !== undefined ? { unclaimedMs: o.unclaimedMs } : {}),
    notify: (exec, payload) => notifyPostgres(exec, APPROVALS_CHANNEL, payload),
  });

  const inputs = await createClusterInputs({
    db,
    serverId,
    log,
    now,
    runtime: () => runtime,
    notify: (exec, payload) => notifyPostgres(exec, INPUTS_CHANNEL, payload),
  });

  return {
    serverId,
    approvals,
    inputs,
    storeOptions: {
      applied: { prefix },
      ...(o.checkpointMs !== undefined ? { checkpointMs: o.checkpointMs } : {}),
    },
    trackLoad(store) {
      return {
        ...store,
        async load() {
          const loaded = await store.load();
          // Every event up to the watermark and each one weighed after it is in the state (replayed or held by
          // its rows): the cursor starts after them; ids in between that the load did not see are gaps.
          const weighed = new Set<number>(loaded.weighed?.ids ?? []);
          const from = loaded.weighed?.after ?? cursor.position;
          let top = from;
          for (const id of weighed) if (id > top) top = id;
          for (const e of loaded.replay) {
            const id = (e as Partial<LoggedHookEvent>).id;
            if (typeof id === 'number' && id > top) top = id;
          }
          cursor.reset(from, top, weighed, now());
          return loaded;
        },
        stage(batch) {
          for (const ev of batch.applied ?? []) pending.delete(ev.ingestId);
          return store.stage(batch);
        },
      };
    },
    start(rt) {
      runtime = rt;
      listener = listenPostgres({
        url: database.url,
        ...(database.schema ? { schema: database.schema } : {}),
        channels: [EVENTS_CHANNEL, APPROVALS_CHANNEL, INPUTS_CHANNEL],
        onNotify(channel, payload) {
          if (channel === EVENTS_CHANNEL) onEventsNotice(payload);
          else if (channel === INPUTS_CHANNEL) inputs.onNotice(payload);
          else approvals.onNotice(payload);
        },
        onConnected() {
          // Whatever was notified while the connection was down is in the tables.
          void catchUp();
          approvals.catchUp();
          void inputs.catchUp();
        },
        ...(o.listenRetryMs ? { retryDelayMs: o.listenRetryMs } : {}),
        onError(err) {
          if (!closed) log.warn({ err }, 'cluster: the LISTEN connection was lost; connecting again');
        },
      });
      poll = setInterval(() => {
        void catchUp();
        approvals.catchUp();
        void inputs.catchUp();
      }, o.safetyPollMs ?? SAFETY_POLL_MS);
      poll.unref?.();
    },
    catchUp,
    stats: () => ({
      serverId,
      listening: listener?.connected() ?? false,
      connections: listener?.connections() ?? 0,
      cursor: cursor.position,
      prefix: prefix(),
      gaps: cursor.gapCount,
      applied,
      listenerPid: listener?.backendPid() ?? null,
    }),
    async close() {
      closed = true;
      if (poll) clearInterval(poll);
      poll = null;
      // The transaction hook stays: what the store still commits before the database closes is notified too.
      await listener?.close();
      await catchUp.running();
      await approvals.close();
      await inputs.published();
    },
  };
}
