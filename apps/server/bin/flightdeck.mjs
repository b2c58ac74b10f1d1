#!/usr/bin/env node
// Entry point of the `flightdeck` CLI: runs the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
