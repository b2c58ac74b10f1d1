// biome-ignore-all lint/correctness/noNodejsModules: tests run in Node; only packages/core/src must stay pure
// biome-ignore-all lint/style/noRestrictedImports: tests run in Node; only packages/core/src must stay pure
import { execFile } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const biome = fileURLToPath(new URL('../../../node_modules/.bin/biome', import.meta.url));

function run(file: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      biome,
      ['lint', '--max-diagnostics=50', file],
      { cwd: repoRoot, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, out: `${stdout}\n${stderr}` });
      },
    );
  });
}

describe('packages/core stays pure (Biome rule)', () => {
  it('a src file importing node:fs and better-sqlite3 fails lint with noNodejsModules / noRestrictedImports', async () => {
    const name = `lint-probe-${process.pid}-${Date.now()}.ts`;
    const file = fileURLToPath(new URL(`../src/${name}`, import.meta.url));
    try {
      writeFileSync(
        file,
        "import { readFileSync } from 'node:fs';\nimport Database from 'better-sqlite3';\n\nexport const probe = [readFileSync, Database];\n",
      );
      const { code, out } = await run(`packages/core/src/${name}`);
      expect(code).not.toBe(0);
      expect(out).toContain('noNodejsModules');
      expect(out).toContain('noRestrictedImports');
      expect(out).toContain('better-sqlite3');
    } finally {
      rmSync(file, { force: true });
    }
    expect(existsSync(file)).toBe(false);
  }, 60_000);

  it('the real core sources pass the same lint', async () => {
    const { code, out } = await run('packages/core/src');
    expect(out).not.toContain('noRestrictedImports');
    expect(code).toBe(0);
  }, 60_000);
});
