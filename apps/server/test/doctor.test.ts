/**
 * `flightdeck doctor` with the real CLI and a throwaway HOME: all green when hooks, spool and server line up (a
 * self-test event goes through the installed hook command and is taken by the running server), and each failure
 * named in plain words with its fix: hooks delivering elsewhere, spool not writable, server down.
 */
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type DoctorReport, formatDoctorReport } from '../src/doctor.js';
import { runFlightdeck, startFlightdeck, stopChild, userEnv } from './cli-child.js';
import { tmpDir } from './helpers.js';

const tmp = tmpDir('fd-doctor-');
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of children) await stopChild(c);
  tmp.remove();
});

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

describe('flightdeck doctor', () => {
  it('all green, then each broken link named with its fix', async () => {
    const home = join(tmp.dir, 'home');
    mkdirSync(home, { recursive: true });
    const env = userEnv(home);
    const X = join(tmp.dir, 'x-data');
    const spool = join(X, 'spool');
    const port = await freePort();
    const doctor = async () => {
      const r = await runFlightdeck(['doctor', '--data-dir', X], env);
      const j = await runFlightdeck(['doctor', '--data-dir', X, '--json'], env);
      return { ...r, report: JSON.parse(j.stdout) as DoctorReport, jsonCode: j.code };
    };
    const check = (rep: DoctorReport, name: string) => rep.checks.find((c) => c.name === name);

    const setup = await runFlightdeck(
      ['setup', '--yes', '--port', String(port), '--clis', 'claude', '--no-password', '--data-dir', X],
      env,
    );
    expect(setup.code, setup.stderr).toBe(0);
    const { child } = await startFlightdeck(['--data-dir', X], env, children);

    // A spool other users can read: named, with the fix (which is then applied).
    chmodSync(spool, 0o755);
    const open = await doctor();
    expect(open.code).toBe(1);
    expect(open.stdout).toContain(`✗ spool           ${spool} can be read by other users (mode 755)`);
    expect(open.stdout).toContain(`fix: chmod 700 ${spool}`);
    chmodSync(spool, 0o700);

    // All green: every check passes, the self-test event went through the hook and the server took it.
    const green = await doctor();
    expect(green.code, green.stdout).toBe(0);
    expect(green.jsonCode).toBe(0);
    expect(green.stdout).toContain('All checks passed.');
    expect(green.stdout).not.toContain('✗');
    expect(green.report.checks.map((c) => c.name)).toEqual([
      'config',
      'data dir',
      'spool',
      'hooks (claude)',
      'server',
      'self-test',
    ]);
    expect(check(green.report, 'self-test')?.detail).toMatch(/reached the server/);

    // Hooks pointing elsewhere (installed without --data-dir: ~/.flightdeck).
    expect((await runFlightdeck(['hooks', 'install', '--cli', 'claude'], env)).code).toBe(0);
    const elsewhere = await doctor();
    expect(elsewhere.code).toBe(1);
    const defaultSpool = join(home, '.flightdeck', 'spool');
    expect(elsewhere.stdout).toContain(
      `✗ hooks (claude)  hooks deliver events to ${defaultSpool}, not to ${spool}`,
    );
    expect(elsewhere.stdout).toContain(`fix: flightdeck hooks install --cli claude --data-dir ${X}`);
    expect(check(elsewhere.report, 'self-test')).toMatchObject({ ok: false });
    expect(check(elsewhere.report, 'self-test')?.detail).toContain(defaultSpool);
    expect((await runFlightdeck(['hooks', 'install', '--cli', 'claude', '--data-dir', X], env)).code).toBe(0);
    expect((await doctor()).code).toBe(0);

    // Spool not writable.
    chmodSync(spool, 0o500);
    try {
      const ro = await doctor();
      expect(ro.code).toBe(1);
      expect(ro.stdout).toContain(`✗ spool`);
      expect(ro.stdout).toContain(`${spool} is not writable (mode 500)`);
      expect(ro.stdout).toContain(`fix: chmod u+rwx ${spool}`);
    } finally {
      chmodSync(spool, 0o700);
    }

    // Server down.
    await stopChild(child);
    const down = await doctor();
    expect(down.code).toBe(1);
    expect(down.stdout).toContain(`✗ server`);
    expect(down.stdout).toContain(`no server is running at http://127.0.0.1:${port}`);
    expect(down.stdout).toContain(`fix: flightdeck start --data-dir ${X}`);
    expect(check(down.report, 'self-test')?.detail).toMatch(/not run: no server/);
    expect(check(down.report, 'hooks (claude)')?.ok).toBe(true);
  }, 180_000);

  it('never writes control characters from paths or files raw to the terminal', () => {
    const text = formatDoctorReport({
      ok: false,
      dataDir: '/tmp/x\u001b]0;title\u0007',
      checks: [
        {
          name: 'spool',
          ok: false,
          detail: 'newest: bad \u001b[2J\u009b31m',
          fix: 'chmod 700 /tmp/x\u001b[2J',
        },
      ],
    });
    expect(text).toContain('\\x1b[2J');
    expect(text).toContain('\\u009b31m');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });
});
