/**
 * Token usage (issue 17): the rows of `usage_messages` (migration 0007), written one per API response, and their
 * sums by day, project, model or session. Costs are not stored: the caller prices the sums (they come per model).
 */
import type { UsageRecord } from '@flightdeck/shared-types';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { bucketOf } from './analytics.js';
import { parseInput } from './errors.js';
import type { Database } from './schema.js';
import type { WriteOp } from './write-op.js';

const DAY_MS = 86_400_000;

/** One API response's usage, as the core records it. */
export type UsageRecordInput = UsageRecord;

/** The write of a response's usage (stored again: its row is replaced, never doubled). */
export function usageOp(sessionId: string, r: UsageRecordInput): WriteOp {
  return {
    op: 'usage',
    row: {
      session_id: sessionId,
      message_id: r.messageId,
      request_id: r.requestId ?? '',
      agent_id: r.agentId,
      model: r.model,
      at: r.at,
      input_tokens: r.inputTokens,
      output_tokens: r.outputTokens,
      cache_read_tokens: r.cacheReadTokens,
      cache_write_5m_tokens: r.cacheWrite5mTokens,
      cache_write_1h_tokens: r.cacheWrite1hTokens,
    },
  };
}

export const USAGE_GROUPS = ['day', 'project', 'model', 'session'] as const;
export type UsageGroupBy = (typeof USAGE_GROUPS)[number];

/** The sums of one group and one model (a group with two models has two rows). */
export interface UsageSumRow {
  /** The group: `YYYY-MM-DD` (local day), the project path, the model id or the session id. */
  key: string;
  /** What to call it: the day, the project's name, the model, the session's title. */
  label: string;
  model: string;
  messages: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
}

const usageQuerySchema = z
  .object({
    from: z.number().int().nonnegative(),
    to: z.number().int().nonnegative(),
    groupBy: z.enum(USAGE_GROUPS),
    tzOffsetMinutes: z.number().int().min(-840).max(840).default(0),
  })
  .refine((o) => o.to > o.from, { message: 'to must be after from', path: ['to'] });

/** Usage of the responses written in [`from`, `to`), summed per group and model, largest groups first. */
export async function getUsageSums(
  db: Kysely<Database>,
  options: { from: number; to: number; groupBy: UsageGroupBy; tzOffsetMinutes?: number },
): Promise<UsageSumRow[]> {
  const o = parseInput(usageQuerySchema, options, 'getUsageSums');
  const shift = o.tzOffsetMinutes * 60_000;
  const base = db
    .selectFrom('usage_messages as u')
    .leftJoin('sessions as s', 's.id', 'u.session_id')
    .where('u.at', '>=', o.from)
    .where('u.at', '<', o.to)
    .select((eb) => [
      'u.model as model',
      eb.fn.countAll<number>().as('messages'),
      eb.fn.sum<number>('u.input_tokens').as('inputTokens'),
      eb.fn.sum<number>('u.output_tokens').as('outputTokens'),
      eb.fn.sum<number>('u.cache_read_tokens').as('cacheReadTokens'),
      eb.fn.sum<number>('u.cache_write_5m_tokens').as('cacheWrite5mTokens'),
      eb.fn.sum<number>('u.cache_write_1h_tokens').as('cacheWrite1hTokens'),
    ]);
  let rows: Array<Record<string, unknown>>;
  if (o.groupBy === 'day') {
    const day = await base
      .select(bucketOf('at', shift, DAY_MS).as('bucket'))
      .groupBy(['bucket', 'u.model'])
      .execute();
    rows = day.map((r) => {
      const key = new Date(Math.floor(Number(r.bucket)) * DAY_MS).toISOString().slice(0, 10);
      return { ...r, key, label: key };
    });
  } else if (o.groupBy === 'project') {
    rows = await base
      .select((eb) => [
        eb.fn.coalesce('s.project_path', eb.val('')).as('key'),
        eb.fn.max('s.project_name').as('label'),
      ])
      .groupBy(['key', 'u.model'])
      .execute();
  } else if (o.groupBy === 'model') {
    rows = (await base.groupBy('u.model').execute()).map((r) => ({ ...r, key: r.model, label: r.model }));
  } else {
    rows = await base
      .select((eb) => ['u.session_id as key', eb.fn.max('s.title').as('label')])
      .groupBy(['u.session_id', 'u.model'])
      .execute();
  }
  return rows.map((r) => ({
    key: String(r.key),
    label: String(r.label || r.key || 'unknown'),
    model: String(r.model),
    messages: Number(r.messages),
    inputTokens: Number(r.inputTokens),
    outputTokens: Number(r.outputTokens),
    cacheReadTokens: Number(r.cacheReadTokens),
    cacheWrite5mTokens: Number(r.cacheWrite5mTokens),
    cacheWrite1hTokens: Number(r.cacheWrite1hTokens),
  }));
}
