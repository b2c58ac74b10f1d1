/**
 * The hosts of a server (issue 19): their tokens (tokens.ts), followed in the table every second, and what
 * `hosts.list` shows of each.
 */
import type { Session } from '@flightdeck/shared-types';
import type { Logger } from '../runtime.js';
import type { Db } from '../store/index.js';
import { createHostTokens, type HostTokens } from './tokens.js';

/** How often the hosts table is read again (a revoke by the CLI or by another server is followed within this). */
export const HOSTS_REFRESH_MS = 1000;

export interface HostView {
  name: string;
  createdAt: number;
  lastSeenAt: number | null;
  revoked: boolean;
  revokedAt: number | null;
  /** Sessions of this host the server holds that have not ended. */
  agentCount: number;
}

export interface HostsService {
  tokens: HostTokens;
  list(): HostView[];
  stop(): void;
}

export async function startHosts(opts: {
  db: Db;
  sessions: () => Iterable<Session>;
  log: Logger;
  refreshMs?: number;
}): Promise<HostsService> {
  const tokens = createHostTokens(opts.db, (err) => opts.log.warn({ err }, 'hosts: last seen not written'));
  await tokens.refresh();
  const timer = setInterval(() => {
    tokens.refresh().catch((err) => opts.log.warn({ err }, 'hosts: table not read'));
  }, opts.refreshMs ?? HOSTS_REFRESH_MS);
  timer.unref();
  return {
    tokens,
    list() {
      const agents = new Map<string, number>();
      for (const s of opts.sessions()) {
        if (s.host && s.status !== 'ended') agents.set(s.host, (agents.get(s.host) ?? 0) + 1);
      }
      return tokens.list().map((h) => ({
        name: h.name,
        createdAt: h.createdAt,
        lastSeenAt: tokens.lastSeen(h.name),
        revoked: h.revokedAt !== null,
        revokedAt: h.revokedAt,
        agentCount: agents.get(h.name) ?? 0,
      }));
    },
    stop: () => clearInterval(timer),
  };
}
