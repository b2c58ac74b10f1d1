/**
 * Data at rest: whatever the umask and whichever command runs first (`hooks install`, `password set`, `setup`,
 * `start`, a hook event through the installed script), the data directory and every directory in it is 0700 and
 * every file 0600 (the installed hook script 0700). The real CLI, as child processes, under `umask 022` and
 * `umask 000`; and the server's repair of a data directory left open by something else.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HOOK_TOKEN_FILE } from '../src/hook-token.js';
import { runCliProcess, startCliServer } from './cli-process.js';
import { postHook, sessionStart, startTestServer, tmpDir } from './helpers.js';

const tmp = tmpDir('fd-modes-');
afterAll(() => tmp.remove());

const PASSWORD = 'modes password';
const INSTALLED_SCRIPT = join('hooks', 'flightdeck-hook.sh');

/** Every path under `dir` (itself included) with its permission bits; symlinks are listed, not followed. */
function modes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (path: string) => {
    const st = lstatSync(path);
    const name = relative(dir, path) || '.';
    const kind = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
    out[name] = `${kind} ${(st.mode & 0o777).toString(8).padStart(4, '0')}`;
    if (st.isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry));
  };
  visit(dir);
  return out;
}

/** Directories 0700, files 0600 (the installed hook script 0700); `ignore`d paths are left out. */
function expectPrivate(dataDir: string, mustHave: string[], ignore: string[] = []): void {
  const found = modes(dataDir);
  for (const name of mustHave) expect(Object.keys(found), `${name} missing`).toContain(name);
  for (const [name, mode] of Object.entries(found)) {
    if (ignore.includes(name)) continue;
    const expected = mode.startsWith('dir')
      ? 'dir 0700'
      : name === INSTALLED_SCRIPT
        ? 'file 0700'
        : 'file 0600';
    expect(`${name}: ${mode}`).toBe(`${name}: ${expected}`);
  }
}

type Step = 'hooks install' | 'password set' | 'setup' | 'start' | 'hook event';

async function run(step: Step, dataDir: string, home: string, umask: number): Promise<void> {
  const env = { HOME: home, FLIGHTDECK_SPOOL: '' };
  const cli = async (args: string[], input?: string) => {
    const r = await runCliProcess([...args, '--data-dir', dataDir], {
      umask,
      env,
      ...(input !== undefined ? { input } : {}),
    });
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  };
  switch (step) {
    case 'hooks install':
      return cli(['hooks', 'install', '--cli', 'claude']);
    case 'password set':
      return cli(['password', 'set', '--password-stdin'], `${PASSWORD}\n`);
    case 'setup':
      return cli(['setup', '--yes', '--clis', 'claude', '--password', PASSWORD]);
    case 'start': {
      const server = await startCliServer(dataDir, { umask, env });
      try {
        let token: string | null = null;
        try {
          token = readFileSync(join(dataDir, HOOK_TOKEN_FILE), 'utf8').trim();
        } catch {
          token = null;
        }
        const res = await postHook(
          server.url,
          sessionStart(`modes-${umask}`),
          token ? { authorization: `Bearer ${token}` } : {},
        );
        expect(res.status).toBe(202);
      } finally {
        await server.stop();
      }
      return;
    }
    case 'hook event': {
      // The agent runs the installed script under its own umask; the record it leaves is the owner's alone.
      const mask = umask.toString(8).padStart(3, '0');
      const r = spawnSync(
        'sh',
        ['-c', `umask ${mask} && exec sh "$0" claude`, join(dataDir, INSTALLED_SCRIPT)],
        {
          input: JSON.stringify({ session_id: 'spooled', hook_event_name: 'SessionStart', cwd: '/tmp' }),
          env: { ...process.env, ...env },
        },
      );
      expect(r.status).toBe(0);
      return;
    }
  }
}

