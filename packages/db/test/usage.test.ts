import { afterEach, describe, expect, it } from 'vitest';
import { DbInputError, getUsageSums, type UsageRecordInput, usageOp } from '../src/index.js';
import {
  count,
  makeSession,
  openTestDb,
  recordBatch,
  STORES,
  type StoreKind,
  T0,
  type TestDb,
} from './helpers.js';

const H = 3_600_000;
const D = 24 * H;

let h: TestDb | null = null;
afterEach(async () => {
  await h?.cleanup();
  h = null;
});

function rec(messageId: string, over: Partial<UsageRecordInput> = {}): UsageRecordInput {
  return {
    messageId,
    requestId: `req_${messageId}`,
    agentId: null,
    model: 'claude-sonnet-4-5',
    at: T0,
    inputTokens: 100,
    outputTokens: 10,
    cacheReadTokens: 1000,
    cacheWrite5mTokens: 50,
    cacheWrite1hTokens: 5,
    ...over,
  };
}

async function seeded(kind: StoreKind): Promise<TestDb> {
  const db = await openTestDb(kind);
  h = db;
  // the usage goes out before the session rows (they come with a later checkpoint): no foreign key stops it
  await db.write([
    usageOp('s1', rec('m1')),
    usageOp('s1', rec('m2', { at: T0 + 20 * H, model: 'claude-haiku-4-5' })),
    usageOp('s2', rec('m3', { at: T0 + D })),
    usageOp('s2', rec('m4', { at: T0 - D })),
  ]);
  await recordBatch(db, {
    events: [],
    sessions: [
      makeSession('s1', { title: 'First' }),
      makeSession('s2', { title: 'Second', projectPath: '/home/dev/src/web', projectName: 'web' }),
    ],
    removedSessionIds: [],
    rekeys: [],
  });
  return db;
}

const range = { from: T0 - 2 * D, to: T0 + 2 * D };

describe.each(STORES)('usage rows and sums (%s)', (kind) => {
  it('a response stored again replaces its row (the final count), never adds one', async () => {
    const db = await seeded(kind);
    await db.write([
      usageOp('s1', rec('m1', { outputTokens: 99 })),
      usageOp('s1', rec('m1', { outputTokens: 99 })),
    ]);
    expect(await count(db, 'usage_messages')).toBe(4);
    const byModel = await getUsageSums(db.db, { ...range, groupBy: 'model' });
    const sonnet = byModel.find((r) => r.model === 'claude-sonnet-4-5');
    expect(sonnet).toMatchObject({ messages: 3, inputTokens: 300, outputTokens: 99 + 10 + 10 });
    // another request id under the same message id is another response
    await db.write([
      usageOp('s1', rec('m1', { requestId: 'req_other' })),
      usageOp('s1', rec('m9', { requestId: null })),
    ]);
    expect(await count(db, 'usage_messages')).toBe(6);
  });

  it('sums by day (local days), project, model and session, within [from, to)', async () => {
    const db = await seeded(kind);
    const days = await getUsageSums(db.db, { ...range, groupBy: 'day' });
    // T0 is 2026-11-16 09:00 UTC; +20 h is the 17th 05:00 in UTC, still the 16th (23:00) at -6 h
    expect(days.map((r) => [r.key, r.model, r.inputTokens]).sort()).toEqual(
      [
        ['2026-11-15', 'claude-sonnet-4-5', 100],
        ['2026-11-16', 'claude-sonnet-4-5', 100],
        ['2026-11-17', 'claude-haiku-4-5', 100],
        ['2026-11-17', 'claude-sonnet-4-5', 100],
      ].sort(),
    );
    const ny = await getUsageSums(db.db, { ...range, groupBy: 'day', tzOffsetMinutes: -360 });
    expect(ny.find((r) => r.model === 'claude-haiku-4-5')?.key).toBe('2026-11-16');
    const projects = await getUsageSums(db.db, { ...range, groupBy: 'project' });
    expect(projects.map((r) => [r.label, r.model, r.messages]).sort()).toEqual(
      [
        ['acme-api', 'claude-haiku-4-5', 1],
        ['acme-api', 'claude-sonnet-4-5', 1],
        ['web', 'claude-sonnet-4-5', 2],
      ].sort(),
    );
    const sessions = await getUsageSums(db.db, { ...range, groupBy: 'session' });
    expect(sessions.filter((r) => r.key === 's2')).toEqual([
      expect.objectContaining({ label: 'Second', messages: 2, inputTokens: 200, cacheWrite1hTokens: 10 }),
    ]);
    const narrow = await getUsageSums(db.db, { from: T0, to: T0 + D, groupBy: 'model' });
    expect(narrow.reduce((n, r) => n + r.messages, 0)).toBe(2);
  });

  it('a re-keyed session takes its usage along (renamed or merged, a shared response once); a removed one drops it', async () => {
    const db = await seeded(kind);
    await db.write([{ op: 'rekey', oldId: 's1', newId: 's1b' }]);
    expect(
      (await getUsageSums(db.db, { ...range, groupBy: 'session' })).filter((r) => r.key === 's1b'),
    ).toHaveLength(2);
    // merged into an existing session that has counted m3 too
    await db.write([usageOp('s1b', rec('m3', { at: T0 + D }))]);
    await db.write([{ op: 'rekey', oldId: 's2', newId: 's1b' }]);
    expect(await count(db, 'usage_messages')).toBe(4);
    await db.write([{ op: 'remove', sessionId: 's1b' }]);
    expect(await count(db, 'usage_messages')).toBe(0);
  });

  it('a bad query is refused naming the field', async () => {
    const db = await seeded(kind);
    await expect(getUsageSums(db.db, { from: T0, to: T0, groupBy: 'day' })).rejects.toThrow(DbInputError);
    await expect(getUsageSums(db.db, { from: T0, to: T0, groupBy: 'day' })).rejects.toThrow(/to:/);
    await expect(getUsageSums(db.db, { ...range, groupBy: 'week' as unknown as 'day' })).rejects.toThrow(
      /groupBy/,
    );
  });
});
