/**
 * `system.storage`: how big the database is, what each retention setting is, and what the next retention pass
 * would delete (rows and an estimate of their bytes), with the last pass.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { storageReport } from '@flightdeck/db';
import type { Services } from '../services.js';
import { retentionCutoffs } from './index.js';

/** Bytes of the database file and its WAL (null: an in-memory database). */
export function databaseBytes(dataDir: string | null): number | null {
  if (!dataDir) return null;
  let total = 0;
  for (const f of ['flightdeck.db', 'flightdeck.db-wal']) {
    try {
      total += statSync(join(dataDir, f)).size;
    } catch {
      // no WAL right now
    }
  }
  return total;
}

export async function storageInfo(services: Services) {
  const file = services.config.get();
  const settings = {
    sessionRetentionHours: file.sessionRetentionHours,
    hookEventRetentionDays: file.hookEventRetentionDays,
    endedSessionMemoryMinutes: file.endedSessionMemoryMinutes,
  };
  const now = services.retention?.now() ?? Date.now();
  const cut = retentionCutoffs(settings, now);
  const report = await services.store.peek(({ db }) => storageReport(db, cut));
  const sessionsStored = await services.store.peek(({ db }) =>
    db
      .selectFrom('sessions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst(),
  );
  return {
    databaseBytes: databaseBytes(services.info.dataDir),
    settings,
    /** What the next pass would delete: rows older than the cutoffs, and the characters of text they hold. */
    prunable: report,
    sessionsInMemory: services.runtime.listSessions().length,
    sessionsStored: Number(sessionsStored?.n ?? 0),
    lastPass: services.retention?.last() ?? null,
  };
}
