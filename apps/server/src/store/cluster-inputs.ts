/**
 * Inputs outside the event log on several servers (issue 19): a user action (title, label, archive, prompt queue,
 * …), the usage a transcript or OpenTelemetry reported, a forwarder's "process gone" or a local process found dead
 * changes the state of the server that took it; the event log does not carry it, so without this the other servers
 * would go on showing the session as it was.
 *
 * - The server that applied such an input (`SHARED_INPUTS`, changing the state) inserts it into `cluster_inputs`
 *   and NOTIFYs `flightdeck_inputs` `{s, id}` in the same transaction, one at a time in the order it applied them.
 * - Every server reads the rows after its cursor (on the notice, after each reconnect, on the safety poll) and
 *   applies the other servers' ones to its runtime as theirs (`Runtime.dispatchForeign`: reduced and broadcast; of
 *   their effects only timers run). Ids skipped by the cursor (two servers committing at once) are read again
 *   until they appear or `GAP_MS` passes, as for events.
 * - Rows older than `KEEP_MS` are deleted: a server that starts later loads their effect with the rows it loads (the
 *   input changed the state, so the server that took it checkpoints at once).
 */
import type { PostgresAdapter } from '@flightdeck/db';
import { z } from 'zod';
import type { CoreInput } from '../ports.js';
import type { Logger, Runtime } from '../runtime.js';
import { catchUpLoop } from './catch-up.js';
import { createIdCursor } from './id-cursor.js';

export const INPUTS_CHANNEL = 'flightdeck_inputs';
/**
 * The inputs that travel. Not: hook events (the event log), timers (every server runs its own), decisions
 * (cluster-approvals.ts), and what is this server's own business (its settings, retention, terminals, held hooks,
 * the identity of a process on its machine).
 */
export const SHARED_INPUTS: ReadonlySet<string> = new Set<CoreInput['type']>([
  'user',
  'transcript',
  'otel',
  'process-gone',
  'pid-dead',
]);
const GAP_MS = 30_000;
const KEEP_MS = 10 * 60_000;
const READ_BATCH = 200;
const notice = z.object({ s: z.string().max(64), id: z.number().int().nonnegative() });
/** A row's input: an object of a shared type (its fields are the core's to weigh, as for this server's own). */
const sharedInput = z
  .object({ type: z.string().refine((t) => SHARED_INPUTS.has(t), 'not an input shared between servers') })
  .passthrough();

export interface ClusterInputs {
  /** Shares an input this server applied (ignored unless in `SHARED_INPUTS`). */
  publish(input: CoreInput): void;
  /** A `flightdeck_inputs` notification. */
  onNotice(payload: string): void;
  /** Reads the rows after the cursor (and the gaps) and applies the other servers' inputs. */
  catchUp(): Promise<void>;
  /** Waits for what was published (tests, close). */
  published(): Promise<void>;
  stats(): { published: number; applied: number };
}

export async function createClusterInputs(o: {
  db: PostgresAdapter['db'];
  serverId: string;
  log: Logger;
  now: () => number;
  runtime: () => Runtime | null;
  notify: (exec: PostgresAdapter['db'], payload: string) => Promise<void>;
}): Promise<ClusterInputs> {
  const { db, serverId, log, now } = o;
  const top = await db
    .selectFrom('cluster_inputs')
    .select((eb) => eb.fn.max('id').as('m'))
    .executeTakeFirst();
  // What was applied before this server started is in the rows it loads.
  const cursor = createIdCursor(Number(top?.m ?? 0), GAP_MS);
  let chain: Promise<void> = Promise.resolve();
  let published = 0;
  let applied = 0;
  let lastPrune = 0;

  async function insert(input: CoreInput) {
    await db.transaction().execute(async (tx) => {
      const row = await tx
        .insertInto('cluster_inputs')
        .values({ server_id: serverId, input: JSON.stringify(input), created_at: now() })
        .returning('id')
        .executeTakeFirstOrThrow();
      await o.notify(
        tx as unknown as PostgresAdapter['db'],
        JSON.stringify({ s: serverId, id: Number(row.id) }),
      );
    });
    published += 1;
  }

  async function readOnce(): Promise<boolean> {
    const at = now();
    const { from, gapIds } = cursor.pending(at);
    const rows = await db
      .selectFrom('cluster_inputs')
      .select(['id', 'server_id', 'input'])
      .where((eb) =>
        gapIds.length > 0 ? eb.or([eb('id', '>', from), eb('id', 'in', gapIds)]) : eb('id', '>', from),
      )
      .orderBy('id')
      .limit(READ_BATCH)
      .execute();
    for (const r of rows) {
      const id = Number(r.id);
      if (!cursor.take(id, at) || r.server_id === serverId) continue;
      const rt = o.runtime();
      let input: CoreInput;
      try {
        input = sharedInput.parse(JSON.parse(r.input)) as CoreInput;
      } catch {
        log.warn({ id }, 'cluster: a shared input could not be read; skipped');
        continue;
      }
      if (!rt) continue;
      applied += 1;
      await rt
        .dispatchForeign(input)
        .catch((err) => log.warn({ err, id }, "cluster: another server's input failed"));
    }
    if (at - lastPrune > KEEP_MS / 10) {
      lastPrune = at;
      await db
        .deleteFrom('cluster_inputs')
        .where('created_at', '<', at - KEEP_MS)
        .execute();
    }
    return rows.length === READ_BATCH;
  }

  const catchUp = catchUpLoop(readOnce, (err) =>
    log.warn({ err }, 'cluster: reading the shared inputs failed (read again on the next notice or poll)'),
  );

  return {
    publish(input) {
      if (!SHARED_INPUTS.has(input.type)) return;
      chain = chain.then(
        () => insert(input),
        () => insert(input),
      );
      chain.catch((err) => log.warn({ err, input: input.type }, 'cluster: an input could not be shared'));
    },
    onNotice(payload) {
      try {
        const n = notice.parse(JSON.parse(payload));
        if (n.s === serverId || cursor.seen(n.id)) return;
      } catch {
        log.warn({ payload: payload.slice(0, 200) }, 'cluster: input notification not understood; reading');
      }
      void catchUp();
    },
    catchUp,
    published: () => chain.catch(() => undefined),
    stats: () => ({ published, applied }),
  };
}
