import solid from 'vite-plugin-solid';
import { defineProject } from 'vitest/config';

export default defineProject({
  plugins: [solid()],
  test: {
    name: 'web',
    environment: 'jsdom',
    include: ['test/**/*.test.tsx'],
    setupFiles: ['test/setup.ts'],
    // Transform Solid and its testing library through Vite (browser conditions) so a single, client build of
    // solid-js is used, whether the project runs from here or from the workspace root.
    server: { deps: { inline: [/solid-js/, /@solidjs\/testing-library/] } },
    testTimeout: 15_000,
  },
});
