import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

// End-to-end tests: real server (CLI child process) + real headless Chromium. Separate from the jsdom project.
export default defineProject({
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: {
    name: 'web-e2e',
    environment: 'node',
    include: ['e2e/**/*.e2e.test.ts'],
    globalSetup: ['e2e/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // The global setup builds the web app once; the `flightdeck start` children build nothing themselves.
    env: { FLIGHTDECK_NO_BUILD: '1' },
  },
});
