/**
 * Installer bytes: a settings file with bytes that are not UTF-8 comes back byte-identical after install and
 * uninstall, and control characters from a user's file are never written raw to the terminal.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  decodeLossless,
  encodeLossless,
  escapeControls,
  type HooksCommandIo,
  installHooks,
  runHooksCommand,
  uninstallHooks,
} from '../src/install/index.js';
import { HOOK_CMD, type Sandbox, useSandboxes } from './fixtures-install/helpers.js';

const box = useSandboxes();

/** Raw terminal control characters: C0 except \n and \t, DEL, C1 (as UTF-8 text). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

function run(b: Sandbox, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: HooksCommandIo = {
    env: { ...b.env, PATH: process.env.PATH ?? '/usr/bin:/bin' },
    // What reaches the terminal: bytes, read back as UTF-8 the way a terminal would.
    stdout: { write: (s: string) => (out += Buffer.from(s, 'utf8').toString('latin1')) },
    stderr: { write: (s: string) => (err += Buffer.from(s, 'utf8').toString('latin1')) },
    cwd: b.root,
    homedir: '/nonexistent-home',
    detectVersion: async () => null,
  };
  return runHooksCommand(argv, io).then((code) => ({ code, out, err }));
}

describe('lossless decoding', () => {
  it('round-trips every byte string, and valid UTF-8 decodes as text', () => {
    const samples = [
      Buffer.from('plain ascii'),
      Buffer.from('caf\u00e9 \u{1F680} \u{10080}', 'utf8'),
      Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x22]), // Latin-1 é
      Buffer.from([0xc3]), // truncated sequence at the end
      Buffer.from([0xe2, 0x82, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80, 0xf0, 0x9f, 0x9a]), // invalid, surrogate, truncated
      Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), // BOM kept
      Buffer.from([0xf0, 0x90, 0x82, 0x80, 0xe9]), // U+10080 (low half in the escape range) then a stray byte
    ];
    for (const b of samples) expect(encodeLossless(decodeLossless(b)).equals(b)).toBe(true);
    expect(decodeLossless(Buffer.from('caf\u00e9', 'utf8'))).toBe('caf\u00e9');
    for (let i = 0; i < 300; i++) {
      const b = Buffer.from(Array.from({ length: 1 + (i % 40) }, (_, k) => (i * 31 + k * 97) % 256));
      expect(encodeLossless(decodeLossless(b)).equals(b)).toBe(true);
    }
  });

  it('escapes control characters and stray bytes visibly, and nothing else', () => {
    expect(escapeControls('a\u001b[2Jb\u0007\r\u009b\u007f\n\t')).toBe(
      'a\\x1b[2Jb\\x07\\x0d\\u009b\\u007f\n\t',
    );
    expect(escapeControls(decodeLossless(Buffer.from([0x61, 0xe9])))).toBe('a\\xe9');
    expect(escapeControls('caf\u00e9 \u{10080}')).toBe('caf\u00e9 \u{10080}');
  });
});

describe('settings files that are not UTF-8', () => {
  it('come back byte-identical after install and uninstall (Latin-1 and invalid sequences in other keys)', async () => {
    const b = box();
    const file = b.targets.files.claude;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const original = Buffer.concat([
      Buffer.from('{\n  "greeting": "caf'),
      Buffer.from([0xe9]), // Latin-1 é
      Buffer.from('",\n  "broken": "'),
      Buffer.from([0xc3, 0x28, 0xff, 0xed, 0xa0, 0x80, 0xe2, 0x82]), // invalid UTF-8
      Buffer.from('",\n  "fine": "\u00fcber \u{1F680}",\n  "model": "opus"\n}\n', 'utf8'),
    ]);
    fs.writeFileSync(file, original);

    const installed = await installHooks({
      cli: 'claude',
      density: 'low',
      targets: b.targets,
      hookCommand: HOOK_CMD,
    });
    expect(installed.changed).toBe(true);
    const after = fs.readFileSync(file);
    // The edit is the hooks key only: everything before it is the original bytes.
    const cut = original.lastIndexOf('\n}');
    expect(after.subarray(0, cut).equals(original.subarray(0, cut))).toBe(true);
    expect(after.toString('latin1')).toContain('"hooks"');
    // The backup is the original, byte for byte.
    expect(installed.backup && fs.readFileSync(installed.backup).equals(original)).toBe(true);

    await uninstallHooks({ cli: 'claude', targets: b.targets });
    expect(fs.readFileSync(file).equals(original)).toBe(true);
  });

  it('the same through the CLI, whose diff shows stray bytes escaped', async () => {
    const b = box();
    const file = b.targets.files.claude;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const original = Buffer.concat([Buffer.from('{"name": "Ren'), Buffer.from([0xe9]), Buffer.from('e"}\n')]);
    fs.writeFileSync(file, original);
    const dry = await run(b, ['install', '--cli', 'claude', '--dry-run']);
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toContain('-{"name": "Ren\\xe9e"}');
    expect(fs.readFileSync(file).equals(original)).toBe(true);
    expect((await run(b, ['install', '--cli', 'claude'])).code).toBe(0);
    expect((await run(b, ['uninstall', '--cli', 'claude'])).code).toBe(0);
    expect(fs.readFileSync(file).equals(original)).toBe(true);
  });
});

describe('control characters from a settings file never reach the terminal raw', () => {
  it('a raw ESC in a string: the invalid-JSON error names the place without printing the ESC', async () => {
    const b = box();
    const file = b.targets.files.claude;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{"title": "\u001b[2J\u001b]0;pwned\u0007", "x": 1}\n');
    const r = await run(b, ['install', '--cli', 'claude']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/not valid JSON: control character in string/);
    expect(r.err).not.toMatch(RAW_CONTROL);
  });

  it('an ESC where a value belongs is quoted escaped in the error', async () => {
    const b = box();
    const file = b.targets.files.claude;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{"a": \u001b[2J}\n');
    const r = await run(b, ['install', '--cli', 'claude', '--json']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('unexpected character "\\x1b"');
    expect(r.err + r.out).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(r.out)[0].error).toContain('\\x1b');
  });

  it('ESC in a JSONC comment, C1 and DEL in strings: the printed diff escapes them', async () => {
    const b = box();
    const file = b.targets.files.gemini;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const text =
      '{\n  // \u001b[2J\u001b]0;title\u0007 clear screen\n  "theme": "csi\u009b31m del\u007f",\n  "ui": {}\n}\n';
    fs.writeFileSync(file, text);
    const dry = await run(b, ['install', '--cli', 'gemini', '--dry-run']);
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toContain('// \\x1b[2J\\x1b]0;title\\x07 clear screen');
    expect(dry.out).toContain('"theme": "csi\\u009b31m del\\u007f"');
    expect(dry.out).not.toMatch(RAW_CONTROL);
    const json = await run(b, ['install', '--cli', 'gemini', '--dry-run', '--json']);
    expect(json.out).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(Buffer.from(json.out, 'latin1').toString('utf8'))[0].diff).toContain('\u009b');
    // Installing and removing keeps the file as it was.
    expect((await run(b, ['install', '--cli', 'gemini'])).code).toBe(0);
    expect((await run(b, ['uninstall', '--cli', 'gemini'])).code).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
  });
});
