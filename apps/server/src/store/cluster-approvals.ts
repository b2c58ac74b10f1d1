/**
 * Held approvals on several servers (issue 19): the hook waits on a FIFO of the server whose spool took its record
 * (the holder); a decision taken on any other server reaches it through the database.
 *
 * - The deciding server inserts the decision into `cluster_decisions` (the approval id is the key: a second
 *   decision of the same approval is refused there, so an approval is decided once whichever servers are asked)
 *   and NOTIFYs `flightdeck_approvals` `{s, id, kind: 'request'}` in the same transaction.
 * - Every server reads the unclaimed requests (on the notice, on reconnect, on the safety poll); the one that holds
 *   the FIFO claims the row (`claimed_by`, set once), applies the decision to its runtime, waits for the reply line
 *   to be in the FIFO, writes the `result` and NOTIFYs `{kind: 'result'}`. A request read twice is claimed once.
 * - On a result every other server applies the same decision to its own state (`Runtime.dispatchForeign`: the card
 *   closes there too, nothing is written to a FIFO), and the deciding server answers its caller with it.
 * - Nobody claims it within `UNCLAIMED_MS` (no server holds the hook any more): the deciding server closes the row
 *   with that reason itself (only while unclaimed), and the caller is told to answer in the terminal.
 */
import type { ApprovalDecision } from '@flightdeck/core';
import type { PostgresAdapter } from '@flightdeck/db';
import { z } from 'zod';
import type { ReplyResult } from '../effects/index.js';
import type { Logger, Runtime } from '../runtime.js';

/** How long a request may wait for the holder to claim it. */
export const UNCLAIMED_MS = 5000;
/** How long the deciding server waits for the holder's result once claimed. */
export const RESULT_WAIT_MS = 15_000;
/** Why a decision nobody claimed was refused (the caller closes the approval here then). */
export const NOT_HELD_ANYWHERE = 'no server holds this hook any more';
/** Requests read per catch-up. */
const READ_BATCH = 100;

export type ClusterDecision = Omit<ApprovalDecision, 'approvalId'>;

const actor = z.object({ address: z.string().max(256), authenticated: z.boolean() }).nullable();
const decisionSchema = z.object({
  behavior: z.enum(['allow', 'deny']),
  message: z.string().max(10_000).optional(),
  remember: z.literal('session').optional(),
  interrupt: z.boolean().optional(),
  answers: z.record(z.string(), z.string()).optional(),
  by: actor,
  via: z.enum(['browser', 'api', 'push']).nullable(),
});
const resultSchema = z.union([
  z.object({ ok: z.literal(true) }),
  z.object({ ok: z.literal(false), reason: z.string() }),
]);
const notice = z.object({
  s: z.string().max(64),
  id: z.string().min(1).max(256),
  kind: z.enum(['request', 'result']),
});

export interface ClusterApprovals {
  /**
   * Sends a decision to the server holding the hook; resolves with what became of the reply (`ok: false` with the
   * reason: decided already, no server holds the hook, the holder could not write it).
   */
  decide(approvalId: string, decision: ClusterDecision): Promise<ReplyResult>;
  /** A `flightdeck_approvals` notification. */
  onNotice(payload: string): void;
  /** Reads the unclaimed requests and the results waited for (after a reconnect, on the safety poll). */
  catchUp(): void;
  close(): Promise<void>;
}

interface Waiter {
  resolve(r: ReplyResult): void;
}

