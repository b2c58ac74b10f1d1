import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  buildHookCommand,
  detectCliVersion,
  HOOKS_EXIT,
  type HooksCommandIo,
  parseHooksArgs,
  renderHookScript,
  runHooksCommand,
  runSelfTest,
  SELF_TEST_EVENT,
  scriptPathFromCommand,
  UsageError,
} from '../src/install/index.js';
import { listDir, read, type Sandbox, useSandboxes, write } from './fixtures-install/helpers.js';

const box = useSandboxes();

interface Captured {
  io: HooksCommandIo;
  out: () => string;
  err: () => string;
}

function capture(b: Sandbox, extra: Partial<HooksCommandIo> = {}): Captured {
  let out = '';
  let err = '';
  return {
    io: {
      env: { ...b.env, PATH: process.env.PATH ?? '/usr/bin:/bin' },
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      cwd: b.root,
      homedir: '/nonexistent-home',
      selfTestTimeoutMs: 5000,
      // Version unknown (= current) unless a test says otherwise; detection itself is tested below.
      detectVersion: async () => null,
      ...extra,
    },
    out: () => out,
    err: () => err,
  };
}

describe('parseHooksArgs', () => {
  it('accepts the documented forms', () => {
    expect(parseHooksArgs(['install'])).toEqual({
      command: 'install',
      dryRun: false,
      selfTest: false,
      json: false,
    });
    expect(
      parseHooksArgs([
        'hooks',
        'install',
        '--cli',
        'gemini',
        '--density=high',
        '--dry-run',
        '--data-dir',
        '/d',
        '--json',
      ]),
    ).toEqual({
      command: 'install',
      cli: 'gemini',
      density: 'high',
      dryRun: true,
      selfTest: false,
      json: true,
      dataDir: '/d',
    });
    expect(parseHooksArgs(['status', '--cli=all', '--self-test'])).toMatchObject({
      command: 'status',
      cli: 'all',
      selfTest: true,
    });
    expect(parseHooksArgs(['--help']).command).toBe('help');
  });

  it.each<[string[], string]>([
    [[], 'missing sub-command'],
    [['frobnicate'], 'invalid sub-command "frobnicate" (expected one of: install, uninstall, status)'],
    [['install', '--cli', 'cursor'], 'invalid --cli "cursor" (expected one of: claude, codex, gemini, all)'],
    [['install', '--density', 'max'], 'invalid --density "max" (expected one of: high, medium, low)'],
    [['install', '--cli'], '--cli needs a value'],
    [['install', '--cli', '--dry-run'], '--cli needs a value'],
    [['install', '--force'], 'unknown option --force'],
    [['install', 'extra'], 'unexpected argument "extra"'],
    [['install', '--cli', 'claude', '--cli', 'codex'], '--cli given twice'],
    [['install', '--dry-run', '--self-test'], '--self-test cannot be combined with --dry-run'],
    [['uninstall', '--density', 'low'], '--density only applies to install and status'],
    [['status', '--codex-hold', '30'], '--codex-hold only applies to install'],
    ...['0', '601', '1.5', 'abc', '-5', '99999'].map((bad): [string[], string] => [
      ['install', '--codex-hold', bad],
      `invalid --codex-hold ${JSON.stringify(bad)} (expected a whole number of seconds from 1 to 600)`,
    ]),
  ])('rejects %j: %s', (argv, message) => {
    expect(() => parseHooksArgs(argv)).toThrow(UsageError);
    expect(() => parseHooksArgs(argv)).toThrow(message);
  });
});

