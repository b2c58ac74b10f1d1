import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHooksAdmin } from '../src/ingest.js';
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
});
