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

/**
 * A stand-in builder at `path`: logs `name` to calls.log, fails while `fail` exists in its working directory, else
 * writes `outputs` (path → content, in order: the file the checks date the build by last, as the real ones do).
 */
function fakeBuilder(path: string, name: string, outputs: Record<string, string>): void {
  const writes = Object.entries(outputs)
    .map(([file, text]) => `writeFileSync(${JSON.stringify(file)}, ${JSON.stringify(text)});`)
    .join('\n');
  write(
    path,
    `import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
appendFileSync(${JSON.stringify(calls)}, '${name}\\n');
if (existsSync('fail')) { console.error('${name}: build error (stand-in)'); process.exit(1); }
mkdirSync('dist', { recursive: true });
${writes}
`,
  );
}

/** The checkout: sources, and stand-ins for scripts/build.mjs and vite. */
function layOut(): void {
  rmSync(join(tmp.dir, 'apps'), { recursive: true, force: true });
  rmSync(calls, { force: true });
  write(join(serverRoot, 'package.json'), '{}');
  write(join(serverRoot, 'src/cli.ts'), 'export {};\n');
  write(join(tmp.dir, 'packages/core/src/index.ts'), 'export const x = 1;\n');
  const serverInputs = ['src/cli.ts', '../../packages/core/src/index.ts', '../../node_modules/x/index.js'];
  fakeBuilder(join(serverRoot, 'scripts/build.mjs'), 'server', {
    'dist/db-writer.mjs': '',
    'dist/meta.json': JSON.stringify({ inputs: Object.fromEntries(serverInputs.map((i) => [i, {}])) }),
    'dist/flightdeck.mjs': '',
  });
  const webInputs = ['index.html', 'package.json', 'vite.config.ts', 'src/main.ts'];
  for (const file of webInputs) write(join(webRoot, file), 'x');
  fakeBuilder(join(webRoot, 'node_modules/vite/bin/vite.js'), 'web', {
    'dist/build-inputs.json': JSON.stringify(webInputs),
    'dist/index.html': '<div id="root"></div>',
  });
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
