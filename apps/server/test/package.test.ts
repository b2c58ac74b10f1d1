/**
 * The installable package: `pnpm pack` of the server (its prepack lays out dist/package: scripts/pack.mjs), the
 * tarball installed with npm into an empty prefix outside the repository (dependencies from the npm registry only:
 * no workspace package is reachable from there), then the installed `flightdeck start` serves the dashboard and
 * `flightdeck hooks install` installs a hook that delivers to it.
 *
 * better-sqlite3 and node-pty are the native dependencies (node-pty has no Linux prebuild: npm builds it with
 * node-gyp, from the headers node-gyp already has here). better-sqlite3's install script (`prebuild-install ||
 * node-gyp rebuild`) downloads a prebuilt binary from GitHub on a user's machine; here nothing but the registry is reachable, so it is handed the
 * binary the workspace's own install built (the same version, for this Node ABI) as a local prebuild
 * (`npm_config_better_sqlite3_local_prebuilds`, prebuild-install's documented option). The binary host points at a
 * closed local port, so a missed prebuild means a build from source (minutes), never a download.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { tmpDir } from './helpers.js';
import { readyUrl } from './ready.js';

const run = promisify(execFile);
const serverRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
const repoRoot = resolve(serverRoot, '../..');
const work = tmpDir('fd-package-');
const home = join(work.dir, 'home');
const prefix = join(work.dir, 'prefix');
const dataDir = join(home, '.flightdeck');
/** A user's environment: the installed CLI on its own, nothing of this test's. */
const userEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home };
let server: ChildProcess | null = null;

