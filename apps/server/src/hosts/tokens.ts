/**
 * Per-host tokens (issue 19). A host token is `fdh_` + 32 random bytes in hex, shown once when made; the database
 * keeps its SHA-256 only. SHA-256 and not scrypt: the token is 256 random bits, so there is nothing to guess and a
 * slow hash would only slow every hook request; the hash keeps the tokens out of a copied database.
 *
 * The server keeps every host's hash in memory (reloaded from the table every second, so `flightdeck hosts revoke`
 * run beside a running server, or another server on the same PostgreSQL, is followed within a second; a revoke
 * through this server takes effect at once). A sender's token is hashed and its hash compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createHostToken, listHosts, revokeHostToken, type StoredHost, touchHost } from '@flightdeck/db';
import { hookTokenFromHeaders } from '../hook-token.js';
import type { Db } from '../store/index.js';

export const HOST_TOKEN_PREFIX = 'fdh_';
const HOST_TOKEN_PATTERN = /^fdh_[0-9a-f]{64}$/;
/** `last_seen_at` is written at most this often per host. */
export const HOST_SEEN_WRITE_MS = 1000;

export function newHostToken(): string {
  return `${HOST_TOKEN_PREFIX}${randomBytes(32).toString('hex')}`;
}

export function hashHostToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function isHostToken(token: string): boolean {
  return token.startsWith(HOST_TOKEN_PREFIX);
}

export const hostAuthErrors = {
  unknown:
    'host token not accepted: no host has this token (`flightdeck hosts list` shows the hosts; `flightdeck hosts add <name>` makes a token)',
  revoked: (host: string) =>
    `token revoked: the token of host "${host}" was revoked (make a new one with \`flightdeck hosts add ${host}\`)`,
  mismatch: (tokenHost: string, eventHost: string, where: string) =>
    `host mismatch: this token belongs to host "${tokenHost}", but ${where} has meta.host "${eventHost}"; nothing was stored`,
  claimed: (eventHost: string, where: string) =>
    `host mismatch: ${where} has meta.host "${eventHost}", a host with its own token: its events are accepted only with that token; nothing was stored`,
} as const;

/** Who sent a request, from its token: a host (its token), or not a host token (the hook token rules apply). */
export type HostAuth =
  | { kind: 'host'; host: string }
  | { kind: 'refused'; error: string }
  | { kind: 'other' };

export interface HostTokens {
  /** Re-reads the hosts table (on a timer). */
  refresh(): Promise<void>;
  /** The host a request's token names, a refusal (unknown or revoked host token), or `other` (no host token). */
  resolve(headers: Record<string, string | string[] | undefined>): HostAuth;
  /** True when `name` is a host with its own token (revoked or not): its events need that token. */
  isHost(name: string): boolean;
  /** Makes a token for host `name` (new, or revoked before); returns the token: the only time it is shown. */
  create(name: string): Promise<{ host: StoredHost; token: string }>;
  /** Revokes host `name`'s token at once. False when there is none to revoke. */
  revoke(name: string): Promise<boolean>;
  /** The hosts as last loaded. */
  list(): StoredHost[];
  /** Notes that `host` was heard from at `now` (written at most once a second per host). */
  seen(host: string, now: number): void;
  /** When `host` was last heard from by this server (null: not since it started). */
  lastSeen(host: string): number | null;
}

interface Entry {
  host: StoredHost;
  hash: Buffer;
}

export function createHostTokens(db: Db, onError: (err: unknown) => void): HostTokens {
  let byHash = new Map<string, Entry>();
  let byName = new Map<string, StoredHost>();
  const lastWrite = new Map<string, number>();
  const lastSeen = new Map<string, number>();
  const load = (hosts: StoredHost[]) => {
    byHash = new Map(hosts.map((h) => [h.tokenHash, { host: h, hash: Buffer.from(h.tokenHash, 'hex') }]));
    byName = new Map(hosts.map((h) => [h.name, h]));
  };
  const refresh = async () => load(await listHosts(db));
  return {
    refresh,
    resolve(headers) {
      const sent = hookTokenFromHeaders(headers);
      if (sent === null || !isHostToken(sent)) return { kind: 'other' };
      if (!HOST_TOKEN_PATTERN.test(sent)) return { kind: 'refused', error: hostAuthErrors.unknown };
      const hash = createHash('sha256').update(sent).digest();
      // The map finds the candidate by the hash (which tells a timing observer nothing about the token); the
      // comparison that decides is constant-time.
      const entry = byHash.get(hash.toString('hex'));
      if (!entry || !timingSafeEqual(entry.hash, hash))
        return { kind: 'refused', error: hostAuthErrors.unknown };
      if (entry.host.revokedAt !== null)
        return { kind: 'refused', error: hostAuthErrors.revoked(entry.host.name) };
      return { kind: 'host', host: entry.host.name };
    },
    isHost: (name) => byName.has(name),
    async create(name) {
      const token = newHostToken();
      const host = await createHostToken(db, name, hashHostToken(token), Date.now());
      await refresh();
      return { host, token };
    },
    async revoke(name) {
      const revoked = await revokeHostToken(db, name, Date.now());
      await refresh();
      return revoked;
    },
    list: () => [...byName.values()],
    lastSeen: (host) => {
      const at = lastSeen.get(host);
      const stored = byName.get(host)?.lastSeenAt ?? null;
      return at === undefined ? stored : Math.max(at, stored ?? 0);
    },
    seen(host, now) {
      lastSeen.set(host, Math.max(now, lastSeen.get(host) ?? 0));
      const last = lastWrite.get(host);
      if (last !== undefined && now - last < HOST_SEEN_WRITE_MS) return;
      lastWrite.set(host, now);
      touchHost(db, host, now).catch(onError);
    },
  };
}
