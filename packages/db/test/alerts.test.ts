import { BUILTIN_APPROVAL_RULE_ID } from '@flightdeck/shared-types';
import { afterEach, describe, expect, it } from 'vitest';
import {
  addAlertDelivery,
  createAlertRule,
  DbInputError,
  deleteAlertRule,
  deletePushSubscription,
  listAlertDeliveries,
  listAlertRules,
  listPushSubscriptions,
  MAX_ALERT_DELIVERIES,
  RESPONSE_EXCERPT_CHARS,
  savePushSubscription,
  updateAlertRule,
} from '../src/index.js';
import { count as countRows, openTestDb, STORES, type TestDb } from './helpers.js';

describe.each(STORES)('alerts repositories (%s)', (kind) => {
  let h: TestDb | undefined;
  afterEach(async () => {
    await h?.cleanup();
    h = undefined;
  });

  it('starts with the built-in approval rule (push + browser), then creates, updates and deletes rules', async () => {
    h = await openTestDb(kind);
    const initial = await listAlertRules(h.db);
    expect(initial).toHaveLength(1);
    expect(initial[0]).toMatchObject({
      id: BUILTIN_APPROVAL_RULE_ID,
      enabled: true,
      condition: { type: 'approval-opened' },
      channels: ['push', 'browser'],
      webhook: null,
    });
    const rule = {
      id: 'r1',
      name: 'Stuck',
      enabled: true,
      condition: { type: 'approval-waiting' as const, minutes: 5 },
      channels: ['webhook' as const],
      webhook: { url: 'https://hooks.example.com/x', secret: 'a-long-enough-secret' },
    };
    expect(await createAlertRule(h.db, rule, 100)).toEqual({ ...rule, createdAt: 100, updatedAt: 100 });
    await expect(createAlertRule(h.db, rule, 101)).rejects.toThrow(DbInputError);
    await expect(createAlertRule(h.db, { ...rule, id: 'r2', webhook: null }, 101)).rejects.toThrow(
      'webhook: the webhook channel needs a webhook',
    );
    await expect(
      createAlertRule(
        h.db,
        { ...rule, id: 'r3', webhook: { url: 'file:///etc/passwd', secret: 'x'.repeat(20) } },
        1,
      ),
    ).rejects.toThrow('must be an http(s) URL');
    const updated = await updateAlertRule(
      h.db,
      { ...rule, enabled: false, channels: ['in-app'], webhook: null },
      200,
    );
    expect(updated).toMatchObject({ enabled: false, channels: ['in-app'], webhook: null, updatedAt: 200 });
    expect(await updateAlertRule(h.db, { ...rule, id: 'nope' }, 200)).toBeNull();
    expect(await deleteAlertRule(h.db, 'r1')).toBe(true);
    expect(await deleteAlertRule(h.db, 'r1')).toBe(false);
    expect((await listAlertRules(h.db)).map((r) => r.id)).toEqual([BUILTIN_APPROVAL_RULE_ID]);
  });

  it('keeps one subscription per endpoint, and removes it', async () => {
    h = await openTestDb(kind);
    const K1 = { p256dh: `B${'a'.repeat(86)}`, auth: 'b'.repeat(22) };
    const K2 = { p256dh: `B${'c'.repeat(86)}`, auth: 'd'.repeat(22) };
    const sub = { endpoint: 'https://push.example.com/e1', keys: K1 };
    await savePushSubscription(h.db, sub, 'Firefox', 10);
    await savePushSubscription(h.db, { ...sub, keys: K2 }, 'Firefox', 20);
    const subs = await listPushSubscriptions(h.db);
    expect(subs).toEqual([
      {
        endpoint: sub.endpoint,
        keys: K2,
        userAgent: 'Firefox',
        createdAt: 10,
        lastSuccessAt: null,
      },
    ]);
    await expect(
      savePushSubscription(h.db, { ...sub, endpoint: 'javascript:alert(1)' }, null, 1),
    ).rejects.toThrow(DbInputError);
    expect(await deletePushSubscription(h.db, sub.endpoint)).toBe(true);
    expect(await listPushSubscriptions(h.db)).toEqual([]);
  });

  it('logs deliveries newest first, clips excerpts and keeps a bounded log', async () => {
    h = await openTestDb(kind);
    const d = {
      ruleId: 'r1',
      sessionId: 's1',
      dedupeKey: 'r1:s1:x',
      channel: 'webhook' as const,
      target: 'https://hooks.example.com/x',
      attempt: 1,
      status: 'retrying' as const,
      httpStatus: 500,
      error: null,
      responseExcerpt: 'y'.repeat(10_000),
      at: 1,
    };
    const first = await addAlertDelivery(h.db, d);
    expect(first.responseExcerpt).toHaveLength(RESPONSE_EXCERPT_CHARS);
    await addAlertDelivery(h.db, {
      ...d,
      attempt: 2,
      status: 'ok',
      httpStatus: 200,
      responseExcerpt: null,
      at: 2,
    });
    expect((await listAlertDeliveries(h.db)).map((x) => [x.attempt, x.status])).toEqual([
      [2, 'ok'],
      [1, 'retrying'],
    ]);
    for (let i = 0; i < MAX_ALERT_DELIVERIES; i++)
      await addAlertDelivery(h.db, { ...d, responseExcerpt: null });
    const count = await countRows(h, 'alert_deliveries');
    expect(count).toBe(MAX_ALERT_DELIVERIES);
    expect(await listAlertDeliveries(h.db, { limit: 1 })).toHaveLength(1);
    await expect(listAlertDeliveries(h.db, { limit: 0 })).rejects.toThrow(DbInputError);
  });
});
