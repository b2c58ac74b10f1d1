import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  createConfigStore,
  loadConfig,
  readConfigFile,
  writeConfigFile,
} from '../src/config.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'fd-config-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('config', () => {
  it('defaults: port 3333, loopback, data dir under the home directory', () => {
    const rc = loadConfig({}, {});
    expect(rc.port).toBe(3333);
    expect(rc.host).toBe('127.0.0.1');
    expect(rc.dataDir).toBe(join(homedir(), '.flightdeck'));
    expect(rc.file.hookDensity).toBe('medium');
    expect(rc.file.passwordHash).toBeNull();
  });

  it('port precedence: --port > PORT > config > 3333', () => {
    const dir = tmp();
    writeConfigFile(join(dir, 'config.json'), { ...readConfigFile(join(dir, 'none.json')).file, port: 4000 });
    expect(loadConfig({ dataDir: dir }, {}).port).toBe(4000);
    expect(loadConfig({ dataDir: dir }, { PORT: '4100' }).port).toBe(4100);
    expect(loadConfig({ dataDir: dir, port: 4200 }, { PORT: '4100' }).port).toBe(4200);
    expect(loadConfig({ dataDir: dir }, { FLIGHTDECK_DATA_DIR: '/nonexistent' }).dataDir).toBe(dir);
    expect(loadConfig({}, { FLIGHTDECK_DATA_DIR: dir }).port).toBe(4000);
    expect(loadConfig({ dataDir: dir }, { FLIGHTDECK_HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });

  it('bad values give clear errors naming the field', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ port: 'eighty', hookDensity: 'extreme' }));
    expect(() => loadConfig({ dataDir: dir }, {})).toThrow(ConfigError);
    expect(() => loadConfig({ dataDir: dir }, {})).toThrow(/field "port"/);
    expect(() => loadConfig({ dataDir: dir }, {})).toThrow(/field "hookDensity"/);
    writeFileSync(join(dir, 'config.json'), '{ not json');
    expect(() => loadConfig({ dataDir: dir }, {})).toThrow(/not valid JSON/);
    writeFileSync(join(dir, 'config.json'), '{}');
    expect(() => loadConfig({ dataDir: dir }, { PORT: '99999' })).toThrow(/PORT.*0 and 65535/);
  });

  it('writes atomically, owner-only, and the store picks up edits from other processes', async () => {
    const dir = tmp();
    const path = join(dir, 'config.json');
    const store = createConfigStore(path, readConfigFile(path).file);
    store.update({ hookDensity: 'high' });
    expect(readConfigFile(path).file.hookDensity).toBe('high');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    // another process edits the file
    await new Promise((r) => setTimeout(r, 1100));
    writeConfigFile(path, { ...readConfigFile(path).file, hookDensity: 'low' });
    await new Promise((r) => setTimeout(r, 1100));
    expect(store.get().hookDensity).toBe('low');
  });
});
