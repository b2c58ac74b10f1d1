import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DbInputError,
  getActiveProjects,
  getDailyActivity,
  getHeatmap,
  getSummaryStats,
  getToolBreakdown,
} from '../src/index.js';
import { makeSession, openTestDb, recordBatch, STORES, T0, type TestDb, tool } from './helpers.js';

const M = 60_000;
const H = 60 * M;
const D = 24 * H;

// T0 is Monday 2026-11-16 09:00 UTC.
describe.each(STORES)('analytics (%s)', (kind) => {
  let h: TestDb;
  beforeAll(async () => {
    h = await openTestDb(kind);
    await recordBatch(h, {
      events: [],
      sessions: [
        makeSession('s1', {
          status: 'working',
          startedAt: T0,
          lastActivityAt: T0 + 2 * H + M,
          totalPrompts: 2,
          totalToolCalls: 4,
          promptHistory: [
            { text: 'one', timestamp: T0 + M, promptId: null },
            { text: 'two', timestamp: T0 + 2 * H, promptId: null },
          ],
          toolLog: [
            tool({ tool: 'Bash', startedAt: T0 + 10 * M }),
            tool({ tool: 'Bash', startedAt: T0 + 20 * M }),
            tool({ tool: 'Bash', startedAt: T0 + 30 * M }),
            tool({ tool: 'Read', startedAt: T0 + 2 * H + M }),
          ],
        }),
        makeSession('s2', {
          status: 'ended',
          startedAt: T0 + D,
          endedAt: T0 + D + 2 * M,
          lastActivityAt: T0 + D + 2 * M,
          totalPrompts: 1,
          totalToolCalls: 1,
          promptHistory: [{ text: 'three', timestamp: T0 + D, promptId: null }],
          toolLog: [tool({ tool: 'Bash', startedAt: T0 + D + M })],
        }),
        makeSession('s3', {
          status: 'idle',
          projectPath: '/home/dev/src/web',
          projectName: 'web',
          startedAt: T0 - 3 * D,
          lastActivityAt: T0 - 3 * D,
          totalPrompts: 1,
          promptHistory: [{ text: 'four', timestamp: T0 - 3 * D, promptId: null }],
        }),
      ],
    });
  });
  afterAll(async () => {
    await h.cleanup();
  });

  it('summarises totals, most used tool and busiest project', async () => {
    expect(await getSummaryStats(h.db, T0 + D + H)).toEqual({
      totalSessions: 3,
      activeSessions: 2,
      totalPrompts: 4,
      totalToolCalls: 5,
      sessionsLast24h: 1,
      mostUsedTool: { tool: 'Bash', count: 4 },
      busiestProject: { projectPath: '/home/dev/src/acme-api', projectName: 'acme-api', sessionCount: 2 },
    });
  });

  it('breaks tool calls down with percentages', async () => {
    expect(await getToolBreakdown(h.db)).toEqual([
      { tool: 'Bash', count: 4, percentage: 80 },
      { tool: 'Read', count: 1, percentage: 20 },
    ]);
  });

  it('lists active projects', async () => {
    expect(await getActiveProjects(h.db)).toEqual([
      {
        projectPath: '/home/dev/src/acme-api',
        projectName: 'acme-api',
        sessionCount: 2,
        activeSessionCount: 1,
        totalPrompts: 3,
        totalToolCalls: 5,
        lastActivityAt: T0 + D + 2 * M,
      },
      {
        projectPath: '/home/dev/src/web',
        projectName: 'web',
        sessionCount: 1,
        activeSessionCount: 1,
        totalPrompts: 1,
        totalToolCalls: 0,
        lastActivityAt: T0 - 3 * D,
      },
    ]);
    expect(await getActiveProjects(h.db, { limit: 1 })).toHaveLength(1);
  });

  it('builds the heatmap with Monday = 0, shifted to local time', async () => {
    expect(await getHeatmap(h.db)).toEqual([
      { day_of_week: 0, hour: 9, count: 4 },
      { day_of_week: 0, hour: 11, count: 2 },
      { day_of_week: 1, hour: 9, count: 2 },
      { day_of_week: 4, hour: 9, count: 1 },
    ]);
    expect(await getHeatmap(h.db, { tzOffsetMinutes: 60 })).toEqual([
      { day_of_week: 0, hour: 10, count: 4 },
      { day_of_week: 0, hour: 12, count: 2 },
      { day_of_week: 1, hour: 10, count: 2 },
      { day_of_week: 4, hour: 10, count: 1 },
    ]);
    expect(await getHeatmap(h.db, { tzOffsetMinutes: -600 })).toEqual([
      { day_of_week: 0, hour: 1, count: 2 },
      { day_of_week: 0, hour: 23, count: 2 },
      { day_of_week: 3, hour: 23, count: 1 },
      { day_of_week: 6, hour: 23, count: 4 },
    ]);
    await expect(getHeatmap(h.db, { tzOffsetMinutes: 2000 })).rejects.toBeInstanceOf(DbInputError);
  });

  it('reports daily activity with empty days filled in', async () => {
    expect(await getDailyActivity(h.db, { days: 5, now: T0 + D + H })).toEqual([
      { date: '2026-11-13', sessions: 1, prompts: 1, toolCalls: 0 },
      { date: '2026-11-14', sessions: 0, prompts: 0, toolCalls: 0 },
      { date: '2026-11-15', sessions: 0, prompts: 0, toolCalls: 0 },
      { date: '2026-11-16', sessions: 1, prompts: 2, toolCalls: 4 },
      { date: '2026-11-17', sessions: 1, prompts: 1, toolCalls: 1 },
    ]);
    // At UTC-10 the Monday 09:xx activity falls on Sunday; "now" (Tue 10:00 UTC) is Tuesday 00:00 local.
    expect(await getDailyActivity(h.db, { days: 3, now: T0 + D + H, tzOffsetMinutes: -600 })).toEqual([
      { date: '2026-11-15', sessions: 1, prompts: 1, toolCalls: 3 },
      { date: '2026-11-16', sessions: 1, prompts: 2, toolCalls: 2 },
      { date: '2026-11-17', sessions: 0, prompts: 0, toolCalls: 0 },
    ]);
    await expect(getDailyActivity(h.db, { days: 0, now: T0 })).rejects.toThrow(/days/);
  });
});

describe.each(STORES)('analytics on an empty database (%s)', (kind) => {
  it('returns zeros and nulls', async () => {
    const h = await openTestDb(kind);
    try {
      expect(await getSummaryStats(h.db, T0)).toEqual({
        totalSessions: 0,
        activeSessions: 0,
        totalPrompts: 0,
        totalToolCalls: 0,
        sessionsLast24h: 0,
        mostUsedTool: null,
        busiestProject: null,
      });
      expect(await getToolBreakdown(h.db)).toEqual([]);
      expect(await getHeatmap(h.db)).toEqual([]);
      expect(await getActiveProjects(h.db)).toEqual([]);
    } finally {
      await h.cleanup();
    }
  });
});
