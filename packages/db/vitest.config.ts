import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'db',
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // One PostgreSQL server for the run (the store tests run on SQLite and on PostgreSQL).
    globalSetup: ['test/support/postgres-setup.ts'],
    hookTimeout: 60_000,
  },
});
