/**
 * Hosts (migration 0012): machines that send hook events with their own token. The database keeps each token's
 * SHA-256 only (the server hashes what a sender presents and looks the hash up), when the host was last heard from,
 * whether its token is revoked, and its last report. Their recent metric samples (migration 0015, `host_samples`):
 * saved in batches, read back for the sparklines, pruned by age and count.
 */
import { type HostMetricSample, hostMetricsSchema, hostNameSchema } from '@flightdeck/shared-types';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { DbInputError, parseInput } from './errors.js';
import type { Database, HostRow, HostSampleRow } from './schema.js';

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
  // One statement, a write from its start: a read then a write in one transaction would fail at once on SQLite
  // ("database is locked", no busy wait) when another connection (the writer thread) committed in between.
  const row = await db
    .insertInto('hosts')
    .values({ name: input.name, token_hash: input.tokenHash, created_at: input.now })
    .onConflict((oc) =>
      oc
        .column('name')
        .doUpdateSet({ token_hash: input.tokenHash, created_at: input.now, revoked_at: null })
        .where('hosts.revoked_at', 'is not', null),
    )
    .returningAll()
    .executeTakeFirst();
  if (!row) {
    throw new DbInputError(
      `createHostToken: name: host ${input.name} already has a token (revoke it first to make a new one)`,
      'name',
    );
  }
  return toHost(row);
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

/** A metric sample of host `host`, as saved. */
export interface HostSampleInput extends HostMetricSample {
  host: string;
}

const sampleSchema = z.object({ host: hostNameSchema, receivedAt: nowSchema, metrics: hostMetricsSchema });
const samplesSchema = z.array(sampleSchema);
const countSchema = z.number().int().positive();

/** A stored sample: its row id (the rows of one database never share one) and its host. */
export interface StoredHostSample {
  id: number;
  host: string;
  sample: HostMetricSample;
}

/** The row mapper; null when the JSON does not parse (not written by `saveHostSamples`). */
function toSample(r: HostSampleRow): StoredHostSample | null {
  try {
    // The figures were checked when saved: parsed, not validated again (a list may read thousands of rows).
    const metrics = JSON.parse(r.metrics);
    return { id: Number(r.id), host: r.host, sample: { receivedAt: Number(r.received_at), metrics } };
  } catch {
    return null;
  }
}

/** Rows per insert statement of `saveHostSamples` (3 parameters each: SQLite takes at most 32,766 in one). */
export const HOST_SAMPLE_INSERT_ROWS = 1000;

/**
 * Saves metric samples, checked first (`DbInputError` naming the field, `0.metrics.cpuPercent`: nothing saved), in
 * one statement per `HOST_SAMPLE_INSERT_ROWS`: a batch of every host's reports costs one transaction. Answers how
 * many were saved.
 */
export async function saveHostSamples(
  db: Kysely<Database>,
  samples: readonly HostSampleInput[],
): Promise<number> {
  const input = parseInput(samplesSchema, samples, 'saveHostSamples');
  for (let i = 0; i < input.length; i += HOST_SAMPLE_INSERT_ROWS) {
    await db
      .insertInto('host_samples')
      .values(
        input
          .slice(i, i + HOST_SAMPLE_INSERT_ROWS)
          .map((s) => ({ host: s.host, received_at: s.receivedAt, metrics: JSON.stringify(s.metrics) })),
      )
      .execute();
  }
  return input.length;
}

/**
 * The last `perHost` samples of every host received at `since` or later, oldest first (by receive time, then id), by
 * host name. Rows whose id is in `skipIds` (a reader's own copies) are left out before their JSON is parsed.
 */
export async function hostSamplesSince(
  db: Kysely<Database>,
  since: number,
  perHost: number,
  skipIds: ReadonlySet<number> = new Set(),
): Promise<Map<string, StoredHostSample[]>> {
  const input = parseInput(
    z.object({ since: nowSchema, perHost: countSchema }),
    { since, perHost },
    'hostSamplesSince',
  );
  const rows = await db
    .selectFrom('host_samples')
    .selectAll()
    .where('received_at', '>=', input.since)
    .orderBy('host')
    .orderBy('received_at')
    .orderBy('id')
    .execute();
  const out = new Map<string, StoredHostSample[]>();
  for (const r of rows) {
    if (skipIds.has(Number(r.id))) continue;
    const stored = toSample(r);
    if (stored === null) continue;
    const list = out.get(r.host);
    if (list) list.push(stored);
    else out.set(r.host, [stored]);
  }
  for (const list of out.values())
    if (list.length > input.perHost) list.splice(0, list.length - input.perHost);
  return out;
}

/** The last `limit` samples of host `host` received at `since` or later, oldest first. */
export async function hostSamples(
  db: Kysely<Database>,
  host: string,
  since: number,
  limit: number,
): Promise<HostMetricSample[]> {
  const input = parseInput(
    z.object({ host: hostNameSchema, since: nowSchema, limit: countSchema }),
    { host, since, limit },
    'hostSamples',
  );
  const rows = await db
    .selectFrom('host_samples')
    .selectAll()
    .where('host', '=', input.host)
    .where('received_at', '>=', input.since)
    .orderBy('received_at', 'desc')
    .orderBy('id', 'desc')
    .limit(input.limit)
    .execute();
  const out: HostMetricSample[] = [];
  for (const r of rows.reverse()) {
    const stored = toSample(r);
    if (stored !== null) out.push(stored.sample);
  }
  return out;
}

/**
 * Deletes the samples received before `before` and, of each host, all but its `keep` newest, in one statement.
 * Answers how many went.
 */
export async function pruneHostSamples(
  db: Kysely<Database>,
  opts: { before: number; keep: number },
): Promise<number> {
  const input = parseInput(z.object({ before: nowSchema, keep: countSchema }), opts, 'pruneHostSamples');
  const r = await db
    .deleteFrom('host_samples')
    .where((eb) =>
      eb.or([
        eb('received_at', '<', input.before),
        eb(
          'id',
          'in',
          eb
            .selectFrom(
              db
                .selectFrom('host_samples')
                .select((w) => [
                  'id',
                  w.fn
                    .agg<number>('row_number')
                    .over((o) => o.partitionBy('host').orderBy('received_at', 'desc').orderBy('id', 'desc'))
                    .as('rank'),
                ])
                .as('ranked'),
            )
            .select('ranked.id')
            .where('ranked.rank', '>', input.keep),
        ),
      ]),
    )
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
