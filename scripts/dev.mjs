#!/usr/bin/env node
// `pnpm dev`: the server in watch mode (tsx watch) and the web app on Vite with hot reload.
// Vite proxies /trpc and /api to the server, so open the URL Vite prints.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const children = [
  spawn(
    'pnpm',
    ['exec', 'tsx', 'watch', 'apps/server/src/cli.ts', 'start', '--no-open', ...process.argv.slice(2)],
    {
      cwd: root,
      stdio: 'inherit',
    },
  ),
  spawn('pnpm', ['--filter', '@flightdeck/web', 'dev'], { cwd: root, stdio: 'inherit' }),
];

let stopping = false;
const stop = (code) => {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  process.exitCode = code;
};
for (const child of children) child.on('exit', (code) => stop(code ?? 0));
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
