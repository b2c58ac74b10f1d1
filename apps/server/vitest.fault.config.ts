import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

// The quick fault and attack scenarios (scripts/fault) against a real server. They measure the server under a
// burst (health latency, RSS), so they run after every other project (group order 1) instead of next to test
// files that start Chromium, the Claude Code CLI and their own servers on the same two cores: what they measure
// is then the server, not the other test files.
export default defineProject({
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: {
    name: 'server-fault',
    include: ['test/fault-suite.test.ts'],
    sequence: { groupOrder: 1 },
    testTimeout: 180_000,
    hookTimeout: 60_000,
    env: { FLIGHTDECK_NO_BUILD: '1' }, // `flightdeck start` children build nothing (see vitest.config.ts)
  },
});
