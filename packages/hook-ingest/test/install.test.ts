import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildHookGroup,
  DENSITY_EVENTS,
  eventsFor,
  hooksStatus,
  InstallError,
  installHooks,
  manifestPath,
  resolveInstallTargets,
  uninstallHooks,
} from '../src/install/index.js';
import { fixture, HOOK_CMD, listDir, read, useSandboxes, write } from './fixtures-install/helpers.js';

const box = useSandboxes();

type Json = Record<string, unknown>;
const parse = (text: string): Json => JSON.parse(text) as Json;
const hooksOf = (text: string): Record<string, Json[]> => parse(text).hooks as Record<string, Json[]>;
const ourCommand = (cli: string) => `${HOOK_CMD} ${cli}`;
const isOurs = (g: Json) => JSON.stringify(g).includes('flightdeck-hook');

/** Events that carry exactly one Flightdeck group. */
function ourEvents(text: string): string[] {
  return Object.entries(hooksOf(text))
    .filter(([, groups]) => groups.some(isOurs))
    .map(([k]) => k)
    .sort();
}

/** The settings with every Flightdeck group removed (and event keys that only held ours). */
function withoutOurs(text: string, originalKeys: string[]): Json {
  const v = parse(text);
  const hooks = { ...(v.hooks as Record<string, Json[]>) };
  for (const [k, groups] of Object.entries(hooks)) {
    const kept = groups.filter((g) => !isOurs(g));
    if (kept.length === 0 && !originalKeys.includes(k)) delete hooks[k];
    else hooks[k] = kept;
  }
  return { ...v, hooks };
}

