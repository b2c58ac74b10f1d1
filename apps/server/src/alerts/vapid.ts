/**
 * The server's VAPID key pair (Web Push): generated on first start and kept in `<data dir>/vapid.json` (0600, the
 * owner's alone, like the hook token); without a data dir (tests) a pair lives in memory for the process.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import webpush from 'web-push';
import { z } from 'zod';
import { createPrivateFile } from '../file-modes.js';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

const keysSchema = z.object({
  publicKey: z.string().regex(/^[A-Za-z0-9_-]{80,100}$/),
  privateKey: z.string().regex(/^[A-Za-z0-9_-]{40,50}$/),
});

export function vapidPath(dataDir: string): string {
  return join(dataDir, 'vapid.json');
}

function read(path: string): VapidKeys | null {
  try {
    const r = keysSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/**
 * The stored pair, or a new one written 0600 (created exclusively: two processes racing keep the first). A file
 * that holds something else is an error, not silently replaced (the browsers subscribed with its public key).
 */
export function loadOrCreateVapidKeys(dataDir: string | null): VapidKeys {
  if (dataDir === null) return webpush.generateVAPIDKeys();
  const path = vapidPath(dataDir);
  const existing = read(path);
  if (existing) return existing;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const keys = webpush.generateVAPIDKeys();
  if (!createPrivateFile(path, `${JSON.stringify(keys)}\n`)) {
    const raced = read(path);
    if (raced) return raced;
    throw new Error(`${path} does not hold VAPID keys: move it away to generate new ones`);
  }
  return keys;
}
