/**
 * Analytics (spec §12.8). "Activity" = prompts + tool calls as stored in their tables.
 * Time zones: `tzOffsetMinutes` is what to ADD to UTC to get local time (CET = +60, New York = -300);
 * note that JavaScript's `Date#getTimezoneOffset()` has the opposite sign.
 */
import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import { z } from 'zod';
import { parseInput } from './errors.js';
import type { Database } from './schema.js';
import { projectsQuery } from './sessions.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/**
 * `(column + shift) / size` rounded down, in plain SQL arithmetic any dialect runs: the remainder is taken off
 * first, so the division is exact whether the driver binds numbers as integers or as reals.
 */
export function bucketOf(column: 'timestamp' | 'started_at' | 'at', shift: number, size: number) {
  const local = sql`(${sql.ref(column)} + ${shift})`;
  return sql<number>`(${local} - ${local} % ${size}) / ${size}`;
}

/** How many sessions are not ended (portable: a CASE, not a boolean summed). */
const notEnded = (eb: ExpressionBuilder<Database, 'sessions'>) =>
  eb.fn.sum<number>(eb.case().when('status', '!=', 'ended').then(1).else(0).end());
const tzSchema = z.number().int().min(-840).max(840).default(0);

export interface SummaryStats {
  totalSessions: number;
  /** Sessions whose status is not `ended`. */
  activeSessions: number;
  totalPrompts: number;
  totalToolCalls: number;
  /** Sessions started in the 24 h before `now`. */
  sessionsLast24h: number;
  mostUsedTool: { tool: string; count: number } | null;
  /** Project with the most sessions (ties: most recent activity). */
  busiestProject: { projectPath: string; projectName: string; sessionCount: number } | null;
}

