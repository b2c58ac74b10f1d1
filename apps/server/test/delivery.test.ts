/**
 * Hooks and server must not silently disagree on where events go. With the real CLI and a throwaway HOME:
 * `flightdeck hooks install --cli claude` (default data dir, ~/.flightdeck) then `flightdeck start --data-dir X`.
 * Events fired through the registered hook command (as Claude Code runs it) reach X's server, records stranded in
 * the other spool while no server ran are picked up, `hooks status --data-dir X` and `hooks.status` say the hooks
 * deliver elsewhere, and the one-step fix brings later events straight to X/spool.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Session } from '@flightdeck/shared-types';
import { afterAll, describe, expect, it } from 'vitest';
import type { DeliveryReport } from '../src/delivery.js';
import {
  fireHook,
  registeredHookCommand,
  runFlightdeck,
  startFlightdeck,
  stopChild,
  trpcMutation,
  trpcQuery,
  userEnv,
} from './cli-child.js';
import { tmpDir, waitFor } from './helpers.js';

const tmp = tmpDir('fd-delivery-');
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of children) await stopChild(c);
  tmp.remove();
});

const recs = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.rec')) : []);

function prompt(sessionId: string, text: string) {
  return {
    session_id: sessionId,
    cwd: '/home/dev/elsewhere',
    hook_event_name: 'UserPromptSubmit',
    prompt: text,
  };
}

describe('hooks installed for one data dir, server started with another', () => {
  it('nothing is lost, the mismatch is reported with its fix, and the fix brings events here', async () => {
    const home = join(tmp.dir, 'home');
    mkdirSync(home, { recursive: true });
    const env = userEnv(home);
    const X = join(tmp.dir, 'x-data');
    const defaultSpool = join(home, '.flightdeck', 'spool');
    const ownSpool = join(X, 'spool');

    const install = await runFlightdeck(['hooks', 'install', '--cli', 'claude'], env);
    expect(install.code, install.stderr).toBe(0);
    const command = registeredHookCommand(home);
    expect(command).toContain(join(home, '.flightdeck', 'hooks', 'flightdeck-hook.sh'));

    // An agent works while no server runs: its event waits in the default spool.
    expect(await fireHook(command, prompt('stranded-1', 'before any server'), env)).toBe(0);
    expect(recs(defaultSpool)).toHaveLength(1);

    // `hooks status` for X says plainly that these hooks deliver elsewhere, with the fix; unhealthy exit code.
    const status = await runFlightdeck(['hooks', 'status', '--cli', 'claude', '--data-dir', X], env);
    expect(status.code).toBe(3);
    expect(status.stdout).toContain(`claude hooks deliver events to ${defaultSpool}, not to ${ownSpool}`);
    expect(status.stdout).toContain(`Fix: flightdeck hooks install --cli claude --data-dir ${X}`);

    const { url } = await startFlightdeck(['--data-dir', X, '--port', '0'], env, children);
    const sessions = () => trpcQuery<Session[]>(url, 'sessions.list');

    // The stranded record is picked up, not lost.
    await waitFor(async () => (await sessions()).some((s) => s.sessionId === 'stranded-1'), 20_000, 100);
    await waitFor(() => recs(defaultSpool).length === 0, 10_000);

    // A live event through the registered command arrives too (the server reads that spool meanwhile).
    expect(await fireHook(command, prompt('live-1', 'while misdirected'), env)).toBe(0);
    await waitFor(async () => (await sessions()).some((s) => s.sessionId === 'live-1'), 20_000, 100);

    // The server reports the mismatch and the fix.
    const before = await trpcQuery<{ delivery: DeliveryReport }>(url, 'hooks.status');
    expect(before.delivery.ok).toBe(false);
    expect(before.delivery.misdirected).toEqual(['claude']);
    expect(before.delivery.problems.join('\n')).toContain(defaultSpool);
    expect(before.delivery.fix?.clis).toEqual(['claude']);
    const adopted = before.delivery.foreignSpools.find((f) => f.dir === defaultSpool);
    expect(adopted).toMatchObject({ adopted: true, hooks: ['claude'], delivered: 2 });
    const info = await trpcQuery<{ delivery: DeliveryReport }>(url, 'system.info');
    expect(info.delivery.misdirected).toEqual(['claude']);

    // The board's Fix: hooks.install for the CLIs concerned.
    const fixed = await trpcMutation<{ delivery: DeliveryReport }>(url, 'hooks.install', {
      clis: before.delivery.fix?.clis,
    });
    expect(fixed.delivery.ok).toBe(true);
    expect(fixed.delivery.misdirected).toEqual([]);
    const newCommand = registeredHookCommand(home);
    expect(newCommand).toContain(join(X, 'hooks', 'flightdeck-hook.sh'));
    expect(readFileSync(join(X, 'hooks', 'flightdeck-hook.sh'), 'utf8')).toContain(
      `FD_SPOOL_DEFAULT=${ownSpool}`,
    );

    // Later events go straight to X/spool: the adopted reader of the other spool takes none of them.
    expect(await fireHook(newCommand, prompt('after-fix', 'delivered here'), env)).toBe(0);
    await waitFor(async () => (await sessions()).some((s) => s.sessionId === 'after-fix'), 20_000, 100);
    const after = await trpcQuery<{ delivery: DeliveryReport }>(url, 'hooks.status');
    expect(after.delivery.ok).toBe(true);
    // The other spool, empty and written to by no hook, was let go: the event can only have come through X/spool.
    expect(fixed.delivery.foreignSpools).toEqual([]);
    expect(after.delivery.foreignSpools).toEqual([]);
    expect(recs(defaultSpool)).toEqual([]);

    const healthy = await runFlightdeck(['hooks', 'status', '--cli', 'claude', '--data-dir', X], env);
    expect(healthy.stdout).not.toContain('WARNING');
    expect(healthy.code, healthy.stdout).toBe(0);
  }, 120_000);
});