describe('installHooks — Claude Code settings.json', () => {
  it('creates a missing ~/.claude/settings.json (and its directory) with 2-space JSON', async () => {
    const b = box();
    const r = await installHooks({
      cli: 'claude',
      density: 'low',
      targets: b.targets,
      hookCommand: HOOK_CMD,
    });
    expect(r.changed).toBe(true);
    expect(r.file).toBe(path.join(b.home, '.claude', 'settings.json'));
    expect(r.backup).toBeUndefined();
    const text = read(r.file);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "hooks": {\n    "SessionStart": [\n');
    expect(ourEvents(text)).toEqual([...eventsFor('claude', 'low')].sort());
    expect(hooksOf(text).SessionStart).toEqual([
      { hooks: [{ type: 'command', command: ourCommand('claude'), timeout: 10 }] },
    ]);
    // PermissionRequest is held until Flightdeck or the terminal answers; Claude Code's dialog shows meanwhile.
    expect(hooksOf(text).PermissionRequest).toEqual([
      {
        matcher: '*',
        hooks: [{ type: 'command', command: `${ourCommand('claude')} --hold`, timeout: 3600 }],
      },
    ]);
    // Sync on purpose: no "async" flag anywhere.
    expect(text).not.toContain('async');
    expect(fs.existsSync(manifestPath(b.targets.hooksDir, 'claude'))).toBe(true);
    expect(listDir(b.targets.backupsDir)).toEqual([]);
  });

  it('adds only our groups to a busy settings file and keeps every other byte as written', async () => {
    const b = box();
    const original = fixture('claude-settings-busy.json.txt');
    write(b.targets.files.claude, original);
    const r = await installHooks({
      cli: 'claude',
      density: 'medium',
      targets: b.targets,
      hookCommand: HOOK_CMD,
    });
    expect(r.changed).toBe(true);
    const after = read(b.targets.files.claude);
    // Odd-but-valid spellings survive untouched (a JSON.parse/stringify round trip would lose them).
    for (const raw of [
      '"$schema": "https:\\/\\/json.schemastore.org\\/claude-code-settings.json"',
      '"cleanupPeriodDays": 1e3',
      '"GREETING": "Grüße, 世界 \\u2603 \\ud83d\\ude80"',
      '"numbers": [0, -0, 1.5e-7, 12345678901234567890, 1E+2]',
      '"deep": {"a": {"b": {"c": {"d": {"e": {"f": [[[{"g": null}]]]}}}}}}',
      '"ask": [ ]',
      '"enabledPlugins": {"formatter@acme": true}',
    ]) {
      expect(after).toContain(raw);
    }
    // The whole text before "hooks" and after it is identical.
    const head = original.slice(0, original.indexOf('"hooks"'));
    const tail = original.slice(original.indexOf('  "statusLine"'));
    expect(after.startsWith(head)).toBe(true);
    expect(after.endsWith(tail)).toBe(true);
    // Other tools' groups are all still there, in order; ours is appended once per event.
    const hooks = hooksOf(after);
    const before = hooksOf(original);
    expect(hooks.PreToolUse?.slice(0, 2)).toEqual(before.PreToolUse);
    expect(hooks.PreToolUse?.[2]).toEqual(buildHookGroup('claude', 'PreToolUse', HOOK_CMD));
    expect(hooks.WorktreeCreate).toEqual(before.WorktreeCreate);
    expect(hooks.SessionStart).toEqual([buildHookGroup('claude', 'SessionStart', HOOK_CMD)]);
    expect(ourEvents(after)).toEqual([...eventsFor('claude', 'medium')].sort());
    expect(withoutOurs(after, Object.keys(before))).toEqual(parse(original));
    // Event keys we added come after the existing ones, in table order.
    const keys = Object.keys(hooks);
    expect(keys.slice(0, Object.keys(before).length)).toEqual(Object.keys(before));
    // The diff only adds lines, appends a comma to a line, or opens up an empty array.
    const lines = r.diff.split('\n');
    const added = new Set(
      lines.filter((l) => l.startsWith('+') && !l.startsWith('+++')).map((l) => l.slice(1)),
    );
    const removed = lines.filter((l) => l.startsWith('-') && !l.startsWith('---')).map((l) => l.slice(1));
    expect(removed.length).toBeGreaterThan(0);
    for (const l of removed) expect(added.has(`${l},`) || /\[\s*\],?$/.test(l)).toBe(true);
    expect(r.backup).toBeDefined();
    expect(read(r.backup!)).toBe(original);
  });

  it('is idempotent: a second install changes nothing, byte for byte, and takes no second backup', async () => {
    const b = box();
    write(b.targets.files.claude, fixture('claude-settings-busy.json.txt'));
    await installHooks({ cli: 'claude', density: 'medium', targets: b.targets, hookCommand: HOOK_CMD });
    const once = read(b.targets.files.claude);
    const manifestOnce = read(manifestPath(b.targets.hooksDir, 'claude'));
    const r2 = await installHooks({
      cli: 'claude',
      density: 'medium',
      targets: b.targets,
      hookCommand: HOOK_CMD,
    });
    expect(r2).toMatchObject({ changed: false, diff: '' });
    expect(r2.backup).toBeUndefined();
    expect(read(b.targets.files.claude)).toBe(once);
    expect(read(manifestPath(b.targets.hooksDir, 'claude'))).toBe(manifestOnce);
    expect(listDir(b.targets.backupsDir)).toHaveLength(1);
  });

  it('switching density adds and removes only our entries; uninstall then restores the original bytes', async () => {
    const b = box();
    const original = fixture('claude-settings-busy.json.txt');
    write(b.targets.files.claude, original);
    const opts = { cli: 'claude' as const, targets: b.targets, hookCommand: HOOK_CMD };
    await installHooks({ ...opts, density: 'high' });
    const high = read(b.targets.files.claude);
    expect(ourEvents(high)).toEqual([...DENSITY_EVENTS.claude.high].sort());
    expect(ourEvents(high)).not.toContain('WorktreeCreate');
    await installHooks({ ...opts, density: 'low' });
    const low = read(b.targets.files.claude);
    expect(ourEvents(low)).toEqual([...DENSITY_EVENTS.claude.low].sort());
    // Keys we created for high-only events are gone again; keys that existed before stay.
    expect(Object.keys(hooksOf(low))).not.toContain('TeammateIdle');
    expect(hooksOf(low).PreToolUse).toEqual(hooksOf(original).PreToolUse);
    expect(withoutOurs(low, Object.keys(hooksOf(original)))).toEqual(parse(original));
    await installHooks({ ...opts, density: 'medium' });
    expect(ourEvents(read(b.targets.files.claude))).toEqual([...DENSITY_EVENTS.claude.medium].sort());
    const u = await uninstallHooks({ cli: 'claude', targets: b.targets });
    expect(u.changed).toBe(true);
    expect(read(b.targets.files.claude)).toBe(original);
    expect(fs.existsSync(manifestPath(b.targets.hooksDir, 'claude'))).toBe(false);
    expect(listDir(b.targets.backupsDir)).toHaveLength(1);
  });

  it('--dry-run returns a unified diff and writes nothing at all', async () => {
    const b = box();
    const original = fixture('claude-settings-busy.json.txt');
    write(b.targets.files.claude, original);
    const r = await installHooks({
      cli: 'claude',
      density: 'low',
      targets: b.targets,
      hookCommand: HOOK_CMD,
      dryRun: true,
    });
    expect(r.changed).toBe(true);
    expect(r.dryRun).toBe(true);
    expect(r.diff).toMatch(/^--- a\/settings\.json\n\+\+\+ b\/settings\.json\n@@ -\d+,\d+ \+\d+,\d+ @@\n/);
    expect(r.diff).toMatch(
      /\n\+ +"command": "sh '\/opt\/flight deck\/hooks\/flightdeck-hook\.sh' claude",\n/,
    );
    expect(read(b.targets.files.claude)).toBe(original);
    expect(fs.existsSync(b.targets.dataDir)).toBe(false);
    // Dry-run uninstall of a file without our entries: nothing to do.
    const u = await uninstallHooks({ cli: 'claude', targets: b.targets, dryRun: true });
    expect(u).toMatchObject({ changed: false, diff: '' });
  });

  it('dry-run of a missing file writes nothing and creates no directory', async () => {
    const b = box();
    const r = await installHooks({
      cli: 'gemini',
      density: 'low',
      targets: b.targets,
      hookCommand: HOOK_CMD,
      dryRun: true,
    });
    expect(r.changed).toBe(true);
    expect(r.diff).toContain('+  "hooks": {');
    expect(fs.existsSync(path.dirname(b.targets.files.gemini))).toBe(false);
  });

  it.each([
    [
      'trailing comma',
      '{\n  "model": "x",\n}\n',
      'INVALID_JSON',
      /not valid JSON: trailing comma in object at line 3, column 1/,
    ],
    ['comment in a Claude file', '{\n  // no\n  "a": 1\n}\n', 'INVALID_JSON', /line 2, column 3/],
    [
      'truncated file',
      '{"hooks": {"Stop": [',
      'INVALID_JSON',
      /unexpected end of input at line 1, column 21/,
    ],
    ['"hooks" is an array', '{"hooks": []}\n', 'INVALID_SHAPE', /"hooks" is an array, expected an object/],
    [
      'an event that is not an array',
      '{"hooks": {"Stop": {"hooks": []}}}\n',
      'INVALID_SHAPE',
      /"hooks.Stop" is an object, expected an array/,
    ],
    ['top level is not an object', '[1, 2]\n', 'INVALID_SHAPE', /top-level value is an array/],
    ['duplicate "hooks" keys', '{"hooks": {}, "hooks": {}}\n', 'INVALID_SHAPE', /appears 2 times/],
  ])('leaves a settings file with %s untouched and names the file', async (_name, text, code, message) => {
    const b = box();
    write(b.targets.files.claude, text);
    const attempt = installHooks({
      cli: 'claude',
      density: 'medium',
      targets: b.targets,
      hookCommand: HOOK_CMD,
    });
    await expect(attempt).rejects.toBeInstanceOf(InstallError);
    const err = (await attempt.catch((e: unknown) => e)) as InstallError;
    expect(err.code).toBe(code);
    expect(err.file).toBe(b.targets.files.claude);
    expect(err.message).toContain(b.targets.files.claude);
    expect(err.message).toMatch(message);
    expect(read(b.targets.files.claude)).toBe(text);
    expect(fs.existsSync(b.targets.dataDir)).toBe(false);
    await expect(uninstallHooks({ cli: 'claude', targets: b.targets })).rejects.toMatchObject({ code });
    const s = await hooksStatus({ cli: 'claude', targets: b.targets });
    expect(s.error).toMatch(message);
    expect(s.installed).toBe(false);
    expect(read(b.targets.files.claude)).toBe(text);
  });

  it('rejects a hook command without our marker (we could not recognise our own entries)', async () => {
    const b = box();
    await expect(
      installHooks({ cli: 'claude', density: 'low', targets: b.targets, hookCommand: 'sh /opt/other.sh' }),
    ).rejects.toMatchObject({ code: 'USAGE' });
    expect(fs.existsSync(b.targets.files.claude)).toBe(false);
  });

  it('treats an empty (0-byte) settings file as empty settings', async () => {
    const b = box();
    write(b.targets.files.claude, '');
    const r = await installHooks({
      cli: 'claude',
      density: 'low',
      targets: b.targets,
      hookCommand: HOOK_CMD,
    });
    expect(r.changed).toBe(true);
    expect(ourEvents(read(b.targets.files.claude))).toHaveLength(5);
  });
});

describe('formatting of the file is kept', () => {
  it.each([
    [
      '4-space indentation',
      '{\n    "model": "x",\n    "hooks": {\n        "Stop": []\n    }\n}\n',
      '\n        "SessionStart": [\n            {\n',
    ],
    ['tab indentation', '{\n\t"model": "x"\n}\n', '\n\t"hooks": {\n\t\t"SessionStart": [\n\t\t\t{\n'],
    ['CRLF line ends', '{\r\n  "model": "x"\r\n}\r\n', '\r\n  "hooks": {\r\n    "SessionStart": [\r\n'],
    ['no trailing newline', '{\n  "model": "x"\n}', '\n  "hooks": {\n'],
    [
      'a minified file',
      '{"model":"x","hooks":{"Stop":[{"hooks":[{"type":"command","command":"x"}]}]}}',
      ',"SessionStart":[{"hooks":',
    ],
  ])('%s', async (name, original, expectedFragment) => {
    const b = box();
    write(b.targets.files.claude, original);
    await installHooks({ cli: 'claude', density: 'low', targets: b.targets, hookCommand: HOOK_CMD });
    const after = read(b.targets.files.claude);
    expect(after).toContain(expectedFragment);
    if (name === 'CRLF line ends') expect(after.replace(/\r\n/g, '')).not.toContain('\n');
    if (name === 'no trailing newline') expect(after.endsWith('}')).toBe(true);
    if (name === 'a minified file') expect(after).not.toContain('\n');
    expect(ourEvents(after.replace(/\r/g, ''))).toHaveLength(5);
    await uninstallHooks({ cli: 'claude', targets: b.targets });
    expect(read(b.targets.files.claude)).toBe(original);
  });
});

describe('drift detection and repair', () => {
  it('reports our entries altered or removed by someone else, and install repairs them', async () => {
    const b = box();
    const original = fixture('claude-settings-busy.json.txt');
    write(b.targets.files.claude, original);
    await installHooks({ cli: 'claude', density: 'medium', targets: b.targets, hookCommand: HOOK_CMD });
    const clean = await hooksStatus({ cli: 'claude', targets: b.targets });
    expect(clean).toMatchObject({ installed: true, missing: [], drift: [], recordedDensity: 'medium' });
    expect(clean.events.sort()).toEqual([...eventsFor('claude', 'medium')].sort());
    // Foreign handlers: PreToolUse 2+1, PostToolUse 1, Stop 1, Notification 1, WorktreeCreate 1.
    expect(clean.other).toBe(7);

    // Someone edits the file by hand:
    const v = parse(read(b.targets.files.claude));
    const hooks = v.hooks as Record<string, Json[]>;
    const pre = hooks.PreToolUse!.find(isOurs)!;
    ((pre.hooks as Json[])[0] as Json).command = 'sh /elsewhere/flightdeck-hook.sh claude';
    const stop = hooks.Stop!.find(isOurs)!;
    ((stop.hooks as Json[])[0] as Json).async = true;
    hooks.SessionEnd = hooks.SessionEnd!.filter((g) => !isOurs(g));
    const post = hooks.PostToolUse!.find(isOurs)!;
    hooks.PostToolUse = hooks.PostToolUse!.filter((g) => g !== post);
    ((hooks.PostToolUse[0] as Json).hooks as Json[]).push((post.hooks as Json[])[0] as Json);
    hooks.Notification!.push(buildHookGroup('claude', 'Notification', HOOK_CMD));
    hooks.Setup = [buildHookGroup('claude', 'Setup', HOOK_CMD)];
    write(b.targets.files.claude, `${JSON.stringify(v, null, 2)}\n`);

    const s = await hooksStatus({ cli: 'claude', targets: b.targets });
    const drift = s.drift.map((d) => `${d.event}:${d.kind}`).sort();
    expect(drift).toEqual([
      'Notification:duplicate',
      'PostToolUse:misplaced',
      'PreToolUse:altered',
      'SessionEnd:removed',
      'Setup:unexpected',
      'Stop:altered',
    ]);
    expect(s.drift.find((d) => d.event === 'PreToolUse')?.detail).toContain('command');
    expect(s.drift.find((d) => d.event === 'Stop')?.detail).toContain('"async" set to true');
    expect(s.missing).toEqual(['SessionEnd']);

    const fix = await installHooks({
      cli: 'claude',
      density: 'medium',
      targets: b.targets,
      hookCommand: HOOK_CMD,
    });
    expect(fix.changed).toBe(true);
    expect(fix.warnings.join('\n')).toContain(
      'PostToolUse: removed a Flightdeck handler from a hook group shared with other hooks',
    );
    const after = await hooksStatus({ cli: 'claude', targets: b.targets });
    expect(after).toMatchObject({ installed: true, missing: [], drift: [], other: 7 });
    // (JSON round trip: the hand edit above re-serialised the file, turning -0 into 0.)
    expect(withoutOurs(read(b.targets.files.claude), [...Object.keys(hooksOf(original)), 'Setup'])).toEqual(
      parse(JSON.stringify({ ...parse(original), hooks: { ...hooksOf(original), Setup: [] } })),
    );
  });

  it('status without a manifest still finds ours and flags an async flag', async () => {
    const b = box();
    const group = buildHookGroup('claude', 'Stop', HOOK_CMD) as { hooks: Json[] };
    (group.hooks[0] as Json).async = true;
    write(b.targets.files.claude, JSON.stringify({ hooks: { Stop: [group] } }));
    const s = await hooksStatus({ cli: 'claude', targets: b.targets, density: 'low' });
    expect(s).toMatchObject({ installed: true, events: ['Stop'], recordedDensity: null, other: 0 });
    expect(s.missing).toEqual(['SessionStart', 'UserPromptSubmit', 'PermissionRequest', 'SessionEnd']);
    expect(s.drift).toEqual([
      { event: 'Stop', kind: 'altered', detail: '"async" set: events may arrive out of order' },
    ]);
  });

  it('status of a missing file: not installed, everything missing, no error', async () => {
    const b = box();
    const s = await hooksStatus({ cli: 'codex', targets: b.targets });
    expect(s).toMatchObject({ exists: false, installed: false, drift: [], other: 0, density: 'medium' });
    expect(s.missing).toEqual([...eventsFor('codex', 'medium')]);
    expect(s.error).toBeUndefined();
  });
});

describe('uninstallHooks', () => {
  it('without a manifest removes only our handlers (also from shared groups) and keys that held only ours', async () => {
    const b = box();
    const foreign = { type: 'command', command: 'other-tool' };
    const settings = {
      model: 'x',
      hooks: {
        Stop: [{ hooks: [foreign, { type: 'command', command: ourCommand('claude') }] }],
        SessionStart: [buildHookGroup('claude', 'SessionStart', HOOK_CMD)],
        PreToolUse: [{ matcher: 'Bash', hooks: [foreign] }, buildHookGroup('claude', 'PreToolUse', HOOK_CMD)],
      },
    };
    write(b.targets.files.claude, `${JSON.stringify(settings, null, 2)}\n`);
    const r = await uninstallHooks({ cli: 'claude', targets: b.targets });
    expect(r.changed).toBe(true);
    expect(parse(read(b.targets.files.claude))).toEqual({
      model: 'x',
      hooks: { Stop: [{ hooks: [foreign] }], PreToolUse: [{ matcher: 'Bash', hooks: [foreign] }] },
    });
    // A first change to this file: the original was backed up.
    expect(read(r.backup!)).toBe(`${JSON.stringify(settings, null, 2)}\n`);
    const again = await uninstallHooks({ cli: 'claude', targets: b.targets });
    expect(again.changed).toBe(false);
  });

  it('removes the "hooks" key it created when it becomes empty', async () => {
    const b = box();
    const original = '{\n  "model": "x"\n}\n';
    write(b.targets.files.claude, original);
    await installHooks({ cli: 'claude', density: 'high', targets: b.targets, hookCommand: HOOK_CMD });
    await uninstallHooks({ cli: 'claude', targets: b.targets });
    expect(read(b.targets.files.claude)).toBe(original);
  });

  it('keeps an empty "hooks": {} the user had before', async () => {
    const b = box();
    const original = '{\n  "hooks": {}\n}\n';
    write(b.targets.files.claude, original);
    await installHooks({ cli: 'claude', density: 'low', targets: b.targets, hookCommand: HOOK_CMD });
    expect(ourEvents(read(b.targets.files.claude))).toHaveLength(5);
    await uninstallHooks({ cli: 'claude', targets: b.targets });
    expect(read(b.targets.files.claude)).toBe(original);
  });
});

describe('targets and the other CLIs', () => {
  it('resolveInstallTargets honours HOME, CLAUDE_CONFIG_DIR, CODEX_HOME, GEMINI_CLI_HOME, FLIGHTDECK_DATA_DIR', () => {
    const t0 = resolveInstallTargets({ env: {}, homedir: '/h' });
    expect(t0.files).toEqual({
      claude: '/h/.claude/settings.json',
      codex: '/h/.codex/hooks.json',
      gemini: '/h/.gemini/settings.json',
    });
    expect(t0.dataDir).toBe('/h/.flightdeck');
    const t1 = resolveInstallTargets({
      env: {
        HOME: '/u',
        CLAUDE_CONFIG_DIR: '/c',
        CODEX_HOME: '/x',
        GEMINI_CLI_HOME: '/g',
        FLIGHTDECK_DATA_DIR: '/d',
      },
      homedir: '/h',
    });
    expect(t1.files).toEqual({
      claude: '/c/settings.json',
      codex: '/x/hooks.json',
      gemini: '/g/.gemini/settings.json',
    });
    expect([t1.dataDir, t1.spoolDir, t1.backupsDir, t1.hooksDir]).toEqual([
      '/d',
      '/d/spool',
      '/d/backups',
      '/d/hooks',
    ]);
    const t2 = resolveInstallTargets({
      env: { HOME: '/u', CLAUDE_CONFIG_DIR: '' },
      homedir: '/h',
      dataDir: 'rel',
      cwd: '/w',
    });
    expect(t2.files.claude).toBe('/u/.claude/settings.json');
    expect(t2.dataDir).toBe('/w/rel');
  });

  it('installs into $CLAUDE_CONFIG_DIR/settings.json, not ~/.claude', async () => {
    const b0 = box();
    const b = box({ CLAUDE_CONFIG_DIR: path.join(b0.root, 'claude-cfg') });
    const r = await installHooks({
      cli: 'claude',
      density: 'low',
      targets: b.targets,
      hookCommand: HOOK_CMD,
    });
    expect(r.file).toBe(path.join(b0.root, 'claude-cfg', 'settings.json'));
    expect(fs.existsSync(r.file)).toBe(true);
    expect(fs.existsSync(path.join(b.home, '.claude'))).toBe(false);
  });

  it('Codex: $CODEX_HOME/hooks.json, same shape as Claude, no matcher, seconds, trust warning', async () => {
    const b0 = box();
    const b = box({ CODEX_HOME: path.join(b0.root, 'codex') });
    const r = await installHooks({
      cli: 'codex',
      density: 'medium',
      targets: b.targets,
      hookCommand: HOOK_CMD,
    });
    expect(r.file).toBe(path.join(b0.root, 'codex', 'hooks.json'));
    const hooks = hooksOf(read(r.file));
    expect(Object.keys(hooks)).toEqual([...eventsFor('codex', 'medium')]);
    expect(hooks.PreToolUse).toEqual([
      { hooks: [{ type: 'command', command: ourCommand('codex'), timeout: 10 }] },
    ]);
    expect(r.warnings.join('\n')).toContain('/hooks');
    const again = await installHooks({
      cli: 'codex',
      density: 'medium',
      targets: b.targets,
      hookCommand: HOOK_CMD,
    });
    expect(again.warnings).toEqual([]);
  });

  it('Gemini: $GEMINI_CLI_HOME/.gemini/settings.json, comments and tabs kept, timeout in milliseconds', async () => {
    const b0 = box();
    const b = box({ GEMINI_CLI_HOME: path.join(b0.root, 'gem') });
    const original = fixture('gemini-settings.jsonc.txt');
    write(b.targets.files.gemini, original);
    expect(b.targets.files.gemini).toBe(path.join(b0.root, 'gem', '.gemini', 'settings.json'));
    const r = await installHooks({
      cli: 'gemini',
      density: 'high',
      targets: b.targets,
      hookCommand: HOOK_CMD,
    });
    expect(r.changed).toBe(true);
    const after = read(b.targets.files.gemini);
    expect(after).toContain('// Gemini CLI accepts comments in settings.json');
    expect(after).toContain('/* hooks from another tool */');
    expect(after).toContain('\n\t\t"SessionStart": [\n\t\t\t{\n\t\t\t\t"hooks": [\n');
    expect(after).toContain(
      `\t\t\t{\n\t\t\t\t"matcher": "*",\n\t\t\t\t"hooks": [\n\t\t\t\t\t{\n\t\t\t\t\t\t"name": "flightdeck",\n\t\t\t\t\t\t"type": "command",\n\t\t\t\t\t\t"command": ${JSON.stringify(ourCommand('gemini'))},\n\t\t\t\t\t\t"timeout": 10000\n`,
    );
    const s = await hooksStatus({ cli: 'gemini', targets: b.targets });
    expect(s).toMatchObject({ installed: true, missing: [], drift: [], other: 1 });
    expect(s.events.sort()).toEqual([...eventsFor('gemini', 'high')].sort());
    await uninstallHooks({ cli: 'gemini', targets: b.targets });
    expect(read(b.targets.files.gemini)).toBe(original);
  });

  it('warns when the CLI has hooks switched off', async () => {
    const b = box();
    write(b.targets.files.claude, '{"disableAllHooks": true}');
    write(b.targets.files.gemini, '{"hooksConfig": {"enabled": false, "disabled": ["flightdeck"]}}');
    const c = await installHooks({
      cli: 'claude',
      density: 'low',
      targets: b.targets,
      hookCommand: HOOK_CMD,
    });
    expect(c.warnings.join('\n')).toContain('disableAllHooks');
    const g = await installHooks({
      cli: 'gemini',
      density: 'low',
      targets: b.targets,
      hookCommand: HOOK_CMD,
    });
    expect(g.warnings.join('\n')).toContain('hooksConfig.enabled');
    expect(g.warnings.join('\n')).toContain('hooksConfig.disabled');
  });
});

describe('version-gated Claude events', () => {
  it.each([
    [
      '2.0.50',
      'high',
      [
        'PreToolUse',
        'PostToolUse',
        'Notification',
        'Stop',
        'SubagentStop',
        'PreCompact',
        'UserPromptSubmit',
        'SessionStart',
        'SessionEnd',
        'SubagentStart',
        'PermissionRequest',
      ],
    ],
    [
      '2.1.100',
      'medium',
      DENSITY_EVENTS.claude.medium.filter((e) => e !== 'PostToolUseFailure' && e !== 'PostToolBatch'),
    ],
    ['2.1.122', 'high', DENSITY_EVENTS.claude.high],
    ['2.1.328', 'high', DENSITY_EVENTS.claude.high],
  ] as const)('Claude Code %s, density %s', async (version, density, expected) => {
    const b = box();
    const r = await installHooks({
      cli: 'claude',
      density,
      targets: b.targets,
      hookCommand: HOOK_CMD,
      cliVersion: version,
    });
    expect(ourEvents(read(r.file))).toEqual([...expected].sort());
    expect(r.events.sort()).toEqual([...expected].sort());
    const s = await hooksStatus({ cli: 'claude', targets: b.targets });
    expect(s).toMatchObject({ missing: [], drift: [] });
  });

  it('the version gate never applies to Codex or Gemini', async () => {
    const b = box();
    const r = await installHooks({
      cli: 'codex',
      density: 'high',
      targets: b.targets,
      hookCommand: HOOK_CMD,
      cliVersion: '0.1.0',
    });
    expect(r.events).toEqual([...DENSITY_EVENTS.codex.high]);
  });
});

describe('randomised round trips', () => {
  /** Small deterministic PRNG (mulberry32) so failures are reproducible by seed. */
  function rng(seed: number) {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  it('40 random settings files: install / switch density / uninstall touch nothing else and round-trip', async () => {
    const events = [...DENSITY_EVENTS.claude.high, 'WorktreeCreate', 'Setup'];
    const densities = ['low', 'medium', 'high'] as const;
    for (let seed = 1; seed <= 40; seed++) {
      const r = rng(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
      const foreignHandler = () =>
        pick([
          {
            type: 'command',
            command: `tool-${Math.floor(r() * 1000)} --flag`,
            timeout: Math.floor(r() * 60),
          },
          { type: 'http', url: `http://127.0.0.1:${1000 + Math.floor(r() * 9000)}/h` },
          { type: 'mcp_tool', server: 'm', tool: 't', input: { x: [1, { y: 'é' }] } },
          { type: 'command', command: 'x', async: true },
        ]);
      const hooks: Record<string, unknown[]> = {};
      const n = Math.floor(r() * 6);
      for (let i = 0; i < n; i++) {
        const groups: unknown[] = [];
        const g = Math.floor(r() * 3);
        for (let j = 0; j < g; j++) {
          const group: Json = { hooks: Array.from({ length: 1 + Math.floor(r() * 2) }, foreignHandler) };
          if (r() < 0.5) group.matcher = pick(['Bash', 'Edit|Write', 'mcp__.*', '*', '']);
          groups.push(group);
        }
        hooks[pick(events)] = groups;
      }
      const settings: Json = { model: pick(['a', 'b']), list: [1, 2.5, 'x'], nested: { deep: { v: null } } };
      if (r() < 0.8) settings.hooks = hooks;
      if (r() < 0.5) settings.after = { z: true };
      const indent = pick([2, 4, '\t']);
      let text = JSON.stringify(settings, null, indent);
      if (r() < 0.3) text = text.replace(/\n/g, '\r\n');
      if (r() < 0.7) text += text.includes('\r\n') ? '\r\n' : '\n';

      const b = box();
      write(b.targets.files.claude, text);
      const d1 = pick(densities);
      const d2 = pick(densities);
      const base = { cli: 'claude' as const, targets: b.targets, hookCommand: HOOK_CMD };
      await installHooks({ ...base, density: d1 });
      const after1 = read(b.targets.files.claude).replace(/\r/g, '');
      expect(ourEvents(after1), `seed ${seed}`).toEqual([...eventsFor('claude', d1)].sort());
      expect(withoutOurs(after1, settings.hooks ? Object.keys(hooks) : []), `seed ${seed}`).toEqual(
        settings.hooks ? settings : { ...settings, hooks: {} },
      );
      await installHooks({ ...base, density: d2 });
      const after2 = read(b.targets.files.claude).replace(/\r/g, '');
      expect(ourEvents(after2), `seed ${seed}`).toEqual([...eventsFor('claude', d2)].sort());
      const again = await installHooks({ ...base, density: d2 });
      expect(again.changed, `seed ${seed}`).toBe(false);
      await uninstallHooks({ cli: 'claude', targets: b.targets });
      expect(read(b.targets.files.claude), `seed ${seed}`).toBe(text);
      b.cleanup();
    }
  }, 60_000);
});
