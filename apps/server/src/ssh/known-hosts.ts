/**
 * Host keys: scanned with `ssh-keyscan`, fingerprinted like `ssh-keygen -l` (SHA256 of the key blob, base64 without
 * padding), looked up with `ssh-keygen -F` (which also matches hashed entries) in Flightdeck's own known-hosts file
 * and then `~/.ssh/known_hosts`. Trust writes only Flightdeck's file, and only the key whose fingerprint the user saw.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SshHostConfig, SshHostKeyState } from '@flightdeck/shared-types';
import { execArgv } from './exec.js';

export interface HostKeyLine {
  type: string;
  blob: string;
}

/** `SHA256:<base64, no padding>` of a key blob, as `ssh-keygen -l` prints it. */
export function fingerprintOf(blob: string): string {
  const digest = createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

/** How known_hosts names a host: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(h: Pick<SshHostConfig, 'host' | 'port'>): string {
  return h.port === 22 ? h.host : `[${h.host}]:${h.port}`;
}

/** Key lines (`<name> <type> <blob>`) without markers or comments. */
function parseKeyLines(text: string): HostKeyLine[] {
  const keys: HostKeyLine[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#') || t.startsWith('@')) continue;
    const [, type, blob] = t.split(/\s+/);
    if (type && blob && /^[A-Za-z0-9+/]+=*$/.test(blob)) keys.push({ type, blob });
  }
  return keys;
}

/** Preferred key types, best first (what the user is shown and what trust writes). */
const PREFERRED = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'ssh-rsa',
];

export function preferredKey(keys: HostKeyLine[]): HostKeyLine | null {
  const rank = (k: HostKeyLine) => {
    const i = PREFERRED.indexOf(k.type);
    return i === -1 ? PREFERRED.length : i;
  };
  return [...keys].sort((a, b) => rank(a) - rank(b))[0] ?? null;
}

/** The host's keys as it offers them now (`ssh-keyscan`); throws with a message naming the host when it cannot. */
export async function scanHostKeys(h: SshHostConfig, timeoutS = 5): Promise<HostKeyLine[]> {
  const r = await execArgv('ssh-keyscan', ['-T', String(timeoutS), '-p', String(h.port), '--', h.host], {
    timeoutMs: (timeoutS + 3) * 1000,
  });
  const keys = parseKeyLines(r.stdout);
  if (keys.length === 0)
    throw new Error(
      `host: no host key from ${h.host}:${h.port} (${r.error ?? (r.stderr.trim().split('\n').pop() || 'unreachable')})`,
    );
  return keys;
}

/** The keys known for the host in these known-hosts files (missing files are skipped). */
export async function knownKeys(h: SshHostConfig, files: string[]): Promise<HostKeyLine[]> {
  const all: HostKeyLine[] = [];
  for (const file of files) {
    if (!existsSync(file)) continue;
    const r = await execArgv('ssh-keygen', ['-F', knownHostsName(h), '-f', file], { timeoutMs: 5000 });
    all.push(...parseKeyLines(r.stdout));
  }
  return all;
}

export function keyState(offered: HostKeyLine[], known: HostKeyLine[]): SshHostKeyState {
  if (known.length === 0) return 'unknown';
  const match = offered.some((o) => known.some((k) => k.type === o.type && k.blob === o.blob));
  return match ? 'trusted' : 'changed';
}

/** Appends the key to Flightdeck's known-hosts file (created 0600 in a 0700 directory). */
export function appendKnownHost(file: string, h: SshHostConfig, key: HostKeyLine): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  appendFileSync(file, `${knownHostsName(h)} ${key.type} ${key.blob}\n`, { mode: 0o600 });
}

/** Removes the host's entries from Flightdeck's known-hosts file (`ssh-keygen -R`). */
export async function forgetKnownHost(file: string, h: SshHostConfig): Promise<void> {
  if (!existsSync(file)) return;
  await execArgv('ssh-keygen', ['-R', knownHostsName(h), '-f', file], { timeoutMs: 5000 });
}
