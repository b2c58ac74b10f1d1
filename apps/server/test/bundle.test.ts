/**
 * The production bundle (`scripts/build.mjs`): built into a temp dir, it starts, ingests and persists a hook
 * (better-sqlite3 loaded as an external native module, the writer thread started from `db-writer.mjs` next to it) and
 * installs hooks (the hook script found through `import.meta.url` of @flightdeck/hook-ingest).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { sessionStart, tmpDir } from './helpers.js';
import { readyUrl } from './ready.js';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const out = tmpDir('fd-bundle-');
const data = tmpDir('fd-bundle-data-');
let child: ChildProcess | null = null;

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child?.once('exit', r));
  }
  out.remove();
  data.remove();
});

describe('production bundle', () => {
  const bundle = join(out.dir, 'flightdeck.mjs');

  it('builds the server and its writer threads as ESM files without absolute paths of this machine', () => {
    execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), '--outdir', out.dir], { stdio: 'pipe' });
    for (const file of [bundle, join(out.dir, 'db-writer.mjs'), join(out.dir, 'pg-writer.mjs')]) {
      expect(existsSync(file)).toBe(true);
      const text = readFileSync(file, 'utf8');
      // SQLite's: external, by a relative path; PostgreSQL's writer has no native module.
      if (!file.endsWith('pg-writer.mjs')) expect(text).toContain('better-sqlite3/lib/index.js');
      else expect(text).not.toContain('better-sqlite3');
      // Source locations are relative to the bundle, never absolute.
      expect(text).not.toContain(`"${root}`);
      expect(text).not.toContain(`file://${root}`);
      // ASCII only: V8 would keep a source with one other character as UTF-16, twice its size (README, "Memory at
      // rest"). A non-ASCII character inside a tagged template (SQL) cannot be escaped by esbuild: bind it instead.
      let wide = -1;
      for (let i = 0; i < text.length && wide < 0; i++) if (text.charCodeAt(i) > 0x7f) wide = i;
      expect(wide < 0 ? null : text.slice(Math.max(0, wide - 60), wide + 10)).toBeNull();
    }
    // node-pty (native) stays external too, imported by a relative path
    expect(readFileSync(bundle, 'utf8')).toMatch(/from\s*"\.[^"]*node-pty\/lib\/index\.js"/);
  }, 60_000);

  it('starts, ingests a hook into SQLite, and installs hooks', async () => {
    const env = { ...process.env, HOME: data.dir, PORT: '', FLIGHTDECK_DATA_DIR: '' };
    child = spawn(process.execPath, [bundle, 'start', '--port', '0', '--data-dir', data.dir, '--no-open'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const { url, output } = await readyUrl(child, 'bundle', 20_000);
    const res = await fetch(`${url}/api/hooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(sessionStart('bundle-1')),
    });
    expect(res.status).toBe(202);
    const info = (await fetch(`${url}/trpc/system.info`).then((r) => r.json())) as {
      result: { data: { storage: { hookEvents: number }; ingest: { writer: { mode: string } } } };
    };
    expect(info.result.data.storage.hookEvents).toBe(1);
    // Committed by the writer thread, started from the bundle's own `db-writer.mjs`.
    expect(info.result.data.ingest.writer.mode).toBe('thread');
    const list = (await fetch(`${url}/trpc/sessions.list`).then((r) => r.json())) as {
      result: { data: Array<{ sessionId: string }> };
    };
    expect(list.result.data.map((s) => s.sessionId)).toContain('bundle-1');
    expect(output()).not.toMatch(/database writer thread (unavailable|failed|exited)/);

    const installed = execFileSync(
      process.execPath,
      [bundle, 'hooks', 'install', '--cli', 'claude', '--data-dir', data.dir],
      { env, encoding: 'utf8' },
    );
    expect(installed).toMatch(/claude: installed/);
    const script = join(data.dir, 'hooks', 'flightdeck-hook.sh');
    expect(readFileSync(script, 'utf8')).toMatch(/^#!/);
  }, 60_000);
});
