import { describe, expect, it } from 'vitest';
import {
  createHostToken,
  DbInputError,
  listHosts,
  revokeHostToken,
  saveHostReport,
  touchHost,
} from '../src/index.js';
import { openTestDb } from './helpers.js';

const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);

describe.each(['memory', 'postgres'] as const)('hosts (%s)', (kind) => {
  it('creates, lists, touches, reports and revokes; a revoked host gets a new token, an active one does not', async () => {
    const h = await openTestDb(kind);
    try {
      const made = await createHostToken(h.db, 'build-box', HASH_A, 1000);
      expect(made).toMatchObject({ name: 'build-box', tokenHash: HASH_A, createdAt: 1000, revokedAt: null });
      const again = await createHostToken(h.db, 'build-box', HASH_B, 1001).catch((e: unknown) => e);
      expect(again).toBeInstanceOf(DbInputError);
      expect((again as DbInputError).field).toBe('name');
      expect((again as Error).message).toMatch(/already has a token/);

      await touchHost(h.db, 'build-box', 5000);
      await touchHost(h.db, 'build-box', 4000); // never moves back
      await saveHostReport(h.db, 'build-box', '{"x":1}', 6000);
      let [host] = await listHosts(h.db);
      expect(host).toMatchObject({ lastSeenAt: 6000, lastReport: '{"x":1}' });

      expect(await revokeHostToken(h.db, 'build-box', 7000)).toBe(true);
      expect(await revokeHostToken(h.db, 'build-box', 7001)).toBe(false);
      expect(await revokeHostToken(h.db, 'nobody', 7001)).toBe(false);
      [host] = await listHosts(h.db);
      expect(host?.revokedAt).toBe(7000);

      const renewed = await createHostToken(h.db, 'build-box', HASH_B, 8000);
      expect(renewed).toMatchObject({ tokenHash: HASH_B, revokedAt: null, createdAt: 8000 });
      expect(await listHosts(h.db)).toHaveLength(1);
    } finally {
      await h.cleanup();
    }
  });

  it('refuses a name that is not a hostname and a hash that is not SHA-256 hex, naming the field', async () => {
    const h = await openTestDb(kind);
    try {
      for (const [name, hash, field] of [
        ['', HASH_A, 'name'],
        ['a b', HASH_A, 'name'],
        ['-x', HASH_A, 'name'],
        ['ok', 'secret', 'tokenHash'],
      ] as const) {
        const err = await createHostToken(h.db, name, hash, 1).catch((e: unknown) => e);
        expect(err, name).toBeInstanceOf(DbInputError);
        expect((err as DbInputError).field).toBe(field);
      }
      expect(await listHosts(h.db)).toEqual([]);
    } finally {
      await h.cleanup();
    }
  });
});