export function createClusterApprovals(o: {
  db: PostgresAdapter['db'];
  serverId: string;
  log: Logger;
  now: () => number;
  runtime: () => Runtime | null;
  /** NOTIFY `flightdeck_approvals` through `exec` (a transaction: sent on its commit). */
  notify(exec: PostgresAdapter['db'], payload: string): Promise<void>;
  unclaimedMs?: number;
  resultWaitMs?: number;
}): ClusterApprovals {
  const { db, serverId, log, now } = o;
  const waiting = new Map<string, Waiter>();
  /** Results already applied to this server's state (a result notice read twice is applied once). */
  const seenResults = new Set<string>();
  let closed = false;
  let claiming: Promise<void> | null = null;
  let claimAgain = false;

  const send = (id: string, kind: 'request' | 'result') =>
    o.notify(db, JSON.stringify({ s: serverId, id, kind })).catch((err) => {
      log.warn({ err, approvalId: id }, 'cluster: approval notice not sent (the poll finds it)');
    });

  /** The holder's work for one claimed row: the decision applied, the reply written, the result stored. */
  async function apply(rt: Runtime, id: string, raw: string): Promise<void> {
    let result: ReplyResult;
    const parsed = decisionSchema.safeParse(safeJson(raw));
    if (!parsed.success) result = { ok: false, reason: 'the decision could not be read' };
    else {
      const r = await rt.dispatch({
        type: 'approval-decide',
        approvalId: id,
        ...stripUndefined(parsed.data),
      });
      if (r.rejected.length > 0) result = { ok: false, reason: r.rejected.join('; ') };
      else result = (await rt.holds.replied(id)) ?? { ok: false, reason: 'the reply was not written' };
    }
    seenResults.add(id);
    await db
      .updateTable('cluster_decisions')
      .set({ result: JSON.stringify(result), decided_at: now() })
      .where('approval_id', '=', id)
      .where('claimed_by', '=', serverId)
      .execute();
    await send(id, 'result');
    settle(id, result);
  }

  /** Claims and applies the unclaimed requests whose FIFO this server holds. */
  async function claimOnce(): Promise<void> {
    const rt = o.runtime();
    if (!rt || rt.holds.size() === 0) return;
    const rows = await db
      .selectFrom('cluster_decisions')
      .select(['approval_id'])
      .where('claimed_by', 'is', null)
      .where('result', 'is', null)
      .orderBy('requested_at')
      .limit(READ_BATCH)
      .execute();
    for (const { approval_id: id } of rows) {
      if (rt.holds.holdState(id) !== 'held') continue;
      const claimed = await db
        .updateTable('cluster_decisions')
        .set({ claimed_by: serverId })
        .where('approval_id', '=', id)
        .where('claimed_by', 'is', null)
        .where('result', 'is', null)
        .returning(['decision'])
        .executeTakeFirst();
      if (!claimed) continue;
      await apply(rt, id, claimed.decision);
    }
  }

  function claim(): void {
    if (closed) return;
    if (claiming) {
      claimAgain = true;
      return;
    }
    claiming = (async () => {
      try {
        do {
          claimAgain = false;
          await claimOnce();
        } while (claimAgain && !closed);
      } catch (err) {
        log.warn({ err }, 'cluster: approval requests not read (read again on the next notice or poll)');
      } finally {
        claiming = null;
      }
    })();
  }

  function settle(id: string, r: ReplyResult) {
    const w = waiting.get(id);
    if (!w) return;
    waiting.delete(id);
    w.resolve(r);
  }

  /** A result written by the holder: applied to this server's state (once), and to the caller waiting here. */
  async function readResult(id: string): Promise<void> {
    const row = await db
      .selectFrom('cluster_decisions')
      .select(['decision', 'result', 'claimed_by'])
      .where('approval_id', '=', id)
      .executeTakeFirst();
    if (!row || row.result === null) return;
    const result = resultSchema.safeParse(safeJson(row.result));
    const r: ReplyResult = result.success
      ? result.data
      : { ok: false, reason: 'the result could not be read' };
    if (r.ok && row.claimed_by !== serverId && !seenResults.has(id)) {
      if (seenResults.size >= 10_000) seenResults.clear();
      seenResults.add(id);
      const decision = decisionSchema.safeParse(safeJson(row.decision));
      const rt = o.runtime();
      if (decision.success && rt) {
        await rt.dispatchForeign({
          type: 'approval-decide',
          approvalId: id,
          ...stripUndefined(decision.data),
        });
      }
    }
    settle(id, r);
  }

  async function decide(approvalId: string, decision: ClusterDecision): Promise<ReplyResult> {
    const inserted = await db.transaction().execute(async (tx) => {
      const row = await tx
        .insertInto('cluster_decisions')
        .values({
          approval_id: approvalId,
          decision: JSON.stringify(decision),
          requested_by: serverId,
          requested_at: now(),
        })
        .onConflict((oc) => oc.column('approval_id').doNothing())
        .returning('approval_id')
        .executeTakeFirst();
      if (row) await o.notify(tx, JSON.stringify({ s: serverId, id: approvalId, kind: 'request' }));
      return row !== undefined;
    });
    if (!inserted) return { ok: false, reason: 'this approval was already decided' };
    const answer = new Promise<ReplyResult>((resolve) => waiting.set(approvalId, { resolve }));
    const unclaimed = setTimeout(async () => {
      // Nobody holds the hook: the row is closed here, unless the holder claimed it meanwhile.
      const reason = NOT_HELD_ANYWHERE;
      const r = await db
        .updateTable('cluster_decisions')
        .set({ result: JSON.stringify({ ok: false, reason }), decided_at: now() })
        .where('approval_id', '=', approvalId)
        .where('claimed_by', 'is', null)
        .where('result', 'is', null)
        .executeTakeFirst()
        .catch(() => null);
      if (r && Number(r.numUpdatedRows) > 0) settle(approvalId, { ok: false, reason });
    }, o.unclaimedMs ?? UNCLAIMED_MS);
    const gaveUp = setTimeout(
      () => settle(approvalId, { ok: false, reason: 'the server holding this hook did not answer' }),
      (o.unclaimedMs ?? UNCLAIMED_MS) + (o.resultWaitMs ?? RESULT_WAIT_MS),
    );
    try {
      return await answer;
    } finally {
      clearTimeout(unclaimed);
      clearTimeout(gaveUp);
    }
  }

  return {
    decide,
    onNotice(payload) {
      const n = notice.safeParse(safeJson(payload));
      if (!n.success) {
        log.warn({ payload: payload.slice(0, 200) }, 'cluster: approval notice not understood');
        return;
      }
      if (n.data.kind === 'request') claim();
      else if (n.data.s !== serverId || waiting.has(n.data.id)) {
        readResult(n.data.id).catch((err) => log.warn({ err }, 'cluster: approval result not read'));
      }
    },
    catchUp() {
      claim();
      for (const id of waiting.keys()) {
        readResult(id).catch((err) => log.warn({ err }, 'cluster: approval result not read'));
      }
    },
    async close() {
      closed = true;
      await claiming;
      for (const id of [...waiting.keys()]) settle(id, { ok: false, reason: 'the server is shutting down' });
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The decision without its absent fields (the core's input takes optional fields, not `undefined`). */
function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
