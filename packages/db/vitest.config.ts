import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'db',
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // One PostgreSQL server for the run (the store tests run on SQLite and on PostgreSQL).
    globalSetup: ['test/support/postgres-setup.ts'],
    hookTimeout: 60_000,
    // A test writing 5,000 rows one statement at a time (the alert delivery log) takes ~5 s on PostgreSQL when the
    // 2-core box is loaded: a bound that a hang still blows, not a speed target.
    testTimeout: 30_000,
  },
});
