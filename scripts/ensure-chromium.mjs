#!/usr/bin/env node
// Makes sure a system Chromium exists for the web end-to-end tests and the board benchmark (playwright-core drives
// it through `executablePath`; no browser is ever downloaded by Playwright). On a fresh Debian/Ubuntu machine,
// running as root, it installs the `chromium` package with apt-get; otherwise it explains what to do and fails.
//
//   node scripts/ensure-chromium.mjs            # exit 0 when Chromium is available
//   CHROMIUM_PATH=/opt/chromium/chrome node scripts/ensure-chromium.mjs
import { spawnSync } from 'node:child_process';
import { aptInstall, isExecutable } from './apt-ensure.mjs';

const DEFAULT_PATH = '/usr/bin/chromium';
const wanted = process.env.CHROMIUM_PATH || DEFAULT_PATH;

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

aptInstall(
  'chromium',
  ['chromium'],
  'Install Chromium with your package manager and set CHROMIUM_PATH to its executable.',
);
if (!isExecutable(DEFAULT_PATH)) {
  console.error('chromium: the package installed but /usr/bin/chromium is still missing.');
  process.exit(1);
}
report(DEFAULT_PATH);
