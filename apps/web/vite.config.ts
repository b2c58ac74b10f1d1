import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import solid from 'vite-plugin-solid';

const webRoot = fileURLToPath(new URL('.', import.meta.url));

/** The files of `public/` (copied into the build as they are: service worker, manifest, icons), relative paths. */
function publicFiles(dir = join(webRoot, 'public')): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? publicFiles(join(dir, e.name))
      : [relative(webRoot, join(dir, e.name)).split(sep).join('/')],
  );
}

/**
 * Writes `build-inputs.json` into the build: the source files it was built from (this package's and the workspace
 * packages' it imports, and `public/`, relative to this directory), so `flightdeck start` in a checkout can tell a
 * stale build (apps/server/scripts/checkout.mjs).
 */
function recordInputs(): Plugin {
  return {
    name: 'flightdeck-record-inputs',
    apply: 'build',
    generateBundle() {
      const files = new Set(['index.html', 'package.json', 'vite.config.ts', ...publicFiles()]);
      for (const id of this.getModuleIds()) {
        const file = id.split('?')[0] ?? '';
        if (!isAbsolute(file) || file.includes(`${sep}node_modules${sep}`) || !existsSync(file)) continue;
        files.add(relative(webRoot, file).split(sep).join('/'));
      }
      this.emitFile({
        type: 'asset',
        fileName: 'build-inputs.json',
        source: JSON.stringify([...files].sort(), null, 1),
      });
    },
  };
}

const target = process.env.FLIGHTDECK_API ?? 'http://127.0.0.1:3333';

export default defineConfig({
  plugins: [solid(), recordInputs()],
  resolve: {
    alias: [
      // The web app only needs the domain constants at runtime; skip the zod schemas (and zod) in the bundle.
      {
        find: /^@flightdeck\/shared-types$/,
        replacement: fileURLToPath(new URL('../../packages/shared-types/src/domain.ts', import.meta.url)),
      },
    ],
  },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 800 },
  server: {
    host: '127.0.0.1',
    port: 5173,
    // The server checks Host and Origin (DNS rebinding, cross-site requests): present the proxied requests as
    // same-origin requests to the server.
    proxy: {
      '/trpc': {
        target,
        ws: true,
        changeOrigin: true,
        configure: (proxy) => {
          proxy.on('proxyReq', (req) => req.getHeader('origin') && req.setHeader('origin', target));
          proxy.on('proxyReqWs', (req) => req.setHeader('origin', target));
        },
      },
      '/api': {
        target,
        changeOrigin: true,
        configure: (proxy) => {
          proxy.on('proxyReq', (req) => req.getHeader('origin') && req.setHeader('origin', target));
        },
      },
    },
  },
});
