/**
 * Optional dashboard password (spec §11): scrypt hashes, in-memory bearer tokens with a 24 h TTL that also close
 * the WebSockets made with them when they end, and a failed-login limiter keyed by address class. The Host/Origin
 * checks that guard every HTTP request and WebSocket upgrade are in `request-guard.ts`.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { createRateLimiter } from '@flightdeck/hook-ingest';
import ipaddr from 'ipaddr.js';

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

/** What the token store needs of a WebSocket (the `ws` package's WebSocket): to close it and know when it closed. */
export interface RevocableSocket {
  readonly readyState: number;
  close(code?: number, reason?: string): void;
  terminate(): void;
  once(event: 'close', listener: () => void): unknown;
}

/** Close code sent to a WebSocket whose token ended (logout, password change, expiry). */
export const REVOKED_CLOSE_CODE = 4401;
/** A socket that does not finish the closing handshake within this time is cut. */
const CLOSE_GRACE_MS = 1000;
const WS_CLOSING = 2;

export interface TokenStore {
  issue(): string;
  validate(token: string | null | undefined): boolean;
  /**
   * Ties a WebSocket to the token it authenticated with (`null`: no password was set when it connected); it is
   * closed when that token ends, and every tied socket is closed by `revokeAll`.
   */
  attach(token: string | null, socket: RevocableSocket): void;
  /** Ends one token (logout) and closes the WebSockets made with it. */
  revoke(token: string, reason?: string): void;
  /** Ends every token (password change) and closes every WebSocket, whatever it authenticated with. */
  revokeAll(reason?: string): void;
  /** Removes expired tokens and closes their WebSockets. */
  sweep(): void;
  readonly size: number;
  /** WebSockets tied to tokens (or to no token) that have not closed yet. */
  readonly sockets: number;
}

function closeRevoked(socket: RevocableSocket, reason: string): void {
  if (socket.readyState >= WS_CLOSING) return;
  try {
    socket.close(REVOKED_CLOSE_CODE, reason);
  } catch {
    socket.terminate();
    return;
  }
  // Nothing more is sent once it is closing; a peer that never answers the close frame is cut.
  const timer = setTimeout(() => socket.terminate(), CLOSE_GRACE_MS);
  timer.unref?.();
  socket.once('close', () => clearTimeout(timer));
}

export function createTokenStore(now: () => number = Date.now, ttlMs = TOKEN_TTL_MS): TokenStore {
  const tokens = new Map<string, number>();
  /** Sockets by the token they authenticated with; `null` holds those made without one. */
  const sockets = new Map<string | null, Set<RevocableSocket>>();
  let socketCount = 0;

  const closeSocketsOf = (token: string | null, reason: string) => {
    const set = sockets.get(token);
    if (!set) return;
    sockets.delete(token);
    // Each leaves the count when it has closed (its 'close' listener).
    for (const socket of set) closeRevoked(socket, reason);
  };

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
        closeSocketsOf(token, 'login expired');
        return false;
      }
      return true;
    },
    attach(token, socket) {
      if (socket.readyState >= WS_CLOSING) return;
      let set = sockets.get(token);
      if (!set) {
        set = new Set();
        sockets.set(token, set);
      }
      if (set.has(socket)) return;
      set.add(socket);
      socketCount += 1;
      const owner = set;
      socket.once('close', () => {
        if (owner.delete(socket)) {
          socketCount -= 1;
          if (owner.size === 0 && sockets.get(token) === owner) sockets.delete(token);
        }
      });
    },
    revoke(token, reason = 'logged out') {
      tokens.delete(token);
      closeSocketsOf(token, reason);
    },
    revokeAll(reason = 'password changed') {
      tokens.clear();
      for (const token of [...sockets.keys()]) closeSocketsOf(token, reason);
    },
    sweep() {
      const t = now();
      for (const [token, created] of tokens) {
        if (t - created > ttlMs) {
          tokens.delete(token);
          closeSocketsOf(token, 'login expired');
        }
      }
    },
    get size() {
      return tokens.size;
    },
    get sockets() {
      return socketCount;
    },
  };
}

