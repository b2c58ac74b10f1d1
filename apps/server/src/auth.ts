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

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

function stripPort(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 ? h.slice(0, end + 1) : h;
  }
  const colon = h.lastIndexOf(':');
  if (colon > 0 && h.indexOf(':') === colon) return h.slice(0, colon);
  return h;
}

export function isLoopbackHostname(hostname: string): boolean {
  const h = stripPort(hostname);
  return LOOPBACK_NAMES.has(h) || h.startsWith('127.') || h.endsWith('.localhost');
}

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
 * Host check (DNS rebinding): the Host header must name loopback, the bind host, a configured name, or — when
 * bound to all interfaces — one of this machine's addresses. Origin check (CSRF, cross-site WebSocket hijacking):
 * a browser Origin must be same-origin, a loopback origin (dev servers) or configured.
 */
export function createRequestGuard(opts: RequestGuardOptions): RequestGuard {
  const hosts = new Set<string>([...LOOPBACK_NAMES, ...opts.allowedHosts.map((h) => stripPort(h))]);
  const bind = opts.bindHost.toLowerCase();
  const wildcard = bind === '0.0.0.0' || bind === '::' || bind === '[::]';
  if (!wildcard) hosts.add(bind.includes(':') && !bind.startsWith('[') ? `[${bind}]` : bind);
  if (wildcard) {
    for (const list of Object.values(networkInterfaces())) {
      for (const addr of list ?? []) hosts.add(addr.family === 'IPv6' ? `[${addr.address}]` : addr.address);
    }
  }
  const origins = new Set(opts.allowedOrigins.map((o) => o.replace(/\/$/, '').toLowerCase()));
  const hostAllowed = (hostHeader: string) => {
    const h = stripPort(hostHeader);
    return hosts.has(h) || isLoopbackHostname(h);
  };
  return {
    check(headers) {
      const host = headers.host;
      if (typeof host !== 'string' || host === '' || !hostAllowed(host)) {
        return `Host header not allowed: ${typeof host === 'string' ? host : '(missing)'}`;
      }
      const origin = headers.origin;
      if (typeof origin === 'string' && origin !== '') {
        const o = origin.toLowerCase();
        if (origins.has(o)) return null;
        let url: URL;
        try {
          url = new URL(o);
        } catch {
          return `Origin not allowed: ${origin}`;
        }
        if (url.host === host.toLowerCase()) return null; // same origin
        if (isLoopbackHostname(url.hostname) && isLoopbackHostname(host)) return null; // local dev servers
        return `Origin not allowed: ${origin}`;
      }
      return null;
    },
  };
}
