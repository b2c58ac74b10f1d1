import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'client',
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // Real servers, sockets and child processes: generous bounds for a loaded CI machine.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