describe('runHooksCommand', () => {
  it('usage errors exit 2 with the message and the usage text', async () => {
    const b = box();
    const c = capture(b);
    expect(await runHooksCommand(['install', '--cli', 'vim'], c.io)).toBe(HOOKS_EXIT.usage);
    expect(c.err()).toContain('flightdeck hooks: invalid --cli "vim"');
    expect(c.err()).toContain('Usage: flightdeck hooks');
    expect(listDir(b.home)).toEqual([]);
  });

  it('install copies the real hook script into the data dir, registers it, and the self-test gets an event through', async () => {
    const b = box();
    const c = capture(b);
    const code = await runHooksCommand(['install', '--cli', 'claude', '--self-test'], c.io);
    expect(c.err()).toBe('');
    expect(code).toBe(HOOKS_EXIT.ok);
    const script = path.join(b.targets.hooksDir, 'flightdeck-hook.sh');
    expect(c.out()).toContain(`hook script written to ${script}`);
    expect(c.out()).toContain(`claude: installed 19 events (medium) in ${b.targets.files.claude}`);
    expect(c.out()).toMatch(/claude: self-test ok \(\d+ ms\)/);
    // The installed copy points at this data dir's spool by default.
    expect(read(script)).toContain(`FD_SPOOL_DEFAULT=${b.targets.spoolDir}\n`);
    const settings = JSON.parse(read(b.targets.files.claude)) as {
      hooks: Record<string, { hooks: { command: string }[] }[]>;
    };
    expect(settings.hooks.Stop?.[0]?.hooks[0]?.command).toBe(`sh ${script} claude`);
    // The synthetic event sits in the spool as a record written by the real script.
    const records = listDir(b.targets.spoolDir).filter((f) => f.endsWith('.rec'));
    expect(records).toHaveLength(1);
    const rec = read(path.join(b.targets.spoolDir, records[0]!));
    expect(rec.startsWith('FD1\0')).toBe(true);
    expect(rec).toContain('cli=claude');
    expect(rec).toContain(`"hook_event_name":"${SELF_TEST_EVENT}"`);

    // Re-running is a no-op; status is healthy (exit 0).
    const c2 = capture(b);
    expect(await runHooksCommand(['install'], c2.io)).toBe(HOOKS_EXIT.ok);
    expect(c2.out()).toContain('already up to date (19 events, medium)');
    const c3 = capture(b);
    expect(await runHooksCommand(['status', '--cli', 'claude'], c3.io)).toBe(HOOKS_EXIT.ok);
    expect(c3.out()).toContain('installed: 19 events (installed as medium); other hooks: 0');
  });

  it('install --codex-hold <seconds> sets how long the held Codex PermissionRequest hook waits', async () => {
    expect(parseHooksArgs(['install', '--codex-hold=600']).codexHold).toBe(600);
    const b = box();
    const c = capture(b);
    expect(await runHooksCommand(['install', '--cli', 'codex', '--codex-hold', '90'], c.io)).toBe(0);
    expect(c.err()).toBe('');
    const settings = JSON.parse(read(b.targets.files.codex)) as {
      hooks: Record<string, { hooks: { command: string; timeout: number }[] }[]>;
    };
    expect(settings.hooks.PermissionRequest?.[0]?.hooks[0]).toMatchObject({ timeout: 90 });
    expect(settings.hooks.PermissionRequest?.[0]?.hooks[0]?.command).toMatch(/ codex --hold$/);
  });

  it('remembers the chosen density for later installs', async () => {
    const b = box();
    expect(await runHooksCommand(['install', '--density', 'low'], capture(b).io)).toBe(0);
    const c = capture(b);
    expect(await runHooksCommand(['install'], c.io)).toBe(0);
    expect(c.out()).toContain('already up to date (5 events, low)');
  });

  it('status exits 3 when not installed or drifted, and reports drift in words and JSON', async () => {
    const b = box();
    fs.mkdirSync(b.targets.configDirs.claude, { recursive: true });
    const c0 = capture(b);
    expect(await runHooksCommand(['status'], c0.io)).toBe(HOOKS_EXIT.unhealthy);
    expect(c0.out()).toContain('codex: skipped');
    expect(c0.out()).toContain('not installed');
    expect(await runHooksCommand(['install', '--density', 'low'], capture(b).io)).toBe(0);
    const file = b.targets.files.claude;
    write(file, read(file).replace('"timeout": 10', '"timeout": 99'));
    const c1 = capture(b);
    expect(await runHooksCommand(['status'], c1.io)).toBe(HOOKS_EXIT.unhealthy);
    expect(c1.out()).toMatch(/drift: \w+ altered: timeout 10 → 99/);
    const c2 = capture(b);
    expect(await runHooksCommand(['status', '--cli', 'claude', '--json'], c2.io)).toBe(HOOKS_EXIT.unhealthy);
    const json = JSON.parse(c2.out()) as { drift: { kind: string }[]; installed: boolean }[];
    expect(json[0]?.installed).toBe(true);
    expect(json[0]?.drift.map((d) => d.kind)).toEqual(['altered']);
    // install repairs
    expect(await runHooksCommand(['install', '--density', 'low'], capture(b).io)).toBe(0);
    expect(await runHooksCommand(['status', '--cli', 'claude'], capture(b).io)).toBe(HOOKS_EXIT.ok);
  });

  it('--dry-run prints the diff and creates nothing (not even the data dir)', async () => {
    const b = box();
    const c = capture(b);
    expect(await runHooksCommand(['install', '--cli', 'codex', '--dry-run'], c.io)).toBe(0);
    expect(c.out()).toContain(`codex: would change ${b.targets.files.codex}`);
    expect(c.out()).toContain('+++ b/hooks.json');
    expect(c.out()).toContain('hook script would be written to');
    expect(listDir(b.home)).toEqual([]);
  });

  it('invalid settings: exit 1, error names the file and position, file untouched', async () => {
    const b = box();
    write(b.targets.files.claude, '{\n  "a": 1,,\n}\n');
    const c = capture(b);
    expect(await runHooksCommand(['install'], c.io)).toBe(HOOKS_EXIT.failed);
    expect(c.err()).toContain(`claude: ${b.targets.files.claude} is not valid JSON`);
    expect(c.err()).toContain('line 2, column 10');
    expect(read(b.targets.files.claude)).toBe('{\n  "a": 1,,\n}\n');
    const s = capture(b);
    expect(await runHooksCommand(['status', '--cli', 'claude'], s.io)).toBe(HOOKS_EXIT.failed);
  });

  it('--cli all installs only into CLIs whose config dir exists; uninstall removes them all', async () => {
    const b = box();
    fs.mkdirSync(b.targets.configDirs.gemini, { recursive: true });
    fs.mkdirSync(b.targets.configDirs.codex, { recursive: true });
    const c = capture(b);
    expect(await runHooksCommand(['install', '--cli', 'all'], c.io)).toBe(0);
    expect(c.out()).toContain(`claude: skipped (${b.targets.configDirs.claude} not found)`);
    expect(fs.existsSync(b.targets.files.claude)).toBe(false);
    expect(read(b.targets.files.codex)).toContain('flightdeck-hook.sh codex');
    expect(read(b.targets.files.gemini)).toContain('flightdeck-hook.sh gemini');
    const u = capture(b);
    expect(await runHooksCommand(['uninstall'], u.io)).toBe(0);
    expect(u.out()).toContain('codex: removed Flightdeck hooks');
    expect(u.out()).toContain('gemini: removed Flightdeck hooks');
    // both files were created by us: what is left is an empty object
    expect(JSON.parse(read(b.targets.files.codex))).toEqual({});
    expect(JSON.parse(read(b.targets.files.gemini))).toEqual({});
  });

  it('--cli all with no CLI present fails clearly', async () => {
    const b = box();
    const c = capture(b);
    expect(await runHooksCommand(['install', '--cli', 'all'], c.io)).toBe(HOOKS_EXIT.failed);
    expect(c.err()).toContain('none of Claude Code, Codex or Gemini CLI was found');
  });

  it('--data-dir places script, manifest and spool there', async () => {
    const b = box();
    const dataDir = path.join(b.root, 'custom-data');
    const c = capture(b);
    expect(await runHooksCommand(['install', '--data-dir', dataDir, '--self-test'], c.io)).toBe(0);
    expect(listDir(path.join(dataDir, 'hooks'))).toEqual(['flightdeck-hook.sh', 'manifest-claude.json']);
    expect(listDir(path.join(dataDir, 'spool')).some((f) => f.endsWith('.rec'))).toBe(true);
    expect(fs.existsSync(path.join(b.home, '.flightdeck'))).toBe(false);
  });
});

