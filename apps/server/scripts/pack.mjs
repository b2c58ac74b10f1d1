#!/usr/bin/env node
// Lays out the installable package in `dist/package/` (the server's `prepack`; `pnpm pack` packs that directory,
// `publishConfig.directory`). Everything the server needs at run time is in it, and nothing from the workspace:
//
//   package.json          generated: name `flightdeck` (so `npx flightdeck` runs it), the version of
//                         @flightdeck/server, bin, and as dependencies only the native modules the bundle imports
//                         (better-sqlite3, node-pty), at the versions the workspace pins
//   bin/flightdeck.mjs    runs dist/flightdeck.mjs
//   dist/flightdeck.mjs   the server and CLI, workspace packages and pure-JS npm dependencies bundled (esbuild)
//   dist/db-writer.mjs    the SQLite writer thread, found next to the main bundle
//   dist/pg-writer.mjs    the PostgreSQL writer thread, likewise
//   dist/web/             the built web app (vite), served at /
//   hooks/                the hook script that `flightdeck hooks install` copies into the data directory
//   README.md
//
// In the bundle every file sees the bundle's own `import.meta.url`: @flightdeck/hook-ingest finds
// `../hooks/flightdeck-hook.sh`, the server its `../package.json` (version) and its web app in `web/` beside it.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildServer, externalPackages } from './build.mjs';

const serverRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(serverRoot, '../..');
const webRoot = join(repoRoot, 'apps/web');
const hookIngestRoot = join(repoRoot, 'packages/hook-ingest');
/** Where the package is laid out; `publishConfig.directory` in apps/server/package.json names it. */
export const STAGE = join(serverRoot, 'dist/package');
/** The name the package is published under: what `npx flightdeck` fetches. */
export const PACKAGE_NAME = 'flightdeck';

/**
 * External imports the bundle can do without: `ws` requires these optional speed-ups inside a try; `pg` requires
 * `pg-native` only when its native binding is asked for (`pg.native`, `NODE_PG_FORCE_NATIVE`), which Flightdeck never does.
 */
const OPTIONAL = new Set(['bufferutil', 'utf-8-validate', 'pg-native']);

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

/** The version a workspace package.json pins for `name` (the native modules are dependencies of workspace packages). */
function pinnedVersion(name) {
  const manifests = [
    'apps/server',
    'packages/db',
    'packages/hook-ingest',
    'packages/core',
    'packages/shared-types',
  ];
  for (const dir of manifests) {
    const pkg = readJson(join(repoRoot, dir, 'package.json'));
    const version = pkg.dependencies?.[name];
    if (version && !version.startsWith('workspace:')) return version;
  }
  throw new Error(`the bundle imports ${name}, but no workspace package.json pins a version of it`);
}

export async function layOutPackage(log = (line) => process.stderr.write(`${line}\n`)) {
  const started = Date.now();
  rmSync(STAGE, { recursive: true, force: true });
  mkdirSync(STAGE, { recursive: true });

  log('pack: building the web app (vite) into dist/web');
  const web = join(STAGE, 'dist/web');
  execFileSync(
    process.execPath,
    [
      join(webRoot, 'node_modules/vite/bin/vite.js'),
      'build',
      '--logLevel',
      'warn',
      '--outDir',
      web,
      '--emptyOutDir',
    ],
    // A production build whatever the packer's environment says (under vitest NODE_ENV is `test`, and solid-js
    // would then be bundled in its development build).
    {
      cwd: webRoot,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, NODE_ENV: 'production' },
    },
  );
  rmSync(join(web, 'build-inputs.json'), { force: true }); // a checkout's staleness check; of no use here

  log('pack: bundling the server (esbuild) into dist/');
  const metafile = await buildServer({ outdir: join(STAGE, 'dist'), packaged: true });

  cpSync(join(hookIngestRoot, 'hooks'), join(STAGE, 'hooks'), { recursive: true });
  mkdirSync(join(STAGE, 'bin'));
  const bin = join(STAGE, 'bin/flightdeck.mjs');
  writeFileSync(bin, "#!/usr/bin/env node\nimport '../dist/flightdeck.mjs';\n");
  chmodSync(bin, 0o755);
  copyFileSync(join(repoRoot, 'README.md'), join(STAGE, 'README.md'));

  const server = readJson(join(serverRoot, 'package.json'));
  const root = readJson(join(repoRoot, 'package.json'));
  const needed = externalPackages(metafile).filter((name) => !OPTIONAL.has(name));
  const dependencies = Object.fromEntries(needed.map((name) => [name, pinnedVersion(name)]));
  const manifest = {
    name: PACKAGE_NAME,
    version: server.version,
    description: 'Flightdeck: a local-first control room for AI coding agents (server, dashboard and CLI)',
    type: 'module',
    bin: { flightdeck: 'bin/flightdeck.mjs' },
    files: ['bin', 'dist', 'hooks'],
    engines: root.engines,
    dependencies,
  };
  writeFileSync(join(STAGE, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  log(`pack: ${PACKAGE_NAME}@${manifest.version} laid out in ${Date.now() - started} ms`);
  return manifest;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await layOutPackage();
}
