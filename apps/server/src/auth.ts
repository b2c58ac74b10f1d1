/**
 * Optional dashboard password (spec §11): scrypt hashes, in-memory bearer tokens with a 24 h TTL,
 * a login rate limiter, and the Host/Origin checks that guard every HTTP request and WebSocket upgrade.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { networkInterfaces } from 'node:os';

export const MIN_PASSWORD_LENGTH = 4;
export const MAX_PASSWORD_LENGTH = 1024;
export const TOKEN_TTL_MS = 24 * 60 * 60 * 1000;
export const AUTH_COOKIE = 'auth_token';
const KEY_LENGTH = 64;

function scrypt(password: string, salt: string): Promise<Buffer> {
  return new Promise((resolveKey, reject) => {
    scryptCb(password, salt, KEY_LENGTH, (err, key) => (err ? reject(err) : resolveKey(key)));
  });
}

export function validatePassword(password: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH)
    return `password must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH)
    return `password must be at most ${MAX_PASSWORD_LENGTH} characters`;
  return null;
}

/** Returns `salt:hash` (hex). */
export async function hashPassword(password: string): Promise<string> {
  const problem = validatePassword(password);
  if (problem) throw new Error(problem);
  const salt = randomBytes(16).toString('hex');
  const key = await scrypt(password, salt);
  return `${salt}:${key.toString('hex')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [salt, hashHex] = stored.split(':');
  if (!salt || !hashHex || hashHex.length !== KEY_LENGTH * 2) return false;
  const expected = Buffer.from(hashHex, 'hex');
  const actual = await scrypt(password.slice(0, MAX_PASSWORD_LENGTH), salt);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

export interface TokenStore {
  issue(): string;
  validate(token: string | null | undefined): boolean;
  revoke(token: string): void;
  revokeAll(): void;
  /** Removes expired tokens. */
  sweep(): void;
  readonly size: number;
}

export function createTokenStore(now: () => number = Date.now, ttlMs = TOKEN_TTL_MS): TokenStore {
  const tokens = new Map<string, number>();
  return {
    issue() {
      const token = randomBytes(32).toString('hex');
      tokens.set(token, now());
      return token;
    },
    validate(token) {
      if (typeof token !== 'string' || token.length !== 64) return false;
      const created = tokens.get(token);
      if (created === undefined) return false;
      if (now() - created > ttlMs) {
        tokens.delete(token);
        return false;
      }
      return true;
    },
    revoke(token) {
      tokens.delete(token);
    },
    revokeAll() {
      tokens.clear();
    },
    sweep() {
      const t = now();
      for (const [token, created] of tokens) if (t - created > ttlMs) tokens.delete(token);
    },
    get size() {
      return tokens.size;
    },
  };
}

/** Sliding-window limiter: at most `limit` hits per `windowMs` per key. */
export interface RateLimiter {
  /** Records a hit; returns false when the key is over its limit. */
  hit(key: string): boolean;
  sweep(): void;
}

export function createRateLimiter(
  limit: number,
  windowMs: number,
  now: () => number = Date.now,
): RateLimiter {
  const hits = new Map<string, number[]>();
  return {
    hit(key) {
      const t = now();
      const list = (hits.get(key) ?? []).filter((at) => t - at < windowMs);
      if (list.length >= limit) {
        hits.set(key, list);
        return false;
      }
      list.push(t);
      hits.set(key, list);
      return true;
    },
    sweep() {
      const t = now();
      for (const [key, list] of hits) {
        const kept = list.filter((at) => t - at < windowMs);
        if (kept.length === 0) hits.delete(key);
        else hits.set(key, kept);
      }
    },
  };
}

/** Reads a cookie value from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

/** Token from the `auth_token` cookie, else from `Authorization: Bearer …`. Never from the URL. */
export function extractToken(headers: Record<string, string | string[] | undefined>): string | null {
  const cookie = readCookie(typeof headers.cookie === 'string' ? headers.cookie : undefined, AUTH_COOKIE);
  if (cookie) return cookie;
  const authz = headers.authorization;
  if (typeof authz === 'string') {
    const m = /^Bearer\s+(\S+)$/i.exec(authz.trim());
    if (m?.[1]) return m[1];
  }
  return null;
}

export function authCookie(token: string, maxAgeSeconds = TOKEN_TTL_MS / 1000): string {
  return `${AUTH_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeSeconds}`;
}

export function clearAuthCookie(): string {
  return `${AUTH_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`;
}

/** A `host[:port]` authority (Host header, origin): the lower-cased host and the port, or null when malformed. */
interface Authority {
  host: string;
  port: string | null;
}

function splitAuthority(value: string): Authority | null {
  const v = value.trim().toLowerCase();
  let host: string;
  let rest: string;
  if (v.startsWith('[')) {
    const end = v.indexOf(']');
    if (end < 0) return null;
    host = v.slice(0, end + 1);
    rest = v.slice(end + 1);
  } else {
    const colon = v.indexOf(':');
    // More than one colon: a bare IPv6 literal (`::1`), no port.
    if (colon !== v.lastIndexOf(':')) return { host: v, port: null };
    host = colon < 0 ? v : v.slice(0, colon);
    rest = colon < 0 ? '' : v.slice(colon);
  }
  if (host === '' || /[\s/?#@\\]/.test(host)) return null;
  if (rest === '') return { host, port: null };
  return /^:\d{1,5}$/.test(rest) ? { host, port: rest.slice(1) } : null;
}

/** `127.0.0.0/8` written as four decimal octets (no leading zeros): no `127.1`, `0x7f.0.0.1`, `2130706433`. */
const LOOPBACK_IPV4 =
  /^127\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){2}$/;

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || host === '::1' || LOOPBACK_IPV4.test(host);
}

/**
 * True for exact loopback literals only: `localhost`, `127.x.y.z` as a strict dotted quad, `[::1]` / `::1`
 * (a port may follow). Names that merely start with `127.` or end in `.localhost` are names an attacker's DNS
 * can point anywhere (DNS rebinding), so they are not loopback here.
 */
export function isLoopbackHostname(hostname: string): boolean {
  const a = splitAuthority(hostname);
  return a !== null && isLoopbackHost(a.host);
}

/** The authority of an `Origin` header (`scheme://host[:port]`, nothing else), or null. */
function originAuthority(origin: string): (Authority & { authority: string }) | null {
  const m = /^https?:\/\/([^/?#@]+)$/i.exec(origin.trim());
  if (!m?.[1]) return null;
  const a = splitAuthority(m[1]);
  return a ? { ...a, authority: m[1].toLowerCase() } : null;
}

/** A header value quoted in a refusal: shown, never trusted; cut short. */
const quote = (v: string) => JSON.stringify(v.length > 200 ? `${v.slice(0, 200)}…` : v);

export interface RequestGuardOptions {
  /** The host the server binds to. */
  bindHost: string;
  allowedHosts: readonly string[];
  allowedOrigins: readonly string[];
}

export interface RequestGuard {
  /** Returns a refusal reason or null when the request may proceed. */
  check(headers: Record<string, string | string[] | undefined>): string | null;
}

/**
 * Host check (DNS rebinding): the Host header must name an exact loopback literal or `localhost`, the bind host,
 * a configured name (`allowedHosts`), or — when bound to all interfaces — one of this machine's addresses.
 * Origin check (CSRF, cross-site WebSocket hijacking): a browser Origin must be same-origin, a loopback origin
 * (dev servers; the same strict notion of loopback) or configured (`allowedOrigins`).
 */
export function createRequestGuard(opts: RequestGuardOptions): RequestGuard {
  const hosts = new Set<string>();
  for (const h of opts.allowedHosts) {
    const a = splitAuthority(h);
    if (a) hosts.add(a.host);
  }
  const bind = opts.bindHost.trim().toLowerCase();
  const wildcard = bind === '0.0.0.0' || bind === '::' || bind === '[::]';
  if (!wildcard) hosts.add(bind.includes(':') && !bind.startsWith('[') ? `[${bind}]` : bind);
  if (wildcard) {
    for (const list of Object.values(networkInterfaces())) {
      for (const addr of list ?? []) hosts.add(addr.family === 'IPv6' ? `[${addr.address}]` : addr.address);
    }
  }
  const origins = new Set(opts.allowedOrigins.map((o) => o.replace(/\/$/, '').toLowerCase()));
  const hostAllowed = (host: string) => hosts.has(host) || isLoopbackHost(host);
  return {
    check(headers) {
      const hostHeader = headers.host;
      if (typeof hostHeader !== 'string' || hostHeader === '') return 'Host header missing';
      const host = splitAuthority(hostHeader);
      if (!host || !hostAllowed(host.host)) {
        return `Host header not allowed: ${quote(hostHeader)} (accepted: localhost, loopback addresses, the bind address and the names in allowedHosts of the config file)`;
      }
      const origin = headers.origin;
      if (typeof origin !== 'string' || origin === '') return null;
      const o = origin.trim().toLowerCase();
      if (origins.has(o)) return null;
      const from = originAuthority(o);
      // Same origin: the page was served by this server under the (allowed) name it now asks for.
      if (from && from.authority === hostHeader.trim().toLowerCase()) return null;
      // A local dev server (e.g. Vite on localhost:5173) talking to a loopback server.
      if (from && isLoopbackHost(from.host) && isLoopbackHost(host.host)) return null;
      return `Origin not allowed: ${quote(origin)} (accepted: this server's own origin, loopback origins and allowedOrigins of the config file)`;
    },
  };
}