describe('runSelfTest', () => {
  it('reports failure when the hook delivers nothing', async () => {
    const b = box();
    const r = await runSelfTest({
      cli: 'claude',
      command: 'cat >/dev/null; exit 0',
      spoolDir: b.targets.spoolDir,
      env: { PATH: process.env.PATH },
      timeoutMs: 300,
    });
    expect(r).toMatchObject({ ok: false, exitCode: 0, detail: 'event did not arrive within 300 ms' });
  });

  it('reports a failing hook command with its exit code and stderr', async () => {
    const b = box();
    const r = await runSelfTest({
      cli: 'codex',
      command: 'echo broken >&2; exit 7',
      spoolDir: b.targets.spoolDir,
      env: { PATH: process.env.PATH },
      timeoutMs: 2000,
    });
    expect(r).toMatchObject({ ok: false, exitCode: 7, detail: 'hook command exited with code 7' });
    expect(r.stderr.trim()).toBe('broken');
  });

  it('kills a hook that hangs at the timeout', async () => {
    const b = box();
    const started = Date.now();
    const r = await runSelfTest({
      cli: 'gemini',
      command: 'sleep 30',
      spoolDir: b.targets.spoolDir,
      env: { PATH: process.env.PATH },
      timeoutMs: 300,
    });
    expect(r.ok).toBe(false);
    expect(r.detail).toContain('killed by SIGKILL');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('uses the caller-provided waitForMarker (server side) instead of polling the spool', async () => {
    const b = box();
    const asked: string[] = [];
    const r = await runSelfTest({
      cli: 'claude',
      command: 'cat >/dev/null',
      spoolDir: b.targets.spoolDir,
      env: { PATH: process.env.PATH },
      waitForMarker: async (marker) => {
        asked.push(marker);
        return true;
      },
    });
    expect(r.ok).toBe(true);
    expect(asked).toEqual([r.marker]);
  });
});

describe('Claude Code version gate', () => {
  const binDir = path.dirname(fileURLToPath(new URL('../node_modules/.bin/claude', import.meta.url)));

  it('detectCliVersion asks the real `claude --version` found on PATH', async () => {
    expect(await detectCliVersion('claude', { PATH: `${binDir}:${process.env.PATH ?? ''}` })).toBe('2.1.328');
    expect(await detectCliVersion('claude', { PATH: '/nonexistent' })).toBeNull();
    expect(await detectCliVersion('gemini', { PATH: binDir })).toBeNull();
  }, 30_000);

  it('an old Claude Code only gets events it knows (one unknown event broke its whole settings file)', async () => {
    const b = box();
    const c = capture(b, { detectVersion: async () => '1.0.70' });
    expect(await runHooksCommand(['install', '--density', 'low'], c.io)).toBe(0);
    expect(c.out()).toContain('installed 3 events (low)');
    expect(c.out()).toContain(
      'warning: Claude Code 1.0.70 predates these events, not registered: PermissionRequest, SessionEnd (upgrade and re-run install)',
    );
    const hooks = JSON.parse(read(b.targets.files.claude)).hooks as Record<string, unknown>;
    expect(Object.keys(hooks)).toEqual(['SessionStart', 'UserPromptSubmit', 'Stop']);
    // status compares against what was installed for that version: healthy
    expect(await runHooksCommand(['status', '--cli', 'claude'], capture(b).io)).toBe(HOOKS_EXIT.ok);
    // after an upgrade, install adds the rest
    const c2 = capture(b, { detectVersion: async () => '2.1.328' });
    expect(await runHooksCommand(['install'], c2.io)).toBe(0);
    expect(c2.out()).toContain('installed 5 events (low)');
  });
});

describe('hook script rendering', () => {
  it('points the default spool at any path, quoted for sh, and the command runs it', async () => {
    const b = box();
    const odd = path.join(b.root, "we'ird $HOME `x` dir", 'spool');
    const rendered = renderHookScript(
      '#!/bin/sh\nFD_SPOOL_DEFAULT="$HOME/.flightdeck/spool"\necho "$FD_SPOOL_DEFAULT"\n',
      odd,
    );
    const script = path.join(b.root, "we'ird $HOME `x` dir", 'flightdeck-hook.sh');
    write(script, rendered);
    const { execFileSync } = await import('node:child_process');
    const printed = execFileSync('sh', ['-c', buildHookCommand(script)], { encoding: 'utf8' });
    expect(printed).toBe(`${odd}\n`);
    expect(() => renderHookScript('#!/bin/sh\necho hi\n', odd)).toThrow(/no FD_SPOOL_DEFAULT= line/);
  });
});

describe('missing hook script', () => {
  it('status flags a registered script that is gone (every hook call would fail); install restores it', async () => {
    const b = box();
    expect(await runHooksCommand(['install', '--density', 'low'], capture(b).io)).toBe(0);
    const script = path.join(b.targets.hooksDir, 'flightdeck-hook.sh');
    fs.rmSync(script);
    const c = capture(b);
    expect(await runHooksCommand(['status', '--cli', 'claude'], c.io)).toBe(HOOKS_EXIT.unhealthy);
    expect(c.out()).toContain(`hook script missing: ${script}`);
    expect(await runHooksCommand(['install'], capture(b).io)).toBe(0);
    expect(fs.existsSync(script)).toBe(true);
    expect(await runHooksCommand(['status', '--cli', 'claude'], capture(b).io)).toBe(HOOKS_EXIT.ok);
  });

  it('scriptPathFromCommand understands our sh quoting', () => {
    expect(scriptPathFromCommand("sh '/a/we'\\''ird dir/flightdeck-hook.sh' claude")).toBe(
      "/a/we'ird dir/flightdeck-hook.sh",
    );
    expect(scriptPathFromCommand('sh /a/b/flightdeck-hook.sh codex')).toBe('/a/b/flightdeck-hook.sh');
    expect(scriptPathFromCommand('node /x/flightdeck-hook.js')).toBeNull();
  });
});