const ORDERS: Array<{ steps: Step[]; expect: string[] }> = [
  {
    steps: ['hooks install', 'hook event', 'password set', 'start'],
    expect: ['config.json', HOOK_TOKEN_FILE, 'flightdeck.db', INSTALLED_SCRIPT, 'spool', 'backups'],
  },
  {
    steps: ['password set', 'hooks install', 'start', 'hook event'],
    expect: ['config.json', HOOK_TOKEN_FILE, 'flightdeck.db', INSTALLED_SCRIPT, 'spool', 'backups'],
  },
  {
    steps: ['start', 'hooks install', 'password set', 'hook event'],
    expect: ['config.json', HOOK_TOKEN_FILE, 'flightdeck.db', INSTALLED_SCRIPT, 'spool', 'backups'],
  },
  { steps: ['setup', 'start'], expect: ['config.json', 'flightdeck.db', INSTALLED_SCRIPT, 'backups'] },
];

let runs = 0;
describe('file modes of the data directory, whichever command runs first', () => {
  for (const order of ORDERS) {
    it(`${order.steps.join(', then ')}; under umask 022 and 000`, async () => {
      await Promise.all(
        [0o022, 0o000].map(async (umask) => {
          const root = join(tmp.dir, `run-${runs++}`);
          const home = join(root, 'home');
          const dataDir = join(root, 'data');
          // A settings file of the user's, so the installer keeps a backup of it in the data directory.
          mkdirSync(join(home, '.claude'), { recursive: true });
          writeFileSync(join(home, '.claude', 'settings.json'), '{"model": "x"}\n');
          for (const step of order.steps) await run(step, dataDir, home, umask);
          if (order.steps.at(-1) === 'hook event') {
            expect(readdirSync(join(dataDir, 'spool')).some((f) => f.endsWith('.rec'))).toBe(true);
          }
          expectPrivate(dataDir, order.expect);
        }),
      );
    }, 120_000);
  }
});

describe('startServer narrows a data directory left open', () => {
  it('directories 0700, files 0600, executables 0700; symlinks not followed, foreign files left alone; the database and its WAL 0600', async () => {
    const dataDir = join(tmp.dir, 'loose');
    const outside = join(tmp.dir, 'outside.txt');
    mkdirSync(join(dataDir, 'spool', 'rejected'), { recursive: true });
    mkdirSync(join(dataDir, 'backups'), { recursive: true });
    mkdirSync(join(dataDir, 'hooks'), { recursive: true });
    writeFileSync(join(dataDir, 'config.json'), '{}\n');
    writeFileSync(join(dataDir, 'spool', 'rejected', 'a.rec'), 'x');
    writeFileSync(join(dataDir, 'backups', 'claude-settings.json'), '{}');
    writeFileSync(join(dataDir, INSTALLED_SCRIPT), '#!/bin/sh\n');
    writeFileSync(outside, 'not ours');
    // Something of the user's that happens to live in the directory they chose: not Flightdeck's to change.
    writeFileSync(join(dataDir, 'notes.txt'), 'mine');
    chmodSync(join(dataDir, 'notes.txt'), 0o644);
    symlinkSync(outside, join(dataDir, 'backups', 'link-to-outside'));
    for (const dir of [
      dataDir,
      join(dataDir, 'spool'),
      join(dataDir, 'spool', 'rejected'),
      join(dataDir, 'backups'),
    ])
      chmodSync(dir, 0o777);
    chmodSync(join(dataDir, 'hooks'), 0o755);
    for (const file of [
      'config.json',
      join('spool', 'rejected', 'a.rec'),
      join('backups', 'claude-settings.json'),
    ])
      chmodSync(join(dataDir, file), 0o666);
    chmodSync(join(dataDir, INSTALLED_SCRIPT), 0o755);
    chmodSync(outside, 0o644);

    const server = await startTestServer({ dataDir });
    try {
      expect((await postHook(server.url as string, sessionStart('loose-1'))).status).toBe(202);
      expect(modes(dataDir)[join('backups', 'link-to-outside')]).toBe('other 0777');
      expectPrivate(
        dataDir,
        ['flightdeck.db', 'flightdeck.db-wal'],
        [join('backups', 'link-to-outside'), 'notes.txt'],
      );
      expect(modes(dataDir)['notes.txt']).toBe('file 0644');
      // The symlink's target is not ours to change.
      expect(statSync(outside).mode & 0o777).toBe(0o644);
    } finally {
      await server.close();
    }
  });
});
