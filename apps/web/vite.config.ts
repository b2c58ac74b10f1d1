import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import solid from 'vite-plugin-solid';

const target = process.env.FLIGHTDECK_API ?? 'http://127.0.0.1:3333';

export default defineConfig({
  plugins: [solid()],
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
