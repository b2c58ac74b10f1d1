#!/usr/bin/env node
// Production build of the server: ESM bundles of `src/cli.ts` (`dist/flightdeck.mjs`) and of the database writer
// thread `src/db-writer.ts` (`dist/db-writer.mjs`), each with everything it imports (workspace packages and npm
// dependencies), so `flightdeck start` runs plain JavaScript without the tsx loader (less memory, faster start).
// Native modules stay external. `bin/flightdeck.mjs` runs the bundle when it is newer than the sources and falls
// back to tsx otherwise.
//
// Files that locate something next to themselves (`import.meta.url`: the hook script, the writer-thread bootstrap,
// package.json, the web app) keep doing so: in the bundle each of them sees its own source location, expressed
// relative to the bundle (no absolute path is written into it).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// `--outdir DIR` (tests): build elsewhere than `dist/`.
const outIndex = process.argv.indexOf('--outdir');
const outdir =
  outIndex > 0 && process.argv[outIndex + 1] ? resolve(process.argv[outIndex + 1]) : resolve(root, 'dist');
const outfile = resolve(outdir, 'flightdeck.mjs');
/** Output name → entry. */
const ENTRIES = { flightdeck: 'src/cli.ts', 'db-writer': 'src/db-writer.ts' };
/** Native addons (and what loads them): never bundled, imported from where pnpm installed them. */
const NATIVE = new Set(['better-sqlite3', 'node-pty', 'bindings']);

const toPosix = (p) => p.split(sep).join('/');
const fromBundle = (abs) => {
  const rel = toPosix(relative(outdir, abs));
  return rel.startsWith('.') ? rel : `./${rel}`;
};

/** `import.meta.url` of a bundled file → the URL of that file, computed from the bundle's own URL. */
const keepFileUrls = {
  name: 'keep-file-urls',
  setup(b) {
    b.onLoad({ filter: /\.(m?[jt]s|cjs)$/ }, (args) => {
      if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const replaced = text.replaceAll(
        'import.meta.url',
        `new URL(${JSON.stringify(fromBundle(args.path))}, import.meta.url).href`,
      );
      const loader = args.path.endsWith('.ts') ? 'ts' : 'js';
      return { contents: replaced, loader };
    });
  },
};

/** Native modules: external, imported by a path relative to the bundle (resolved from the importing package). */
const nativeExternal = {
  name: 'native-external',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      const name = args.path.startsWith('@')
        ? args.path.split('/').slice(0, 2).join('/')
        : (args.path.split('/')[0] ?? '');
      if (!NATIVE.has(name)) return undefined;
      const resolved = createRequire(resolve(args.resolveDir, 'noop.js')).resolve(args.path);
      return { path: fromBundle(resolved), external: true };
    });
  },
};

mkdirSync(outdir, { recursive: true });
const started = Date.now();
const result = await build({
  absWorkingDir: root, // metafile paths are relative to the package (bin/flightdeck.mjs reads them)
  entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, src]) => [name, resolve(root, src)])),
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minifySyntax: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  plugins: [keepFileUrls, nativeExternal],
  // CommonJS dependencies bundled into an ES module still call require() for Node built-ins. The bundle's own URL
  // tells the server where the writer thread's bundle lies (src/writer-thread.ts).
  banner: {
    js: "import { createRequire as __fdCreateRequire } from 'node:module'; const require = __fdCreateRequire(import.meta.url); globalThis.__FLIGHTDECK_BUNDLE_URL__ ??= import.meta.url;",
  },
});
writeFileSync(resolve(outdir, 'meta.json'), JSON.stringify(result.metafile));
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(
  `built ${relative(process.cwd(), outfile)} (${(bytes / 1024).toFixed(0)} KB) in ${Date.now() - started} ms`,
);