/**
 * The key a login attempt is counted under. Every loopback address (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104) is one
 * key: whoever can use one can use them all. An IPv6 address counts by its /64 (one host usually holds a whole
 * /64); an IPv4 address (IPv4-mapped IPv6 included) by itself.
 */
export function loginAddressKey(ip: string): string {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.process(ip);
  } catch {
    return `other:${ip}`;
  }
  if (addr.range() === 'loopback') return 'loopback';
  if (addr.kind() === 'ipv4') return `ipv4:${addr.toString()}`;
  return `ipv6:${(addr as ipaddr.IPv6).parts
    .slice(0, 4)
    .map((p) => p.toString(16))
    .join(':')}::/64`;
}

export const LOGIN_FAILURES_PER_KEY = 5;
export const LOGIN_FAILURES_GLOBAL = 30;
export const LOGIN_WINDOW_MS = 60_000;

/** One login attempt that was let through: counted as a failure unless `succeeded()` is called. */
export interface LoginAttempt {
  readonly allowed: true;
  /** The password was right: the attempt is not counted. */
  succeeded(): void;
}

export interface LoginRefusal {
  readonly allowed: false;
  /** How long until another attempt is let through (at most the window). */
  readonly retryAfterMs: number;
}

/**
 * Failed-login limiter: at most `perKey` failures per `windowMs` for each address class (see `loginAddressKey`)
 * and `global` failures per window across all addresses. An attempt is counted from the moment it starts (so
 * parallel guesses cannot slip past while the password is being checked) and uncounted when it succeeds, so the
 * owner's logins never use up the allowance. A lockout lasts at most `windowMs`.
 */
export interface LoginLimiter {
  attempt(ip: string): LoginAttempt | LoginRefusal;
  /** Forgets every failure (a new password makes the old guesses moot). */
  reset(): void;
  sweep(): void;
}

export interface LoginLimiterOptions {
  perKey?: number;
  global?: number;
  windowMs?: number;
  now?: () => number;
}

export function createLoginLimiter(opts: LoginLimiterOptions = {}): LoginLimiter {
  const windowMs = opts.windowMs ?? LOGIN_WINDOW_MS;
  const now = opts.now ?? Date.now;
  // The sliding-window limiter of @flightdeck/hook-ingest, twice: per address class (every class remembered:
  // `sweep` forgets the idle ones) and one key for all addresses.
  const perKey = createRateLimiter(opts.perKey ?? LOGIN_FAILURES_PER_KEY, windowMs, Number.POSITIVE_INFINITY);
  const global = createRateLimiter(opts.global ?? LOGIN_FAILURES_GLOBAL, windowMs);
  const ALL = '*';
  /** Bumped by `reset`: an attempt from before it has nothing left to take back. */
  let epoch = 0;

  return {
    attempt(ip) {
      const t = now();
      const key = loginAddressKey(ip);
      const wait = Math.max(perKey.wait(key, t), global.wait(ALL, t));
      if (wait > 0) return { allowed: false, retryAfterMs: Math.min(windowMs, Math.max(1, wait)) };
      perKey.hit(key, t);
      global.hit(ALL, t);
      const started = epoch;
      let counted = true;
      return {
        allowed: true,
        succeeded() {
          if (!counted || started !== epoch) return;
          counted = false;
          perKey.undo(key, t);
          global.undo(ALL, t);
        },
      };
    },
    reset() {
      epoch++;
      perKey.reset();
      global.reset();
    },
    sweep() {
      const t = now();
      perKey.sweep(t);
      global.sweep(t);
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

export {
  createRequestGuard,
  isLoopbackHostname,
  type RequestGuard,
  type RequestGuardOptions,
} from './request-guard.js';
