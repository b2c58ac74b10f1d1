#!/usr/bin/env node
// Entry point of the `flightdeck` CLI. Runs the production bundle (`dist/flightdeck.mjs`, built by
// `pnpm --filter @flightdeck/server build`) when it exists and is newer than every source file it was built
// from; otherwise runs the TypeScript sources through tsx (tests, `pnpm dev`, a checkout without a build).
// FLIGHTDECK_NO_BUNDLE=1 forces the sources.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = resolve(root, 'dist/flightdeck.mjs');

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return Number.NaN;
  }
}

/** Newest modification time of the source files of the workspace packages the bundle contains. */
function newestSource(built) {
  const dirs = new Set([resolve(root, 'src'), resolve(root, 'package.json')]);
  try {
    // The build writes the list of bundled inputs; checking those catches edits in any workspace package.
    const meta = JSON.parse(readFileSync(resolve(root, 'dist/meta.json'), 'utf8'));
    for (const input of Object.keys(meta.inputs ?? {})) {
      if (input.includes('node_modules/')) continue;
      dirs.add(resolve(root, input));
    }
  } catch {
    return Number.POSITIVE_INFINITY;
  }
  let newest = 0;
  const visit = (path) => {
    let st;
    try {
      st = statSync(path);
    } catch {
      newest = Number.POSITIVE_INFINITY; // a bundled file is gone: rebuild needed
      return;
    }
    if (st.isDirectory()) {
      for (const name of readdirSync(path)) visit(resolve(path, name));
    } else if (st.mtimeMs > newest) newest = st.mtimeMs;
  };
  for (const d of dirs) {
    visit(d);
    if (newest > built) break;
  }
  return newest;
}

const built = mtime(bundle);
const useBundle = process.env.FLIGHTDECK_NO_BUNDLE !== '1' && built > 0 && newestSource(built) <= built;

if (useBundle) {
  await import('../dist/flightdeck.mjs');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
