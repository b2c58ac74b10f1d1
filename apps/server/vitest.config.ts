import { configDefaults, defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'server',
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // Its own project, run after all others (vitest.fault.config.ts).
    exclude: [...configDefaults.exclude, 'test/fault-suite.test.ts'],
    // Real servers, sockets and child processes: generous bounds for a loaded CI machine.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // `flightdeck start` children run what the checkout has (bundle when fresh, else the sources): no builds.
    env: { FLIGHTDECK_NO_BUILD: '1' },
  },
});
