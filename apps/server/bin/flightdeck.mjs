#!/usr/bin/env node
// Entry point of the `flightdeck` CLI in a checkout (the installed package has a bin of its own that runs its
// bundle: scripts/pack.mjs). `flightdeck start` first builds the web app and the server bundle when they are missing
// or older than their sources (FLIGHTDECK_NO_BUILD=1 turns that off: tests); then the production bundle
// (`dist/flightdeck.mjs`) runs when it is fresh, else the TypeScript sources through tsx (FLIGHTDECK_NO_BUNDLE=1
// forces that). See scripts/checkout.mjs.
import { createCheckout } from '../scripts/checkout.mjs';

if (createCheckout().prepare(process.argv.slice(2), process.env) === 'bundle') {
  await import('../dist/flightdeck.mjs');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
