/**
 * The hook token: the credential of hook senders over HTTP (`POST /api/hooks`, `POST /api/hooks/batch`) once a
 * dashboard password is set. 32 random bytes, hex, in `<dataDir>/hook-token` (0600), made when first needed;
 * `flightdeck hooks token --rotate` replaces it and the running server follows within a second. It is not a login
 * token, and a login token is not a hook token. Local hook scripts write to the spool directory instead (0700, the
 * trust boundary) and need none.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileSignature } from './config.js';
import { createPrivateFile } from './file-modes.js';

export const HOOK_TOKEN_FILE = 'hook-token';
/** The header hook senders may use instead of `Authorization: Bearer`. */
export const HOOK_TOKEN_HEADER = 'x-flightdeck-hook-token';
const TOKEN_PATTERN = /^[0-9a-f]{64}$/;

export function hookTokenPath(dataDir: string): string {
  return join(dataDir, HOOK_TOKEN_FILE);
}

function newToken(): string {
  return randomBytes(32).toString('hex');
}

/** The token in the file, or null when there is none (or it is not 64 hex characters). */
export function readHookToken(dataDir: string): string | null {
  try {
    const text = readFileSync(hookTokenPath(dataDir), 'utf8').trim();
    return TOKEN_PATTERN.test(text) ? text : null;
  } catch {
    return null;
  }
}

/** The current token, created (0600) when there is none yet. Safe when two processes race to create it. */
export function ensureHookToken(dataDir: string): string {
  const existing = readHookToken(dataDir);
  if (existing) return existing;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = hookTokenPath(dataDir);
  const token = newToken();
  if (!createPrivateFile(path, `${token}\n`)) {
    // Someone else made it first, or the file holds something that is not a token: replace the latter.
    const raced = readHookToken(dataDir);
    return raced ?? rotateHookToken(dataDir);
  }
  return token;
}

/** Replaces the token (temp file + rename, 0600); the old one stops working once the server has seen the change. */
export function rotateHookToken(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = hookTokenPath(dataDir);
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const token = newToken();
  writeFileSync(tmp, `${token}\n`, { mode: 0o600, flag: 'wx' });
  renameSync(tmp, path);
  return token;
}

/** The hook token sent with a request: `X-Flightdeck-Hook-Token`, else `Authorization: Bearer`. */
export function hookTokenFromHeaders(headers: Record<string, string | string[] | undefined>): string | null {
  const own = headers[HOOK_TOKEN_HEADER];
  if (typeof own === 'string' && own.trim() !== '') return own.trim();
  const authz = headers.authorization;
  if (typeof authz === 'string') {
    const m = /^Bearer\s+(\S+)$/i.exec(authz.trim());
    if (m?.[1]) return m[1];
  }
  return null;
}

export const hookAuthErrors = {
  missing:
    'hook token required: this Flightdeck has a password, so hook senders over HTTP must send ' +
    '"Authorization: Bearer <hook token>" or "X-Flightdeck-Hook-Token: <hook token>" ' +
    '(`flightdeck hooks token` prints it)',
  wrong:
    'hook token not accepted: it is not the current hook token of this Flightdeck (a dashboard login token is ' +
    'not a hook token; `flightdeck hooks token` prints the current one)',
} as const;

export interface HookTokenStore {
  /** Re-reads the file when it changed (called on a short timer, so a rotation is followed within a second). */
  refresh(): void;
  /** Makes sure a token exists (call when a password gets set). */
  ensure(): string;
  /** Null when the request may post hook events, else the reason for a 401. */
  authorize(headers: Record<string, string | string[] | undefined>): string | null;
}

/**
 * The server's view of the hook token. `dataDir: null` (in-memory servers) keeps one in memory. Hooks need the
 * token only while `required()` (a password is set).
 */
export function createHookTokenStore(dataDir: string | null, required: () => boolean): HookTokenStore {
  const path = dataDir ? hookTokenPath(dataDir) : null;
  let token: Buffer | null = null;
  let signature = '';
  const load = () => {
    if (!dataDir || !path) return;
    const sig = fileSignature(path);
    if (sig === signature && token) return;
    signature = sig;
    const text = readHookToken(dataDir);
    token = text ? Buffer.from(text) : null;
  };
  // The token once known; `refresh()` (on a timer) follows the file, so a hook request costs no file access.
  const ensure = (): Buffer => {
    if (token) return token;
    if (!dataDir) {
      token = Buffer.from(newToken());
      return token;
    }
    load();
    if (!token) {
      token = Buffer.from(ensureHookToken(dataDir));
      signature = fileSignature(path as string);
    }
    return token;
  };
  load();
  return {
    refresh: load,
    ensure: () => ensure().toString(),
    authorize(headers) {
      if (!required()) return null;
      const sent = hookTokenFromHeaders(headers);
      if (!sent) return hookAuthErrors.missing;
      const expected = ensure();
      const given = Buffer.from(sent);
      return given.length === expected.length && timingSafeEqual(given, expected)
        ? null
        : hookAuthErrors.wrong;
    },
  };
}
