/**
 * The alert service against a real SQLite database: rule syncs that overlap reach the core in the order they were
 * asked for, so the core never ends up with an older list than the database holds.
 */
import { createAlertRule, openSqlite } from '@flightdeck/db';
import { BUILTIN_APPROVAL_RULE_ID } from '@flightdeck/shared-types';
import { afterEach, describe, expect, it } from 'vitest';
import { createAlertService } from '../src/alerts/service.js';
import type { CoreInput, StoreReader } from '../src/ports.js';

const silent = { info() {}, warn() {}, error() {}, debug() {} };

describe('alert service', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('overlapping rule syncs reach the core in call order (a slow first read does not land last)', async () => {
    const database = await openSqlite({ file: ':memory:' });
    cleanups.push(() => database.close());
    let reads = 0;
    const reader = { db: database.db } as StoreReader;
    // The first read is slow to come back (a busy database): it read the rules before the new one was stored.
    const store = {
      async read<T>(fn: (r: StoreReader) => Promise<T>): Promise<T> {
        reads += 1;
        const slow = reads === 1;
        const out = await fn(reader);
        if (slow) await new Promise((r) => setTimeout(r, 100));
        return out;
      },
    };
    const service = createAlertService({ dataDir: null, store, log: silent });
    cleanups.push(() => service.stop());
    const sent: string[][] = [];
    service.attach({
      dispatch: async (input: CoreInput) => {
        if (input.type === 'alert-rules') sent.push(input.rules.map((r) => (r as { id: string }).id));
        return { rejected: [] };
      },
      approvalView: () => null,
    });
    const first = service.syncRules();
    await createAlertRule(
      database.db,
      { id: 'r-new', name: 'n', enabled: true, condition: { type: 'error' }, channels: ['in-app'] },
      1,
    );
    const second = service.syncRules();
    await Promise.all([first, second]);
    expect(sent.at(-1)?.sort()).toEqual([BUILTIN_APPROVAL_RULE_ID, 'r-new']);
  });
});
