import { mkdirSync } from 'node:fs';
import { ensureWebBuild, outputDir } from './harness.js';

/** Builds the web app once for all e2e files (they run in parallel and share dist/). */
export default function setup(): void {
  mkdirSync(outputDir, { recursive: true });
  ensureWebBuild();
}
