#!/usr/bin/env node
// Makes sure PostgreSQL's server binaries exist for the store tests on PostgreSQL: they start a throwaway server of
// their own (initdb in a temp dir, pg_ctl on a loopback port; packages/db/test/support/postgres.ts). On a fresh
// Debian/Ubuntu machine, running as root, it installs Debian's `postgresql` with apt-get (a no-op when present);
// otherwise it explains what to do and fails. The package's own cluster is not used.
//
//   node scripts/ensure-postgres.mjs           # exit 0 when initdb, pg_ctl and postgres are found
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { aptInstall, isExecutable } from './apt-ensure.mjs';

const ROOT = '/usr/lib/postgresql';
const TOOLS = ['initdb', 'pg_ctl', 'postgres'];

/** The newest /usr/lib/postgresql/<version>/bin holding every tool, or null. */
export function findPostgresBin() {
  if (!existsSync(ROOT)) return null;
  const versions = readdirSync(ROOT)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = join(ROOT, v, 'bin');
    if (TOOLS.every((t) => isExecutable(join(bin, t)))) return bin;
  }
  return null;
}

function report(bin) {
  const r = spawnSync(join(bin, 'postgres'), ['--version'], { encoding: 'utf8', timeout: 20_000 });
  console.log(`postgresql: ${(r.stdout || r.stderr).trim()} (${bin})`);
  process.exit(0);
}

const found = findPostgresBin();
if (found) report(found);
aptInstall('postgresql', ['postgresql'], `Missing: ${TOOLS.join(', ')} under ${ROOT}/<version>/bin.`);
const after = findPostgresBin();
if (!after) {
  console.error(`postgresql: the package installed but ${TOOLS.join(', ')} are still missing under ${ROOT}.`);
  process.exit(1);
}
report(after);
