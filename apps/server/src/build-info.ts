/** Where this build lives: its version, and the database writer's script in the production bundle. */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

declare global {
  /** Set by the production bundle's banner: the URL of the bundle, next to which `db-writer.mjs` lies. */
  var __FLIGHTDECK_BUNDLE_URL__: string | undefined;
}

/**
 * A writer thread's script: the production bundle's `db-writer.mjs` (SQLite) or `pg-writer.mjs` (PostgreSQL); from
 * the sources (undefined), the db package's own.
 */
export function writerScript(dialect: 'sqlite' | 'postgres' = 'sqlite'): URL | undefined {
  const bundle = globalThis.__FLIGHTDECK_BUNDLE_URL__;
  return bundle ? new URL(dialect === 'sqlite' ? './db-writer.mjs' : './pg-writer.mjs', bundle) : undefined;
}

export function serverVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(resolve(here, '../package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
