import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHooksAdmin } from '../src/hooks-admin.js';
import { tmpDir } from './helpers.js';

const home = tmpDir('fd-hooks-home-');
afterAll(() => home.remove());

describe('hooks admin (installers of @flightdeck/hook-ingest, temp HOME)', () => {
  it('install, status, uninstall for Claude Code', async () => {
    const dataDir = join(home.dir, '.flightdeck');
    const env = { HOME: home.dir, PATH: process.env.PATH };
    const admin = createHooksAdmin(dataDir, env);
    const dry = await admin.install(['claude'], 'low', true);
    expect(dry.ok, dry.errors).toBe(true);
    const installed = await admin.install(['claude'], 'low', false);
    expect(installed.ok, installed.errors).toBe(true);
    expect(readFileSync(join(home.dir, '.claude', 'settings.json'), 'utf8')).toMatch(/flightdeck-hook/);
    const status = await admin.status();
    const claude = status.find((s) => s.cli === 'claude');
    expect(claude?.installed).toBe(true);
    expect(claude?.recordedDensity).toBe('low');
    const removed = await admin.uninstall(['claude'], false);
    expect(removed.ok, removed.errors).toBe(true);
    expect((await admin.status()).find((s) => s.cli === 'claude')?.installed).toBe(false);
  });

  it('answers with typed results per CLI: what changed, or why one failed while the others were installed', async () => {
    const h = tmpDir('fd-hooks-typed-');
    try {
      const dataDir = join(h.dir, '.flightdeck');
      const admin = createHooksAdmin(dataDir, { HOME: h.dir, PATH: process.env.PATH });
      const broken = '{ "model": "opus", }\n';
      mkdirSync(join(h.dir, '.claude'));
      writeFileSync(join(h.dir, '.claude', 'settings.json'), broken);
      mkdirSync(join(h.dir, '.gemini'));
      const r = await admin.install(['claude', 'gemini'], 'low', false);
      expect(r.ok).toBe(false);
      expect(r.results).toHaveLength(2);
      const [claude, gemini] = r.results;
      expect(claude).toMatchObject({ ok: false, cli: 'claude', code: 'INVALID_JSON' });
      expect(r.errors).toMatch(/^claude: .*settings\.json is not valid JSON/);
      expect(readFileSync(join(h.dir, '.claude', 'settings.json'), 'utf8')).toBe(broken);
      expect(gemini).toMatchObject({ ok: true, cli: 'gemini', changed: true, dryRun: false });
      expect(gemini?.ok && gemini.file).toBe(join(h.dir, '.gemini', 'settings.json'));
      expect(gemini?.ok && gemini.events.length).toBeGreaterThan(0);
      const u = await admin.uninstall(['gemini'], true);
      expect(u).toMatchObject({ ok: true, errors: '', results: [{ ok: true, cli: 'gemini', dryRun: true }] });
      expect(u.results[0]?.ok && u.results[0].diff).toMatch(/^--- a\/settings\.json/);
    } finally {
      h.remove();
    }
  });
});
