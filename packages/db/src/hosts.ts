/**
 * Hosts (migration 0012): machines that send hook events with their own token. The database keeps each token's
 * SHA-256 only (the server hashes what a sender presents and looks the hash up), when the host was last heard from,
 * whether its token is revoked, and its last report.
 */
import { hostNameSchema } from '@flightdeck/shared-types';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { DbInputError, parseInput } from './errors.js';
import type { Database, HostRow } from './schema.js';

export interface StoredHost {
  name: string;
  tokenHash: string;
  createdAt: number;
  lastSeenAt: number | null;
  revokedAt: number | null;
  /** JSON of the last report, or null. */
  lastReport: string | null;
}

const hashSchema = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in hex');
const nowSchema = z.number().int().nonnegative();
const optNumber = (v: number | string | null): number | null => (v === null ? null : Number(v));

function toHost(r: HostRow): StoredHost {
  return {
    name: r.name,
    tokenHash: r.token_hash,
    // PostgreSQL's bigint arrives as a string.
    createdAt: Number(r.created_at),
    lastSeenAt: optNumber(r.last_seen_at),
    revokedAt: optNumber(r.revoked_at),
    lastReport: r.last_report,
  };
}

/**
 * Gives host `name` the token with SHA-256 `tokenHash`: a new host, or a host whose token was revoked (its new token
 * replaces the old one). Throws `DbInputError` (field `name`) when the host has a token that is not revoked.
 */
export async function createHostToken(
  db: Kysely<Database>,
  name: string,
  tokenHash: string,
  now: number,
): Promise<StoredHost> {
  const input = parseInput(
    z.object({ name: hostNameSchema, tokenHash: hashSchema, now: nowSchema }),
    { name, tokenHash, now },
    'createHostToken',
  );
  return db.transaction().execute(async (tx) => {
    const existing = await tx
      .selectFrom('hosts')
      .selectAll()
      .where('name', '=', input.name)
      .executeTakeFirst();
    if (existing && existing.revoked_at === null) {
      throw new DbInputError(
        `createHostToken: name: host ${input.name} already has a token (revoke it first to make a new one)`,
        'name',
      );
    }
    const row = existing
      ? await tx
          .updateTable('hosts')
          .set({ token_hash: input.tokenHash, created_at: input.now, revoked_at: null })
          .where('name', '=', input.name)
          .returningAll()
          .executeTakeFirstOrThrow()
      : await tx
          .insertInto('hosts')
          .values({ name: input.name, token_hash: input.tokenHash, created_at: input.now })
          .returningAll()
          .executeTakeFirstOrThrow();
    return toHost(row);
  });
}

/** Revokes host `name`'s token. False when there is no such host or its token was revoked already. */
export async function revokeHostToken(db: Kysely<Database>, name: string, now: number): Promise<boolean> {
  const input = parseInput(
    z.object({ name: hostNameSchema, now: nowSchema }),
    { name, now },
    'revokeHostToken',
  );
  const r = await db
    .updateTable('hosts')
    .set({ revoked_at: input.now })
    .where('name', '=', input.name)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Every host, by name. */
export async function listHosts(db: Kysely<Database>): Promise<StoredHost[]> {
  const rows = await db.selectFrom('hosts').selectAll().orderBy('name').execute();
  return rows.map(toHost);
}

/** Records that host `name` was heard from at `at` (never moves it back). */
export async function touchHost(db: Kysely<Database>, name: string, at: number): Promise<void> {
  await db
    .updateTable('hosts')
    .set({ last_seen_at: at })
    .where('name', '=', name)
    .where((eb) => eb.or([eb('last_seen_at', 'is', null), eb('last_seen_at', '<', at)]))
    .execute();
}

/** Stores host `name`'s last report (JSON) and that it was heard from at `at`. */
export async function saveHostReport(
  db: Kysely<Database>,
  name: string,
  reportJson: string,
  at: number,
): Promise<void> {
  await db
    .updateTable('hosts')
    .set({ last_report: reportJson, last_seen_at: at })
    .where('name', '=', name)
    .execute();
}
