/**
 * Spec §10.5 key listing: the private keys in `~/.ssh` (a file whose first line is a PEM/OpenSSH private-key
 * header), each with its type and public fingerprint from `ssh-keygen -l`. Key contents are never returned: only the
 * header line is read here, and ssh-keygen prints the public half's fingerprint.
 */
import { closeSync, lstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { SshKeyInfo } from '@flightdeck/shared-types';
import { execArgv } from './exec.js';

const PRIVATE_HEADER = /^-----BEGIN (OPENSSH|RSA|EC|DSA|ENCRYPTED)? ?PRIVATE KEY-----/;

function head(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(64);
    const n = readSync(fd, buf, 0, 64, 0);
    return buf.subarray(0, n).toString('latin1');
  } finally {
    closeSync(fd);
  }
}

function isPrivateKey(path: string): boolean {
  try {
    const st = lstatSync(path);
    return st.isFile() && st.size < 64 * 1024 && PRIVATE_HEADER.test(head(path));
  } catch {
    return false;
  }
}

/** `256 SHA256:abc comment (ED25519)` → bits, fingerprint, type. */
export function parseKeygenLine(line: string): Pick<SshKeyInfo, 'bits' | 'fingerprint' | 'type'> | null {
  const m = /^(\d+) (SHA256:[A-Za-z0-9+/]+) .*\(([A-Z0-9-]+)\)\s*$/.exec(line.trim());
  return m ? { bits: Number(m[1]), fingerprint: m[2] as string, type: m[3] as string } : null;
}

export async function listPrivateKeys(home: string): Promise<SshKeyInfo[]> {
  const dir = join(home, '.ssh');
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  const keys: SshKeyInfo[] = [];
  for (const file of names) {
    const path = join(dir, file);
    if (file.endsWith('.pub') || !isPrivateKey(path)) continue;
    // The public fingerprint: from `<key>.pub` or the private file's public half (ssh-keygen never prompts: no stdin).
    const r = await execArgv('ssh-keygen', ['-l', '-f', path], { timeoutMs: 5000 });
    const parsed = r.code === 0 ? parseKeygenLine(r.stdout) : null;
    keys.push({ file, path: `~/.ssh/${file}`, type: null, bits: null, fingerprint: null, ...parsed });
  }
  return keys;
}
