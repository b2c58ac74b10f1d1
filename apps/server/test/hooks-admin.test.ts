import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHooksAdmin } from '../src/hooks-admin.js';
import { appRouter } from '../src/router/index.js';
import { createCallerFactory } from '../src/trpc.js';
import { startTestServer, tmpDir } from './helpers.js';

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

describe('hooks.telemetry (Claude Code OpenTelemetry export to this server)', () => {
  it('writes the env entries with this server’s port and the stored hook token; off removes them', async () => {
    const h = tmpDir('fd-hooks-otel-');
    try {
      const dataDir = join(h.dir, 'data');
      const server = await startTestServer({ dataDir });
      try {
        const token = server.services.auth.hookTokens.ensure();
        const hooks = createHooksAdmin(dataDir, { HOME: h.dir, PATH: process.env.PATH });
        const api = createCallerFactory(appRouter)({
          services: { ...server.services, hooks },
          token: null,
          ip: '127.0.0.1',
          setHeader: null,
          bufferedAmount: () => 0,
        });
        const file = join(h.dir, '.claude', 'settings.json');
        const dry = await api.hooks.telemetry({ enabled: true, dryRun: true });
        expect(dry).toMatchObject({ changed: true, dryRun: true, file });
        const on = await api.hooks.telemetry({ enabled: true });
        expect(on.changed).toBe(true);
        const port = new URL(server.url as string).port;
        expect(JSON.parse(readFileSync(file, 'utf8')).env).toMatchObject({
          CLAUDE_CODE_ENABLE_TELEMETRY: '1',
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
          OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer ${token}`,
        });
        expect((await api.hooks.telemetry({ enabled: false })).changed).toBe(true);
        expect(JSON.parse(readFileSync(file, 'utf8')).env).toBeUndefined();
        writeFileSync(file, '[1]\n');
        await expect(api.hooks.telemetry({ enabled: true })).rejects.toThrow(
          /^telemetry: .*expected a JSON object/,
        );
      } finally {
        await server.close();
      }
    } finally {
      h.remove();
    }
  });
});