export async function getSummaryStats(db: Kysely<Database>, now: number): Promise<SummaryStats> {
  const t = parseInput(z.number().int().nonnegative(), now, 'getSummaryStats: now');
  const [sessions, prompts, tools, topTool, topProject] = await Promise.all([
    db
      .selectFrom('sessions')
      .select((eb) => [
        eb.fn.countAll<number>().as('total'),
        notEnded(eb).as('active'),
        eb.fn
          .sum<number>(
            eb
              .case()
              .when('started_at', '>=', t - DAY_MS)
              .then(1)
              .else(0)
              .end(),
          )
          .as('recent'),
      ])
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('prompts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('tool_calls')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('tool_calls')
      .select((eb) => ['tool_name', eb.fn.countAll<number>().as('n')])
      .groupBy('tool_name')
      .orderBy('n', 'desc')
      .orderBy('tool_name')
      .limit(1)
      .executeTakeFirst(),
    projectsQuery(db).orderBy('n', 'desc').orderBy('last', 'desc').limit(1).executeTakeFirst(),
  ]);
  return {
    totalSessions: Number(sessions.total),
    activeSessions: Number(sessions.active ?? 0),
    totalPrompts: Number(prompts.n),
    totalToolCalls: Number(tools.n),
    sessionsLast24h: Number(sessions.recent ?? 0),
    mostUsedTool: topTool ? { tool: topTool.tool_name, count: Number(topTool.n) } : null,
    busiestProject: topProject
      ? {
          projectPath: topProject.project_path,
          projectName: topProject.project_name,
          sessionCount: Number(topProject.n),
        }
      : null,
  };
}

export interface ToolBreakdownEntry {
  tool: string;
  count: number;
  /** Share of all tool calls, 0–100, one decimal. */
  percentage: number;
}

/** Calls per tool, most used first. */
export async function getToolBreakdown(db: Kysely<Database>): Promise<ToolBreakdownEntry[]> {
  const rows = await db
    .selectFrom('tool_calls')
    .select((eb) => ['tool_name', eb.fn.countAll<number>().as('n')])
    .groupBy('tool_name')
    .orderBy('n', 'desc')
    .orderBy('tool_name')
    .execute();
  const total = rows.reduce((a, r) => a + Number(r.n), 0);
  return rows.map((r) => ({
    tool: r.tool_name,
    count: Number(r.n),
    percentage: total === 0 ? 0 : Math.round((Number(r.n) * 1000) / total) / 10,
  }));
}

export interface ActiveProject {
  projectPath: string;
  projectName: string;
  sessionCount: number;
  /** Sessions not ended. */
  activeSessionCount: number;
  totalPrompts: number;
  totalToolCalls: number;
  lastActivityAt: number;
}

/** Projects with their session counts, most recently active first. */
export async function getActiveProjects(
  db: Kysely<Database>,
  options: { limit?: number } = {},
): Promise<ActiveProject[]> {
  const o = parseInput(
    z.object({ limit: z.number().int().min(1).max(1000).default(50) }),
    options,
    'getActiveProjects',
  );
  const rows = await db
    .selectFrom('sessions')
    .select((eb) => [
      'project_path',
      eb.fn.max('project_name').as('project_name'),
      eb.fn.countAll<number>().as('n'),
      notEnded(eb).as('active'),
      eb.fn.sum<number>('total_prompts').as('prompts'),
      eb.fn.sum<number>('total_tool_calls').as('tools'),
      eb.fn.max('last_activity_at').as('last'),
    ])
    .groupBy('project_path')
    .orderBy('last', 'desc')
    .limit(o.limit)
    .execute();
  return rows.map((r) => ({
    projectPath: r.project_path,
    projectName: r.project_name,
    sessionCount: Number(r.n),
    activeSessionCount: Number(r.active ?? 0),
    totalPrompts: Number(r.prompts ?? 0),
    totalToolCalls: Number(r.tools ?? 0),
    lastActivityAt: Number(r.last),
  }));
}

export interface HeatmapCell {
  /** 0 = Monday … 6 = Sunday (local time). */
  day_of_week: number;
  /** 0–23 (local time). */
  hour: number;
  count: number;
}

/** Activity (prompts + tool calls) by local weekday and hour; only non-empty cells. */
export async function getHeatmap(
  db: Kysely<Database>,
  options: { tzOffsetMinutes?: number } = {},
): Promise<HeatmapCell[]> {
  const o = parseInput(z.object({ tzOffsetMinutes: tzSchema }), options, 'getHeatmap');
  const shift = o.tzOffsetMinutes * 60_000;
  // Counted per local hour since the epoch (integer division, in any dialect), then folded into weekday × hour
  // here: no dialect's date functions.
  const perHour = await activityBuckets(db, HOUR_MS, shift);
  const cells = new Map<number, number>();
  for (const [bucket, n] of perHour) {
    const hour = ((bucket % 24) + 24) % 24;
    // Day 0 (1970-01-01) was a Thursday: Monday-based weekday 3.
    const dow = (((Math.floor(bucket / 24) + 3) % 7) + 7) % 7;
    const key = dow * 24 + hour;
    cells.set(key, (cells.get(key) ?? 0) + n);
  }
  return [...cells]
    .sort(([a], [b]) => a - b)
    .map(([key, count]) => ({ day_of_week: Math.floor(key / 24), hour: key % 24, count }));
}

/**
 * Prompts and tool calls (and sessions started, with `sessions`) counted per `size`-ms bucket of local time
 * (`(timestamp + shift) / size`, integer division), optionally within [from, to) UTC.
 */
async function activityBuckets(
  db: Kysely<Database>,
  size: number,
  shift: number,
  range?: { from: number; to: number },
): Promise<Array<[number, number, 'p' | 't']>> {
  const count = async (table: 'prompts' | 'tool_calls', kind: 'p' | 't') => {
    let q = db
      .selectFrom(table)
      .select((eb) => [bucketOf('timestamp', shift, size).as('bucket'), eb.fn.countAll<number>().as('n')]);
    if (range) q = q.where('timestamp', '>=', range.from).where('timestamp', '<', range.to);
    const rows = await q.groupBy('bucket').execute();
    return rows.map((r) => [Math.floor(Number(r.bucket)), Number(r.n), kind] as [number, number, 'p' | 't']);
  };
  return [...(await count('prompts', 'p')), ...(await count('tool_calls', 't'))];
}

export interface DailyActivity {
  /** Local date `YYYY-MM-DD`. */
  date: string;
  /** Sessions started that day. */
  sessions: number;
  prompts: number;
  toolCalls: number;
}

/** One entry per local day for the last `days` days up to and including `now`'s day, oldest first. */
export async function getDailyActivity(
  db: Kysely<Database>,
  options: { days: number; now: number; tzOffsetMinutes?: number },
): Promise<DailyActivity[]> {
  const o = parseInput(
    z.object({
      days: z.number().int().min(1).max(366),
      now: z.number().int().nonnegative(),
      tzOffsetMinutes: tzSchema,
    }),
    options,
    'getDailyActivity',
  );
  const shift = o.tzOffsetMinutes * 60_000;
  const todayLocal = Math.floor((o.now + shift) / DAY_MS) * DAY_MS;
  const fromLocal = todayLocal - (o.days - 1) * DAY_MS;
  const fromUtc = fromLocal - shift;
  const toUtc = todayLocal + DAY_MS - shift;
  const range = { from: fromUtc, to: toUtc };
  const started = await db
    .selectFrom('sessions')
    .select((eb) => [bucketOf('started_at', shift, DAY_MS).as('bucket'), eb.fn.countAll<number>().as('n')])
    .where('started_at', '>=', fromUtc)
    .where('started_at', '<', toUtc)
    .groupBy('bucket')
    .execute();
  const rows = [
    ...started.map((r) => [Math.floor(Number(r.bucket)), Number(r.n), 's'] as const),
    ...(await activityBuckets(db, DAY_MS, shift, range)),
  ].map(([bucket, n, kind]) => ({ day: new Date(bucket * DAY_MS).toISOString().slice(0, 10), kind, n }));
  const byDay = new Map<string, DailyActivity>();
  const out: DailyActivity[] = [];
  for (let d = fromLocal; d <= todayLocal; d += DAY_MS) {
    const entry = { date: new Date(d).toISOString().slice(0, 10), sessions: 0, prompts: 0, toolCalls: 0 };
    byDay.set(entry.date, entry);
    out.push(entry);
  }
  for (const r of rows) {
    const e = byDay.get(r.day);
    if (!e) continue;
    if (r.kind === 's') e.sessions += r.n;
    else if (r.kind === 'p') e.prompts += r.n;
    else e.toolCalls += r.n;
  }
  return out;
}
