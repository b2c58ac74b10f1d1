/**
 * Analytics (spec §12.8). "Activity" = prompts + tool calls as stored in their tables.
 * Time zones: `tzOffsetMinutes` is what to ADD to UTC to get local time (CET = +60, New York = -300);
 * note that JavaScript's `Date#getTimezoneOffset()` has the opposite sign.
 */
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import { parseInput } from './errors.js';
import type { Database } from './schema.js';
import { projectsQuery } from './sessions.js';

const DAY_MS = 86_400_000;
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
        sql<number>`sum(status != 'ended')`.as('active'),
        sql<number>`sum(started_at >= ${t - DAY_MS})`.as('recent'),
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
      sql<number>`sum(status != 'ended')`.as('active'),
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
  const rows = await sql<{ dow: number; hour: number; n: number }>`
    WITH acts AS (SELECT timestamp FROM prompts UNION ALL SELECT timestamp FROM tool_calls),
    local AS (SELECT (timestamp + ${shift}) / 1000 AS s FROM acts)
    SELECT (CAST(strftime('%w', s, 'unixepoch') AS INTEGER) + 6) % 7 AS dow,
           CAST(strftime('%H', s, 'unixepoch') AS INTEGER) AS hour,
           count(*) AS n
    FROM local GROUP BY dow, hour ORDER BY dow, hour`.execute(db);
  return rows.rows.map((r) => ({ day_of_week: Number(r.dow), hour: Number(r.hour), count: Number(r.n) }));
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
  const rows = await sql<{ day: string; kind: string; n: number }>`
    WITH acts AS (
      SELECT 's' AS kind, started_at AS ts FROM sessions WHERE started_at >= ${fromUtc} AND started_at < ${toUtc}
      UNION ALL SELECT 'p', timestamp FROM prompts WHERE timestamp >= ${fromUtc} AND timestamp < ${toUtc}
      UNION ALL SELECT 't', timestamp FROM tool_calls WHERE timestamp >= ${fromUtc} AND timestamp < ${toUtc}
    )
    SELECT date((ts + ${shift}) / 1000, 'unixepoch') AS day, kind, count(*) AS n FROM acts GROUP BY day, kind`.execute(
    db,
  );
  const byDay = new Map<string, DailyActivity>();
  const out: DailyActivity[] = [];
  for (let d = fromLocal; d <= todayLocal; d += DAY_MS) {
    const entry = { date: new Date(d).toISOString().slice(0, 10), sessions: 0, prompts: 0, toolCalls: 0 };
    byDay.set(entry.date, entry);
    out.push(entry);
  }
  for (const r of rows.rows) {
    const e = byDay.get(r.day);
    if (!e) continue;
    if (r.kind === 's') e.sessions = Number(r.n);
    else if (r.kind === 'p') e.prompts = Number(r.n);
    else e.toolCalls = Number(r.n);
  }
  return out;
}
