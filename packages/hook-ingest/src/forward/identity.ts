/**
 * The forwarder's id: 16 random hex characters in `<data dir>/forwarder-id` (0600), made on the first run and kept,
 * so that the sender ids of records sent again after a restart are the ones sent before.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir } from '../spool/files.js';

export const FORWARDER_ID_FILE = 'forwarder-id';
const ID_PATTERN = /^[0-9a-f]{16}$/;

function read(path: string): string | null {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return ID_PATTERN.test(text) ? text : null;
  } catch {
    return null;
  }
}

export function forwarderId(dataDir: string): string {
  const path = join(dataDir, FORWARDER_ID_FILE);
  const existing = read(path);
  if (existing) return existing;
  ensurePrivateDir(dataDir);
  const id = randomBytes(8).toString('hex');
  try {
    // Exclusive create: two forwarders starting at once agree on the first one written.
    writeFileSync(path, `${id}\n`, { mode: 0o600, flag: 'wx' });
    return id;
  } catch (err) {
    const raced = read(path);
    if (raced) return raced;
    throw new Error(`${path}: not a forwarder id (16 hex characters); remove it to make a new one`, {
      cause: err,
    });
  }
}
