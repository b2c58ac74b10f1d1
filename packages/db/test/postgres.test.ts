/** What only the PostgreSQL adapter has: its options, checked before anything connects. */
import { describe, expect, it } from 'vitest';
import { DbInputError, openPostgres } from '../src/index.js';

describe('openPostgres', () => {
  it('refuses a URL that is not postgres:// with a DbInputError naming the field', async () => {
    for (const url of ['', 'mysql://x/y', 'flightdeck.db', 42]) {
      const err = await openPostgres({ url: url as never }).catch((e: unknown) => e);
      expect(err, String(url)).toBeInstanceOf(DbInputError);
      expect((err as DbInputError).field).toBe('url');
    }
  });

  it('refuses a schema that is not a plain identifier (it goes into the search path)', async () => {
    for (const schema of ['', 'a b', 'x;drop table sessions', 'Upper', '1abc']) {
      const err = await openPostgres({ url: 'postgres://127.0.0.1:1/x', schema }).catch((e: unknown) => e);
      expect(err, schema).toBeInstanceOf(DbInputError);
      expect((err as DbInputError).field).toBe('schema');
    }
  });
});
