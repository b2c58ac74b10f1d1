/**
 * Where installed hooks deliver: read from the registered command (FLIGHTDECK_SPOOL=…) or from the installed
 * script's FD_SPOOL_DEFAULT line, reported by `hooksStatus` and by `flightdeck hooks status`, which warns with the
 * exact fix when it is not this data dir's spool.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  HOOK_SCRIPT_PATH,
  type HooksCommandIo,
  hookDelivery,
  hooksStatus,
  installHookScript,
  installHooks,
  parseHookCommand,
  resolveInstallTargets,
  runHooksCommand,
} from '../src/index.js';
import { type Sandbox, useSandboxes } from './fixtures-install/helpers.js';

const box = useSandboxes();

async function run(b: Sandbox, argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const io: HooksCommandIo = {
    env: { ...b.env, PATH: process.env.PATH ?? '/usr/bin:/bin' },
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (out += s) },
    cwd: b.root,
    homedir: '/nonexistent-home',
    detectVersion: async () => null,
    selfTestTimeoutMs: 1500,
  };
  const code = await runHooksCommand(argv, io);
  return { code, out };
}

describe('parseHookCommand / hookDelivery', () => {
  it('reads assignments and the script of the forms we and users write', () => {
    expect(parseHookCommand("sh '/opt/flight deck/hooks/flightdeck-hook.sh' claude")).toEqual({
      env: {},
      script: '/opt/flight deck/hooks/flightdeck-hook.sh',
    });
    expect(
      parseHookCommand(
        "FLIGHTDECK_SPOOL='/srv/fd spool' FLIGHTDECK_HOOK_TOKEN=abc sh /x/flightdeck-hook.sh codex",
      ),
    ).toEqual({
      env: { FLIGHTDECK_SPOOL: '/srv/fd spool', FLIGHTDECK_HOOK_TOKEN: 'abc' },
      script: '/x/flightdeck-hook.sh',
    });
    expect(parseHookCommand('/usr/bin/env node hook.js').script).toBeNull();
  });

  it('FLIGHTDECK_SPOOL in the command wins; else the script default; HOME there is the agent home', async () => {
    expect(
      await hookDelivery('FLIGHTDECK_SPOOL=~/elsewhere sh /nope/flightdeck-hook.sh claude', '/home/u'),
    ).toMatchObject({
      spoolDir: '/home/u/elsewhere',
      source: 'command',
    });
    // The shipped script, unrendered: FD_SPOOL_DEFAULT="${HOME}/.flightdeck/spool".
    expect(await hookDelivery(`sh ${HOOK_SCRIPT_PATH} claude`, '/home/u')).toMatchObject({
      spoolDir: '/home/u/.flightdeck/spool',
      source: 'script',
    });
    expect(await hookDelivery('sh /nonexistent/flightdeck-hook.sh claude', '/home/u')).toMatchObject({
      spoolDir: null,
      problem: expect.stringMatching(/cannot read the hook script/),
    });
  });
});

describe('hooks installed for one data dir, checked from another', () => {
  it('hooksStatus says where they deliver and that it is not here', async () => {
    const b = box();
    const a = b.targets; // default data dir: $HOME/.flightdeck
    const script = await installHookScript({ targets: a });
    await installHooks({ cli: 'claude', density: 'low', targets: a, hookCommand: script.hookCommand });
    const here = await hooksStatus({ cli: 'claude', targets: a });
    expect(here).toMatchObject({ installed: true, deliversTo: [a.spoolDir], deliversHere: true });

    const other = resolveInstallTargets({
      env: b.env,
      homedir: '/nonexistent-home',
      dataDir: path.join(b.root, 'x'),
    });
    const there = await hooksStatus({ cli: 'claude', targets: other });
    expect(there).toMatchObject({
      installed: true,
      deliversTo: [a.spoolDir],
      deliversHere: false,
      spoolDir: other.spoolDir,
    });
  });

  it('`hooks status --data-dir X` warns in plain words with the fix and exits unhealthy; install fixes it', async () => {
    const b = box();
    fs.mkdirSync(path.join(b.home, '.claude'), { recursive: true });
    expect((await run(b, ['install', '--cli', 'claude'])).code).toBe(0);
    const X = path.join(b.root, 'x data');
    const st = await run(b, ['status', '--cli', 'claude', '--data-dir', X]);
    expect(st.code).toBe(3);
    expect(st.out).toContain(
      `WARNING: claude hooks deliver events to ${b.targets.spoolDir}, not to ${path.join(X, 'spool')}`,
    );
    expect(st.out).toContain(`Fix: flightdeck hooks install --cli claude --data-dir '${X}'`);
    expect(st.out).toContain(`flightdeck start --data-dir ${b.targets.dataDir}`);
    const json = JSON.parse((await run(b, ['status', '--cli', 'claude', '--data-dir', X, '--json'])).out);
    expect(json[0]).toMatchObject({ deliversHere: false, deliversTo: [b.targets.spoolDir] });

    // An event fired through the installed hook waits in the other spool: status says so and what picks it up.
    const cmd = (await hooksStatus({ cli: 'claude', targets: b.targets })).deliversTo;
    expect(cmd).toEqual([b.targets.spoolDir]);
    fs.mkdirSync(b.targets.spoolDir, { recursive: true });
    fs.writeFileSync(path.join(b.targets.spoolDir, '00000000-000000000001-1.rec'), 'FD1\0');
    expect((await run(b, ['status', '--cli', 'claude', '--data-dir', X])).out).toContain(
      `note: 1 event waits in ${b.targets.spoolDir}; a server started with --data-dir '${X}' picks them up`,
    );

    // The self-test sends through the hook as installed: it does not reach X's spool.
    const selfTest = await run(b, ['status', '--cli', 'claude', '--data-dir', X, '--self-test']);
    expect(selfTest.code).toBe(1);
    expect(selfTest.out).toMatch(/claude: self-test FAILED: event did not arrive/);

    expect((await run(b, ['install', '--cli', 'claude', '--data-dir', X, '--self-test'])).out).toMatch(
      /claude: self-test ok/,
    );
    const fixed = await run(b, ['status', '--cli', 'claude', '--data-dir', X]);
    expect(fixed.out).not.toContain('WARNING');
    expect(fixed.code).toBe(0);
  });
});
