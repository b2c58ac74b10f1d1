/**
 * `flightdeck start` from a checkout builds what is missing or stale (scripts/checkout.mjs): the web app and the
 * server bundle, each judged against the inputs its last build recorded. Run on a checkout laid out in a temporary
 * directory whose builders are small scripts standing in for vite and scripts/build.mjs (each writes what the real
 * one writes and logs that it ran), so the real checks, spawns and messages run without a minute of real builds.
 * The real builders are exercised by package.test.ts (pnpm pack runs both).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module without types (bin/flightdeck.mjs imports it)
import { createCheckout } from '../scripts/checkout.mjs';
import { tmpDir } from './helpers.js';

interface Checkout {
  serverBundleStale(): string | null;
  webBuildStale(): string | null;
  prepare(
    argv: string[],
    env: Record<string, string>,
    stderr: { write(s: string): void },
  ): 'bundle' | 'sources';
}

const tmp = tmpDir('fd-checkout-');
const serverRoot = join(tmp.dir, 'apps/server');
const webRoot = join(tmp.dir, 'apps/web');
const calls = join(tmp.dir, 'calls.log');

afterAll(() => tmp.remove());

function write(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

/** Stand-ins for the builders: write what the real one writes; fail while `<root>/fail` exists. */
function layOut(): void {
  rmSync(join(tmp.dir, 'apps'), { recursive: true, force: true });
  rmSync(calls, { force: true });
  write(join(serverRoot, 'package.json'), '{}');
  write(join(serverRoot, 'src/cli.ts'), 'export {};\n');
  write(join(tmp.dir, 'packages/core/src/index.ts'), 'export const x = 1;\n');
  write(
    join(serverRoot, 'scripts/build.mjs'),
    `import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
appendFileSync(${JSON.stringify(calls)}, 'server\\n');
if (existsSync('fail')) { console.error('esbuild: error in src/cli.ts'); process.exit(1); }
mkdirSync('dist', { recursive: true });
writeFileSync('dist/db-writer.mjs', '');
writeFileSync('dist/meta.json', JSON.stringify({ inputs: { 'src/cli.ts': {}, '../../packages/core/src/index.ts': {}, '../../node_modules/x/index.js': {} } }));
writeFileSync('dist/flightdeck.mjs', '');
`,
  );
  for (const file of ['index.html', 'package.json', 'vite.config.ts', 'src/main.ts'])
    write(join(webRoot, file), 'x');
  write(
    join(webRoot, 'node_modules/vite/bin/vite.js'),
    `import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
appendFileSync(${JSON.stringify(calls)}, 'web\\n');
if (existsSync('fail')) { console.error('vite: [vite-plugin-solid] syntax error in src/main.ts'); process.exit(1); }
mkdirSync('dist', { recursive: true });
writeFileSync('dist/build-inputs.json', JSON.stringify(['index.html', 'package.json', 'src/main.ts', 'vite.config.ts']));
writeFileSync('dist/index.html', '<div id="root"></div>');
`,
  );
}

const builds = () => (existsSync(calls) ? readFileSync(calls, 'utf8').split('\n').filter(Boolean) : []);

function setTimes(dir: string, when: Date): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) setTimes(path, when);
    else utimesSync(path, when, when);
  }
}

/** `path` edited after every build so far: the whole tree dated an hour back, then `path` now. */
function edit(path: string): void {
  setTimes(tmp.dir, new Date(Date.now() - 3_600_000));
  const now = new Date();
  utimesSync(path, now, now);
}

function prepare(argv: string[], env: Record<string, string> = {}) {
  const checkout = createCheckout({ serverRoot, webRoot }) as Checkout;
  const lines: string[] = [];
  const entry = checkout.prepare(argv, env, { write: (s: string) => lines.push(s) });
  return { entry, stderr: lines.join(''), checkout };
}

describe('flightdeck start from a checkout', () => {
  beforeEach(() => layOut());

  it('builds a missing web app and server bundle, says why, then runs the bundle; nothing when both are fresh', () => {
    const first = prepare(['start', '--port', '0']);
    expect(builds()).toEqual(['web', 'server']);
    expect(first.entry).toBe('bundle');
    expect(first.stderr).toMatch(/building the web app \(apps\/web\/dist\/index\.html is missing\)/);
    expect(first.stderr).toMatch(/web app built in \d+\.\d s/);
    expect(first.stderr).toMatch(/building the server \(apps\/server\/dist\/flightdeck\.mjs is missing\)/);
    expect(first.checkout.webBuildStale()).toBeNull();
    expect(first.checkout.serverBundleStale()).toBeNull();

    const second = prepare(['start']);
    expect(builds()).toEqual(['web', 'server']);
    expect(second.entry).toBe('bundle');
    expect(second.stderr).toBe('');
  });

  it('rebuilds only what an edited source belongs to, naming the file', () => {
    prepare(['start']);
    edit(join(webRoot, 'src/main.ts'));
    const web = prepare(['start']);
    expect(builds()).toEqual(['web', 'server', 'web']);
    expect(web.stderr).toMatch(/building the web app \(apps\/web\/src\/main\.ts changed\)/);

    // A workspace package the bundle was built from (listed in its metafile) counts as much as the server's src/.
    edit(join(tmp.dir, 'packages/core/src/index.ts'));
    const server = prepare(['start']);
    expect(builds()).toEqual(['web', 'server', 'web', 'server']);
    expect(server.stderr).toMatch(/building the server \(packages\/core\/src\/index\.ts changed\)/);
    expect(server.entry).toBe('bundle');

    rmSync(join(webRoot, 'vite.config.ts'));
    expect(prepare(['start']).stderr).toMatch(/building the web app \(apps\/web\/vite\.config\.ts is gone\)/);
  });

  it('builds nothing for other commands or with FLIGHTDECK_NO_BUILD=1: a stale bundle gives way to the sources', () => {
    expect(prepare(['hooks', 'install']).entry).toBe('sources');
    expect(prepare(['start'], { FLIGHTDECK_NO_BUILD: '1' }).entry).toBe('sources');
    expect(builds()).toEqual([]);
    prepare(['start']);
    expect(prepare(['hooks', 'status']).entry).toBe('bundle');
    edit(join(serverRoot, 'src/cli.ts'));
    expect(prepare(['doctor']).entry).toBe('sources');
    // FLIGHTDECK_NO_BUNDLE=1: the sources, the web app still built for the dashboard.
    edit(join(webRoot, 'index.html'));
    expect(prepare(['start'], { FLIGHTDECK_NO_BUNDLE: '1' }).entry).toBe('sources');
    expect(builds()).toEqual(['web', 'server', 'web']);
  });

  it('a failed build is said with the command to run; the server still starts (from its sources)', () => {
    write(join(webRoot, 'fail'), '');
    write(join(serverRoot, 'fail'), '');
    const failed = prepare(['start']);
    expect(builds()).toEqual(['web', 'server']);
    expect(failed.stderr).toMatch(
      /the web app failed to build .*\n {2}pnpm --filter @flightdeck\/web build\n/,
    );
    expect(failed.stderr).toMatch(/the server failed to build \(see above\); running its sources instead/);
    expect(failed.entry).toBe('sources');
  });
});