afterAll(async () => {
  if (server && server.exitCode === null && server.signalCode === null) {
    const exited = new Promise((r) => server?.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  work.remove();
});

/** The workspace's better-sqlite3 (installed for @flightdeck/db) as a prebuild-install tarball in `dir`. */
async function localPrebuild(dir: string): Promise<void> {
  const pkgJson = createRequire(join(repoRoot, 'packages/db/package.json')).resolve(
    'better-sqlite3/package.json',
  );
  const root = resolve(pkgJson, '..');
  const { version } = JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string };
  const musl =
    process.platform === 'linux' &&
    !(process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header.glibcVersionRuntime;
  const platform = musl ? 'linuxmusl' : process.platform;
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${platform}-${process.arch}.tar.gz`;
  mkdirSync(dir, { recursive: true });
  await run('tar', ['czf', join(dir, name), '-C', root, 'build/Release/better_sqlite3.node']);
}

async function startInstalled(bin: string): Promise<string> {
  const child = spawn(bin, ['start', '--port', '0', '--data-dir', dataDir, '--no-open'], {
    cwd: work.dir,
    env: userEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server = child;
  return (await readyUrl(child, 'installed server', 30_000)).url;
}

async function trpc<T>(url: string, path: string): Promise<T> {
  const res = await fetch(`${url}/trpc/${path}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { result: { data: T } }).result.data;
}

describe('the installable package', () => {
  it('packs, installs from the registry alone, serves the dashboard and installs a hook that delivers', async () => {
    const timings: string[] = [];
    let since = Date.now();
    const lap = (what: string) => {
      timings.push(`${what} ${((Date.now() - since) / 1000).toFixed(1)} s`);
      since = Date.now();
    };

    // pnpm pack: prepack lays out dist/package, which publishConfig.directory packs.
    const packDir = join(work.dir, 'pack');
    await run('pnpm', ['pack', '--pack-destination', packDir], {
      cwd: serverRoot,
      maxBuffer: 16 * 1024 * 1024,
    });
    const tarballs = readdirSync(packDir).filter((f) => f.endsWith('.tgz'));
    expect(tarballs).toHaveLength(1);
    const tarball = join(packDir, tarballs[0] as string);
    const { stdout: listing } = await run('tar', ['tzf', tarball]);
    const files = listing.split('\n').filter(Boolean);
    expect(files).toEqual(
      expect.arrayContaining([
        'package/package.json',
        'package/bin/flightdeck.mjs',
        'package/dist/flightdeck.mjs',
        'package/dist/db-writer.mjs',
        'package/dist/pg-writer.mjs',
        'package/dist/web/index.html',
        'package/hooks/flightdeck-hook.sh',
      ]),
    );
    expect(files.some((f) => /^package\/dist\/web\/assets\/.+\.js$/.test(f))).toBe(true);
    expect(files.some((f) => f.startsWith('package/src/') || f.includes('node_modules/'))).toBe(false);
    lap('pack');

    const { stdout: manifestText } = await run('tar', ['xzf', tarball, '-O', 'package/package.json']);
    const manifest = JSON.parse(manifestText) as {
      name: string;
      version: string;
      dependencies: Record<string, string>;
    };
    const serverPkg = JSON.parse(readFileSync(join(serverRoot, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(manifest.name).toBe('flightdeck');
    expect(manifest.version).toBe(serverPkg.version);
    // Only what cannot be bundled: the native modules, at the versions pinned. No workspace package, no `workspace:`.
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['better-sqlite3', 'node-pty']);
    expect(manifest.dependencies['node-pty']).toBe(
      (
        JSON.parse(readFileSync(join(serverRoot, 'package.json'), 'utf8')) as {
          dependencies: Record<string, string>;
        }
      ).dependencies['node-pty'],
    );

    const prebuilds = join(work.dir, 'prebuilds');
    await localPrebuild(prebuilds);
    mkdirSync(prefix);
    await run('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', tarball], {
      cwd: work.dir,
      env: {
        ...process.env,
        npm_config_better_sqlite3_local_prebuilds: prebuilds,
        npm_config_better_sqlite3_binary_host: 'http://127.0.0.1:9',
      },
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(existsSync(join(prefix, 'node_modules/@flightdeck'))).toBe(false);
    expect(existsSync(join(prefix, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'))).toBe(
      true,
    );
    // node-pty has no Linux prebuild: npm builds it from source (node-gyp), as on a user's machine
    expect(existsSync(join(prefix, 'node_modules/node-pty/build/Release/pty.node'))).toBe(true);
    lap('npm install');

    const bin = join(prefix, 'node_modules/.bin/flightdeck');
    const url = await startInstalled(bin);
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain('<div id="root">');
    expect(html).not.toMatch(/has not been built/);
    const script = /<script type="module" crossorigin src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    const js = await asset.text();
    expect(js.length).toBeGreaterThan(10_000);
    // A production build, though vitest runs the pack with NODE_ENV=test: solid-js's development build (which such
    // an environment selects) carries this warning.
    expect(js).not.toContain('computations created outside');
    // A deep link is the app too (client-side routes).
    expect(await (await fetch(`${url}/session/x`)).text()).toContain('<div id="root">');

    const info = await trpc<{ version: string; ingest: { writer: { mode: string } } }>(url, 'system.info');
    expect(info.version).toBe(serverPkg.version);
    expect(info.ingest.writer.mode).toBe('thread'); // dist/db-writer.mjs found next to the bundle
    // node-pty loads from the installed package: a terminal runs a command and its output is buffered
    const created = await fetch(`${url}/trpc/terminals.create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'local', command: 'sh -c "echo packaged-pty-ok"', cols: 80, rows: 24 }),
    });
    expect(created.status).toBe(200);
    const term = ((await created.json()) as { result: { data: { id: string } } }).result.data;
    let buffered = '';
    for (let i = 0; i < 100 && !buffered.includes('packaged-pty-ok'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      const q = encodeURIComponent(JSON.stringify({ id: term.id }));
      buffered = (await trpc<{ text: string }>(url, `terminals.buffer?input=${q}`)).text;
    }
    expect(buffered).toContain('packaged-pty-ok');
    lap('start and load');

    // The installed CLI installs the hook with a throwaway HOME: script copied from the package's hooks/.
    const installed = await run(bin, ['hooks', 'install', '--cli', 'claude'], {
      cwd: work.dir,
      env: userEnv,
    });
    expect(installed.stdout).toMatch(/claude: installed/);
    const hookScript = join(dataDir, 'hooks/flightdeck-hook.sh');
    const shipped = readFileSync(join(repoRoot, 'packages/hook-ingest/hooks/flightdeck-hook.sh'), 'utf8');
    const copy = readFileSync(hookScript, 'utf8');
    expect(copy.split('\n').filter((l) => !l.startsWith('FD_SPOOL_DEFAULT='))).toEqual(
      shipped.split('\n').filter((l) => !l.startsWith('FD_SPOOL_DEFAULT=')),
    );
    const settings = JSON.parse(readFileSync(join(home, '.claude/settings.json'), 'utf8')) as {
      hooks: Record<string, Array<{ hooks: Array<{ command: string }> }>>;
    };
    expect(settings.hooks.SessionStart?.[0]?.hooks[0]?.command).toBe(`sh ${hookScript} claude`);

    // The hook as Claude Code would run it: the event reaches the installed server through the spool.
    const hook = spawn('sh', [hookScript, 'claude'], {
      env: userEnv,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    hook.stdin.end(
      JSON.stringify({
        session_id: 'packaged-1',
        hook_event_name: 'SessionStart',
        source: 'startup',
        cwd: work.dir,
        transcript_path: join(work.dir, 'packaged-1.jsonl'),
      }),
    );
    await new Promise((r) => hook.once('exit', r));
    let ids: string[] = [];
    for (let i = 0; i < 100 && !ids.includes('packaged-1'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      ids = (await trpc<Array<{ sessionId: string }>>(url, 'sessions.list')).map((s) => s.sessionId);
    }
    expect(ids).toContain('packaged-1');
    lap('hooks');
    console.log(`package test: ${timings.join(', ')}`);
  }, 240_000);
});
