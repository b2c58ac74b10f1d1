import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { installHooks, manifestPath, uninstallHooks } from '../src/install/index.js';
import { atomicWrite, tempPathFor } from '../src/install/safeFs.js';
import {
  fixture,
  HOOK_CMD,
  listDir,
  read,
  type Sandbox,
  useSandboxes,
  write,
} from './fixtures-install/helpers.js';

const box = useSandboxes();

const opts = (b: Sandbox) => ({
  cli: 'claude' as const,
  density: 'low' as const,
  targets: b.targets,
  hookCommand: HOOK_CMD,
});

describe('safe writes', () => {
  it('writes through a symlinked settings file and keeps the link', async () => {
    const b = box();
    const real = path.join(b.root, 'dotfiles', 'claude-settings.json');
    const original = fixture('claude-settings-busy.json.txt');
    write(real, original);
    fs.mkdirSync(path.dirname(b.targets.files.claude), { recursive: true });
    fs.symlinkSync('../../dotfiles/claude-settings.json', b.targets.files.claude);
    const r = await installHooks(opts(b));
    expect(r.changed).toBe(true);
    expect(fs.lstatSync(b.targets.files.claude).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(b.targets.files.claude)).toBe('../../dotfiles/claude-settings.json');
    expect(read(real)).toContain('flightdeck-hook.sh');
    expect(read(r.backup!)).toBe(original);
    // no temp files left beside either path
    expect(listDir(path.dirname(real))).toEqual(['claude-settings.json']);
    expect(listDir(path.dirname(b.targets.files.claude))).toEqual(['settings.json']);
    await uninstallHooks({ cli: 'claude', targets: b.targets });
    expect(fs.lstatSync(b.targets.files.claude).isSymbolicLink()).toBe(true);
    expect(read(real)).toBe(original);
  });

  it('creates the target of a dangling symlink', async () => {
    const b = box();
    const real = path.join(b.root, 'dotfiles', 'settings.json');
    fs.mkdirSync(path.dirname(real), { recursive: true });
    fs.mkdirSync(path.dirname(b.targets.files.claude), { recursive: true });
    fs.symlinkSync(real, b.targets.files.claude);
    await installHooks(opts(b));
    expect(fs.lstatSync(b.targets.files.claude).isSymbolicLink()).toBe(true);
    expect(read(real)).toContain('"SessionStart"');
  });

  it('preserves the file mode', async () => {
    const b = box();
    write(b.targets.files.claude, '{}\n');
    fs.chmodSync(b.targets.files.claude, 0o640);
    await installHooks(opts(b));
    expect(fs.statSync(b.targets.files.claude).mode & 0o777).toBe(0o640);
    expect(read(b.targets.files.claude)).toContain('"SessionStart"');
  });

  it('creates a new settings file private to the user (0600)', async () => {
    const b = box();
    await installHooks(opts(b));
    expect(fs.statSync(b.targets.files.claude).mode & 0o777).toBe(0o600);
  });

  it('refuses a read-only settings file (write bits checked explicitly, so also when running as root)', async () => {
    const b = box();
    const original = '{"model": "x"}\n';
    write(b.targets.files.claude, original);
    fs.chmodSync(b.targets.files.claude, 0o444);
    await expect(installHooks(opts(b))).rejects.toMatchObject({
      code: 'READ_ONLY',
      message: expect.stringContaining(`${b.targets.files.claude} is read-only`),
    });
    expect(read(b.targets.files.claude)).toBe(original);
    expect(listDir(path.dirname(b.targets.files.claude))).toEqual(['settings.json']);
    expect(fs.existsSync(manifestPath(b.targets.hooksDir, 'claude'))).toBe(false);
    expect(listDir(b.targets.backupsDir)).toEqual([]);
  });

  it('refuses a directory without write bits (checked explicitly, so also when running as root)', async () => {
    const b = box();
    const original = '{"model": "x"}\n';
    write(b.targets.files.claude, original);
    fs.chmodSync(path.dirname(b.targets.files.claude), 0o555);
    await expect(installHooks(opts(b))).rejects.toMatchObject({
      code: 'READ_ONLY',
      message: expect.stringContaining('is read-only'),
    });
    fs.chmodSync(path.dirname(b.targets.files.claude), 0o755);
    expect(read(b.targets.files.claude)).toBe(original);
    expect(listDir(path.dirname(b.targets.files.claude))).toEqual(['settings.json']);
  });

  it('refuses to create the settings file under a read-only ancestor directory', async () => {
    const b = box();
    fs.chmodSync(b.home, 0o555);
    await expect(installHooks(opts(b))).rejects.toMatchObject({ code: 'READ_ONLY' });
    fs.chmodSync(b.home, 0o755);
    expect(listDir(b.home)).toEqual([]);
  });

  it('temp file cannot be created (a directory occupies its name): clear error, target untouched, no backup kept', async () => {
    const b = box();
    const original = fixture('claude-settings-busy.json.txt');
    write(b.targets.files.claude, original);
    const blocker = tempPathFor(b.targets.files.claude);
    fs.mkdirSync(blocker);
    await expect(installHooks(opts(b))).rejects.toMatchObject({
      code: 'IO',
      message: expect.stringContaining('cannot create temporary file'),
    });
    expect(read(b.targets.files.claude)).toBe(original);
    expect(listDir(b.targets.backupsDir)).toEqual([]);
    expect(fs.existsSync(manifestPath(b.targets.hooksDir, 'claude'))).toBe(false);
    fs.rmdirSync(blocker);
    const r = await installHooks(opts(b));
    expect(r.changed).toBe(true);
    expect(listDir(b.targets.backupsDir)).toHaveLength(1);
  });

  it('config dir path runs through a regular file: clear error naming it', async () => {
    const b0 = box();
    const file = path.join(b0.root, 'not-a-dir');
    write(file, 'x');
    const b = box({ CLAUDE_CONFIG_DIR: path.join(file, 'claude') });
    await expect(installHooks(opts(b))).rejects.toMatchObject({
      code: 'IO',
      message: expect.stringContaining(`${file} is not a directory`),
    });
    expect(read(file)).toBe('x');
  });

  it('atomicWrite refuses when the file changed since it was read (another program wrote it)', async () => {
    const b = box();
    const f = b.targets.files.claude;
    write(f, '{"written": "by someone else"}\n');
    await expect(
      atomicWrite(f, f, '{"ours": 1}\n', { expectCurrent: '{"as": "we read it"}\n' }),
    ).rejects.toMatchObject({
      code: 'CONCURRENT_CHANGE',
    });
    expect(read(f)).toBe('{"written": "by someone else"}\n');
    expect(listDir(path.dirname(f))).toEqual(['settings.json']);
  });

  it('a settings path that is a directory is refused', async () => {
    const b = box();
    fs.mkdirSync(b.targets.files.claude, { recursive: true });
    await expect(installHooks(opts(b))).rejects.toMatchObject({ code: 'NOT_A_FILE' });
  });
});

