import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  findInstalledHookCommand,
  hooksStatus,
  installHooks,
  manifestPath,
  uninstallHooks,
} from '../src/install/index.js';
import { HOOK_CMD, read, useSandboxes, write } from './fixtures-install/helpers.js';

const box = useSandboxes();

type Handler = { type: string; command: string; timeout: number; name?: string };
type Groups = Record<string, Array<{ matcher?: string; hooks: Handler[] }>>;
const hooksIn = (file: string): Groups => (JSON.parse(read(file)) as { hooks: Groups }).hooks;

/** Every registered handler of ours, by event. */
function handlers(file: string): Record<string, Handler> {
  return Object.fromEntries(Object.entries(hooksIn(file)).map(([e, groups]) => [e, groups[0]!.hooks[0]!]));
}

/** The added and removed lines of a unified diff, without their indentation. */
const changedLines = (diff: string) =>
  diff
    .split('\n')
    .filter((l) => /^[-+]\s/.test(l))
    .map((l) => `${l[0]}${l.slice(1).trim()}`);

describe('held PermissionRequest hooks', () => {
  it('Claude: PermissionRequest runs `… claude --hold` with 3600 s; every other event keeps its command and 10 s', async () => {
    const b = box();
    await installHooks({ cli: 'claude', density: 'high', targets: b.targets, hookCommand: HOOK_CMD });
    const all = handlers(b.targets.files.claude);
    expect(all.PermissionRequest).toEqual({
      type: 'command',
      command: `${HOOK_CMD} claude --hold`,
      timeout: 3600,
    });
    for (const [event, h] of Object.entries(all)) {
      if (event === 'PermissionRequest') continue;
      expect(h).toEqual({ type: 'command', command: `${HOOK_CMD} claude`, timeout: 10 });
    }
  });

  it('Codex: --hold with 20 s by default, --codex-hold sets it and later installs keep it; installing twice changes nothing', async () => {
    const b = box();
    const file = b.targets.files.codex;
    await installHooks({ cli: 'codex', density: 'low', targets: b.targets, hookCommand: HOOK_CMD });
    expect(handlers(file).PermissionRequest).toEqual({
      type: 'command',
      command: `${HOOK_CMD} codex --hold`,
      timeout: 20,
    });
    expect(handlers(file).Stop).toEqual({ type: 'command', command: `${HOOK_CMD} codex`, timeout: 10 });
    // Codex 0.171.0 caps SessionEnd hooks at 3 s and warns at every start about a longer timeout
    expect(handlers(file).SessionEnd).toEqual({ type: 'command', command: `${HOOK_CMD} codex`, timeout: 3 });
    const r = await installHooks({
      cli: 'codex',
      density: 'low',
      targets: b.targets,
      hookCommand: HOOK_CMD,
      codexHoldSeconds: 45,
    });
    expect(r.changed).toBe(true);
    expect(changedLines(r.diff)).toEqual(['+"timeout": 45', '-"timeout": 20']);
    expect(handlers(file).PermissionRequest?.timeout).toBe(45);
    const bytes = read(file);
    const manifest = read(manifestPath(b.targets.hooksDir, 'codex'));
    const again = await installHooks({
      cli: 'codex',
      density: 'low',
      targets: b.targets,
      hookCommand: HOOK_CMD,
    });
    expect(again.changed).toBe(false);
    expect(read(file)).toBe(bytes);
    expect(read(manifestPath(b.targets.hooksDir, 'codex'))).toBe(manifest);
    const status = await hooksStatus({ cli: 'codex', targets: b.targets });
    expect([status.drift, status.missing, status.warnings]).toEqual([[], [], []]);
  });

  it('refuses a Codex hold outside 1..600 seconds, writing nothing', async () => {
    const b = box();
    for (const bad of [0, 601, 1.5, Number.NaN]) {
      await expect(
        installHooks({
          cli: 'codex',
          density: 'low',
          targets: b.targets,
          hookCommand: HOOK_CMD,
          codexHoldSeconds: bad,
        }),
      ).rejects.toMatchObject({ code: 'USAGE' });
    }
    expect(fs.existsSync(b.targets.files.codex)).toBe(false);
    for (const ok of [1, 600]) {
      await installHooks({
        cli: 'codex',
        density: 'low',
        targets: b.targets,
        hookCommand: HOOK_CMD,
        codexHoldSeconds: ok,
      });
      expect(handlers(b.targets.files.codex).PermissionRequest?.timeout).toBe(ok);
    }
  });

  it('Gemini has no permission hook: nothing is held', async () => {
    const b = box();
    await installHooks({ cli: 'gemini', density: 'high', targets: b.targets, hookCommand: HOOK_CMD });
    const text = read(b.targets.files.gemini);
    expect(text).not.toContain('--hold');
    expect(text).not.toContain('PermissionRequest');
  });

  it('upgrades an older install: status warns, install rewrites only PermissionRequest, uninstall removes it', async () => {
    const b = box();
    const file = b.targets.files.claude;
    await installHooks({ cli: 'claude', density: 'low', targets: b.targets, hookCommand: HOOK_CMD });
    // What an older Flightdeck wrote (settings and its manifest): PermissionRequest not held, 10 s.
    const old = (t: string) => t.replace(/ claude --hold",(\s*)"timeout": 3600/g, ' claude",$1"timeout": 10');
    write(file, old(read(file)));
    const mPath = manifestPath(b.targets.hooksDir, 'claude');
    write(mPath, old(read(mPath)));
    expect(read(file)).not.toContain('--hold');
    const before = await hooksStatus({ cli: 'claude', targets: b.targets });
    expect(before.drift).toEqual([]);
    expect(before.warnings).toEqual([
      'PermissionRequest is registered without --hold (an older install): approvals cannot be answered from Flightdeck; run flightdeck hooks install',
    ]);
    const up = await installHooks({
      cli: 'claude',
      density: 'low',
      targets: b.targets,
      hookCommand: HOOK_CMD,
    });
    expect(up.changed).toBe(true);
    expect(changedLines(up.diff)).toEqual([
      `+"command": ${JSON.stringify(`${HOOK_CMD} claude --hold`)},`,
      '+"timeout": 3600',
      `-"command": ${JSON.stringify(`${HOOK_CMD} claude`)},`,
      '-"timeout": 10',
    ]);
    const after = await hooksStatus({ cli: 'claude', targets: b.targets });
    expect([after.drift, after.missing, after.warnings]).toEqual([[], [], []]);
    const twice = await installHooks({
      cli: 'claude',
      density: 'low',
      targets: b.targets,
      hookCommand: HOOK_CMD,
    });
    expect(twice.changed).toBe(false);
    await uninstallHooks({ cli: 'claude', targets: b.targets });
    expect(read(file)).not.toContain('flightdeck-hook');
  });

  it('the self-test never runs the held command', async () => {
    const b = box();
    write(
      b.targets.files.claude,
      JSON.stringify({
        hooks: {
          PermissionRequest: [
            { matcher: '*', hooks: [{ type: 'command', command: `${HOOK_CMD} claude --hold` }] },
          ],
          Stop: [{ hooks: [{ type: 'command', command: `${HOOK_CMD} claude` }] }],
        },
      }),
    );
    expect(await findInstalledHookCommand('claude', b.targets)).toBe(`${HOOK_CMD} claude`);
  });
});
