#!/usr/bin/env node
// Makes sure a system Chromium exists for the web end-to-end tests and the board benchmark (playwright-core drives
// it through `executablePath`; no browser is ever downloaded by Playwright). On a fresh Debian/Ubuntu machine,
// running as root, it installs the `chromium` package with apt-get; otherwise it explains what to do and fails.
//
//   node scripts/ensure-chromium.mjs            # exit 0 when Chromium is available
//   CHROMIUM_PATH=/opt/chromium/chrome node scripts/ensure-chromium.mjs
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

const DEFAULT_PATH = '/usr/bin/chromium';
const wanted = process.env.CHROMIUM_PATH || DEFAULT_PATH;

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function version(path) {
  const r = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 20_000 });
  return r.status === 0 ? r.stdout.trim() : null;
}

function report(path) {
  const v = version(path);
  console.log(`chromium: ${path}${v ? ` (${v})` : ''}`);
  process.exit(0);
}

if (isExecutable(wanted)) report(wanted);

if (process.env.CHROMIUM_PATH) {
  console.error(`chromium: CHROMIUM_PATH=${wanted} is not an executable file.`);
  process.exit(1);
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).status === 0;

if (!hasApt) {
  console.error(
    'chromium: not found at /usr/bin/chromium and apt-get is unavailable. Install Chromium with your package ' +
      'manager and set CHROMIUM_PATH to its executable.',
  );
  process.exit(1);
}
if (!isRoot) {
  console.error(
    'chromium: not found at /usr/bin/chromium. Install it with:\n' +
      '  sudo apt-get update && sudo apt-get install -y chromium\n' +
      '(or set CHROMIUM_PATH to an existing Chromium/Chrome executable).',
  );
  process.exit(1);
}

console.log('chromium: not found; installing the Debian package (apt-get install -y chromium)…');
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
try {
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], {
    stdio: 'inherit',
    env,
  });
} catch (err) {
  console.error(`chromium: apt-get failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
if (!isExecutable(DEFAULT_PATH)) {
  console.error('chromium: the package installed but /usr/bin/chromium is still missing.');
  process.exit(1);
}
report(DEFAULT_PATH);
