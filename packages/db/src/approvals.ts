/** The audit of held approvals (issue 15): rows of `approval_decisions` (migration 0004). */
import type { ApprovalDecisionRecord, ApprovalOutcome, ApprovalVia } from '@flightdeck/shared-types';
import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import { parseInput } from './errors.js';
import type { ApprovalDecisionsTable, Database } from './schema.js';
import type { WriteOp } from './write-op.js';

/** The write of a closed approval (a repeated id is ignored when applied). */
export function approvalDecisionOp(r: ApprovalDecisionRecord): WriteOp {
  return {
    op: 'approval',
    row: {
      id: r.id,
      session_id: r.sessionId,
      tool: r.tool,
      summary: r.summary,
      opened_at: r.openedAt,
      closed_at: r.closedAt,
      outcome: r.outcome,
      message: r.message,
      remember: r.remember,
      by_address: r.by?.address ?? null,
      by_authenticated: r.by === null ? null : r.by.authenticated ? 1 : 0,
      via: r.via,
    },
  };
}

function toRecord(row: Selectable<ApprovalDecisionsTable>): ApprovalDecisionRecord {
  return {
    id: row.id,
    sessionId: row.session_id,
    tool: row.tool,
    summary: row.summary,
    openedAt: row.opened_at,
    closedAt: row.closed_at,
    outcome: row.outcome as ApprovalOutcome,
    message: row.message,
    remember: row.remember === 'session' ? 'session' : null,
    by:
      row.by_address === null ? null : { address: row.by_address, authenticated: row.by_authenticated === 1 },
    via: row.via as ApprovalVia | null,
  };
}

const listSchema = z.object({
  sessionId: z.string().min(1).max(512).optional(),
  limit: z.number().int().min(1).max(1000).default(100),
  /** Only records closed before this time (paging: the last `closedAt` of the previous page). */
  before: z.number().int().nonnegative().optional(),
});

/** Closed approvals, newest first (optionally of one session, before a time). */
export async function listApprovalDecisions(
  db: Kysely<Database>,
  opts: { sessionId?: string; limit?: number; before?: number } = {},
): Promise<ApprovalDecisionRecord[]> {
  const o = parseInput(listSchema, opts, 'listApprovalDecisions');
  let q = db.selectFrom('approval_decisions').selectAll();
  if (o.sessionId !== undefined) q = q.where('session_id', '=', o.sessionId);
  if (o.before !== undefined) q = q.where('closed_at', '<', o.before);
  const rows = await q.orderBy('closed_at', 'desc').orderBy('id', 'desc').limit(o.limit).execute();
  return rows.map(toRecord);
}
