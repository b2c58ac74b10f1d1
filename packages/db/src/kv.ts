/** Small key/value settings store (values are JSON). */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { DbInputError, parseInput } from './errors.js';
import type { Database } from './schema.js';

const keySchema = z.string().min(1).max(256);

/** The stored value of `key`, or `undefined`. */
export async function getSetting(db: Kysely<Database>, key: string): Promise<unknown> {
  const k = parseInput(keySchema, key, 'getSetting: key');
  const row = await db.selectFrom('kv').select('value').where('key', '=', k).executeTakeFirst();
  return row ? (JSON.parse(row.value) as unknown) : undefined;
}

/** Stores `value` (anything JSON-serialisable) under `key`. */
export async function setSetting(
  db: Kysely<Database>,
  key: string,
  value: unknown,
  now: number,
): Promise<void> {
  const k = parseInput(keySchema, key, 'setSetting: key');
  const json = JSON.stringify(value);
  if (json === undefined) throw new DbInputError('setSetting: value: not JSON-serialisable', 'value');
  await db
    .insertInto('kv')
    .values({ key: k, value: json, updated_at: now })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: json, updated_at: now }))
    .execute();
}

/** Removes `key`. Returns whether it existed. */
export async function deleteSetting(db: Kysely<Database>, key: string): Promise<boolean> {
  const k = parseInput(keySchema, key, 'deleteSetting: key');
  const r = await db.deleteFrom('kv').where('key', '=', k).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
