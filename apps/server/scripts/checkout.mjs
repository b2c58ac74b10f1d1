// What `bin/flightdeck.mjs` does in a checkout before it runs the CLI: tell whether the web app's build
// (`apps/web/dist`) and the server's bundle (`apps/server/dist`) are missing or older than their sources, build them
// for `flightdeck start`, and choose between the bundle and the TypeScript sources (through tsx).
//
// The inputs of each build are the ones that build recorded: `apps/web/dist/build-inputs.json` (written by the web
// app's vite config) and `apps/server/dist/meta.json` (esbuild's metafile, written by scripts/build.mjs).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** This checkout: apps/server and apps/web. */
export const CHECKOUT = { serverRoot: here, webRoot: resolve(here, '../web') };

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return Number.NaN;
  }
}

/** The first of `paths` (files, or directories walked whole) changed after `built` or gone; null when none is. */
function changedSince(built, paths, shown) {
  const visit = (path) => {
    let st;
    try {
      st = statSync(path);
    } catch {
      return `${shown(path)} is gone`;
    }
    if (st.isDirectory()) {
      for (const name of readdirSync(path)) {
        const found = visit(join(path, name));
        if (found) return found;
      }
      return null;
    }
    return st.mtimeMs > built ? `${shown(path)} changed` : null;
  };
  for (const path of paths) {
    const found = visit(path);
    if (found) return found;
  }
  return null;
}

/** The checks and builds of one checkout (its apps/server and apps/web directories). */
export function createCheckout({ serverRoot, webRoot } = CHECKOUT) {
  const repoRoot = resolve(serverRoot, '../..');
  const serverDist = join(serverRoot, 'dist');
  const webIndex = join(webRoot, 'dist/index.html');
  const shown = (path) => relative(repoRoot, path) || '.';

  /** Why the server bundle must be (re)built, or null when it is newer than every source it was built from. */
  function serverBundleStale() {
    const built = mtime(join(serverDist, 'flightdeck.mjs'));
    if (Number.isNaN(built)) return `${shown(join(serverDist, 'flightdeck.mjs'))} is missing`;
    let inputs;
    try {
      inputs = Object.keys(JSON.parse(readFileSync(join(serverDist, 'meta.json'), 'utf8')).inputs ?? {});
    } catch {
      return `${shown(join(serverDist, 'meta.json'))} is missing`;
    }
    const sources = inputs
      .filter((input) => !input.includes('node_modules/'))
      .map((input) => resolve(serverRoot, input));
    return changedSince(
      built,
      [join(serverRoot, 'src'), join(serverRoot, 'package.json'), ...sources],
      shown,
    );
  }

  /** Why the web app must be (re)built, or null when its build is newer than every source it was built from. */
  function webBuildStale() {
    const built = mtime(webIndex);
    if (Number.isNaN(built)) return `${shown(webIndex)} is missing`;
    let inputs;
    try {
      inputs = JSON.parse(readFileSync(join(webRoot, 'dist/build-inputs.json'), 'utf8'));
    } catch {
      return `${shown(join(webRoot, 'dist/build-inputs.json'))} is missing`;
    }
    return changedSince(
      built,
      inputs.map((input) => resolve(webRoot, input)),
      shown,
    );
  }

  /** `vite build` of the web app into apps/web/dist; true when it succeeded. */
  function buildWeb() {
    const vite = join(webRoot, 'node_modules/vite/bin/vite.js');
    // Its output to stderr: the CLI's stdout carries the ready line. A production build, whatever NODE_ENV says.
    const run = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
      cwd: webRoot,
      stdio: ['ignore', 2, 2],
      env: { ...process.env, NODE_ENV: 'production' },
    });
    return run.status === 0;
  }

  /** scripts/build.mjs (the server bundle into apps/server/dist, moved in file by file); true when it succeeded. */
  function buildServerBundle() {
    const run = spawnSync(process.execPath, [join(serverRoot, 'scripts/build.mjs')], {
      cwd: serverRoot,
      stdio: ['ignore', 'ignore', 2],
    });
    return run.status === 0;
  }

  const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

  /**
   * Before the CLI runs: for `start` (unless FLIGHTDECK_NO_BUILD=1), builds the web app and the server bundle when
   * they are missing or stale, saying so on stderr. Returns what to run: 'bundle' (dist/flightdeck.mjs, fresh) or
   * 'sources' (src/cli.ts through tsx: FLIGHTDECK_NO_BUNDLE=1, or a stale bundle that was not or could not be
   * rebuilt).
   */
  function prepare(argv, env, stderr = process.stderr) {
    const sourcesForced = env.FLIGHTDECK_NO_BUNDLE === '1';
    const build = argv[0] === 'start' && env.FLIGHTDECK_NO_BUILD !== '1';
    if (build) {
      const webWhy = webBuildStale();
      if (webWhy) {
        stderr.write(`flightdeck: building the web app (${webWhy}) …\n`);
        const started = Date.now();
        if (buildWeb()) stderr.write(`flightdeck: web app built in ${seconds(started)}\n`);
        else {
          stderr.write(
            'flightdeck: the web app failed to build (see above); the dashboard will say so. Fix it and run\n' +
              '  pnpm --filter @flightdeck/web build\n',
          );
        }
      }
    }
    if (sourcesForced) return 'sources';
    const serverWhy = serverBundleStale();
    if (!serverWhy) return 'bundle';
    if (!build) return 'sources';
    stderr.write(`flightdeck: building the server (${serverWhy}) …\n`);
    const started = Date.now();
    if (buildServerBundle()) {
      stderr.write(`flightdeck: server built in ${seconds(started)}\n`);
      return 'bundle';
    }
    stderr.write('flightdeck: the server failed to build (see above); running its sources instead\n');
    return 'sources';
  }

  return { serverBundleStale, webBuildStale, buildWeb, buildServerBundle, prepare };
}