describe('backups', () => {
  it('are taken once, before the first change, and never overwritten by later runs', async () => {
    const b = box();
    const original = fixture('claude-settings-busy.json.txt');
    write(b.targets.files.claude, original);
    const t = new Date('2026-11-21T09:00:00.000Z');
    const r1 = await installHooks({ ...opts(b), now: () => t });
    expect(path.basename(r1.backup!)).toBe('claude-settings-2026-11-21T09-00-00-000Z.json');
    expect(fs.statSync(r1.backup!).mode & 0o777).toBe(0o600);
    await installHooks({ ...opts(b), density: 'high', now: () => t });
    await installHooks({ ...opts(b), density: 'medium', now: () => t });
    expect(listDir(b.targets.backupsDir)).toEqual([path.basename(r1.backup!)]);
    expect(read(r1.backup!)).toBe(original);
    // After an uninstall the next install is a new "first change": a second backup, same clock,
    // does not overwrite the first one.
    await uninstallHooks({ cli: 'claude', targets: b.targets, now: () => t });
    write(b.targets.files.claude, '{"model": "changed since"}\n');
    const r2 = await installHooks({ ...opts(b), now: () => t });
    expect(path.basename(r2.backup!)).toBe('claude-settings-2026-11-21T09-00-00-000Z-1.json');
    expect(read(r1.backup!)).toBe(original);
    expect(read(r2.backup!)).toBe('{"model": "changed since"}\n');
  });

  it('are named per CLI and file', async () => {
    const b = box();
    write(b.targets.files.codex, '{}');
    write(b.targets.files.gemini, '{}');
    const c = await installHooks({ ...opts(b), cli: 'codex' });
    const g = await installHooks({ ...opts(b), cli: 'gemini' });
    expect(path.basename(c.backup!)).toMatch(/^codex-hooks-.*\.json$/);
    expect(path.basename(g.backup!)).toMatch(/^gemini-settings-.*\.json$/);
  });
});
