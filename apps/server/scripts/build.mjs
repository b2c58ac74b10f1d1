#!/usr/bin/env node
// Production build of the server: ESM bundles of `src/cli.ts` (`flightdeck.mjs`) and of the database writer threads
// (`@flightdeck/db/writer-worker`, packages/db/src/sqlite/writer-worker.ts → `db-writer.mjs`; PostgreSQL's
// `@flightdeck/db/pg-writer-worker` → `pg-writer.mjs`), each with everything it imports (workspace packages and npm dependencies),
// so `flightdeck start` runs plain JavaScript without the tsx loader (less memory, faster start). Native modules
// stay external.
//
// Two layouts:
// - checkout (default, `dist/`): `bin/flightdeck.mjs` runs the bundle when it is newer than the sources. Files that
//   locate something next to themselves (`import.meta.url`: the hook script, the writer-thread bootstrap,
//   package.json, the web app) keep doing so: each of them sees its own source location, expressed relative to the
//   bundle (no absolute path is written into it). Native modules are imported by a path relative to the bundle
//   (where pnpm installed them).
// - packaged (`--packaged`, used by scripts/pack.mjs): every bundled file sees the bundle's own location, and the
//   package is laid out for that (`dist/` the bundles and `dist/web/` the web app, `hooks/` the hook script,
//   `package.json` beside `dist/`); native modules are imported by name, installed by npm as dependencies.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Output name → entry. */
const ENTRIES = {
  flightdeck: 'src/cli.ts',
  'db-writer': createRequire(import.meta.url).resolve('@flightdeck/db/writer-worker'),
  'pg-writer': createRequire(import.meta.url).resolve('@flightdeck/db/pg-writer-worker'),
};
/** Native addons (and what loads them): never bundled. */
export const NATIVE = new Set(['better-sqlite3', 'node-pty', 'bindings']);

const toPosix = (p) => p.split(sep).join('/');
const packageName = (specifier) =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] ?? '');

/**
 * Builds the bundles into `outdir`; returns esbuild's metafile. `packaged`: the layout of the installed package
 * (see above). `finalDir` (checkout layout): where the bundles will lie when they are written to a temporary
 * `outdir` first; the relative paths in them are computed from there.
 */
export async function buildServer({
  outdir = resolve(root, 'dist'),
  packaged = false,
  finalDir = outdir,
} = {}) {
  const fromBundle = (abs) => {
    const rel = toPosix(relative(finalDir, abs));
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

  /** Native modules: external; by name (packaged) or by a path relative to the bundle (checkout). */
  const nativeExternal = {
    name: 'native-external',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (!NATIVE.has(packageName(args.path))) return undefined;
        if (packaged) return { path: args.path, external: true };
        const resolved = createRequire(resolve(args.resolveDir, 'noop.js')).resolve(args.path);
        return { path: fromBundle(resolved), external: true };
      });
    },
  };

  mkdirSync(outdir, { recursive: true });
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
    // Comments out (identifiers and lines kept): a source with any non-ASCII character is held by V8 as UTF-16, twice
    // its size, for as long as the process runs (see README, "Memory at rest").
    minifyWhitespace: true,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    plugins: packaged ? [nativeExternal] : [keepFileUrls, nativeExternal],
    // CommonJS dependencies bundled into an ES module still call require() for Node built-ins. The bundle's own URL
    // tells the server where the writer thread's bundle lies (`writerScript` in src/server.ts).
    banner: {
      js: "import { createRequire as __fdCreateRequire } from 'node:module'; const require = __fdCreateRequire(import.meta.url); globalThis.__FLIGHTDECK_BUNDLE_URL__ ??= import.meta.url;",
    },
  });
  if (!packaged) writeFileSync(resolve(outdir, 'meta.json'), JSON.stringify(result.metafile));
  return result.metafile;
}

/** Names of the npm packages the bundles import at run time (the native modules). */
export function externalPackages(metafile) {
  const builtins = new Set(builtinModules);
  const names = new Set();
  for (const output of Object.values(metafile.outputs)) {
    for (const imp of output.imports) {
      const name = packageName(imp.path);
      if (imp.external && !imp.path.startsWith('node:') && !imp.path.startsWith('.') && !builtins.has(name)) {
        names.add(name);
      }
    }
  }
  return [...names].sort();
}

/**
 * Builds the bundles into `dist` (or `outdir`) through a directory inside it, moving the files in one by one (the
 * main bundle last), so a CLI starting meanwhile never loads half a build.
 */
export async function buildInPlace({ outdir = resolve(root, 'dist'), packaged = false } = {}) {
  const temp = resolve(outdir, `.build-${process.pid}`);
  try {
    const metafile = await buildServer({ outdir: temp, packaged, finalDir: outdir });
    const names = readdirSync(temp).sort(
      (a, b) => Number(a === 'flightdeck.mjs') - Number(b === 'flightdeck.mjs'),
    );
    for (const name of names) renameSync(resolve(temp, name), resolve(outdir, name));
    return metafile;
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  // `--outdir DIR` (tests): build elsewhere than `dist/`. `--packaged`: the installed package's layout.
  const outIndex = process.argv.indexOf('--outdir');
  const outdir =
    outIndex > 0 && process.argv[outIndex + 1] ? resolve(process.argv[outIndex + 1]) : resolve(root, 'dist');
  const started = Date.now();
  const metafile = await buildInPlace({ outdir, packaged: process.argv.includes('--packaged') });
  const bytes = Object.values(metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  console.log(
    `built ${relative(process.cwd(), resolve(outdir, 'flightdeck.mjs'))} (${(bytes / 1024).toFixed(0)} KB) in ${Date.now() - started} ms`,
  );
}
