import type { ApprovalDecisionRecord } from '@flightdeck/shared-types';
import { afterEach, describe, expect, it } from 'vitest';
import { approvalDecisionOp, listApprovalDecisions } from '../src/index.js';
import { count, openTestDb, STORES, type TestDb } from './helpers.js';

const rec = (
  id: string,
  closedAt: number,
  extra: Partial<ApprovalDecisionRecord> = {},
): ApprovalDecisionRecord => ({
  id,
  sessionId: 's1',
  tool: 'Bash',
  summary: 'Approve Bash: ls',
  openedAt: closedAt - 100,
  closedAt,
  outcome: 'allowed',
  message: null,
  remember: null,
  by: { address: '127.0.0.1', authenticated: true },
  via: 'browser',
  ...extra,
});

describe.each(STORES)('approval decisions (%s)', (kind) => {
  let h: TestDb | undefined;
  afterEach(async () => {
    await h?.cleanup();
    h = undefined;
  });

  it('are written once per id and listed newest first, per session, before a time', async () => {
    h = await openTestDb(kind);
    const a = rec('a', 1000);
    const b = rec('b', 2000, { sessionId: 's2', outcome: 'terminal', by: null, via: null });
    const c = rec('c', 3000, {
      outcome: 'denied',
      message: 'no',
      remember: null,
      by: { address: '::1', authenticated: false },
    });
    await h.write([approvalDecisionOp(a), approvalDecisionOp(b)]);
    // A repeat of the same id (a replayed close) is ignored.
    await h.write([approvalDecisionOp(c), approvalDecisionOp({ ...a, outcome: 'denied' })]);
    expect(await count(h, 'approval_decisions')).toBe(3);
    expect(await listApprovalDecisions(h.db)).toEqual([c, b, a]);
    expect(await listApprovalDecisions(h.db, { sessionId: 's1' })).toEqual([c, a]);
    expect(await listApprovalDecisions(h.db, { before: 3000, limit: 1 })).toEqual([b]);
    await expect(listApprovalDecisions(h.db, { limit: 0 })).rejects.toThrow(/limit/);
  });
});
